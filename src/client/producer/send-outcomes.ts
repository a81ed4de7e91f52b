/**
 * What a `sendBatch()`-style call resolves with, built as its records are acknowledged: every
 * record's metadata ({@link MetadataOutcome}), or only the last offset written per partition
 * ({@link LastOffsetsOutcome}: no object and no BigInt per record, for callers that only track
 * how far each partition got, such as a streams runtime's changelog checkpoints).
 */
import { offsetInBatch, type PendingRecord } from './accumulator.js'
import { PendingGroup } from './pending-group.js'

/** Where a record was written. */
export interface RecordMetadata {
  topic: string
  partition: number
  /** -1n only when an old broker acknowledged a retried batch as a duplicate without its offset. */
  offset: bigint
}

/** Where the records of one `sendBatchLastOffsets()` call to a partition ended. */
export interface PartitionLastOffset {
  topic: string
  partition: number
  /**
   * Offset of the partition's last record of the call; -1n only when an old broker acknowledged
   * each of its retried batches as a duplicate without the offset.
   */
  offset: bigint
}

/** The pending records of one call and the promise they settle. @internal */
export interface SendOutcome<T> {
  readonly promise: Promise<T>
  /** The pending record of the call's record `index`, going to `topic`-`partition` (records may share one). */
  item(index: number, topic: string, partition: number): PendingRecord
}

/** Resolves with each record's metadata, in the order given. @internal */
export class MetadataOutcome implements SendOutcome<RecordMetadata[]> {
  readonly #group: PendingGroup<RecordMetadata>
  readonly promise: Promise<RecordMetadata[]>

  constructor(n: number) {
    this.#group = new PendingGroup<RecordMetadata>(n)
    this.promise = this.#group.promise
  }

  item(index: number, topic: string, partition: number): PendingRecord {
    return new MetadataItem(this.#group, index, topic, partition)
  }
}

/** A record of a group: settles its share of the group's promise (no closure per record). */
class MetadataItem implements PendingRecord {
  constructor(
    private readonly group: PendingGroup<RecordMetadata>,
    private readonly index: number,
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  resolve(base: bigint, index: number): void {
    this.group.settle(this.index, { topic: this.topic, partition: this.partition, offset: offsetInBatch(base, index) })
  }

  reject(err: Error): void {
    this.group.fail(err)
  }
}

/**
 * One partition's records of a last-offsets call: the pending record they all share (no object
 * per record), and the furthest acknowledged one so far (its batch's base offset and index in it).
 */
class PartitionEnd implements PendingRecord {
  base = -1n
  index = -1

  constructor(
    private readonly outcome: LastOffsetsOutcome,
    readonly topic: string,
    readonly partition: number,
  ) {}

  resolve(base: bigint, index: number): void {
    // Offsets grow with (base, index); an unknown base (-1n) never moves the end back.
    if (base > this.base || (base === this.base && index > this.index)) {
      this.base = base
      this.index = index
    }
    this.outcome.settled()
  }

  reject(err: Error): void {
    this.outcome.fail(err)
  }
}

/** Resolves with the last offset per partition once every record is acknowledged, or rejects with the first failure. @internal */
export class LastOffsetsOutcome implements SendOutcome<PartitionLastOffset[]> {
  readonly promise: Promise<PartitionLastOffset[]>
  readonly #ends: PartitionEnd[] = []
  /** Ends by topic, then partition. */
  readonly #byTopic = new Map<string, PartitionEnd[]>()
  #last: PartitionEnd | null = null
  #remaining: number
  #failed = false
  #resolve!: (ends: PartitionLastOffset[]) => void
  #reject!: (err: Error) => void

  constructor(n: number) {
    this.#remaining = n
    this.promise = new Promise<PartitionLastOffset[]>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    if (n === 0) this.#resolve([])
  }

  item(_index: number, topic: string, partition: number): PendingRecord {
    let end = this.#last
    if (end === null || end.partition !== partition || end.topic !== topic) {
      let byPartition = this.#byTopic.get(topic)
      if (byPartition === undefined) this.#byTopic.set(topic, (byPartition = []))
      end = byPartition[partition]
      if (end === undefined) {
        end = new PartitionEnd(this, topic, partition)
        byPartition[partition] = end
        this.#ends.push(end)
      }
      this.#last = end
    }
    return end
  }

  /** A record was acknowledged (its partition's end moved). */
  settled(): void {
    if (--this.#remaining === 0 && !this.#failed) {
      this.#resolve(this.#ends.map((e) => ({ topic: e.topic, partition: e.partition, offset: offsetInBatch(e.base, e.index) })))
    }
  }

  /** A record failed: the first failure rejects the call. */
  fail(err: Error): void {
    this.#remaining--
    if (!this.#failed) {
      this.#failed = true
      this.#reject(err)
    }
  }
}
