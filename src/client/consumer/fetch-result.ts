/**
 * Turning one partition of a Fetch response into records: batch headers are
 * parsed (and CRC-checked) at once, records only when first asked for, and
 * read_committed filtering applied. Shared by PartitionClient and GroupConsumer.
 */
import type { FetchPartitionResponse } from '../../protocol/messages/fetch.js'
import { decodeRecordBatches, DecompressionBudget, RecordCursor, type BatchRecordReader, type KafkaRecord, type RecordBatch } from '../../protocol/records/index.js'
import { committedBatches } from './read-committed.js'

export type IsolationLevel = 'read_uncommitted' | 'read_committed'

/** Result of fetching one partition. */
export interface FetchResult {
  /** Records at or after the requested offset, in offset order (control records excluded). */
  records: KafkaRecord[]
  /** Offset the next produced record will get (end of the committed log for replicas). */
  highWatermark: bigint
  /** Last stable offset (for read_committed consumers). */
  lastStableOffset: bigint
  /** First offset still in the log. */
  logStartOffset: bigint
  /** Offset to fetch next: after the last record (or control record) returned. */
  nextOffset: bigint
}

/** A fetch result whose records are decoded on first access. */
export class LazyFetchResult implements FetchResult {
  private decoded: KafkaRecord[] | undefined

  constructor(
    private readonly batches: RecordBatch[],
    /** The offset the partition was fetched from. */
    readonly fetchOffset: bigint,
    readonly nextOffset: bigint,
    readonly highWatermark: bigint,
    readonly lastStableOffset: bigint,
    readonly logStartOffset: bigint,
    /** Bytes of the fetched batches (for buffer accounting). */
    readonly sizeInBytes: number,
  ) {}

  /** True when no record at or after the fetch offset is visible. */
  get isEmpty(): boolean {
    return this.batches.every((b) => !holdsVisible(b, this.fetchOffset))
  }

  get records(): KafkaRecord[] {
    if (this.decoded) return this.decoded
    const out: KafkaRecord[] = []
    const c = this.cursor()
    while (c.next()) out.push(c.toRecord())
    this.decoded = out
    return out
  }

  /**
   * Iterates the records, decoding each only when reached (the {@link records} array is not
   * built): a consumer that processes as it iterates keeps one record alive at a time, not a
   * whole fetch's worth, which is most of what young-generation GC has to copy.
   */
  *[Symbol.iterator](): Iterator<KafkaRecord> {
    if (this.decoded) {
      yield* this.decoded
      return
    }
    const c = this.cursor()
    while (c.next()) yield c.toRecord()
  }

  /** A cursor over the records at or after the fetch offset, read in place (see {@link RecordCursor}). */
  cursor(): FetchCursor {
    return new FetchCursor(this.batches, this.fetchOffset)
  }

  /** A plain-object copy (records decoded). */
  toJSON(): FetchResult {
    const { records, highWatermark, lastStableOffset, logStartOffset, nextOffset } = this
    return { records, highWatermark, lastStableOffset, logStartOffset, nextOffset }
  }
}

/**
 * Builds the result of one fetched partition that was requested at `offset`; its batches
 * decompress at most `maxDecompressedBytes` together (see {@link DecompressionBudget.forFetch}).
 */
export function fetchResultOf(part: FetchPartitionResponse, offset: bigint, isolation: IsolationLevel, maxDecompressedBytes?: number): LazyFetchResult {
  const budget = DecompressionBudget.forFetch(part.records?.length ?? 0, maxDecompressedBytes)
  const all = part.records ? decodeRecordBatches(part.records, { maxDecompressedBytes: Math.max(budget.limit, 1), decompressionBudget: budget }) : []
  // The next position is after every batch returned, including skipped aborted and control ones.
  let nextOffset = offset
  for (const b of all) if (b.lastOffset + 1n > nextOffset) nextOffset = b.lastOffset + 1n
  const visible = isolation === 'read_committed' ? committedBatches(all, part.abortedTransactions) : all
  return new LazyFetchResult(visible, offset, nextOffset, part.highWatermark, part.lastStableOffset, part.logStartOffset, part.records?.length ?? 0)
}

/** Whether a batch can hold records at or after `from` that a consumer sees (control batches never). */
function holdsVisible(b: RecordBatch, from: bigint): boolean {
  return !b.isControl && b.lastOffset >= from
}

/**
 * A {@link RecordCursor} over the visible records of one fetched partition (control batches and
 * records before the fetch offset skipped): `next()` reads the next record in place. The one
 * place that decides which fetched records a consumer sees; `records` and iteration use it.
 */
export class FetchCursor extends RecordCursor {
  #index = -1
  #records: BatchRecordReader | undefined

  constructor(
    private readonly batches: readonly RecordBatch[],
    private readonly from: bigint,
  ) {
    super()
  }

  /** Moves to the next record; false after the last. */
  next(): boolean {
    for (;;) {
      if (this.#records?.readInto(this)) {
        if (this.offset >= this.from) return true
        continue
      }
      if (++this.#index >= this.batches.length) return false
      const b = this.batches[this.#index]
      this.#records = holdsVisible(b, this.from) ? b.recordReader() : undefined
    }
  }
}
