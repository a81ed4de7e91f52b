// Remote interactive queries: three instances of a counting app, each with a query server at its
// applicationServer address; one instance answers for every key (locally or by forwarding), and
// still does after an instance leaves and its keys move to the others.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, NoQueryHostError, Serdes, StreamsBuilder, TimeWindows, type Topology } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const str = Serdes.string()
const int64 = Serdes.int64()
const KEYS = 40

function counting(input: string): Topology {
  const b = new StreamsBuilder()
  const grouped = b.stream(input, { key: str, value: str }).groupByKey()
  grouped.count({ name: 'counts' })
  grouped.windowedBy(TimeWindows.ofSizeAndGrace(60_000, 86_400_000)).count({ name: 'per-minute' })
  return b.build()
}

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

/** Every key's count as `from` answers it, with the answering host; null when some query failed or was stale. */
async function queryAll(from: KafkaStreams): Promise<Map<string, { count: number | null; host: string }> | null> {
  const out = new Map<string, { count: number | null; host: string }>()
  try {
    for (let k = 0; k < KEYS; k++) {
      const r = await from.query<string, number>('counts', `k${k}`, { keySerde: str, valueSerde: int64, timeoutMs: 2000 })
      if (r.stale) return null
      out.set(`k${k}`, { count: r.value, host: r.host })
    }
  } catch {
    return null // rebalancing: no host for some key yet
  }
  return out
}

const exact = (got: Map<string, { count: number | null }> | null, expected: Map<string, number>): boolean =>
  got !== null && [...expected].every(([k, n]) => got.get(k)?.count === n)

describe('KafkaStreams remote interactive queries', () => {
  it('three instances: every key answered from one instance, before and after one leaves', async () => {
    const input = uniqueTopic('rq-in')
    await client.createTopic(input, { partitions: 6 })
    const applicationId = uniqueTopic('rq-app')
    const expected = new Map<string, number>()
    const producer = client.producer({ lingerMs: 2 })
    const records = []
    for (let i = 0; i < 600; i++) {
      const key = `k${(i * 7) % KEYS}`
      expected.set(key, (expected.get(key) ?? 0) + 1)
      records.push({ topic: input, key: Buffer.from(key), value: Buffer.from(`v${i}`) })
    }
    await producer.sendBatch(records)
    await producer.close()

    const apps: KafkaStreams[] = []
    const endpoints: string[] = []
    for (let i = 0; i < 3; i++) {
      const endpoint = `127.0.0.1:${await freePort()}`
      const app = new KafkaStreams(counting(input), {
        applicationId,
        brokers: [bootstrap()],
        commitIntervalMs: 200,
        numStandbyReplicas: 1,
        heartbeatIntervalMs: 300,
        sessionTimeoutMs: 10_000,
        stateDir: tempStateDir(),
        applicationServer: endpoint,
      })
      await app.startQueryServer({ host: '127.0.0.1' })
      apps.push(app)
      endpoints.push(endpoint)
    }
    const [a, b, c] = apps
    try {
      await Promise.all(apps.map((app) => app.start()))
      // Every instance runs tasks (so A answers some keys itself and forwards the others), and every count is in.
      let before: Map<string, { count: number | null; host: string }> | null = null
      await waitFor(
        'every key answered exactly through instance A, with all three instances hosting keys',
        async () => {
          if (!apps.every((app) => app.state === 'RUNNING')) return false
          before = await queryAll(a)
          return exact(before, expected) && new Set([...before!.values()].map((v) => v.host)).size === 3
        },
        60_000,
      )
      const hostsBefore = before as unknown as Map<string, { count: number | null; host: string }>
      for (const [key, v] of hostsBefore) expect(v.host, key).toBe(a.metadataForKey('counts', key, str).activeHost)

      // A range over all partitions gathers every key, through all three hosts.
      const all = await b.queryRange<string, number>('counts', null, null, { keySerde: str, valueSerde: int64 })
      expect(new Map(all.value.map((e) => [e.key, e.value]))).toEqual(expected)
      expect(all.host.split(',').sort()).toEqual([...endpoints].sort())
      expect(all.stale).toBe(false)

      // Window fetches through the owner: the windows of a key sum to its count.
      const win = await c.queryWindow<string, number>('per-minute', 'k3', 0, Date.now() + 60_000, { keySerde: str, valueSerde: int64 })
      expect(win.value.reduce((n, w) => n + w.value, 0)).toBe(expected.get('k3'))

      // A's query server stops (A still runs its tasks): B gets A's keys from their standbys, flagged stale.
      await a.stopQueryServer()
      let onA: string[] = []
      await waitFor(
        "A's keys answered exactly by their standbys",
        async () => {
          // Keys whose active task is on A in the current assignment.
          onA = [...expected.keys()].filter((k) => b.metadataForKey('counts', k, str).activeHost === endpoints[0])
          if (onA.length === 0) return false
          for (const k of onA) {
            const r = await b.query<string, number>('counts', k, { keySerde: str, valueSerde: int64, timeoutMs: 2000 })
            if (!r.stale || r.host === endpoints[0] || r.value !== expected.get(k)) return false
          }
          return true
        },
        30_000,
      )
      await expect(b.query('counts', onA[0], { keySerde: str, valueSerde: int64, allowStale: false })).rejects.toThrow(NoQueryHostError)
      const other = [...expected.keys()].find((k) => !onA.includes(k))!
      expect(await b.query<string, number>('counts', other, { keySerde: str, valueSerde: int64 })).toMatchObject({ value: expected.get(other), stale: false })
      await a.startQueryServer({ host: '127.0.0.1' })

      // C leaves: its keys move to A and B, and A answers every key again once they run there.
      const leaving = [...hostsBefore].filter(([, v]) => v.host === endpoints[2]).map(([k]) => k)
      expect(leaving.length).toBeGreaterThan(0)
      await c.close()
      let after: Map<string, { count: number | null; host: string }> | null = null
      await waitFor(
        'every key answered exactly by A or B after C left',
        async () => {
          after = await queryAll(a)
          return exact(after, expected) && [...after!.values()].every((v) => v.host !== endpoints[2])
        },
        60_000,
      )
      const hostsAfter = after as unknown as Map<string, { count: number | null; host: string }>
      for (const k of leaving) expect([endpoints[0], endpoints[1]]).toContain(hostsAfter.get(k)?.host)
      const allAfter = await a.queryRange<string, number>('counts', null, null, { keySerde: str, valueSerde: int64 })
      expect(new Map(allAfter.value.map((e) => [e.key, e.value]))).toEqual(expected)
    } finally {
      await Promise.all(apps.map((app) => app.close()))
    }
  }, 180_000)
})
