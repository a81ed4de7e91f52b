/**
 * Bytes written by Peridot are read identically by independent clients, and
 * the reverse: kcat (librdkafka) for every compression codec, KafkaJS for
 * headers and null keys/values.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { Kafka, logLevel, CompressionTypes, type KafkaMessage } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type CompressionCodec, type KafkaRecord, type ProduceRecord } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const hasKcat = spawnSync('kcat', ['-V']).status === 0
if (!hasKcat && process.env.CI) throw new Error('kcat is required for the interop tests in CI (.ci/run installs it)')
if (!hasKcat) console.warn('kcat not installed: the kcat interop tests are skipped (apt-get install kcat)')

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

interface KcatMessage {
  offset: number
  tstype: string
  ts: number
  key: string | null
  payload: string | null
  headers?: string[]
}

async function fetchAll(topic: string, partition: number, count: number): Promise<KafkaRecord[]> {
  const pc = await client.partitionClient(topic, partition)
  const out: KafkaRecord[] = []
  let next = 0n
  for (let i = 0; i < 50 && out.length < count; i++) {
    const res = await pc.fetchRecords(next, { maxWaitMs: 500 })
    out.push(...res.records)
    next = res.nextOffset
  }
  return out
}

describe.skipIf(!hasKcat)('interop with kcat (librdkafka)', () => {
  it.each(CODECS)('kcat reads what Peridot wrote with %s', async (codec) => {
    const topic = uniqueTopic(`to-kcat-${codec}`)
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    const records: ProduceRecord[] = Array.from({ length: 20 }, (_, i) => ({
      key: i % 4 === 0 ? null : Buffer.from(`k${i}`),
      value: i % 6 === 5 ? null : Buffer.from(`value ${i} ${codec}`),
      headers: [
        ['a', Buffer.from(`x${i}`)],
        ['b', Buffer.from('y')],
      ],
      timestamp: 1_650_000_000_000 + i,
    }))
    await pc.produce(records, { compression: codec })
    const out = execFileSync('kcat', ['-C', '-b', bootstrap(), '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-J', '-q'], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    const msgs = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as KcatMessage)
    expect(msgs).toHaveLength(20)
    msgs.forEach((m, i) => {
      expect(m.offset).toBe(i)
      expect(m.key).toBe(records[i].key === null ? null : records[i].key!.toString())
      expect(m.payload).toBe(records[i].value === null ? null : records[i].value!.toString())
      expect(m.ts).toBe(records[i].timestamp)
      expect(m.headers).toEqual(['a', `x${i}`, 'b', 'y'])
    })
    await client.deleteTopic(topic)
  })

  it.each(CODECS)('Peridot reads what kcat wrote with %s', async (codec) => {
    const topic = uniqueTopic(`from-kcat-${codec}`)
    await client.createTopic(topic)
    const lines = Array.from({ length: 30 }, (_, i) => (i % 5 === 0 ? `k${i}:` : `k${i}:payload-${i}-${codec}`)).join('\n') + '\n'
    execFileSync(
      'kcat',
      ['-P', '-b', bootstrap(), '-t', topic, '-p', '0', '-K', ':', '-Z', '-H', 'origin=kcat', '-X', `compression.codec=${codec}`, '-X', 'linger.ms=50'],
      { input: lines, timeout: 30_000 },
    )
    const got = await fetchAll(topic, 0, 30)
    expect(got).toHaveLength(30)
    got.forEach((r, i) => {
      expect(r.offset).toBe(BigInt(i))
      expect(r.key!.toString()).toBe(`k${i}`)
      if (i % 5 === 0) expect(r.value).toBeNull()
      else expect(r.value!.toString()).toBe(`payload-${i}-${codec}`)
      expect(r.headers).toEqual([['origin', Buffer.from('kcat')]])
    })
    await client.deleteTopic(topic)
  })
})

describe('interop with KafkaJS', () => {
  // KafkaJS's warnings and errors are kept (not printed) so that a timeout can say what KafkaJS went through.
  const kafkaLog: string[] = []
  const kafka = () =>
    new Kafka({
      brokers: [bootstrap()],
      clientId: 'interop',
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, log }) =>
          void kafkaLog.push(`${namespace}: ${log.message}${log.error ? ` (${String(log.error)})` : ''}`),
    })

  it('KafkaJS reads what Peridot wrote (headers, null keys and values, gzip)', async () => {
    const topic = uniqueTopic('to-kafkajs')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    const records: ProduceRecord[] = Array.from({ length: 10 }, (_, i) => ({
      key: i % 2 ? Buffer.from(`k${i}`) : null,
      value: i === 3 ? null : Buffer.from(`v${i}`),
      headers: [['n', Buffer.from(String(i))]],
      timestamp: 1_660_000_000_000 + i,
    }))
    await pc.produce(records.slice(0, 5), { compression: 'none' })
    await pc.produce(records.slice(5), { compression: 'gzip' })

    const consumer = kafka().consumer({ groupId: `g-${topic}` })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const seen: KafkaMessage[] = []
    let joined = false
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`KafkaJS saw ${seen.length} of 10 (group joined: ${joined}); KafkaJS log: ${kafkaLog.slice(-10).join(' | ') || 'empty'}`)),
        30_000,
      )
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(message)
            if (seen.length === 10) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch(reject)
    })
    await consumer.disconnect()
    seen.forEach((m, i) => {
      expect(m.offset).toBe(String(i))
      expect(m.key).toEqual(records[i].key)
      expect(m.value).toEqual(records[i].value)
      expect(m.headers).toEqual({ n: Buffer.from(String(i)) })
      expect(m.timestamp).toBe(String(records[i].timestamp))
    })
    await client.deleteTopic(topic)
  })

  it('Peridot reads what KafkaJS wrote', async () => {
    const topic = uniqueTopic('from-kafkajs')
    await client.createTopic(topic)
    const producer = kafka().producer()
    await producer.connect()
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 8 }, (_, i) => ({
        partition: 0,
        key: i % 2 ? `k${i}` : null,
        value: i === 2 ? null : `v${i}`,
        headers: { idx: String(i) },
        timestamp: String(1_670_000_000_000 + i),
      })),
    })
    await producer.disconnect()
    const got = await fetchAll(topic, 0, 8)
    expect(got).toHaveLength(8)
    got.forEach((r, i) => {
      expect(r.key).toEqual(i % 2 ? Buffer.from(`k${i}`) : null)
      expect(r.value).toEqual(i === 2 ? null : Buffer.from(`v${i}`))
      expect(r.headers).toEqual([['idx', Buffer.from(String(i))]])
      expect(r.timestamp).toBe(1_670_000_000_000 + i)
    })
    await client.deleteTopic(topic)
  })
})
