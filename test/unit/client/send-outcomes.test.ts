// What sendBatch-style calls resolve with, settled as the accumulator settles batches: record
// `index` of a batch written at `base` (base -1n: an old broker's duplicate without an offset).
import { describe, expect, it } from 'vitest'
import { LastOffsetsOutcome, MetadataOutcome } from '../../../src/client/producer/send-outcomes.js'

describe('LastOffsetsOutcome', () => {
  it('resolves with the last offset per partition, in first-appearance order, once every record is acknowledged', async () => {
    const out = new LastOffsetsOutcome(5)
    const a0 = [out.item(0, 'a', 0), out.item(1, 'a', 0)]
    const b1 = out.item(2, 'b', 1)
    const a0later = out.item(3, 'a', 0)
    const a2 = out.item(4, 'a', 2)
    // One pending record per partition, shared by its records (no object per record).
    expect(a0[0]).toBe(a0[1])
    expect(a0later).toBe(a0[0])
    expect(a2).not.toBe(a0[0])
    let settled = false
    void out.promise.then(() => (settled = true))
    // a-0's records span two batches; the later batch is acknowledged first.
    a0later.resolve(120n, 0)
    a0[0].resolve(100n, 7)
    a0[1].resolve(100n, 8)
    b1.resolve(5n, 0)
    await Promise.resolve()
    expect(settled).toBe(false)
    a2.resolve(-1n, 3)
    await expect(out.promise).resolves.toEqual([
      { topic: 'a', partition: 0, offset: 120n },
      { topic: 'b', partition: 1, offset: 5n },
      { topic: 'a', partition: 2, offset: -1n },
    ])
  })

  it('an unknown base does not move a partition back; the first failure rejects', async () => {
    const out = new LastOffsetsOutcome(2)
    const x = out.item(0, 't', 0)
    const y = out.item(1, 't', 0)
    x.resolve(40n, 2)
    y.resolve(-1n, 0)
    await expect(out.promise).resolves.toEqual([{ topic: 't', partition: 0, offset: 42n }])
    const failing = new LastOffsetsOutcome(2)
    failing.item(0, 't', 0).reject(new Error('refused'))
    failing.item(1, 't', 0).resolve(1n, 0)
    await expect(failing.promise).rejects.toThrow('refused')
  })

  it('resolves at once for no records', async () => {
    await expect(new LastOffsetsOutcome(0).promise).resolves.toEqual([])
  })
})

describe('MetadataOutcome', () => {
  it("resolves with each record's offset (base + index; -1n for an unknown base) in the order given", async () => {
    const out = new MetadataOutcome(3)
    const items = [out.item(0, 'a', 0), out.item(1, 'b', 3), out.item(2, 'a', 0)]
    items[2].resolve(10n, 1)
    items[1].resolve(-1n, 4)
    items[0].resolve(10n, 0)
    await expect(out.promise).resolves.toEqual([
      { topic: 'a', partition: 0, offset: 10n },
      { topic: 'b', partition: 3, offset: -1n },
      { topic: 'a', partition: 0, offset: 11n },
    ])
  })
})
