// KafkaStreams behaviours the README promises, each against the broker: replace-thread after an
// uncaught error, start() refusing a missing source topic, the exactly-once transactional id kept
// across restarts through stateDir, a persistent store restored from its checkpoint (only the
// changelog tail replayed), lag in metrics(), and standby hosts in metadataForKey().
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Materialized, Serdes, Stores, StreamsBuilder, StreamsConfigError, type KafkaStreamsOptions, type StreamsState } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { int64, latestByKey, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

function options(applicationId: string, extra: Partial<KafkaStreamsOptions> = {}): KafkaStreamsOptions {
  return { applicationId, brokers: [bootstrap()], processingGuarantee: 'exactly_once_v2', commitIntervalMs: 100, heartbeatIntervalMs: 500, stateDir: tempStateDir(), ...extra }
}

async function produce(topic: string, records: Array<[string, string]>): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  await producer.sendBatch(records.map(([key, value]) => ({ topic, key, value })))
  await producer.close()
}

/** word -> count, on a persistent store named 'counts'. */
function countTopology(input: string, output: string) {
  const b = new StreamsBuilder()
  b.stream(input, { key: Serdes.string(), value: Serdes.string() })
    .groupBy((_k, v) => v, { key: Serdes.string(), value: Serdes.string() })
    .count(Materialized.as<string, number>(Stores.persistentKeyValueStore('counts')))
    .toStream()
    .to(output, { key: Serdes.string(), value: Serdes.int64() })
  return b.build()
}

