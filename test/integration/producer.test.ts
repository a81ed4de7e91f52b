import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BatchProducer, Client, KafkaProtocolError, RecordTooLargeError } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { javaPartitionsForKeys } from './java-partitioner.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

async function readAll(topic: string, partition: number): Promise<Array<{ offset: bigint; key: string | null; value: string | null }>> {
  const pc = await client.partitionClient(topic, partition)
  const end = await pc.getOffset('latest')
  const out: Array<{ offset: bigint; key: string | null; value: string | null }> = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { maxBytes: 4 << 20 })
    for (const r of res.records) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })
    next = res.nextOffset
  }
  return out
}

describe('BatchProducer', () => {
  it('aggregates records into batches and resolves each with its offset, in order', async () => {
    const topic = uniqueTopic('bp')
    await client.createTopic(topic)
    const bp = new BatchProducer(await client.partitionClient(topic, 0), { lingerMs: 20, maxBatchBytes: 16 * 1024, compression: 'lz4' })
    const promises = Array.from({ length: 5000 }, (_, i) => bp.produce({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }))
    const offsets = await Promise.all(promises)
    expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)))
    await bp.close()
    const log = await readAll(topic, 0)
    expect(log).toHaveLength(5000)
    log.forEach((r, i) => {
      expect(r.key).toBe(`k${i}`)
      expect(r.value).toBe(`v${i}`)
    })
    await expect(bp.produce({ key: null, value: null })).rejects.toThrow(/closed/)
    await client.deleteTopic(topic)
  })

  it('applies backpressure: buffered bytes never exceed maxBufferedBytes', async () => {
    const topic = uniqueTopic('bp-mem')
    await client.createTopic(topic)
    const limit = 256 * 1024
    const bp = new BatchProducer(await client.partitionClient(topic, 0), { lingerMs: 5, maxBatchBytes: 64 * 1024, maxBufferedBytes: limit, maxInFlight: 2 })
    const value = Buffer.alloc(1000, 7)
    let maxSeen = 0
    let waited = 0
    const all: Array<Promise<bigint>> = []
    // Issue 20 MB of produce calls at once; the producer must admit them a buffer's worth at a time.
    for (let i = 0; i < 20_000; i++) {
      const before = bp.buffered
      const p = bp.produce({ key: null, value })
      all.push(p)
      maxSeen = Math.max(maxSeen, bp.buffered)
      if (bp.buffered === before) waited++
    }
    const sampler = setInterval(() => (maxSeen = Math.max(maxSeen, bp.buffered)), 1)
    const offsets = await Promise.all(all)
    clearInterval(sampler)
    expect(maxSeen).toBeLessThanOrEqual(limit)
    expect(waited).toBeGreaterThan(19_000) // almost every call had to wait for space
    // Waiting callers are admitted in call order, so offsets follow the order of produce() calls.
    expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)))
    await bp.close()
    await client.deleteTopic(topic)
  })

  it('produceMany: one promise per array, order kept against produce() calls under backpressure', async () => {
    const topic = uniqueTopic('bp-many')
    await client.createTopic(topic)
    const bp = new BatchProducer(await client.partitionClient(topic, 0), { lingerMs: 1, maxBatchBytes: 4096, maxBufferedBytes: 16 * 1024, maxInFlight: 2 })
    const rec = (i: number) => ({ key: null, value: Buffer.from(`v${i}`.padEnd(100, '.')) })
    const a = bp.produceMany(Array.from({ length: 2000 }, (_, i) => rec(i)))
    const b = bp.produce(rec(2000))
    const c = bp.produceMany(Array.from({ length: 1000 }, (_, i) => rec(2001 + i)))
    expect(bp.buffered).toBeLessThanOrEqual(16 * 1024)
    const offsets = [...(await a), await b, ...(await c)]
    expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)))
    expect(await bp.produceMany([])).toEqual([])
    await bp.close()
    const log = await readAll(topic, 0)
    expect(log.map((r) => r.value)).toEqual(offsets.map((_, i) => rec(i).value.toString()))
    await client.deleteTopic(topic)
  })

  it('a failed flush rejects exactly the promises of its records', async () => {
    const topic = uniqueTopic('bp-fail')
    await client.createTopic(topic, { configs: { 'max.message.bytes': '20000' } })
    const bp = new BatchProducer(await client.partitionClient(topic, 0), { lingerMs: 0 })
    const a = bp.produce({ key: null, value: Buffer.from('small-1') })
    await bp.flush()
    const big = bp.produce({ key: null, value: Buffer.alloc(100_000, 1) }).catch((e: unknown) => e)
    await bp.flush()
    const c = bp.produce({ key: null, value: Buffer.from('small-2') })
    await bp.flush()
    expect(await a).toBe(0n)
    const err = await big
    // The broker's refusal, as the error no producer retries.
    expect(err).toBeInstanceOf(RecordTooLargeError)
    expect((err as Error).cause).toBeInstanceOf(KafkaProtocolError)
    expect(((err as Error).cause as KafkaProtocolError).type).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/)
    expect(await c).toBe(1n)
    expect((await readAll(topic, 0)).map((r) => r.value)).toEqual(['small-1', 'small-2'])
    await bp.close()
    await client.deleteTopic(topic)
  })
})

