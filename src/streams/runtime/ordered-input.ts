/**
 * Feeds fetched batches to tasks with several input partitions in timestamp order: each batch
 * is buffered in the task's {@link PartitionGroup} (its cursor is read in place, as the
 * single-partition path reads it) and records are processed while the group is ready, lowest
 * head timestamp first. Buffered records are not committed until processed: a task closed or
 * reset with records buffered reads them again from its committed offsets.
 *
 * A group can hold many fetches' worth of records (one partition's are held back until the
 * other's catch up in time): processing stops at a deadline (the next commit) with records still
 * ready, so that the commit interval holds (under exactly_once_v2, transactions stay short) and
 * the runtime goes on right after the commit ({@link OrderedInput.takeBacklog}).
 */
import type { TopicPartition } from '../../client/consumer/assignor.js'
import type { RecordCursor } from '../../protocol/records/index.js'
import { PartitionGroup, type PartitionQueue } from './partition-group.js'
import type { StreamTask } from './task.js'

/** A fetched batch's cursor: positioned on a record, moved on by `next()`. */
type Cursor = RecordCursor & { next(): boolean }

/** Records processed between two looks at the clock (for the deadline). */
const DEADLINE_CHECK_EVERY = 100

/** Per task partition groups of one KafkaStreams instance. */
export class OrderedInput {
  readonly #groups = new WeakMap<StreamTask, PartitionGroup<Cursor>>()
  /** A process() call stopped at its deadline with records ready. */
  #backlog = false

  /**
   * `lagOf`: the consumer's lag of a partition (undefined until fetched); `yieldEvery`: records
   * between yields to the event loop (a long run would hold off network I/O).
   */
  constructor(
    private readonly maxTaskIdleMs: number,
    private readonly lagOf: (topic: string, partition: number) => bigint | undefined,
    private readonly yieldEvery: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The group of a task with several input partitions; null for a task with one (processed as fetched). */
  groupOf(task: StreamTask, partitions: readonly TopicPartition[]): PartitionGroup<Cursor> | null {
    if (partitions.length < 2) return null
    let g = this.#groups.get(task)
    if (g === undefined) {
      g = new PartitionGroup<Cursor>(partitions, this.maxTaskIdleMs)
      this.#groups.set(task, g)
    }
    return g
  }

  /** Buffers a batch (its cursor on the first record) and processes what is ready, until `deadline` (wall-clock ms). */
  async add(task: StreamTask, group: PartitionGroup<Cursor>, topic: string, partition: number, cursor: Cursor, beforeFirst: () => void, deadline = Infinity): Promise<void> {
    if (group.queue(topic, partition) === undefined) group.addPartition(topic, partition)
    group.add(topic, partition, cursor)
    await this.process(task, group, beforeFirst, group.queue(topic, partition), deadline)
  }

  /** True once after a process() call stopped at its deadline with records ready: process them soon, without waiting for input. */
  takeBacklog(): boolean {
    const b = this.#backlog
    this.#backlog = false
    return b
  }

  /**
   * Processes buffered records in timestamp order while the group is ready; `beforeFirst` runs
   * before the first one (e.g. to begin a transaction). `inHand`: the partition of the batch the
   * consumer handed out last, now buffered here (the consumer's lag still counts it). Stops once
   * `deadline` (wall-clock ms) passed, after at least {@link DEADLINE_CHECK_EVERY} records.
   */
  async process(task: StreamTask, group: PartitionGroup<Cursor>, beforeFirst: () => void, inHand?: PartitionQueue<Cursor>, deadline = Infinity): Promise<void> {
    if (!group.hasBuffered) return
    this.#updateLags(group, inHand)
    let n = 0
    while (group.readyToProcess(this.now())) {
      if (n > 0 && n % DEADLINE_CHECK_EVERY === 0 && this.now() >= deadline) {
        this.#backlog = true
        return
      }
      const q = group.nextQueue()
      if (q === undefined) return
      if (n === 0) beforeFirst()
      task.processAt(q.topic, q.partition, q.head)
      task.maybePunctuateStreamTime()
      group.advance(q)
      if (++n % this.yieldEvery === 0) {
        await new Promise<void>((r) => setImmediate(r))
        this.#updateLags(group, inHand)
      }
    }
  }

  #updateLags(group: PartitionGroup<Cursor>, inHand: PartitionQueue<Cursor> | undefined): void {
    for (const q of group.partitions) {
      const lag = this.lagOf(q.topic, q.partition)
      q.lag = q === inHand && lag !== undefined && lag > 0n ? lag - 1n : lag
    }
  }

  /** Processes what became ready in the task's group (idle deadline passed, lags now known, a run stopped at its deadline). */
  async processWaiting(task: StreamTask, beforeFirst: () => void, deadline = Infinity): Promise<void> {
    const g = this.#groups.get(task)
    if (g !== undefined) await this.process(task, g, beforeFirst, undefined, deadline)
  }
}
