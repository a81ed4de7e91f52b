/**
 * Word count with KafkaStreams against a real broker: writes a few lines, runs the topology
 * (exactly-once), prints the counts read back from the output topic, and queries the store.
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/streams-wordcount.ts
 */
import { Client } from 'peridot-kafka'
import { KafkaStreams, Serdes, StreamsBuilder } from 'peridot-kafka/streams'

/** Runs word count on `lines`; returns the final count per word. */
export async function runWordCount(bootstrap: string, lines: string[], log: (line: string) => void = console.log): Promise<Map<string, number>> {
  const suffix = Date.now().toString(36)
  const input = `wordcount-input-${suffix}`
  const output = `wordcount-output-${suffix}`
  const client = await Client.connect({ brokers: [bootstrap], clientId: 'wordcount-example' })
  try {
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 1 })
    const producer = client.producer()
    await producer.sendBatch(lines.map((line) => ({ topic: input, value: Buffer.from(line) })))
    await producer.close()

    const builder = new StreamsBuilder()
    builder
      .stream(input, { key: Serdes.string(), value: Serdes.string() })
      .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
      .groupBy((_key, word) => word, { key: Serdes.string(), value: Serdes.string() })
      .count({ name: 'word-counts' })
      .toStream()
      .to(output, { key: Serdes.string(), value: Serdes.int64() })

    const app = new KafkaStreams(builder.build(), {
      applicationId: `wordcount-${suffix}`,
      brokers: [bootstrap],
      processingGuarantee: 'exactly_once_v2',
    })
    const expectedWords = lines.join(' ').split(/\W+/).filter((w) => w.length > 0).length
    const counts = new Map<string, number>()
    await app.start()
    try {
      // Read the output (committed records only) until every word occurrence is counted.
      const fetcher = client.fetcher()
      let offset = 0n
      let seen = 0
      const deadline = Date.now() + 30_000
      while (seen < expectedWords && Date.now() < deadline) {
        const [r] = await fetcher.fetch([{ topic: output, partition: 0, offset }], { maxWaitMs: 200, isolationLevel: 'read_committed' })
        if (r.error) throw r.error
        for (const rec of r.records) counts.set(rec.key!.toString(), Number(rec.value!.readBigInt64BE(0)))
        seen += r.records.length
        offset = r.nextOffset
      }
      await fetcher.close()
      const m = app.metrics()
      log(`KafkaStreams processed ${m.recordsProcessed} records in ${m.commits} transactions (commit latency avg ${m.commitLatencyAvgMs.toFixed(1)} ms)`)
      const word = lines[0].toLowerCase().split(/\W+/)[0]
      log(`Interactive query: word-counts['${word}'] = ${String(app.store<string, number>('word-counts').get(word))}`)
    } finally {
      await app.close()
    }
    for (const t of [input, output, `wordcount-${suffix}-word-counts-changelog`]) await client.deleteTopic(t).catch(() => undefined)
    return counts
  } finally {
    await client.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = ['Kafka streams in TypeScript', 'streams of words', 'count the words in the streams', 'kafka kafka']
  runWordCount(process.env.KAFKA_CONNECT ?? '127.0.0.1:9092', lines)
    .then((counts) => {
      for (const [w, n] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) console.log(`${w.padEnd(12)} ${n}`)
    })
    .catch((err: unknown) => {
      console.error(err)
      process.exit(1)
    })
}
