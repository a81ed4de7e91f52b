// KafkaStreams end to end: a foreign-key join of orders (3 partitions) with customers (2 partitions)
// under exactly_once_v2. Subscriptions travel to the customers' partitions and responses back to
// the orders' partitions; orders change customer, customers are renamed and deleted, orders are
// deleted, and a second instance takes over from restored state. The committed output's latest
// value per order and the result store must be exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Materialized, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { latestByKey, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

interface Order {
  customer: string
  item: string
}

describe('KafkaStreams foreign-key join', () => {
  it('exactly_once_v2: exact results across tables with different partition counts', async () => {
    const ordersTopic = uniqueTopic('fk-orders')
    const customersTopic = uniqueTopic('fk-customers')
    const output = uniqueTopic('fk-out')
    const appId = uniqueTopic('fk-app')
    await client.createTopic(ordersTopic, { partitions: 3 })
    await client.createTopic(customersTopic, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })

    const S = Serdes.string()
    const b = new StreamsBuilder()
    const orders = b.table<string, Order>(ordersTopic, { key: S, value: Serdes.json<Order>() })
    const customers = b.table<string, string>(customersTopic, { key: S, value: S })
    orders
      .join(
        customers,
        (o) => o.customer,
        (o, name) => `${o.item}@${name}`,
        { name: 'enrich' },
        Materialized.as<string, string>('enriched').withValueSerde(S),
      )
      .toStream()
      .to(output, { key: S, value: S })

    // 40 customers, 300 orders; then 150 orders move to other customers, 10 customers are renamed,
    // 6 customers and 30 orders are deleted.
    const customerRecords: Array<{ key: string; value: string | null }> = []
    const orderRecords: Array<{ key: string; value: Order | null }> = []
    for (let c = 0; c < 40; c++) customerRecords.push({ key: `c${c}`, value: `name-${c}` })
    for (let o = 0; o < 300; o++) orderRecords.push({ key: `o${o}`, value: { customer: `c${o % 45}`, item: `item-${o}` } }) // c40-c44 do not exist
    for (let i = 0; i < 150; i++) orderRecords.push({ key: `o${(i * 7) % 300}`, value: { customer: `c${(i * 11) % 40}`, item: `item-${i}b` } })
    for (let c = 0; c < 10; c++) customerRecords.push({ key: `c${c * 3}`, value: `renamed-${c}` })
    for (let c = 0; c < 6; c++) customerRecords.push({ key: `c${c * 5 + 1}`, value: null })
    for (let o = 0; o < 300; o += 10) orderRecords.push({ key: `o${o}`, value: null })

    const customerNow = new Map<string, string>()
    for (const r of customerRecords) r.value === null ? customerNow.delete(r.key) : customerNow.set(r.key, r.value)
    const orderNow = new Map<string, Order>()
    for (const r of orderRecords) r.value === null ? orderNow.delete(r.key) : orderNow.set(r.key, r.value)
    const expected = new Map<string, string>()
    for (const [id, o] of orderNow) {
      const name = customerNow.get(o.customer)
      if (name !== undefined) expected.set(id, `${o.item}@${name}`)
    }

    const producer = client.producer({ lingerMs: 2 })
    // Orders go to partition (id mod 3), not where the default partitioner would put them: only the
    // left row's partition carried in the subscription brings the response back to the row.
    const partitionOf = (topic: string, key: string): number | undefined => (topic === ordersTopic ? Number(key.slice(1)) % 3 : undefined)
    const send = (topic: string, rs: Array<{ key: string; value: unknown }>) =>
      producer.sendBatch(
        rs.map((r) => ({
          topic,
          partition: partitionOf(topic, r.key),
          key: Buffer.from(r.key),
          value: r.value === null ? null : Buffer.from(typeof r.value === 'string' ? r.value : JSON.stringify(r.value)),
        })),
      )
    // Interleaved in three rounds, so the join sees changes on both sides while it runs.
    await send(customersTopic, customerRecords.slice(0, 40))
    await send(ordersTopic, orderRecords.slice(0, 300))

    const topology = b.build()
    const newApp = (): KafkaStreams =>
      new KafkaStreams(topology, {
        applicationId: appId,
        brokers: [bootstrap()],
        processingGuarantee: 'exactly_once_v2',
        commitIntervalMs: 100,
        stateDir: tempStateDir(),
        heartbeatIntervalMs: 500,
      })
    // A first instance joins what is there, then stops; the second starts on an empty state
    // directory and restores the tables, the subscription store and the result from their changelogs.
    const first = newApp()
    try {
      await first.start()
      await waitFor('first results', async () => (await readTopic(client, output, 'read_committed')).length > 0, 30_000, 200)
    } finally {
      await first.close()
    }
    const app = newApp()
    try {
      await app.start()
      await send(ordersTopic, orderRecords.slice(300, 450))
      await send(customersTopic, customerRecords.slice(40))
      await send(ordersTopic, orderRecords.slice(450))
      await producer.close()

      const matches = (latest: Map<string, string | null>): boolean =>
        [...expected].every(([k, v]) => latest.get(k) === v) && [...latest].every(([k, v]) => v === null || expected.get(k) === v)
      await waitFor('exact join results', async () => matches(latestByKey(await readTopic(client, output, 'read_committed'), (v) => v.toString())), 50_000, 300)
      const latest = latestByKey(await readTopic(client, output, 'read_committed'), (v) => v.toString())
      const present = Object.fromEntries([...latest].filter(([, v]) => v !== null))
      expect(present).toEqual(Object.fromEntries(expected))

      // Subscriptions are co-partitioned with customers, responses with orders.
      expect((await client.describeTopic(`${appId}-enrich-subscription-registration-topic`)).partitions.length).toBe(2)
      expect((await client.describeTopic(`${appId}-enrich-subscription-response-topic`)).partitions.length).toBe(3)
      expect((await client.describeTopic(`${appId}-enrich-subscription-store-changelog`)).partitions.length).toBe(2)

      await waitFor('RUNNING', () => app.state === 'RUNNING')
      const store = app.store<string, string>('enriched')
      expect(Object.fromEntries([...store.all()].map((e) => [e.key, e.value]))).toEqual(Object.fromEntries(expected))
    } finally {
      await app.close()
    }
  }, 90_000)
})
