/**
 * Stream-stream join with KafkaStreams against a real broker: orders joined with their payments
 * within 5 minutes (a left join, exactly-once). Paid orders come out joined with their payment;
 * an order without a payment in time comes out once, joined with null, after its 5 minutes have
 * passed in stream time (here: when a later order arrives).
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/streams-joins.ts
 */
import { Client } from 'peridot-kafka'
import { JoinWindows, KafkaStreams, Serdes, StreamsBuilder } from 'peridot-kafka/streams'

const MINUTE = 60_000

interface Order {
  customer: string
  amount: number
}
interface Payment {
  method: string
}

async function main(bootstrap: string): Promise<void> {
  const suffix = Date.now().toString(36)
  const orders = `orders-${suffix}`
  const payments = `payments-${suffix}`
  const output = `order-status-${suffix}`
  const applicationId = `joins-${suffix}`
  const client = await Client.connect({ brokers: [bootstrap], clientId: 'joins-example' })
  try {
    // Joined streams must be co-partitioned: same partition count, same keys (the order id).
    for (const t of [orders, payments, output]) await client.createTopic(t, { partitions: 1 })
    const json = (v: unknown) => Buffer.from(JSON.stringify(v))
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE
    const producer = client.producer()
    await producer.sendBatch([
      { topic: orders, key: Buffer.from('o1'), value: json({ customer: 'ada', amount: 30 }), timestamp: start },
      { topic: orders, key: Buffer.from('o2'), value: json({ customer: 'bob', amount: 12 }), timestamp: start + MINUTE },
      { topic: orders, key: Buffer.from('o3'), value: json({ customer: 'cy', amount: 99 }), timestamp: start + 2 * MINUTE },
      { topic: payments, key: Buffer.from('o1'), value: json({ method: 'card' }), timestamp: start + 2 * MINUTE },
      { topic: payments, key: Buffer.from('o3'), value: json({ method: 'cash' }), timestamp: start + 9 * MINUTE }, // too late
    ])

    const builder = new StreamsBuilder()
    const orderStream = builder.stream(orders, { key: Serdes.string(), value: Serdes.json<Order>() })
    const paymentStream = builder.stream(payments, { key: Serdes.string(), value: Serdes.json<Payment>() })
    orderStream
      .leftJoin(
        paymentStream,
        (order, payment, orderId) => `${orderId} ${order.customer} ${order.amount}: ${payment === null ? 'NOT PAID in 5 minutes' : `paid by ${payment.method}`}`,
        JoinWindows.ofTimeDifferenceWithNoGrace(5 * MINUTE),
        { storeName: 'order-payments' }, // stores (and changelogs) order-payments-this-join-store, ...
      )
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = new KafkaStreams(builder.build(), { applicationId, brokers: [bootstrap], processingGuarantee: 'exactly_once_v2' })
    await app.start()
    try {
      const fetcher = client.fetcher()
      let offset = 0n
      const read = async (until: bigint, ms: number): Promise<void> => {
        for (const deadline = Date.now() + ms; offset < until && Date.now() < deadline; ) {
          const [r] = await fetcher.fetch([{ topic: output, partition: 0, offset }], { maxWaitMs: 200, isolationLevel: 'read_committed' })
          if (r.error) throw r.error
          for (const rec of r.records) console.log(`${new Date(Number(rec.timestamp)).toISOString()}  ${rec.value?.toString() ?? ''}`)
          offset = r.nextOffset
        }
      }
      await read(1n, 30_000) // o1 paid (o3's payment came 7 minutes after the order)
      // A later order moves stream time past the windows of o2 and o3: their results come out now
      // (the join looks for closed windows at most once per second of wall-clock time).
      await new Promise((r) => setTimeout(r, 1_100))
      await producer.sendBatch([{ topic: orders, key: Buffer.from('o4'), value: json({ customer: 'dee', amount: 5 }), timestamp: start + 20 * MINUTE }])
      await read(3n, 30_000)
      await fetcher.close()
    } finally {
      await app.close()
      await producer.close()
    }
    const internal = ['this-join-store', 'outer-other-join-store', 'left-shared-join-store'].map((s) => `${applicationId}-order-payments-${s}-changelog`)
    for (const t of [orders, payments, output, ...internal]) await client.deleteTopic(t).catch(() => undefined)
  } finally {
    await client.close()
  }
}

main(process.env.KAFKA_CONNECT ?? '127.0.0.1:9092').catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
