import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { PartitionGroup, type RecordChunk } from '../../../src/streams/runtime/partition-group.js'

/** A chunk over fixed timestamps, tagged so the order taken can be checked. */
class Chunk implements RecordChunk {
  #i = 0
  constructor(
    readonly tag: string,
    readonly timestamps: number[],
  ) {}
  get timestamp(): number {
    return this.timestamps[this.#i]
  }
  get current(): string {
    return `${this.tag}@${this.timestamps[this.#i]}`
  }
  next(): boolean {
    return ++this.#i < this.timestamps.length
  }
}

const A = { topic: 'a', partition: 0 }
const B = { topic: 'b', partition: 0 }

/** Takes records while the group is ready; returns them as tag@timestamp. */
function drain(g: PartitionGroup<Chunk>, now = 0): string[] {
  const out: string[] = []
  while (g.readyToProcess(now)) {
    const q = g.nextQueue()
    if (q === undefined) break
    out.push(q.head.current)
    g.advance(q)
  }
  return out
}

describe('PartitionGroup', () => {
  it('hands out the buffered record with the lowest timestamp next, keeping offset order within a partition', () => {
    const g = new PartitionGroup<Chunk>([A, B])
    g.add('a', 0, new Chunk('a', [1, 5, 3, 9]))
    g.add('b', 0, new Chunk('b', [2, 4]))
    g.add('b', 0, new Chunk('b', [6]))
    g.setLag('a', 0, 0n)
    g.setLag('b', 0, 0n)
    // a's 3 comes after its 5 (offset order); b is taken when its head is lower.
    expect(drain(g)).toEqual(['a@1', 'b@2', 'b@4', 'a@5', 'a@3', 'b@6', 'a@9'])
    expect(g.hasBuffered).toBe(false)
  })

  it('ties go to the partition added first', () => {
    const g = new PartitionGroup<Chunk>([A, B], -1)
    g.add('b', 0, new Chunk('b', [1]))
    g.add('a', 0, new Chunk('a', [1]))
    expect(drain(g)).toEqual(['a@1', 'b@1'])
  })

  it('stream time is the largest timestamp handed out; partition time per partition', () => {
    const g = new PartitionGroup<Chunk>([A, B], -1)
    g.add('a', 0, new Chunk('a', [10, 4]))
    g.add('b', 0, new Chunk('b', [7]))
    expect(g.streamTime).toBe(-1)
    const q = g.nextQueue()
    expect(q?.topic).toBe('b')
    g.advance(q!)
    expect(g.streamTime).toBe(7)
    expect(drain(g)).toEqual(['a@10', 'a@4'])
    expect(g.streamTime).toBe(10) // 4 came late: stream time does not go back
    expect(g.queue('a', 0)?.partitionTime).toBe(10)
    expect(g.queue('b', 0)?.partitionTime).toBe(7)
  })

  it('waits for a partition whose lag is unknown or positive, whatever maxTaskIdleMs', () => {
    const g = new PartitionGroup<Chunk>([A, B], 0)
    g.add('a', 0, new Chunk('a', [5]))
    expect(g.readyToProcess(0)).toBe(false) // b not fetched yet
    g.setLag('b', 0, 3n)
    expect(g.readyToProcess(1_000_000)).toBe(false) // b has data on the broker
    g.add('b', 0, new Chunk('b', [2]))
    expect(drain(g)).toEqual(['b@2']) // then b is empty, its lag still says 3: wait again
    g.setLag('b', 0, 0n)
    expect(drain(g)).toEqual(['a@5'])
  })

  it('maxTaskIdleMs 0 (default): a caught-up empty partition is not waited for (enforced processing)', () => {
    const g = new PartitionGroup<Chunk>([A, B])
    g.setLag('a', 0, 0n)
    g.setLag('b', 0, 0n)
    g.add('a', 0, new Chunk('a', [5]))
    expect(g.readyToProcess(100)).toBe(true)
    expect(g.enforcedProcessing).toBe(1)
    expect(drain(g, 100)).toEqual(['a@5'])
  })

  it('maxTaskIdleMs > 0: waits that long for a caught-up empty partition, counted from when it was found empty', () => {
    const g = new PartitionGroup<Chunk>([A, B], 50)
    g.setLag('a', 0, 0n)
    g.setLag('b', 0, 0n)
    g.add('a', 0, new Chunk('a', [5]))
    expect(g.readyToProcess(1000)).toBe(false) // deadline 1050
    expect(g.readyToProcess(1049)).toBe(false)
    expect(g.readyToProcess(1050)).toBe(true)
    expect(g.enforcedProcessing).toBe(1)
    // Data arriving for b resets its deadline; b empty again starts a new wait.
    g.add('b', 0, new Chunk('b', [1]))
    expect(drain(g, 1050)).toEqual(['b@1'])
    expect(g.readyToProcess(1099)).toBe(false) // new deadline 1100
    expect(drain(g, 1100)).toEqual(['a@5'])
    expect(g.enforcedProcessing).toBe(2)
  })

  it('nothing buffered: not ready; all partitions buffered: ready without enforcing', () => {
    const g = new PartitionGroup<Chunk>([A, B], 10)
    g.setLag('a', 0, 0n)
    g.setLag('b', 0, 0n)
    expect(g.readyToProcess(0)).toBe(false)
    expect(g.readyToProcess(100)).toBe(false) // deadlines passed, but nothing to process
    g.add('a', 0, new Chunk('a', [1]))
    g.add('b', 0, new Chunk('b', [2]))
    expect(g.readyToProcess(100)).toBe(true)
    expect(g.enforcedProcessing).toBe(0)
  })

  it('maxTaskIdleMs -1 disables waiting, even for unfetched partitions', () => {
    const g = new PartitionGroup<Chunk>([A, B], -1)
    g.add('a', 0, new Chunk('a', [5]))
    expect(drain(g)).toEqual(['a@5'])
  })

  it('clear drops buffered records; bad arguments are typed errors', () => {
    const g = new PartitionGroup<Chunk>([A], -1)
    g.add('a', 0, new Chunk('a', [1, 2]))
    g.clear()
    expect(g.hasBuffered).toBe(false)
    expect(() => g.add('x', 0, new Chunk('x', [1]))).toThrow(InvalidArgumentError)
    expect(() => new PartitionGroup<Chunk>([A], -2)).toThrow(InvalidArgumentError)
    expect(() => new PartitionGroup<Chunk>([A], 1.5)).toThrow(InvalidArgumentError)
  })
})
