/**
 * Windowed count with KafkaStreams against a real broker: page views per user and minute
 * (tumbling windows, 10 s grace, exactly-once), read back with Kafka Streams' windowed key
 * layout, and the window store queried.
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/streams-windowed.ts
 */
import { Client } from 'peridot-kafka'
import { KafkaStreams, Materialized, Serdes, StreamsBuilder, TimeWindows, WindowedSerdes } from 'peridot-kafka/streams'

const MINUTE = 60_000

async function main(bootstrap: string): Promise<void> {
  const suffix = Date.now().toString(36)
  const input = `page-views-${suffix}`
  const output = `views-per-minute-${suffix}`
  const client = await Client.connect({ brokers: [bootstrap], clientId: 'windowed-example' })
  try {
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 1 })
    // Views of three users over three minutes (event time in the record timestamp).
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE
    const views = Array.from({ length: 30 }, (_, i) => ({ topic: input, key: Buffer.from(`user-${i % 3}`), value: Buffer.from(`/page/${i}`), timestamp: start + i * 6_000 }))
    const producer = client.producer()
    await producer.sendBatch(views)
    await producer.close()

    const builder = new StreamsBuilder()
    builder
      .stream(input, { key: Serdes.string(), value: Serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(MINUTE, 10_000))
      .count(Materialized.as('views-per-minute'))
      .toStream()
      // The key serde is inherited: Kafka Streams' windowed key (user bytes + 8-byte window start).
      .to(output, { value: Serdes.int64() })
    const app = new KafkaStreams(builder.build(), { applicationId: `windowed-${suffix}`, brokers: [bootstrap], processingGuarantee: 'exactly_once_v2' })
    await app.start()
    try {
      const keys = WindowedSerdes.timeWindowedSerdeFrom(Serdes.string(), MINUTE)
      const counts = new Map<string, number>()
      const fetcher = client.fetcher()
      let offset = 0n
      // Until the latest counts add up to every view (the record cache may send fewer updates than views).
      const total = (): number => [...counts.values()].reduce((a, b) => a + b, 0)
      for (const deadline = Date.now() + 30_000; total() < views.length && Date.now() < deadline; ) {
        const [r] = await fetcher.fetch([{ topic: output, partition: 0, offset }], { maxWaitMs: 200, isolationLevel: 'read_committed' })
        if (r.error) throw r.error
        for (const rec of r.records) {
          const { key, window } = keys.deserialize(output, rec.key)
          counts.set(`${key} ${new Date(window.start).toISOString()}`, Number(rec.value!.readBigInt64BE(0)))
        }
        offset = r.nextOffset
      }
      await fetcher.close()
      for (const [w, n] of [...counts].sort()) console.log(`${w}  ${n} views`)
      // The store keeps windows for size + grace (Materialized.withRetention to keep more): query the last minute.
      const store = app.store<string, number>('views-per-minute', 'window')
      console.log(`user-0 in the last minute (window store): ${String(store.fetch('user-0', start + 2 * MINUTE))}`)
    } finally {
      await app.close()
    }
    for (const t of [input, output, `windowed-${suffix}-views-per-minute-changelog`]) await client.deleteTopic(t).catch(() => undefined)
  } finally {
    await client.close()
  }
}

main(process.env.KAFKA_CONNECT ?? '127.0.0.1:9092').catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