describe('Producer (keyed, multi-partition)', () => {
  it('places keyed records with murmur2 and keeps per-partition order', async () => {
    const topic = uniqueTopic('keyed')
    await client.createTopic(topic, { partitions: 3 })
    const producer = client.producer({ lingerMs: 5 })
    const sent = await Promise.all(
      Array.from({ length: 3000 }, (_, i) =>
        producer.send({ topic, key: Buffer.from(`user-${i % 97}`), value: Buffer.from(`event-${i}`) }).then((m) => ({ ...m, i })),
      ),
    )
    // Where Kafka's Java producer puts each key.
    const javaPartitions = await javaPartitionsForKeys(Array.from({ length: 97 }, (_, k) => `user-${k}`), 3)
    expect(sent.map((m) => m.partition)).toEqual(sent.map((m) => javaPartitions[m.i % 97]))
    // Within a partition, records appear in send order.
    for (let p = 0; p < 3; p++) {
      const log = await readAll(topic, p)
      const expected = sent.filter((m) => m.partition === p).sort((x, y) => x.i - y.i)
      expect(log.map((r) => r.value)).toEqual(expected.map((m) => `event-${m.i}`))
      expect(log.map((r) => r.offset)).toEqual(expected.map((m) => m.offset))
    }
    // Unkeyed records and explicit partitions.
    const u = await producer.send({ topic, value: Buffer.from('no-key') })
    expect(u.partition).toBeGreaterThanOrEqual(0)
    const e = await producer.send({ topic, value: Buffer.from('explicit'), partition: 2 })
    expect(e.partition).toBe(2)
    await expect(producer.send({ topic, value: null, partition: 3 })).rejects.toThrow(/partition 3 does not exist/)
    await producer.close()
    await client.deleteTopic(topic)
  })

  it('sends string keys and values as their UTF-8 bytes, on the partitions their bytes hash to; refuses other types', async () => {
    const topic = uniqueTopic('text')
    await client.createTopic(topic, { partitions: 4 })
    const producer = client.producer({ lingerMs: 2, compression: 'lz4' })
    // ASCII, multi-byte text around the 63/64-byte varint boundary, an empty key, a long value.
    const texts = ['plain', 'é'.repeat(32), `${'x'.repeat(62)}é`, '日本語', '😀 emoji', '', 'v'.repeat(5000)]
    const records = texts.flatMap((t, i) => [
      { topic, key: `key-${t}`, value: t },
      { topic, key: t, value: `value-${i}` },
    ])
    const mds = await producer.sendBatch(records)
    const one = await producer.send({ topic, key: 'single', value: 'ünïcode' })
    // Where Kafka's Java producer puts each key (the same UTF-8 bytes).
    const javaPartitions = await javaPartitionsForKeys([...records.map((r) => r.key), 'single'], 4)
    expect([...mds, one].map((m) => m.partition)).toEqual(javaPartitions)
    const logs = await Promise.all([0, 1, 2, 3].map((p) => readAll(topic, p)))
    const at = (m: { partition: number; offset: bigint }) => logs[m.partition].find((r) => r.offset === m.offset)
    for (let i = 0; i < records.length; i++) expect(at(mds[i]), `record ${i}`).toEqual({ offset: mds[i].offset, key: records[i].key, value: records[i].value })
    expect(at(one)).toEqual({ offset: one.offset, key: 'single', value: 'ünïcode' })
    await expect(producer.send({ topic, value: 42 as unknown as string })).rejects.toThrow(/value must be a Buffer, a string or null/)
    await expect(producer.send({ topic, key: {} as unknown as string, value: 'x' })).rejects.toThrow(/key must be a Buffer, a string or null/)
    await producer.close()
    await client.deleteTopic(topic)
  })

  it('sendBatch: one promise for an array, metadata in input order, per-partition order kept under backpressure', async () => {
    const topic = uniqueTopic('send-batch')
    await client.createTopic(topic, { partitions: 3 })
    // A small buffer so most records wait for space; sends issued after a sendBatch must not overtake it.
    const producer = client.producer({ lingerMs: 2, maxBatchBytes: 8 * 1024, maxBufferedBytes: 32 * 1024, maxInFlight: 2 })
    const records = Array.from({ length: 3000 }, (_, i) => ({ topic, key: Buffer.from(`user-${i % 97}`), value: Buffer.from(`event-${i}`) }))
    const first = producer.sendBatch(records.slice(0, 1500)) // slow path (no metadata yet)
    const second = producer.sendBatch(records.slice(1500, 2990))
    const singles = records.slice(2990).map((r) => producer.send(r))
    const meta = [...(await first), ...(await second), ...(await Promise.all(singles))]
    expect(meta).toHaveLength(3000)
    const javaPartitions = await javaPartitionsForKeys(records.map((r) => r.key), 3)
    expect(meta.map((m) => m.topic)).toEqual(meta.map(() => topic))
    expect(meta.map((m) => m.partition), 'partitions as Kafka\'s Java producer picks them').toEqual(javaPartitions)
    for (let p = 0; p < 3; p++) {
      const log = await readAll(topic, p)
      const expected = meta.map((m, i) => ({ ...m, i })).filter((m) => m.partition === p)
      expect(log.map((r) => r.value)).toEqual(expected.map((m) => `event-${m.i}`))
      expect(log.map((r) => r.offset)).toEqual(expected.map((m) => m.offset))
    }
    // Explicit partitions, an empty array, and a bad partition rejecting the whole call before anything is sent.
    const explicit = await producer.sendBatch([{ topic, value: Buffer.from('a'), partition: 1 }, { topic, value: Buffer.from('b'), partition: 1 }])
    expect(explicit.map((m) => m.partition)).toEqual([1, 1])
    expect(explicit[1].offset).toBe(explicit[0].offset + 1n)
    expect(await producer.sendBatch([])).toEqual([])
    await expect(producer.sendBatch([{ topic, value: null, partition: 7 }])).rejects.toThrow(/partition 7 does not exist/)
    await producer.close()
    await expect(producer.sendBatch([{ topic, value: null }])).rejects.toThrow(/closed/)
    await client.deleteTopic(topic)
  })
})
