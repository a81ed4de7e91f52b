// The producers' shared memory budget: FIFO admission, groups that keep their turn, idle waits.
import { describe, expect, it } from 'vitest'
import { ByteBudget } from '../../../src/client/producer/byte-budget.js'

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
})
