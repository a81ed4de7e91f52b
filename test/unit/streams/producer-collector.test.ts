// ProducerCollector: a send failure fails the next flush (the runtime then aborts the
// transaction instead of committing it without the record), and a failure of a send made before
// clearError() (an aborted transaction's) does not fail the transaction after it.
import { describe, expect, it } from 'vitest'
import type { Client } from '../../../src/client/client.js'
import type { PartitionLastOffset, Producer, ProducerRecord, RecordMetadata } from '../../../src/client/producer/producer.js'
import { ProducerCollector } from '../../../src/streams/runtime/producer-collector.js'

/** A producer whose sendBatchLastOffsets calls settle when the test says so. */
class FakeProducer {
  readonly calls: Array<{ records: readonly ProducerRecord[]; resolve: (ends: PartitionLastOffset[]) => void; reject: (err: Error) => void }> = []
  sendBatchLastOffsets(records: readonly ProducerRecord[]): Promise<PartitionLastOffset[]> {
    return new Promise((resolve, reject) => this.calls.push({ records, resolve, reject }))
  }
  readonly sent: ProducerRecord[] = []
  send(record: ProducerRecord): Promise<RecordMetadata> {
    this.sent.push(record)
    return Promise.resolve({ topic: record.topic, partition: record.partition ?? 0, offset: BigInt(this.sent.length - 1) })
  }
  async flush(): Promise<void> {}
}

/** A client whose describeTopic answers when the test says so (metadata of a topic first seen). */
function slowMetadataClient(): { client: Client; answer: (partitions: number) => void } {
  const waiting: Array<(n: number) => void> = []
  const client = {
    describeTopic: (name: string) => new Promise((resolve) => waiting.push((n) => resolve({ name, partitions: Array.from({ length: n }, (_, partition) => ({ partition })) }))),
  } as unknown as Client
  return { client, answer: (n) => waiting.splice(0).forEach((w) => w(n)) }
}

const byValue = { partition: (_t: string, _k: unknown, v: unknown, n: number) => Number(String(v).length % n) }

function collector(): { c: ProducerCollector; producer: FakeProducer } {
  const producer = new FakeProducer()
  const c = new ProducerCollector({} as Client, producer as unknown as Producer, new Set())
  return { c, producer }
}

const tick = () => new Promise<void>((r) => setImmediate(r))

