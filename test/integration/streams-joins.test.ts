// A stream-stream left join end to end under exactly_once_v2: orders joined with their payments
// within 5 minutes. Read with read_committed, the output holds exactly one result per order: the
// paid ones joined with their payment (stamped with the later timestamp), the unpaid ones (and the
// one paid too late) joined with null, stamped with the order's time, only once stream time has
// passed their window; nothing else.
import { describe, expect, it } from 'vitest'
import { JoinWindows, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { sharedClient, uniqueTopic } from './helpers.js'
import { readTopic, testStreamsApp, waitFor } from './streams-helpers.js'

const client = sharedClient()

const SECOND = 1000
const MINUTE = 60 * SECOND
const ORDERS = 200

describe('KafkaStreams stream-stream join', () => {
  it('exactly_once_v2: every order once, with its payment or (after the window closed) with null', async () => {
    const orders = uniqueTopic('join-orders')
    const payments = uniqueTopic('join-payments')
    const output = uniqueTopic('join-out')
    const appId = uniqueTopic('join-app')
    await client().createTopic(orders, { partitions: 2 })
    await client().createTopic(payments, { partitions: 2 })
    await client().createTopic(output, { partitions: 2 })

    // Order i at base + i s. Paid within 0-4 minutes unless i % 4 == 3; i % 8 == 7 has a payment
    // stamped 6 minutes before the order: outside the window, so it joins with null too.
    const base = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE
    const expected = new Map<string, { value: string; timestamp: number }>()
    const orderRecords = []
    const paymentRecords = []
    for (let i = 0; i < ORDERS; i++) {
      const id = `o${i}`
      const at = base + i * SECOND
      orderRecords.push({ topic: orders, key: Buffer.from(id), value: Buffer.from(String(i * 10)), timestamp: at })
      const paidAt = i % 4 !== 3 ? at + (i % 5) * MINUTE : i % 8 === 7 ? at - 6 * MINUTE : undefined
      if (paidAt !== undefined) paymentRecords.push({ topic: payments, key: Buffer.from(id), value: Buffer.from(`p${i}`), timestamp: paidAt })
      expected.set(id, i % 4 !== 3 ? { value: `${i * 10}:p${i}`, timestamp: paidAt as number } : { value: `${i * 10}:unpaid`, timestamp: at })
    }
    const producer = client().producer({ lingerMs: 2 })
    await producer.sendBatch(orderRecords)
    await producer.sendBatch(paymentRecords)

    const b = new StreamsBuilder()
    const orderStream = b.stream(orders, { key: Serdes.string(), value: Serdes.string() })
    const paymentStream = b.stream(payments, { key: Serdes.string(), value: Serdes.string() })
    orderStream
      .leftJoin(paymentStream, (amount, payment) => `${amount}:${payment ?? 'unpaid'}`, JoinWindows.ofTimeDifferenceWithNoGrace(5 * MINUTE), { storeName: 'order-payments' })
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = testStreamsApp(b.build(), appId)
    const results = async (): Promise<Array<{ key: string; value: string; timestamp: number }>> =>
      (await readTopic(client(), output, 'read_committed')).map((r) => ({ key: r.key!.toString(), value: r.value!.toString(), timestamp: r.timestamp }))
    const paid = [...expected.values()].filter((e) => !e.value.endsWith('unpaid')).length
    try {
      await app.start()
      await waitFor('the paid orders', async () => (await results()).filter((r) => !r.value.endsWith('unpaid')).length >= paid, 40_000, 250)
      // Stream time is at most base + 434 s (the latest payment) in either task. A probe order at
      // base + 435 s in each task, more than the emit interval (1 s) after the last scan, closes the
      // windows of the orders before base + 135 s: exactly their unpaid results come out.
      const unpaidBefore = (s: number) => [...expected].filter(([, e]) => e.value.endsWith('unpaid') && e.timestamp < base + s * SECOND).map(([k]) => k)
      const outUnpaid = async () => (await results()).filter((r) => r.value.endsWith('unpaid')).map((r) => r.key)
      await new Promise((r) => setTimeout(r, 1500))
      const at = (partition: number, key: string, timestamp: number) => ({ topic: orders, partition, key: Buffer.from(key), value: Buffer.from('0'), timestamp })
      await producer.sendBatch([at(0, 'probe-0', base + 435 * SECOND), at(1, 'probe-1', base + 435 * SECOND)])
      for (const k of ['probe-0', 'probe-1']) expected.set(k, { value: '0:unpaid', timestamp: base + 435 * SECOND })
      await waitFor('unpaid orders before base + 135 s', async () => (await outUnpaid()).length >= unpaidBefore(135).length, 40_000, 250)
      await new Promise((r) => setTimeout(r, 500))
      expect((await outUnpaid()).sort()).toEqual(unpaidBefore(135).sort())
      // Then stream time an hour on in both tasks: every window but the ticks' own closes.
      await new Promise((r) => setTimeout(r, 1500))
      await producer.sendBatch([at(0, 'tick-0', base + 60 * MINUTE), at(1, 'tick-1', base + 60 * MINUTE)])
      await waitFor('every order', async () => (await results()).length >= expected.size, 40_000, 250)
      // Nothing more comes: give the app time to show a duplicate or a spurious result.
      await new Promise((r) => setTimeout(r, 1000))
      const out = await results()
      expect(out.length).toBe(expected.size)
      expect(new Map(out.map((r) => [r.key, { value: r.value, timestamp: r.timestamp }]))).toEqual(expected)
      const config = await client().describeTopicConfigs(`${appId}-order-payments-this-join-store-changelog`)
      expect(config['cleanup.policy']).toBe('delete')
      expect((await client().describeTopicConfigs(`${appId}-order-payments-left-shared-join-store-changelog`))['cleanup.policy']).toBe('compact')
    } finally {
      await producer.close()
      await app.close()
    }
  }, 90_000)

  it('exactly_once_v2: a new instance restores the join stores from their changelogs and goes on exactly', async () => {
    const orders = uniqueTopic('join-orders')
    const payments = uniqueTopic('join-payments')
    const output = uniqueTopic('join-out')
    const appId = uniqueTopic('join-app')
    for (const t of [orders, payments, output]) await client().createTopic(t, { partitions: 2 })
    const base = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE
    const rec = (topic: string, key: string, value: string, timestamp: number, partition?: number) => ({ topic, key: Buffer.from(key), value: Buffer.from(value), timestamp, partition })
    const producer = client().producer({ lingerMs: 2 })
    const b = new StreamsBuilder()
    b.stream(orders, { key: Serdes.string(), value: Serdes.string() })
      .leftJoin(b.stream(payments, { key: Serdes.string(), value: Serdes.string() }), (o, p) => `${o}:${p ?? 'unpaid'}`, JoinWindows.ofTimeDifferenceWithNoGrace(5 * MINUTE))
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const topology = b.build()
    const start = async () => {
      const app = testStreamsApp(topology, appId)
      await app.start()
      return app
    }
    const results = async () => new Map((await readTopic(client(), output, 'read_committed')).map((r) => [r.key!.toString(), r.value!.toString()]))
    const count = async () => (await readTopic(client(), output, 'read_committed')).length
    // First instance: 20 orders, the even ones paid at once; the odd ones stay in the join stores.
    await producer.sendBatch(Array.from({ length: 20 }, (_, i) => rec(orders, `o${i}`, `a${i}`, base + i * SECOND)))
    await producer.sendBatch(Array.from({ length: 10 }, (_, j) => rec(payments, `o${2 * j}`, `p${2 * j}`, base + 2 * j * SECOND + 10 * SECOND)))
    const first = await start()
    try {
      await waitFor('the paid orders', async () => (await count()) >= 10, 40_000, 250)
    } finally {
      await first.close()
    }
    // A second instance with an empty state directory: the stores come back from the changelogs.
    // o1, o3, o5 are paid now: they must join the restored orders (and leave the restored
    // outer-join store); the other odd ones come out unpaid once stream time moves an hour on.
    await producer.sendBatch([1, 3, 5].map((i) => rec(payments, `o${i}`, `p${i}`, base + i * SECOND + 20 * SECOND)))
    const second = await start()
    try {
      await waitFor('the late payments', async () => (await count()) >= 13, 40_000, 250)
      await new Promise((r) => setTimeout(r, 1500))
      await producer.sendBatch([0, 1].map((partition) => rec(orders, `tick-${partition}`, 'tick', base + 60 * MINUTE, partition)))
      await waitFor('every order', async () => (await count()) >= 20, 40_000, 250)
      await new Promise((r) => setTimeout(r, 1000))
      expect(await count()).toBe(20)
      const expected = new Map(Array.from({ length: 20 }, (_, i) => [`o${i}`, i % 2 === 0 || i <= 5 ? `a${i}:p${i}` : `a${i}:unpaid`]))
      expect(await results()).toEqual(expected)
    } finally {
      await second.close()
      await producer.close()
    }
  }, 120_000)
})
