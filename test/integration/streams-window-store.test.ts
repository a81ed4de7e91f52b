// A Processor API topology with a logged window store against a real broker: the store's
// changelog is compact,delete, and a new instance with an empty state directory restores the
// window store from the changelog and answers interactive queries with the same windows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import {
  KafkaStreams,
  Serdes,
  Stores,
  Topology,
  valueAndTimestamp,
  type Processor,
  type ProcessorContext,
  type Record,
  type TimestampedWindowStore,
} from '../../src/streams/index.js'
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
const WINDOW = 10_000

/** Counts records per key and 10 s window. */
class WindowCount implements Processor<string, string, never, never> {
  store!: TimestampedWindowStore<string, number>
  init(ctx: ProcessorContext<never, never>): void {
    this.store = ctx.getStateStore<TimestampedWindowStore<string, number>>('window-counts')
  }
  process(r: Record<string, string>): void {
    const start = r.timestamp - (r.timestamp % WINDOW)
    const old = this.store.fetch(r.key, start)
    this.store.put(r.key, valueAndTimestamp((old?.value ?? 0) + 1, Math.max(old?.timestamp ?? 0, r.timestamp)), start)
  }
}

function topology(input: string, persistent = false): Topology {
  const supplier = persistent ? Stores.persistentWindowStore('window-counts', 3_600_000, WINDOW, false) : Stores.inMemoryWindowStore('window-counts', 3_600_000, WINDOW, false)
  return new Topology()
    .addSource('src', input, { keySerde: str, valueSerde: str })
    .addProcessor('count', () => new WindowCount(), 'src')
    .addStateStore(Stores.timestampedWindowStoreBuilder(supplier, str, Serdes.int32()), 'count')
}

type Row = [string, number, number, number, number]
function contents(app: KafkaStreams): Row[] {
  const store = app.store<string, number>('window-counts', 'timestampedWindow')
  return [...store.all()].map((e): Row => [e.key.key, e.key.window.start, e.key.window.end, e.value.value, e.value.timestamp]).sort((a, b) => (a[0] + a[1]).localeCompare(b[0] + b[1]))
}

