// The producers' shared memory budget: FIFO admission, groups that keep their turn, idle waits.
import { describe, expect, it } from 'vitest'
import { ByteBudget } from '../../../src/client/producer/byte-budget.js'
import { BufferExhaustedError, RecordTooLargeError } from '../../../src/client/producer/errors.js'
import { Fifo } from '../../../src/client/producer/fifo.js'
import { estimateRecordSize, recordSizeRefusal } from '../../../src/client/producer/record-size.js'

const tick = () => new Promise<void>((r) => setImmediate(r))

describe('ByteBudget', () => {
  it('admits at once while there is room, then queues callers in call order', async () => {
    const b = new ByteBudget(100)
    const order: string[] = []
    b.admitAll(1, () => 60, () => order.push('a'))
    b.admitAll(1, () => 60, () => order.push('b')) // does not fit: waits
    b.admitAll(1, () => 10, () => order.push('c')) // would fit, but must not overtake b
    expect(order).toEqual(['a'])
    expect(b.canAdmit(10)).toBe(false)
    b.release(60)
    await tick()
    expect(order).toEqual(['a', 'b', 'c'])
    expect(b.used).toBe(70)
  })

  it('keeps the turn for the rest of a group once its first item is admitted', async () => {
    const b = new ByteBudget(100)
    const order: string[] = []
    b.admitAll(1, () => 90, () => order.push('x'))
    b.admitAll(3, () => 50, (i) => order.push(`g${i}`))
    b.admitAll(1, () => 1, () => order.push('y'))
    b.release(90)
    await tick()
    expect(order).toEqual(['x', 'g0', 'g1'])
    b.release(50)
    await tick()
    expect(order).toEqual(['x', 'g0', 'g1', 'g2']) // the budget is full again: y still waits
    b.release(50)
    await tick()
    expect(order).toEqual(['x', 'g0', 'g1', 'g2', 'y'])
  })

  it('lets an item larger than the budget through alone when nothing else is admitted', () => {
    const b = new ByteBudget(100)
    const order: number[] = []
    b.admitAll(1, () => 500, () => order.push(500))
    expect(order).toEqual([500])
    expect(b.canAdmit(1)).toBe(false)
  })

  it('whenIdle resolves once every admitted byte is released and nobody waits', async () => {
    const b = new ByteBudget(100)
    await b.whenIdle()
    b.admitAll(1, () => 80, () => undefined)
    b.admitAll(1, () => 80, () => undefined)
    let idle = false
    void b.whenIdle().then(() => (idle = true))
    b.release(80)
    await tick()
    expect(idle).toBe(false)
    b.release(80)
    await tick()
    expect(idle).toBe(true)
  })

  it('whenIdle resolves when the last waiter, once admitted, gives its bytes back at once (refused by the producer as it closes)', async () => {
    const b = new ByteBudget(100)
    b.admitAll(1, () => 80, () => undefined)
    b.admitAll(1, () => 80, () => b.release(80))
    let idle = false
    void b.whenIdle().then(() => (idle = true))
    b.release(80)
    for (let i = 0; i < 5; i++) await tick()
    expect(b.used).toBe(0)
    expect(idle).toBe(true)
  })

  it('refuses a caller that waited longer than maxBlockMs with BufferExhaustedError, and lets the next one in', async () => {
    const b = new ByteBudget(100, 20)
    const order: string[] = []
    const refused: Array<[number, Error]> = []
    b.admitAll(1, () => 90, () => order.push('a'))
    b.admitAll(3, () => 40, (i) => order.push(`g${i}`), (from, err) => refused.push([from, err]))
    expect(b.waiting).toBe(1)
    await new Promise((r) => setTimeout(r, 60))
    expect(refused).toHaveLength(1)
    expect(refused[0][0]).toBe(0)
    expect(refused[0][1]).toBeInstanceOf(BufferExhaustedError)
    expect(refused[0][1].message).toMatch(/40 bytes within maxBlockMs \(20 ms\)/)
    expect(b.waiting).toBe(0)
    // The budget is usable again: a caller that fits goes in at once.
    b.admitAll(1, () => 10, () => order.push('c'))
    expect(order).toEqual(['a', 'c'])
  })

  it('refuses at once when maxBlockMs is 0 and the budget is full', () => {
    const b = new ByteBudget(100, 0)
    const refused: Error[] = []
    b.admitAll(1, () => 90, () => undefined)
    b.admitAll(1, () => 20, () => undefined, (_from, err) => refused.push(err))
    expect(refused[0]).toBeInstanceOf(BufferExhaustedError)
    expect(b.waiting).toBe(0)
  })

  it('admits a long queue of waiters in call order as space frees up', async () => {
    const b = new ByteBudget(10)
    const admitted: number[] = []
    const n = 5000
    for (let i = 0; i < n; i++) b.admitAll(1, () => 10, () => admitted.push(i))
    expect(admitted).toEqual([0])
    for (let i = 0; i < n - 1; i++) {
      b.release(10)
      await Promise.resolve()
    }
    await tick()
    expect(admitted).toEqual(Array.from({ length: n }, (_, i) => i))
    expect(b.waiting).toBe(0)
  })
})

describe('Fifo', () => {
  it('keeps order across growth and wrap-around', () => {
    const q = new Fifo<number>()
    const out: number[] = []
    let next = 0
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7 * round; i++) q.push(next++)
      for (let i = 0; i < 5 * round && q.length > 0; i++) out.push(q.shift()!)
    }
    while (q.length > 0) out.push(q.shift()!)
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i))
    expect(q.shift()).toBeUndefined()
    expect(q.peek()).toBeUndefined()
  })
})

describe('record sizes', () => {
  it('counts string keys, values and header keys in UTF-8 bytes', () => {
    const ascii = estimateRecordSize({ key: 'k', value: 'aaa' })
    // 'é' is 2 bytes in UTF-8, '€' 3, '😀' 4 (2 UTF-16 units).
    expect(estimateRecordSize({ key: 'é', value: '€€€' }) - ascii).toBe(1 + 6)
    expect(estimateRecordSize({ key: null, value: '😀' })).toBe(24 + 4)
    expect(estimateRecordSize({ value: null, headers: [['ключ', Buffer.alloc(2)]] })).toBe(24 + 8 + 8 + 2)
    expect(estimateRecordSize({ value: 'x'.repeat(1000) })).toBe(24 + 1000)
    expect(estimateRecordSize({ value: '€'.repeat(1000) })).toBe(24 + 3000)
  })

  it('refuses a record above maxRequestSize or the whole buffer, naming both sizes', () => {
    expect(recordSizeRefusal(1000, 'the record', 1 << 20, 32 << 20)).toBeUndefined()
    const big = recordSizeRefusal(2_000_000, 'the record', 1 << 20, 32 << 20)
    expect(big).toBeInstanceOf(RecordTooLargeError)
    expect(big!.message).toBe('the record is 2000061 bytes when serialized, larger than maxRequestSize (1048576 bytes)')
    expect(recordSizeRefusal(2000, 'r', 1 << 20, 1000)!.message).toMatch(/2000 bytes, larger than the producer's whole buffer, maxBufferedBytes \(1000 bytes\)/)
  })
})
