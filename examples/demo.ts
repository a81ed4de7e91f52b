/**
 * The Peridot demo: a write-ahead log on a partition.
 *
 * Starts the local Kafka broker (unless KAFKA_CONNECT=host:port names one),
 * appends log entries through PartitionClient, reads them back, verifies
 * every entry, and prints what it did and the throughput it saw.
 *
 *   npm run demo                       # local broker, started and stopped here
 *   KAFKA_CONNECT=127.0.0.1:9092 npm run demo
 */
import { Client, type ProduceRecord } from 'peridot-kafka'
import { startLocalBroker, type LocalBroker } from 'peridot-kafka/dev'
import { runWordCount } from './streams-wordcount.js'

const ENTRIES = Number(process.env.DEMO_ENTRIES ?? 200_000)
const BATCH = 1_000
const ENTRY_BYTES = 100

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

async function main(): Promise<void> {
  let broker: LocalBroker | undefined
  let bootstrap = process.env.KAFKA_CONNECT
  if (!bootstrap) {
    console.log('Starting the local Kafka broker (first run downloads the Kafka jars with Maven)...')
    broker = await startLocalBroker({ onProgress: (line) => console.log(`  ${line}`) })
    bootstrap = broker.bootstrap
    console.log(`Kafka ${broker.version} is up at ${bootstrap}`)
  } else {
    console.log(`Using the broker at ${bootstrap} (KAFKA_CONNECT)`)
  }

  const client = await Client.connect({ brokers: [bootstrap], clientId: 'peridot-demo' })
  const topic = `peridot-demo-wal-${Date.now()}`
  try {
    await client.createTopic(topic, { partitions: 1, replicationFactor: 1 })
    const wal = await client.partitionClient(topic, 0)
    console.log(`Created topic ${topic}; writing ${fmt(ENTRIES)} log entries of ${ENTRY_BYTES} bytes in batches of ${BATCH} (lz4)`)

    // Write: each entry is a sequence number key and a fixed-size payload.
    const payload = Buffer.alloc(ENTRY_BYTES - 8, 'x')
    let t0 = performance.now()
    let lastOffset = -1n
    for (let seq = 0; seq < ENTRIES; seq += BATCH) {
      const batch: ProduceRecord[] = []
      for (let i = seq; i < Math.min(seq + BATCH, ENTRIES); i++) {
        const value = Buffer.allocUnsafe(ENTRY_BYTES)
        value.writeBigUInt64BE(BigInt(i), 0)
        payload.copy(value, 8)
        batch.push({ key: null, value, headers: [['wal', Buffer.from('demo')]] })
      }
      const offsets = await wal.produce(batch, { compression: 'lz4' })
      lastOffset = offsets[offsets.length - 1]
    }
    const writeMs = performance.now() - t0
    console.log(
      `Wrote ${fmt(ENTRIES)} entries (offsets 0..${lastOffset}) in ${fmt(writeMs)} ms: ` +
        `${fmt((ENTRIES / writeMs) * 1000)} entries/s, ${((ENTRIES * ENTRY_BYTES) / writeMs / 1000).toFixed(1)} MB/s`,
    )

    // Read back from the start and check every entry is there, in order.
    t0 = performance.now()
    let next = await wal.getOffset('earliest')
    let expected = 0
    let fetches = 0
    while (expected < ENTRIES) {
      const { records } = await wal.fetchRecords(next, { maxBytes: 4 << 20, maxWaitMs: 500 })
      fetches++
      for (const r of records) {
        const seq = Number(r.value!.readBigUInt64BE(0))
        if (seq !== expected || r.offset !== BigInt(expected)) throw new Error(`entry ${expected} missing: found ${seq} at offset ${r.offset}`)
        expected++
      }
      next = records.length > 0 ? records[records.length - 1].offset + 1n : next
    }
    const readMs = performance.now() - t0
    console.log(
      `Read back and verified ${fmt(expected)} entries in ${fmt(readMs)} ms (${fetches} fetches): ` +
        `${fmt((expected / readMs) * 1000)} entries/s`,
    )

    // Truncate the head of the log, as a WAL does after a checkpoint.
    const checkpoint = BigInt(Math.floor(ENTRIES / 2))
    const low = await wal.deleteRecords(checkpoint)
    console.log(`Checkpointed: deleted entries below offset ${checkpoint}; the log now starts at ${low}, ends at ${await wal.getOffset('latest')}`)
    await client.deleteTopic(topic)

    // Stream processing: word count with KafkaStreams (exactly-once), counts read back from Kafka.
    console.log('Running a streams word count (KafkaStreams, exactly_once_v2)...')
    const counts = await runWordCount(bootstrap, [
      'the quick brown fox jumps over the lazy dog',
      'the dog sleeps',
      'a fox and a dog',
    ], (line) => console.log(`  ${line}`))
    console.log(`Word counts: ${[...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w, n]) => `${w}=${n}`).join(' ')}`)
  } finally {
    await client.close()
    // Stop the broker only if this run started it (not one the user had running).
    if (broker && !broker.reused) {
      await broker.stop()
      console.log('Stopped the local broker.')
    }
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  process.exit(1)
})
