/**
 * Every compression codec against the Java client, the reference: Peridot reads the
 * batches Kafka's ConsoleProducer writes (zstd as streamed frames without a content
 * size, batches large enough for several zstd blocks), and Kafka's ConsoleConsumer
 * reads the batches Peridot writes. Whichever zstd implementation this Node uses
 * (node:zlib or WebAssembly) is the one tested.
 */
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type CompressionCodec, type KafkaRecord } from '../../src/index.js'
import { crc32cImplementation, zstdImplementation } from '../../src/protocol/index.js'
import { bootstrap, kafkaVersion, uniqueTopic } from './helpers.js'
import { startJavaTool } from './java-tools.js'

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
/** ~2 KB of varied text per record, 200 records: a ~400 KB batch (several zstd blocks). */
const line = (codec: string, i: number) => `${codec}-${i}-` + `${i * 7919}:${codec}:`.repeat(150)

let client: Client
/** Debug lines of the first Client.connect in this process, which names the codec implementations. */
const logLines: string[] = []
beforeAll(async () => {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push((JSON.parse(line) as { msg: string }).msg) })
  client = await Client.connect({ brokers: [bootstrap()], logger })
})
afterAll(async () => {
  await client?.close()
})

async function fetchAll(topic: string, count: number): Promise<KafkaRecord[]> {
  const pc = await client.partitionClient(topic, 0)
  const out: KafkaRecord[] = []
  let next = 0n
  for (let i = 0; i < 60 && out.length < count; i++) {
    const res = await pc.fetchRecords(next, { maxWaitMs: 500 })
    out.push(...res.records)
    next = res.nextOffset
  }
  return out
}

describe(`codecs against the Java client (zstd via ${zstdImplementation()})`, () => {
  it('the client logs once which CRC32C and zstd implementations are active', () => {
    const crc = crc32cImplementation() === 'native' ? 'CRC32C: native' : 'CRC32C: JavaScript fallback'
    expect(logLines.filter((l) => l.startsWith(crc))).toHaveLength(1)
    const zstd = zstdImplementation() === 'node:zlib' ? "zstd: Node's built-in node:zlib" : 'zstd: WebAssembly build'
    expect(logLines.filter((l) => l.startsWith(zstd))).toHaveLength(1)
  })

  it.each(CODECS)('Peridot reads what the Java producer wrote with %s', async (codec) => {
    const topic = uniqueTopic(`from-java-${codec}`)
    await client.createTopic(topic)
    const lines = Array.from({ length: 200 }, (_, i) => line(codec, i))
    // Kafka 3.x ships ConsoleProducer in the core jar (Scala); 4.x moved it to kafka-tools.
    const producerClass = kafkaVersion().startsWith('3.') ? 'kafka.tools.ConsoleProducer' : 'org.apache.kafka.tools.ConsoleProducer'
    const producer = await startJavaTool(producerClass, [
      '--bootstrap-server', bootstrap(),
      '--topic', topic,
      '--compression-codec', codec,
      '--producer-property', 'batch.size=1048576',
      '--producer-property', 'linger.ms=200',
    ])
    const exited = new Promise<number | null>((resolve) => producer.proc.once('exit', resolve))
    producer.proc.stdin.end(lines.join('\n') + '\n')
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))])
    await producer.stop()
    expect(code).toBe(0)
    const got = await fetchAll(topic, lines.length)
    expect(got.map((r) => r.value?.toString())).toEqual(lines)
    await client.deleteTopic(topic)
  }, 90_000)

  it('the Java consumer reads what Peridot wrote with every codec', async () => {
    const topic = uniqueTopic('to-java-codecs')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    const expected: string[] = []
    for (const codec of CODECS) {
      const values = Array.from({ length: 100 }, (_, i) => line(codec, i))
      expected.push(...values)
      await pc.produce(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })), { compression: codec })
    }
    const consumer = await startJavaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server', bootstrap(),
      '--topic', topic,
      '--from-beginning',
      '--max-messages', String(expected.length),
    ])
    try {
      await consumer.waitFor((l) => l.length >= expected.length, 60_000)
      expect(consumer.lines.slice(0, expected.length)).toEqual(expected)
    } finally {
      await consumer.stop()
    }
    await client.deleteTopic(topic)
  }, 90_000)
})
