/**
 * Timestamp-ordered processing of a task's input partitions (Kafka Streams' PartitionGroup). A
 * task reading several partitions (a join, a merge, co-partitioned sources) buffers what was
 * fetched per partition and processes next the buffered record with the lowest timestamp, so its
 * results do not depend on which partition's fetch came back first.
 *
 * Before processing, {@link PartitionGroup.readyToProcess} decides whether to wait for a
 * partition with nothing buffered, as Kafka Streams' `max.task.idle.ms` rules do:
 * - `maxTaskIdleMs` = -1 (disabled): never wait.
 * - a partition whose lag is unknown (not fetched yet) or positive (data on the broker not yet
 *   buffered): wait for it.
 * - a partition known to be caught up (lag 0): wait `maxTaskIdleMs` from when it was first found
 *   empty; after that deadline, processing is "enforced" without it (counted in
 *   {@link PartitionGroup.enforcedProcessing}). With the default 0 the deadline is now: only
 *   partitions whose data is known to be on its way are waited for.
 * - nothing buffered at all: not ready.
 *
 * Records within a partition keep their offset order; partitions are ordered by the timestamp of
 * their head record (ties: the partition registered first). The timestamp ordered by is the
 * record's own (create or log-append) timestamp.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'

/** A run of records of one partition, positioned on its current record (e.g. a fetched batch's cursor). */
export interface RecordChunk {
  /** Timestamp of the current record. */
  readonly timestamp: number
  /** Moves to the next record; false when the chunk has none left. */
  next(): boolean
}

/** Kafka Streams' `max.task.idle.ms` value that disables waiting. */
export const MAX_TASK_IDLE_MS_DISABLED = -1

/** The buffered chunks of one partition. */
export class PartitionQueue<C extends RecordChunk> {
  /** Chunks in offset order; the first is positioned on the head record. */
  readonly #chunks: C[] = []
  #first = 0
  /** Largest timestamp taken from this partition (-1 before any). */
  partitionTime = -1
  /** Consumer lag as last known: undefined until fetched. */
  lag: bigint | undefined = undefined
  /** When waiting for this empty, caught-up partition ends (wall-clock ms); undefined while not waiting. */
  idleDeadline: number | undefined = undefined

  /** `id`: the partition's key in its group; `topic` and `partition` identify it to callers. */
  constructor(
    readonly id: string,
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** True when no record is buffered. */
  get isEmpty(): boolean {
    return this.#first === this.#chunks.length
  }

  /** The chunk holding the head record (check {@link isEmpty} first). */
  get head(): C {
    return this.#chunks[this.#first]
  }

  /** Number of chunks buffered. */
  get chunks(): number {
    return this.#chunks.length - this.#first
  }

  /** @internal */
  push(chunk: C): void {
    this.#chunks.push(chunk)
  }

  /** @internal Drops the head chunk (exhausted). */
  shift(): void {
    this.#first++
    if (this.#first === this.#chunks.length) {
      this.#chunks.length = 0
      this.#first = 0
    }
  }

  /** @internal */
  clear(): void {
    this.#chunks.length = 0
    this.#first = 0
  }
}

/** Buffers a task's input partitions and hands out their records in timestamp order. */
export class PartitionGroup<C extends RecordChunk> {
  readonly #queues: Array<PartitionQueue<C>> = []
  readonly #byId = new Map<string, PartitionQueue<C>>()
  readonly #maxTaskIdleMs: number
  /** Largest timestamp handed out (-1 before any): the task's stream time as far as this group sees it. */
  streamTime = -1
  /** Times processing went on without a caught-up partition whose idle time had run out (Kafka Streams' enforced-processing metric). */
  enforcedProcessing = 0

