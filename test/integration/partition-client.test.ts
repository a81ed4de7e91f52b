import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, KafkaProtocolError, InvalidArgumentError, type CompressionCodec, type ProduceRecord } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

let client: Client

beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()], clientId: 'peridot-it' })
})
afterAll(async () => {
  await client?.close()
})

function sampleRecords(n: number, tag: string): ProduceRecord[] {
  const out: ProduceRecord[] = []
  for (let i = 0; i < n; i++) {
    out.push({
      key: i % 3 === 0 ? null : Buffer.from(`key-${tag}-${i}`),
      value: i % 5 === 4 ? null : Buffer.from(`value-${tag}-${i}-`.repeat(1 + (i % 7))),
      headers: i % 2 === 0 ? [['h1', Buffer.from(`v${i}`)], ['empty', null], ['ключ', Buffer.from('ü')]] : [],
      timestamp: 1_700_000_000_000 + i,
    })
  }
  return out
}

describe('PartitionClient against a real broker', () => {
  it('creates, lists and deletes topics; unknown topics give a clear error', async () => {
    const topic = uniqueTopic('admin')
    await client.createTopic(topic, { partitions: 3, replicationFactor: 1, configs: { 'retention.ms': '60000' } })
    expect(await client.listTopics()).toContain(topic)
    const info = await client.describeTopic(topic)
    expect(info.partitions.map((p) => p.partition)).toEqual([0, 1, 2])
    const configs = await client.describeTopicConfigs(topic)
    expect(configs['retention.ms']).toBe('60000')
    await expect(client.createTopic(topic, { partitions: 1 })).rejects.toMatchObject({ type: 'TOPIC_ALREADY_EXISTS' })
    await client.createPartitions(topic, 4)
    expect((await client.describeTopic(topic)).partitions).toHaveLength(4)
    await client.deleteTopic(topic)
    expect(await client.listTopics()).not.toContain(topic)

    const missing = uniqueTopic('missing')
    const err = await client.partitionClient(missing, 0).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaProtocolError)
    expect((err as KafkaProtocolError).type).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect((err as Error).message).toContain(missing)
    await expect(client.deleteTopic(missing)).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await expect(client.createTopic('bad name!')).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it.each(CODECS)('produces and fetches back every field with %s compression', async (codec) => {
    const topic = uniqueTopic(`codec-${codec}`)
    await client.createTopic(topic, { partitions: 2 })
    const pc = await client.partitionClient(topic, 1)
    const records = sampleRecords(50, codec)
    const offsets = await pc.produce(records, { compression: codec })
    expect(offsets).toEqual(records.map((_, i) => BigInt(i)))
    const more = await pc.produce(records.slice(0, 5), { compression: codec })
    expect(more).toEqual([50n, 51n, 52n, 53n, 54n])

    const got = []
    let next = 0n
    while (got.length < 55) {
      const res = await pc.fetchRecords(next, { maxWaitMs: 1000 })
      got.push(...res.records)
      next = res.nextOffset
      expect(res.highWatermark).toBe(55n)
    }
    expect(got).toHaveLength(55)
    const expected = [...records, ...records.slice(0, 5)]
    got.forEach((r, i) => {
      expect(r.offset).toBe(BigInt(i))
      expect(r.key).toEqual(expected[i].key)
      expect(r.value).toEqual(expected[i].value)
      expect(r.headers).toEqual(expected[i].headers)
      expect(r.timestamp).toBe(expected[i].timestamp)
    })
    // Fetching from the middle of a batch returns only what is at or after the offset.
    const mid = await pc.fetchRecords(17n)
    expect(mid.records[0].offset).toBe(17n)
    await client.deleteTopic(topic)
  })

  it('handles a record over 1 MB when the topic allows it', async () => {
    const topic = uniqueTopic('large')
    await client.createTopic(topic, { partitions: 1, configs: { 'max.message.bytes': String(8 * 1024 * 1024) } })
    const pc = await client.partitionClient(topic, 0)
    const big = Buffer.alloc(3 * 1024 * 1024 + 17)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
    const [offset] = await pc.produce([{ key: Buffer.from('big'), value: big }], { compression: 'zstd' })
    expect(offset).toBe(0n)
    const res = await pc.fetchRecords(0n, { maxBytes: 16 * 1024 * 1024 })
    expect(res.records).toHaveLength(1)
    expect(res.records[0].value!.equals(big)).toBe(true)
    // Even with a small maxBytes the broker returns the first whole batch (KIP-74).
    const small = await pc.fetchRecords(0n, { maxBytes: 1024 })
    expect(small.records[0].value!.length).toBe(big.length)
    await client.deleteTopic(topic)
  })

  it('returns an empty fetch after maxWaitMs when no data arrives', async () => {
    const topic = uniqueTopic('empty')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    const started = Date.now()
    const res = await pc.fetchRecords(0n, { maxWaitMs: 700 })
    const elapsed = Date.now() - started
    expect(res.records).toEqual([])
    expect(res.highWatermark).toBe(0n)
    expect(elapsed).toBeGreaterThanOrEqual(500)
    expect(elapsed).toBeLessThan(5000)
    await client.deleteTopic(topic)
  })

  it('looks up offsets by earliest, latest and timestamp', async () => {
    const topic = uniqueTopic('offsets')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    expect(await pc.getOffset('earliest')).toBe(0n)
    expect(await pc.getOffset('latest')).toBe(0n)
    const base = 1_600_000_000_000
    await pc.produce([0, 1, 2, 3, 4].map((i) => ({ key: null, value: Buffer.from(String(i)), timestamp: base + i * 1000 })))
    expect(await pc.getOffset('latest')).toBe(5n)
    expect(await pc.getOffset({ timestamp: base })).toBe(0n)
    expect(await pc.getOffset({ timestamp: base + 2500 })).toBe(3n)
    expect(await pc.getOffset({ timestamp: base + 4000 })).toBe(4n)
    // No record at or after the timestamp: the log end.
    expect(await pc.getOffset({ timestamp: base + 60_000 })).toBe(5n)
    await expect(pc.getOffset({ timestamp: -5 })).rejects.toBeInstanceOf(InvalidArgumentError)
    await client.deleteTopic(topic)
  })

  it('deleteRecords moves the low watermark; fetching below it is OFFSET_OUT_OF_RANGE', async () => {
    const topic = uniqueTopic('delete')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    await pc.produce(Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`) })))
    const low = await pc.deleteRecords(6n)
    expect(low).toBe(6n)
    expect(await pc.getOffset('earliest')).toBe(6n)
    const err = await pc.fetchRecords(2n).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaProtocolError)
    expect((err as KafkaProtocolError).type).toBe('OFFSET_OUT_OF_RANGE')
    const res = await pc.fetchRecords(6n)
    expect(res.records.map((r) => r.value!.toString())).toEqual(['r6', 'r7', 'r8', 'r9'])
    expect(res.logStartOffset).toBe(6n)
    await client.deleteTopic(topic)
  })

  it('rejects bad input with InvalidArgumentError before sending', async () => {
    const topic = uniqueTopic('badinput')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    await expect(pc.produce([{ key: 7 as unknown as Buffer, value: null }])).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(pc.produce([{ key: null, value: undefined as unknown as Buffer }])).rejects.toThrow(/value must be a Buffer, a string or null/)
    await expect(pc.produce([{ key: null, value: null, timestamp: Number.NaN }])).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(pc.fetchRecords(-1n)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(pc.fetchRecords(0 as unknown as bigint)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(client.partitionClient(topic, 5)).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' })
    expect(await pc.getOffset('latest')).toBe(0n)
    await client.deleteTopic(topic)
  })
})
