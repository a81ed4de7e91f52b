import { describe, expect, it } from 'vitest'
import { RecordAccumulator, type PendingRecord } from '../../../src/client/producer/accumulator.js'
import { decodeRecordBatches } from '../../../src/protocol/records/index.js'

const pending = (): PendingRecord => ({ resolve: () => undefined, reject: () => undefined })

describe('RecordAccumulator', () => {
  it('seals batches before they pass maxBatchBytes (a broker refuses batches over max.message.bytes)', () => {
    const maxBatchBytes = 4096
    let sealed = 0
    const acc = new RecordAccumulator({ lingerMs: 1000, maxBatchBytes, maxBufferedBytes: 1 << 30 }, () => sealed++)
    const q = acc.queue('t', 0)
    const values: string[] = []
    for (let i = 0; i < 500; i++) {
      const value = `value-${i}-`.repeat(1 + (i % 13))
      values.push(value)
      acc.budget.reserve(value.length)
      acc.append(q, { key: `key-${i}`, value }, pending(), value.length)
    }
    acc.sealAll()
    expect(sealed).toBe(q.ready.length)
    expect(q.ready.length).toBeGreaterThan(5)
    const decoded: string[] = []
    for (const b of q.ready) {
      const bytes = b.builder.build()
      expect(bytes.length).toBeLessThanOrEqual(maxBatchBytes)
      expect(b.items).toHaveLength(b.builder.count)
      for (const r of decodeRecordBatches(bytes)[0].records()) decoded.push(r.value!.toString())
    }
    expect(decoded).toEqual(values)
    for (const b of q.ready) acc.complete(b, { baseOffset: 0n })
    expect(acc.budget.used).toBe(0)
  })

  it('puts a record larger than maxBatchBytes in a batch of its own', () => {
    const acc = new RecordAccumulator({ lingerMs: 1000, maxBatchBytes: 1000, maxBufferedBytes: 1 << 30 }, () => undefined)
    const q = acc.queue('t', 0)
    acc.append(q, { value: 'a' }, pending(), 1)
    acc.append(q, { value: 'b'.repeat(5000) }, pending(), 5000)
    acc.append(q, { value: 'c' }, pending(), 1)
    acc.sealAll()
    expect(q.ready.map((b) => b.builder.count)).toEqual([1, 1, 1])
    expect(q.ready[1].builder.build().length).toBeGreaterThan(5000)
  })

  it('a sealed batch waiting for its first send keeps taking records until full (tiny batches would drain one per request after a failover)', () => {
    let sealed = 0
    const acc = new RecordAccumulator({ lingerMs: 1000, maxBatchBytes: 200, maxBufferedBytes: 1 << 30 }, () => sealed++)
    const q = acc.queue('t', 0)
    acc.append(q, { value: 'a' }, pending(), 1)
    acc.sealAll() // linger expired, but the partition cannot send yet (say its leader just died)
    acc.append(q, { value: 'b' }, pending(), 1)
    acc.append(q, { value: 'c' }, pending(), 1)
    expect(q.open).toBeUndefined()
    expect(q.ready.map((b) => b.builder.count)).toEqual([3])
    expect(q.ready[0].items).toHaveLength(3)
    expect(sealed).toBe(1)
    // Full: the next record opens a new batch.
    for (let i = 0; i < 20; i++) acc.append(q, { value: `value-${i}` }, pending(), 1)
    expect(q.ready[0].builder.build().length).toBeLessThanOrEqual(200)
    expect(q.ready[0].builder.count + (q.open?.builder.count ?? 0) + q.ready.slice(1).reduce((n, b) => n + b.builder.count, 0)).toBe(23)
    // Once drained (a sequence assigned, encoded), the batch is frozen: records go to a new one.
    acc.sealAll()
    const last = q.ready[q.ready.length - 1]
    const count = last.builder.count
    last.baseSequence = 0
    acc.append(q, { value: 'late' }, pending(), 1)
    expect(last.builder.count).toBe(count)
    expect(q.open?.builder.count).toBe(1)
    const values = [...q.ready, q.open!].flatMap((b) => [...decodeRecordBatches(b.builder.build())[0].records()].map((r) => r.value!.toString()))
    expect(values).toEqual(['a', 'b', 'c', ...Array.from({ length: 20 }, (_, i) => `value-${i}`), 'late'])
  })
})