describe('KafkaStreams window store', () => {
  it('restores a window store from its changelog in a new instance and answers interactive queries', async () => {
    const input = uniqueTopic('win-in')
    const appId = uniqueTopic('win-app')
    await client.createTopic(input, { partitions: 2 })
    const base = Date.now() - 600_000
    const records: Array<{ key: string; ts: number }> = []
    for (let i = 0; i < 300; i++) records.push({ key: `k${i % 7}`, ts: base + ((i * 7919) % 120_000) })
    const expected = new Map<string, number>()
    for (const r of records) {
      const start = r.ts - (r.ts % WINDOW)
      expected.set(`${r.key}@${start}`, (expected.get(`${r.key}@${start}`) ?? 0) + 1)
    }
    const producer = client.producer({ lingerMs: 2 })
    await producer.sendBatch(records.map((r) => ({ topic: input, key: Buffer.from(r.key), value: Buffer.from('x'), timestamp: r.ts })))
    await producer.close()

    const options = { applicationId: appId, brokers: [bootstrap()], commitIntervalMs: 200, heartbeatIntervalMs: 500 }
    const first = new KafkaStreams(topology(input), { ...options, stateDir: tempStateDir() })
    let before: Row[]
    try {
      await first.start()
      await waitFor('all records counted', () => contents(first).reduce((n, r) => n + r[3], 0) === records.length, 40_000, 200)
      before = contents(first)
      expect(Object.fromEntries(before.map((r) => [`${r[0]}@${r[1]}`, r[3]]))).toEqual(Object.fromEntries(expected))
      // A plain window query of the same store drops the timestamps.
      const plain = first.store<string, number>('window-counts', 'window')
      const [k, start, , count] = before[0]
      expect(plain.fetch(k, start)).toBe(count)
      expect(() => first.store('window-counts')).toThrow(/store\('window-counts', 'timestampedWindow'\)/)
    } finally {
      await first.close()
    }

    const changelog = `${appId}-window-counts-changelog`
    const configs = await client.describeTopicConfigs(changelog)
    expect(configs['cleanup.policy']).toBe('compact,delete')
    expect(configs['retention.ms']).toBe(String(3_600_000 + 86_400_000))

    // Fresh state directory and in-memory store: everything comes back from the changelog.
    const second = new KafkaStreams(topology(input), { ...options, stateDir: tempStateDir() })
    try {
      await second.start()
      await waitFor('window store restored', () => contents(second).length === before.length, 40_000, 200)
      expect(contents(second)).toEqual(before)
      expect(second.metrics().restore.restoredRecords).toBeGreaterThan(0)
    } finally {
      await second.close()
    }
  }, 90_000)

  it('a persistent (LMDB) window store keeps its windows across a restart: nothing to restore', async () => {
    const input = uniqueTopic('win-lmdb-in')
    const appId = uniqueTopic('win-lmdb-app')
    await client.createTopic(input, { partitions: 2 })
    const base = Date.now() - 600_000
    const producer = client.producer({ lingerMs: 2 })
    await producer.sendBatch(Array.from({ length: 200 }, (_, i) => ({ topic: input, key: Buffer.from(`k${i % 5}`), value: Buffer.from('x'), timestamp: base + i * 500 })))
    await producer.close()
    const options = { applicationId: appId, brokers: [bootstrap()], commitIntervalMs: 200, heartbeatIntervalMs: 500, stateDir: tempStateDir() }
    const first = new KafkaStreams(topology(input, true), options)
    let before: Row[]
    try {
      await first.start()
      await waitFor('all records counted', () => contents(first).reduce((n, r) => n + r[3], 0) === 200, 40_000, 200)
      before = contents(first)
    } finally {
      await first.close()
    }
    const second = new KafkaStreams(topology(input, true), options)
    try {
      await second.start()
      await waitFor('tasks running', () => second.state === 'RUNNING' && contents(second).length === before.length, 30_000)
      expect(contents(second)).toEqual(before)
      // The checkpoint written at the clean close covers the whole changelog.
      expect(second.metrics().restore.restoredRecords).toBe(0)
    } finally {
      await second.close()
    }
  }, 90_000)

  it('fails over to a warm standby of the window store: the windows are all there', async () => {
    const input = uniqueTopic('win-sb-in')
    const appId = uniqueTopic('win-sb-app')
    await client.createTopic(input, { partitions: 2 })
    const options = { applicationId: appId, brokers: [bootstrap()], commitIntervalMs: 200, heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000, numStandbyReplicas: 1 }
    const a = new KafkaStreams(topology(input), { ...options, stateDir: tempStateDir() })
    const b = new KafkaStreams(topology(input), { ...options, stateDir: tempStateDir() })
    try {
      await a.start()
      await b.start()
      await waitFor('one active and one standby task each', () => a.metrics().tasks.active.length === 1 && b.metrics().tasks.active.length === 1 && b.metrics().tasks.standby.length === 1, 30_000)
      const base = Date.now() - 600_000
      const expected = new Map<string, number>()
      const records: Array<{ key: string; ts: number }> = []
      for (let i = 0; i < 400; i++) records.push({ key: `k${i % 11}`, ts: base + ((i * 104_729) % 90_000) })
      for (const r of records) {
        const id = `${r.key}@${r.ts - (r.ts % WINDOW)}`
        expected.set(id, (expected.get(id) ?? 0) + 1)
      }
      const producer = client.producer({ lingerMs: 2 })
      await producer.sendBatch(records.map((r) => ({ topic: input, key: Buffer.from(r.key), value: Buffer.from('x'), timestamp: r.ts })))
      await producer.close()
      const total = (apps: KafkaStreams[]) => apps.reduce((n, app) => n + contents(app).reduce((m, r) => m + r[3], 0), 0)
      await waitFor('all records counted', () => total([a, b]) === records.length, 40_000, 200)
      await waitFor('standby caught up', () => b.metrics().restore.standbyRecords > 0 && b.metrics().restore.inProgress.every((c) => c.position >= c.endOffset), 20_000)
      await a.close()
      await waitFor('B took over', () => b.metrics().tasks.active.length === 2 && b.state === 'RUNNING', 30_000)
      await waitFor('every window on B', () => total([b]) === records.length, 20_000, 200)
      expect(Object.fromEntries(contents(b).map((r) => [`${r[0]}@${r[1]}`, r[3]]))).toEqual(Object.fromEntries(expected))
    } finally {
      await a.close()
      await b.close()
    }
  }, 90_000)
})
