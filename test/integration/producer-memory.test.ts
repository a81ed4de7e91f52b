// Bounded producer memory and sizes against a real broker: records above maxRequestSize fail at
// once without holding up the others, the broker's "too large" answers are not retried, the
// writable stream applies backpressure, waiting ends after maxBlockMs, text counts in UTF-8.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BufferExhaustedError, Client, KafkaProtocolError, RecordTooLargeError } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

async function values(topic: string, partition = 0): Promise<string[]> {
  const pc = await client.partitionClient(topic, partition)
  const end = await pc.getOffset('latest')
  const out: string[] = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { maxBytes: 4 << 20 })
    for (const r of res.records) out.push(r.value?.toString() ?? '')
    next = res.nextOffset
  }
  return out
}

describe('record size limits', () => {
  it('an idempotent producer refuses a record above maxRequestSize at once; records before and after it are written', async () => {
    const topic = uniqueTopic('too-large')
    await client.createTopic(topic)
    const producer = client.producer({ lingerMs: 1 })
    const before = producer.send({ topic, partition: 0, value: 'before' })
    const big = producer.send({ topic, partition: 0, value: Buffer.alloc(2 << 20, 1) }).catch((e: unknown) => e)
    const after = producer.send({ topic, partition: 0, value: 'after' })
    const err = await big
    expect(err).toBeInstanceOf(RecordTooLargeError)
    // Both sizes: the record's (2 MiB + record and batch headers) and the limit.
    expect((err as Error).message).toMatch(/is 2097237 bytes when serialized, larger than maxRequestSize \(1048576 bytes\)/)
    expect((await before).offset).toBe(0n)
    expect((await after).offset).toBe(1n)
    await producer.close()
    expect(await values(topic)).toEqual(['before', 'after'])
    await client.deleteTopic(topic)
  })

  it("the broker's MESSAGE_TOO_LARGE fails that batch for good (RecordTooLargeError), the partition goes on", async () => {
    const topic = uniqueTopic('broker-too-large')
    await client.createTopic(topic, { configs: { 'max.message.bytes': '20000' } })
    const producer = client.producer({ lingerMs: 0 })
    const a = producer.send({ topic, partition: 0, value: 'small-1' })
    await producer.flush()
    const big = producer.send({ topic, partition: 0, value: Buffer.alloc(100_000, 1) }).catch((e: unknown) => e)
    await producer.flush()
    const c = producer.send({ topic, partition: 0, value: 'small-2' })
    await producer.flush()
    const err = await big
    expect(err).toBeInstanceOf(RecordTooLargeError)
    expect((err as Error).message).toMatch(/the broker refused a batch of \d+ bytes \(1 records\) as too large/)
    expect(((err as Error).cause as KafkaProtocolError).type).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/)
    expect((await a).offset).toBe(0n)
    expect((await c).offset).toBe(1n)
    await producer.close()
    expect(await values(topic)).toEqual(['small-1', 'small-2'])
    await client.deleteTopic(topic)
  })
})

describe('producer buffer', () => {
  it('counts string values in UTF-8 bytes', async () => {
    const topic = uniqueTopic('utf8-budget')
    await client.createTopic(topic)
    const producer = client.producer({ lingerMs: 50 })
    await producer.send({ topic, partition: 0, value: 'warm-up' })
    const p = producer.send({ topic, partition: 0, value: '€'.repeat(1000) })
    // 24 bytes of record overhead + 3 bytes per '€' (the length alone would say 1000).
    expect(producer.buffered).toBe(24 + 3000)
    await p
    await producer.close()
    expect((await values(topic))[1]).toBe('€'.repeat(1000))
    await client.deleteTopic(topic)
  })

  it('a send to a topic whose partition count is older than a second still goes straight into its batch (no metadata wait)', async () => {
    const topic = uniqueTopic('stale-count')
    await client.createTopic(topic, { partitions: 2 })
    const producer = client.producer({ lingerMs: 50 })
    await producer.send({ topic, value: 'first' })
    await new Promise((r) => setTimeout(r, 1100))
    const p = producer.send({ topic, value: 'later' })
    // Admitted synchronously: before, every send after the first second awaited a metadata lookup in a chain.
    expect(producer.buffered).toBeGreaterThan(0)
    await p
    await producer.close()
    await client.deleteTopic(topic)
  })

  it('a send that cannot get buffer space within maxBlockMs fails with BufferExhaustedError; the others are written', async () => {
    const topic = uniqueTopic('exhausted')
    await client.createTopic(topic)
    const producer = client.producer({ lingerMs: 0, maxBufferedBytes: 1000, maxBlockMs: 0 })
    await producer.send({ topic, partition: 0, value: 'warm-up' })
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => producer.send({ topic, partition: 0, value: `${i}`.padEnd(400, '.') })))
    const refused = results.filter((r) => r.status === 'rejected')
    expect(refused.length).toBeGreaterThan(0)
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BufferExhaustedError)
    const written = results.filter((r) => r.status === 'fulfilled').length
    expect(written).toBeGreaterThan(0)
    await producer.close()
    expect(await values(topic)).toHaveLength(1 + written)
    await client.deleteTopic(topic)
  })

  it('producer.writable(topic): backpressure keeps the buffer within maxBufferedBytes; every record written, in order', async () => {
    const topic = uniqueTopic('writable')
    await client.createTopic(topic)
    const limit = 32 * 1024
    const producer = client.producer({ lingerMs: 1, maxBatchBytes: 8 * 1024, maxBufferedBytes: limit })
    const n = 20_000
    let maxSeen = 0
    let maxWaiting = 0
    // Internal: sends waiting for buffer space (without backpressure, every record pulled would wait there).
    const budget = (producer as unknown as { accumulator: { budget: { waiting: number } } }).accumulator.budget
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < n; i++) {
          maxSeen = Math.max(maxSeen, producer.buffered)
          maxWaiting = Math.max(maxWaiting, budget.waiting)
          yield { partition: 0, value: `v${i}`.padEnd(100, '.') }
        }
      })(),
    )
    await pipeline(source, producer.writable(topic))
    // The stream finishes once everything is acknowledged.
    expect(producer.buffered).toBe(0)
    expect(maxSeen).toBeGreaterThan(0)
    expect(maxSeen).toBeLessThanOrEqual(limit)
    // The stream waits for each record's buffer space before taking the next.
    expect(maxWaiting).toBeLessThanOrEqual(1)
    const log = await values(topic)
    expect(log).toHaveLength(n)
    log.forEach((v, i) => expect(v.startsWith(`v${i}.`)).toBe(true))
    await producer.close()
    await client.deleteTopic(topic)
  })

  it('producer.writable(topic) fails the pipeline with the first send error', async () => {
    const topic = uniqueTopic('writable-error')
    await client.createTopic(topic)
    const producer = client.producer({ lingerMs: 1 })
    const source = Readable.from([{ value: 'a' }, { value: Buffer.alloc(2 << 20) }, { value: 'c' }])
    await expect(pipeline(source, producer.writable(topic))).rejects.toBeInstanceOf(RecordTooLargeError)
    await expect(pipeline(Readable.from([{ topic: 'other', value: 'x' }]), producer.writable(topic))).rejects.toThrow(/writes to topic/)
    await producer.close()
    await client.deleteTopic(topic)
  })
})
