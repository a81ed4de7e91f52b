// A temporal stream-table join end to end under exactly_once_v2: orders join a versioned price
// table as of each order's timestamp. The price valid at the orders' time arrives after the
// orders (and out of order for the table: older than the latest price), within the join's grace
// period; the orders wait in the grace buffer, which survives a restart on a fresh state
// directory (restored from its changelog), and each order joins exactly once with that price.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Materialized, Serdes, Stores, StreamsBuilder, type KafkaStreamsOptions } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const PARTITIONS = 2
const KEYS = 20
const GRACE_MS = 60_000
/** Event times near now (records from 1970 would be past the topics' retention). */
const BASE = Math.floor(Date.now() / 60_000) * 60_000

type Rec = { topic: string; partition: number; key: Buffer; value: Buffer; timestamp: number }
const rec = (topic: string, k: number, value: string, timestamp: number): Rec => ({ topic, partition: k % PARTITIONS, key: Buffer.from(`k${k}`), value: Buffer.from(value), timestamp })

async function produce(records: Rec[]): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  await producer.sendBatch(records)
  await producer.close()
}

describe('temporal stream-table join under exactly_once_v2', () => {
  it('orders join the price valid at their timestamp, including one that arrived late within the grace', async () => {
    const prices = uniqueTopic('tj-prices')
    const orders = uniqueTopic('tj-orders')
    const output = uniqueTopic('tj-out')
    for (const t of [prices, orders, output]) await client.createTopic(t, { partitions: PARTITIONS })
    const topology = () => {
      const b = new StreamsBuilder()
      const table = b.table(prices, { key: Serdes.string(), value: Serdes.string() }, Materialized.as<string, string>(Stores.persistentVersionedKeyValueStore('prices', 3_600_000)))
      b.stream(orders, { key: Serdes.string(), value: Serdes.string() })
        .join(table, (order, price) => `${order}:${price}`, { name: 'priced', gracePeriodMs: GRACE_MS })
        .to(output, { key: Serdes.string(), value: Serdes.string() })
      return b.build()
    }
    const options: KafkaStreamsOptions = {
      applicationId: uniqueTopic('tj-app'),
      brokers: [bootstrap()],
      processingGuarantee: 'exactly_once_v2',
      commitIntervalMs: 100,
      heartbeatIntervalMs: 300,
      sessionTimeoutMs: 10_000,
    }
    const results = async () => (await readTopic(client, output, 'read_committed')).map((r) => `${r.key!.toString()}=${r.value!.toString()}`)
    const keys = Array.from({ length: KEYS }, (_, k) => k)

    const a = new KafkaStreams(topology(), { ...options, stateDir: tempStateDir() })
    try {
      // Phase 1: price v1 at BASE, v3 at BASE + 5000; orders at BASE + 1000 + k wait in the buffer.
      await produce([...keys.map((k) => rec(prices, k, 'v1', BASE)), ...keys.map((k) => rec(prices, k, 'v3', BASE + 5000))])
      await produce(keys.map((k) => rec(orders, k, `o${k}`, BASE + 1000 + k)))
      await a.start()
      const versions = a.store<string, string>('prices', 'versioned')
      await waitFor('phase 1 processed', () => a.metrics().recordsProcessed >= 3 * KEYS, 30_000)
      expect(keys.map((k) => versions.get(`k${k}`)?.value)).toEqual(keys.map(() => 'v3'))
      expect(keys.map((k) => versions.get(`k${k}`, BASE + 1000 + k)?.value)).toEqual(keys.map(() => 'v1'))

      // Phase 2: v2 at BASE + 500 arrives late (older than v3): history, valid at the orders' time.
      await produce(keys.map((k) => rec(prices, k, 'v2', BASE + 500)))
      await waitFor('late prices stored', () => keys.every((k) => versions.get(`k${k}`, BASE + 1000 + k)?.value === 'v2'), 30_000)
      expect(await results()).toEqual([])
      await a.close()

      // A restart on a fresh state directory restores the table and the buffered orders from their changelogs.
      const a2 = new KafkaStreams(topology(), { ...options, stateDir: tempStateDir() })
      try {
        await a2.start()
        // Phase 3: a tick per partition moves stream time past the orders' timestamp + grace.
        await produce(Array.from({ length: PARTITIONS }, (_, p) => ({ topic: orders, partition: p, key: Buffer.from(`tick-${p}`), value: Buffer.from('tick'), timestamp: BASE + 1000 + GRACE_MS + KEYS })))
        await waitFor('orders joined', async () => (await results()).length >= KEYS, 30_000, 200)
        // Nothing else is due: give a duplicate the time to show up.
        await new Promise((r) => setTimeout(r, 500))
        expect((await results()).sort()).toEqual(keys.map((k) => `k${k}=o${k}:v2`).sort())
        expect(a2.metrics().restore.restoredRecords).toBeGreaterThan(0)
      } finally {
        await a2.close()
      }
    } finally {
      await a.close()
    }
  }, 120_000)
})