describe('KafkaStreams runtime promises', () => {
  it("onUncaughtError('replace-thread'): the failed transaction is aborted, processing goes on, every record counts once", async () => {
    const input = uniqueTopic('rt-replace-in')
    const output = uniqueTopic('rt-replace-out')
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })
    let thrown = 0
    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() })
      .mapValues((v) => {
        // Fails once, on the first sight of 'boom': the replaced thread sees it again and passes.
        if (v === 'boom' && thrown++ === 0) throw new Error('transient failure')
        return v.toUpperCase()
      })
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = new KafkaStreams(b.build(), options(uniqueTopic('rt-replace')))
    const errors: string[] = []
    const states: StreamsState[] = []
    app.onUncaughtError((err) => {
      errors.push(err.message)
      return 'replace-thread'
    })
    app.onStateChange((next) => void states.push(next))
    await app.start()
    try {
      const values = Array.from({ length: 200 }, (_, i) => (i === 120 ? 'boom' : `v${i}`))
      await produce(input, values.map((v, i) => [`k${i % 5}`, v]))
      let out: string[] = []
      await waitFor('every record transformed', async () => {
        out = (await readTopic(client, output, 'read_committed')).map((r) => r.value!.toString())
        return out.length >= values.length
      }, 45_000, 200)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/transient failure/)
      expect(thrown).toBe(2)
      expect(out.sort()).toEqual(values.map((v) => v.toUpperCase()).sort())
      expect(states.slice(states.indexOf('RUNNING'))).toContain('REBALANCING')
      await waitFor('running again', () => app.state === 'RUNNING')
    } finally {
      await app.close()
    }
  })

  it('start() refuses a missing source topic with a StreamsConfigError and ends in ERROR', async () => {
    const missing = uniqueTopic('rt-missing')
    const app = new KafkaStreams(countTopology(missing, uniqueTopic('rt-missing-out')), options(uniqueTopic('rt-missing-app')))
    const err = await app.start().then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(StreamsConfigError)
    expect((err as Error).message).toContain(missing)
    expect(app.state).toBe('ERROR')
    await app.close()
  })

  it('keeps its exactly-once transactional id across restarts through stateDir, restores a persistent store from its checkpoint, and reports lag', async () => {
    const input = uniqueTopic('rt-ckpt-in')
    const output = uniqueTopic('rt-ckpt-out')
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })
    const appId = uniqueTopic('rt-ckpt')
    const stateDir = tempStateDir()
    const words = ['kafka', 'streams', 'peridot', 'table', 'store']
    const first: Array<[string, string]> = Array.from({ length: 300 }, (_, i) => [`k${i}`, words[i % words.length]])
    const counted = async (n: number) =>
      waitFor(`counts of ${n} records`, async () => {
        const latest = latestByKey(await readTopic(client, output, 'read_committed'), int64)
        return [...latest.values()].reduce((a: number, c) => a + (c ?? 0), 0) === n
      }, 45_000, 200)

    const app1 = new KafkaStreams(countTopology(input, output), options(appId, { stateDir }))
    await app1.start()
    await produce(input, first)
    await counted(300)
    // Lag per assigned input partition, 0 once everything was read.
    await waitFor('lag 0 on both partitions', () => {
      const lag = app1.metrics().lag.filter((l) => l.topic === input)
      return lag.length === 2 && lag.every((l) => l.lag === 0n)
    })
    await app1.close()
    const ids = async () => (await client.admin().listTransactions()).map((t) => t.transactionalId).filter((id) => id.startsWith(`${appId}-`))
    const idsAfterFirst = await ids()
    expect(idsAfterFirst).toHaveLength(1)

    // Restarted on the same state dir: same transactional id, and the store comes from the
    // checkpoint (nothing of the changelog replayed), then counts on.
    await produce(input, first.slice(0, 100))
    const app2 = new KafkaStreams(countTopology(input, output), options(appId, { stateDir }))
    await app2.start()
    try {
      await counted(400)
      expect(await ids()).toEqual(idsAfterFirst)
      expect(app2.metrics().restore.restoredRecords).toBe(0)
      expect(app2.store<string, number>('counts').get('kafka')).toBe(80)
    } finally {
      await app2.close()
    }

    // A fresh state dir: a new transactional id, and the store restored from the whole changelog.
    const app3 = new KafkaStreams(countTopology(input, output), options(appId, { stateDir: tempStateDir() }))
    await app3.start()
    try {
      await waitFor('tasks restored and running', () => app3.state === 'RUNNING' && app3.metrics().tasks.active.length > 0 && app3.metrics().tasks.restoring.length === 0)
      expect(app3.metrics().restore.restoredRecords).toBeGreaterThan(0)
      expect(app3.store<string, number>('counts').get('kafka')).toBe(80)
      expect((await ids()).length).toBe(2)
    } finally {
      await app3.close()
    }
  })

  it('metadataForKey names the active host and the standby host of a key', async () => {
    const input = uniqueTopic('rt-standby-in')
    const output = uniqueTopic('rt-standby-out')
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })
    const appId = uniqueTopic('rt-standby')
    const a = new KafkaStreams(countTopology(input, output), options(appId, { numStandbyReplicas: 1, applicationServer: 'host-a:1' }))
    const b = new KafkaStreams(countTopology(input, output), options(appId, { numStandbyReplicas: 1, applicationServer: 'host-b:2' }))
    await a.start()
    await b.start()
    try {
      await produce(input, [['k1', 'kafka']])
      await waitFor('both instances see an active and a standby host for the key', () =>
        [a, b].every((app) => {
          const m = app.metadataForKey('counts', 'kafka', Serdes.string())
          return m.activeHost !== null && m.standbyHosts.length === 1
        }),
      60_000, 200)
      const m = a.metadataForKey('counts', 'kafka', Serdes.string())
      expect(new Set([m.activeHost, ...m.standbyHosts])).toEqual(new Set(['host-a:1', 'host-b:2']))
      expect(b.metadataForKey('counts', 'kafka', Serdes.string())).toEqual(m)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
  it('a global table is read to its end before processing starts, then follows its topic', async () => {
    const orders = uniqueTopic('rt-global-orders')
    const customers = uniqueTopic('rt-global-customers')
    const output = uniqueTopic('rt-global-out')
    await client.createTopic(orders, { partitions: 2 })
    await client.createTopic(customers, { partitions: 3 })
    await client.createTopic(output, { partitions: 2 })
    // Written before start: the bootstrap must have them all before the first order is joined.
    await produce(customers, Array.from({ length: 30 }, (_, i): [string, string] => [`c${i}`, `name-${i}`]))
    const b = new StreamsBuilder()
    const names = b.globalTable(customers, { key: Serdes.string(), value: Serdes.string() }, 'customer-names')
    b.stream(orders, { key: Serdes.string(), value: Serdes.string() })
      .leftJoin(names, (_order, customer) => customer, (order, name) => `${order} for ${name ?? 'nobody'}`)
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = new KafkaStreams(b.build(), options(uniqueTopic('rt-global')))
    await app.start()
    try {
      await produce(orders, Array.from({ length: 30 }, (_, i): [string, string] => [`o${i}`, `c${i}`]))
      const joined = async (n: number) => {
        let out: string[] = []
        await waitFor(`${n} joined orders`, async () => {
          out = (await readTopic(client, output, 'read_committed')).map((r) => r.value!.toString())
          return out.length >= n
        }, 45_000, 200)
        return out
      }
      expect((await joined(30)).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `c${i} for name-${i}`).sort())
      // An update of the global topic while running reaches the store, then later joins.
      await produce(customers, [['c7', 'renamed-7']])
      await waitFor('the global store to follow its topic', () => app.store<string, string>('customer-names').get('c7') === 'renamed-7', 30_000)
      await produce(orders, [['o-late', 'c7']])
      const out = await joined(31)
      expect(out).toContain('c7 for renamed-7')
    } finally {
      await app.close()
    }
  })
})