  constructor(partitions: Iterable<{ topic: string; partition: number }>, maxTaskIdleMs = 0) {
    if (!Number.isSafeInteger(maxTaskIdleMs) || maxTaskIdleMs < MAX_TASK_IDLE_MS_DISABLED) {
      throw new InvalidArgumentError(`maxTaskIdleMs must be a whole number of ms >= 0, or -1 to disable idling, got ${String(maxTaskIdleMs)}`)
    }
    this.#maxTaskIdleMs = maxTaskIdleMs
    for (const tp of partitions) this.addPartition(tp.topic, tp.partition)
  }

  /** Key of a partition in the group. */
  static id(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`
  }

  /** Adds a partition to the group (no-op when present). */
  addPartition(topic: string, partition: number): PartitionQueue<C> {
    const id = PartitionGroup.id(topic, partition)
    let q = this.#byId.get(id)
    if (q === undefined) {
      q = new PartitionQueue<C>(id, topic, partition)
      this.#byId.set(id, q)
      this.#queues.push(q)
    }
    return q
  }

  /** The queue of a partition, or undefined when it is not in the group. */
  queue(topic: string, partition: number): PartitionQueue<C> | undefined {
    return this.#byId.get(PartitionGroup.id(topic, partition))
  }

  /** The partitions of the group, in the order they were added. */
  get partitions(): ReadonlyArray<PartitionQueue<C>> {
    return this.#queues
  }

  /** Buffers a chunk positioned on its first record. */
  add(topic: string, partition: number, chunk: C): void {
    const q = this.#byId.get(PartitionGroup.id(topic, partition))
    if (q === undefined) throw new InvalidArgumentError(`partition ${topic}-${partition} is not an input partition of this task`)
    q.push(chunk)
  }

  /**
   * Sets a partition's fetched lag: undefined (not known yet), 0n (caught up) or the number of
   * records on the broker beyond what was fetched.
   */
  setLag(topic: string, partition: number, lag: bigint | undefined): void {
    const q = this.#byId.get(PartitionGroup.id(topic, partition))
    if (q !== undefined) q.lag = lag
  }

  /** True when any record is buffered. */
  get hasBuffered(): boolean {
    for (const q of this.#queues) if (!q.isEmpty) return true
    return false
  }

  /** Whether the task may process its next record now (see the module comment). */
  readyToProcess(wallClockMs: number): boolean {
    if (this.#maxTaskIdleMs === MAX_TASK_IDLE_MS_DISABLED) return true
    let queued = false
    let enforced = false
    for (const q of this.#queues) {
      if (!q.isEmpty) {
        q.idleDeadline = undefined
        queued = true
      } else if (q.lag === undefined || q.lag > 0n) {
        // Data to wait for: not fetched yet, or known to be on the broker.
        q.idleDeadline = undefined
        return false
      } else {
        q.idleDeadline ??= wallClockMs + this.#maxTaskIdleMs
        if (wallClockMs < q.idleDeadline) return false
        enforced = true
      }
    }
    if (!enforced) return true
    if (!queued) return false
    this.enforcedProcessing++
    return true
  }

  /** The queue whose head record has the lowest timestamp; undefined when nothing is buffered. */
  nextQueue(): PartitionQueue<C> | undefined {
    let best: PartitionQueue<C> | undefined
    let bestTs = 0
    for (const q of this.#queues) {
      if (q.isEmpty) continue
      const ts = q.head.timestamp
      if (best === undefined || ts < bestTs) {
        best = q
        bestTs = ts
      }
    }
    return best
  }

  /**
   * Takes the head record of `q` (the caller processed it from `q.head`): advances partition and
   * stream time, then moves the queue to its next record.
   */
  advance(q: PartitionQueue<C>): void {
    const chunk = q.head
    const ts = chunk.timestamp
    if (ts > q.partitionTime) q.partitionTime = ts
    if (ts > this.streamTime) this.streamTime = ts
    if (!chunk.next()) q.shift()
  }

  /** Drops every buffered record (they are read again from the committed offsets). */
  clear(): void {
    for (const q of this.#queues) q.clear()
  }
}
