import { describe, expect, it } from 'vitest'
import { RecordAccumulator, type PendingRecord } from '../../../src/client/producer/accumulator.js'
import { decodeRecordBatches } from '../../../src/protocol/records/index.js'

const pending = (size: number): PendingRecord => ({ size, resolve: () => undefined, reject: () => undefined })

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
      acc.append(q, { key: `key-${i}`, value }, pending(value.length))
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
    acc.append(q, { value: 'a' }, pending(1))
    acc.append(q, { value: 'b'.repeat(5000) }, pending(5000))
    acc.append(q, { value: 'c' }, pending(1))
    acc.sealAll()
    expect(q.ready.map((b) => b.builder.count)).toEqual([1, 1, 1])
    expect(q.ready[1].builder.build().length).toBeGreaterThan(5000)
  })
})
