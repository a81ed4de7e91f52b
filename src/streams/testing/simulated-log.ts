/**
 * The in-memory "broker" of the {@link ClusterTestDriver}: partitioned topic logs whose records
 * may belong to a transaction, read at an isolation level as a Kafka consumer reads them
 * (read_committed stops at the first record of an open transaction, the last stable offset,
 * and skips aborted records).
 */
import type { IsolationLevel } from '../../client/consumer/fetch-result.js'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { RecordHeaders } from '../record.js'

/** A producer transaction of a simulated instance. */
export interface SimulatedTransaction {
  state: 'open' | 'committed' | 'aborted'
}

/** One record in a simulated partition. */
export interface SimulatedRecord {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: RecordHeaders
  readonly timestamp: number
  /** Offset in its partition. */
  readonly offset: number
  /** Append order across all topics (merges partitions in the order records were written). */
  readonly seq: number
  /** Null: written outside a transaction (visible at once). */
  readonly txn: SimulatedTransaction | null
}


/** Partitioned topics held in memory. */
export class SimulatedLog {
  readonly #topics = new Map<string, SimulatedRecord[][]>()
  #seq = 0

  /** Creates `topic` with `partitions` partitions (no-op when it exists with that count). */
  create(topic: string, partitions: number): void {
    if (!Number.isSafeInteger(partitions) || partitions < 1) throw new InvalidArgumentError(`partition count of topic '${topic}' must be an integer >= 1, got ${String(partitions)}`)
    const existing = this.#topics.get(topic)
    if (existing !== undefined) {
      if (existing.length !== partitions) throw new InvalidArgumentError(`topic '${topic}' has ${existing.length} partitions, not ${partitions}`)
      return
    }
    this.#topics.set(topic, Array.from({ length: partitions }, () => []))
  }

  has(topic: string): boolean {
    return this.#topics.has(topic)
  }

  /** Partition count of an existing topic. */
  partitions(topic: string): number {
    return this.#partitionsOf(topic).length
  }

  /** Appends a record; returns it with its offset. */
  append(topic: string, partition: number, r: { key: Buffer | null; value: Buffer | null; headers: RecordHeaders; timestamp: number }, txn: SimulatedTransaction | null): SimulatedRecord {
    const log = this.#partition(topic, partition)
    const rec: SimulatedRecord = { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offset: log.length, seq: this.#seq++, txn }
    log.push(rec)
    return rec
  }

  /**
   * The first record at or after `position` a reader at `isolation` sees, or undefined when there
   * is none yet (read_committed: none before the first record of an open transaction).
   */
  next(topic: string, partition: number, position: number, isolation: IsolationLevel): SimulatedRecord | undefined {
    const log = this.#partition(topic, partition)
    for (let i = position; i < log.length; i++) {
      const r = log[i]
      if (isolation === 'read_uncommitted' || r.txn === null || r.txn.state === 'committed') return r
      if (r.txn.state === 'open') return undefined
    }
    return undefined
  }

  /** Every record from `position` a reader at `isolation` sees now, in offset order. */
  readFrom(topic: string, partition: number, position: number, isolation: IsolationLevel): SimulatedRecord[] {
    const out: SimulatedRecord[] = []
    for (let r = this.next(topic, partition, position, isolation); r !== undefined; r = this.next(topic, partition, r.offset + 1, isolation)) out.push(r)
    return out
  }

  /** Where a reader at `isolation` stands after reading everything visible from `position`. */
  endFrom(topic: string, partition: number, position: number, isolation: IsolationLevel): number {
    const log = this.#partition(topic, partition)
    let i = position
    for (; i < log.length; i++) {
      const txn = log[i].txn
      if (isolation === 'read_committed' && txn !== null && txn.state === 'open') break
    }
    return i
  }

  #partitionsOf(topic: string): SimulatedRecord[][] {
    const t = this.#topics.get(topic)
    if (t === undefined) throw new InvalidArgumentError(`topic '${topic}' does not exist`)
    return t
  }

  #partition(topic: string, partition: number): SimulatedRecord[] {
    const t = this.#partitionsOf(topic)
    const log = t[partition]
    if (!Number.isInteger(partition) || log === undefined) throw new InvalidArgumentError(`topic '${topic}' has no partition ${String(partition)} (it has ${t.length})`)
    return log
  }
}
