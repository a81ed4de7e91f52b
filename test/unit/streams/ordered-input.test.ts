// OrderedInput: a task's partition group can hold many fetches' worth of records (one partition's
// are held back until the other's catch up in time). Processing them stops at the deadline it is
// given (the runtime's next commit), leaving the rest buffered and reporting a backlog, so commits
// keep their interval (under exactly_once_v2 a transaction otherwise spans the whole run: seconds
// on a busy machine); processWaiting() goes on where it stopped, in the same timestamp order.
import { describe, expect, it } from 'vitest'
import type { RecordCursor } from '../../../src/protocol/records/index.js'
import { OrderedInput } from '../../../src/streams/runtime/ordered-input.js'
import type { StreamTask } from '../../../src/streams/runtime/task.js'

type Cursor = RecordCursor & { next(): boolean }

/** A fetched batch of `timestamps` (one record each), positioned on the first. */
function batch(partition: number, timestamps: number[]): Cursor & { partition: number; index: number } {
  const c = {
    partition,
    index: 0,
    get timestamp() {
      return timestamps[c.index]
    },
    next() {
      c.index++
      return c.index < timestamps.length
    },
  }
  return c as unknown as Cursor & { partition: number; index: number }
}

describe('OrderedInput', () => {
  it('stops a long run at its deadline with records still ready, and goes on from there in timestamp order', async () => {
    let now = 0
    const seen: string[] = []
    const task = {
      processAt(topic: string, partition: number, cursor: Cursor) {
        seen.push(`${topic}-${partition}@${cursor.timestamp}`)
        // Processing takes time: 1 ms of wall clock per record.
        now++
      },
      maybePunctuateStreamTime() {},
    } as unknown as StreamTask
    // b's lag is unknown until its first batch: a's records wait for it.
    const lags = new Map<string, bigint | undefined>([['a', 0n], ['b', undefined]])
    const input = new OrderedInput(0, (topic) => lags.get(topic), 1000, () => now)
    const partitions = [
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 0 },
    ]
    const group = input.groupOf(task, partitions)!
    // 500 records per partition, interleaved in time.
    await input.add(task, group, 'a', 0, batch(0, Array.from({ length: 500 }, (_, i) => i * 2)), () => {})
    expect(seen).toEqual([]) // b not fetched yet: its records may come first
    expect(input.takeBacklog()).toBe(false)
    lags.set('b', 0n)
    await input.add(task, group, 'b', 0, batch(0, Array.from({ length: 500 }, (_, i) => i * 2 + 1)), () => {}, 250)
    // Stopped at the deadline (checked every 100 records), the rest still buffered.
    expect(seen.length).toBe(300)
    expect(group.hasBuffered).toBe(true)
    expect(input.takeBacklog()).toBe(true)
    expect(input.takeBacklog()).toBe(false)
    // Next interval: on from there, until its own deadline, then the rest.
    await input.processWaiting(task, () => {}, now + 400)
    expect(seen.length).toBe(700)
    expect(input.takeBacklog()).toBe(true)
    await input.processWaiting(task, () => {})
    expect(input.takeBacklog()).toBe(false)
    expect(group.hasBuffered).toBe(false)
    const expected = Array.from({ length: 1000 }, (_, t) => `${t % 2 === 0 ? 'a' : 'b'}-0@${t}`)
    expect(seen).toEqual(expected)
  })

  it('processes at least a run of records when the deadline has already passed', async () => {
    let now = 1000
    const seen: number[] = []
    const task = {
      processAt(_topic: string, _partition: number, cursor: Cursor) {
        seen.push(cursor.timestamp)
        now++
      },
      maybePunctuateStreamTime() {},
    } as unknown as StreamTask
    const input = new OrderedInput(0, () => 0n, 1000, () => now)
    const group = input.groupOf(task, [
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 0 },
    ])!
    await input.add(task, group, 'a', 0, batch(0, Array.from({ length: 250 }, (_, i) => i)), () => {}, 0)
    expect(seen.length).toBe(100)
    expect(input.takeBacklog()).toBe(true)
  })
})