describe('ProducerCollector', () => {
  it('flush() waits for the records handed to the producer and throws when one was refused', async () => {
    const { c, producer } = collector()
    c.send('out', 'k', 'v', [], 1, 0)
    c.drain()
    expect(producer.calls).toHaveLength(1)
    let settled = false
    const flushed = c.flush().finally(() => (settled = true))
    flushed.catch(() => undefined)
    await tick()
    expect(settled).toBe(false) // the batch is not acknowledged yet
    producer.calls[0].reject(new Error('refused: the transaction ended'))
    await expect(flushed).rejects.toThrow('refused: the transaction ended')
  })

  it('a send of an aborted transaction that fails after clearError() does not fail the next transaction', async () => {
    const { c, producer } = collector()
    c.send('out', 'k', 'old', [], 1, 0)
    c.drain()
    // The transaction is aborted while the batch still waits (e.g. for metadata) ...
    c.clearError()
    // ... and the producer refuses it afterwards.
    producer.calls[0].reject(new Error('the transaction the record was sent in has ended'))
    await tick()
    c.send('out', 'k', 'new', [], 2, 0)
    c.drain()
    producer.calls[1].resolve([{ topic: 'out', partition: 0, offset: 0n }])
    await expect(c.flush()).resolves.toBeUndefined()
    expect(() => c.throwIfFailed()).not.toThrow()
  })

  it('changelogEnds: next offset after the last acknowledged record of each changelog partition, other topics ignored', async () => {
    const producer = new FakeProducer()
    const c = new ProducerCollector({} as Client, producer as unknown as Producer, new Set(['a-changelog', 'b-changelog']))
    for (let i = 0; i < 6; i++) c.send(i % 2 === 0 ? 'a-changelog' : 'b-changelog', 'k', 'v', [], 1, 0)
    c.send('out', 'k', 'v', [], 1, 0)
    c.drain()
    producer.calls[0].resolve([
      { topic: 'a-changelog', partition: 0, offset: 11n },
      { topic: 'b-changelog', partition: 0, offset: 4n },
      { topic: 'a-changelog', partition: 2, offset: 7n },
      { topic: 'b-changelog', partition: 1, offset: 0n },
      { topic: 'out', partition: 0, offset: 99n },
    ])
    await c.flush()
    expect(Object.fromEntries(c.changelogEnds)).toEqual({ 'a-changelog:0': 12n, 'a-changelog:2': 8n, 'b-changelog:0': 5n, 'b-changelog:1': 1n })
    // A later batch only moves ends forward; an unknown offset (-1n) moves nothing.
    c.send('a-changelog', 'k', 'v', [], 1, 0)
    c.send('a-changelog', 'k', 'v', [], 1, 0)
    c.send('b-changelog', 'k', 'v', [], 1, 0)
    c.drain()
    producer.calls[1].resolve([
      { topic: 'a-changelog', partition: 0, offset: 12n },
      { topic: 'a-changelog', partition: 2, offset: 5n },
      { topic: 'b-changelog', partition: 1, offset: -1n },
    ])
    await c.flush()
    expect(c.changelogEnds.get('a-changelog:0')).toBe(13n)
    expect(c.changelogEnds.get('a-changelog:2')).toBe(8n)
    expect(c.changelogEnds.get('b-changelog:1')).toBe(1n)
  })

  it('a failure of the current transaction is kept until it is thrown', async () => {
    const { c, producer } = collector()
    c.send('out', 'k', 'v', [], 1, 0)
    c.drain()
    producer.calls[0].reject(new Error('broker said no'))
    await tick()
    expect(() => c.throwIfFailed()).toThrow('broker said no')
    expect(() => c.throwIfFailed()).not.toThrow()
  })

  it('a record whose topic metadata was still loading when its transaction was aborted is dropped, not sent in the next one', async () => {
    const { client, answer } = slowMetadataClient()
    const producer = new FakeProducer()
    const c = new ProducerCollector(client, producer as unknown as Producer, new Set())
    // A topic first seen with a partitioner: the send waits for the partition count ...
    c.send('final-results', 'k', 'aborted', [], 1, byValue)
    // ... the transaction is aborted meanwhile (the task re-processes the record later) ...
    c.clearError()
    answer(3)
    await tick()
    // ... and the record must not slip into the transaction that comes next.
    expect(producer.sent).toEqual([])
    await expect(c.flush()).resolves.toBeUndefined()
    // Once the count is known, sends of the new transaction go through.
    c.send('final-results', 'k', 'redone', [], 2, byValue)
    c.drain()
    expect(producer.calls.map((x) => x.records.map((r) => r.value))).toEqual([['redone']])
  })

  it('a slow-path send of the open transaction goes out once its topic metadata arrives', async () => {
    const { client, answer } = slowMetadataClient()
    const producer = new FakeProducer()
    const c = new ProducerCollector(client, producer as unknown as Producer, new Set())
    c.send('final-results', 'k', 'v', [], 1, byValue)
    answer(3)
    await c.flush()
    expect(producer.sent.map((r) => [r.value, r.partition])).toEqual([['v', 1]])
  })

  it('prefetchPartitionCounts(optional) skips topics that cannot be described, and the required form throws', async () => {
    const client = {
      describeTopic: async (name: string) => {
        if (name === 'missing') throw new Error(`topic '${name}' does not exist`)
        return { name, partitions: [{ partition: 0 }, { partition: 1 }] }
      },
    } as unknown as Client
    const producer = new FakeProducer()
    const c = new ProducerCollector(client, producer as unknown as Producer, new Set())
    await expect(c.prefetchPartitionCounts(['out', 'missing'])).rejects.toThrow("topic 'missing' does not exist")
    await c.prefetchPartitionCounts(['out', 'missing'], true)
    // 'out' is known now: a partitioned send is queued at once (no metadata wait).
    c.send('out', 'k', 'abc', [], 1, byValue)
    c.drain()
    expect(producer.calls[0].records.map((r) => r.partition)).toEqual([1])
  })
})
