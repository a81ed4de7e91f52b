/**
 * A v2 record batch built one record at a time, as the Java client's MemoryRecordsBuilder:
 * each record is encoded when appended, so a producer keeps encoded bytes rather than record
 * objects (and their key and value Buffers) while the batch lingers and waits for its answer.
 * The header, which carries fields known only at send time (producer id, epoch, base
 * sequence), is written by {@link RecordBatchBuilder.build}.
 */
import { InvalidArgumentError } from '../errors.js'
import { Writer } from '../primitives/writer.js'
import { compress } from './compression/index.js'
import { checkedHeader, RECORD_BATCH_OVERHEAD, writeBatchHeader, writeRecord, type ProduceRecord, type RecordBatchOptions } from './record-batch.js'

/** Options of {@link RecordBatchBuilder.build}: the batch header's fields. */
export type RecordBatchHeaderOptions = Omit<RecordBatchOptions, 'now'>

export class RecordBatchBuilder {
  readonly #w: Writer
  #count = 0
  #baseTimestamp = 0
  #maxTimestamp = 0
  /** Whether an uncompressed build has handed out a view of the buffer (a rebuild must not change it). */
  #viewed = false

  /** `initialCapacity`: expected bytes of the records (the buffer grows as needed). */
  constructor(initialCapacity = 1024) {
    this.#w = new Writer(RECORD_BATCH_OVERHEAD + initialCapacity)
    this.#w.offset = RECORD_BATCH_OVERHEAD
  }

  /** Records appended so far. */
  get count(): number {
    return this.#count
  }

  /** Bytes of the uncompressed batch so far, header included. */
  get sizeInBytes(): number {
    return this.#w.offset
  }

  /**
   * Encodes a record at the end of the batch; returns the bytes it took. A record without a
   * timestamp gets `now`. Throws InvalidArgumentError for a timestamp that is not a safe
   * integer (nothing is appended then).
   */
  append(record: ProduceRecord, now: number = Date.now()): number {
    return this.#append(record, now, Number.POSITIVE_INFINITY)
  }

  /**
   * Appends the record only if the batch stays within `maxBytes` (header included), or if the
   * batch is empty (a record larger than the limit goes alone, as in the Java client); returns
   * whether it was appended.
   */
  appendWithin(record: ProduceRecord, maxBytes: number, now: number = Date.now()): boolean {
    return this.#append(record, now, maxBytes) >= 0
  }

  /** Bytes appended, or -1 when the record would take the batch past `maxBytes` (then nothing changes). */
  #append(record: ProduceRecord, now: number, maxBytes: number): number {
    const ts = record.timestamp ?? now
    if (!Number.isSafeInteger(ts)) throw new InvalidArgumentError(`invalid timestamp ${ts}`)
    if (this.#viewed) throw new InvalidArgumentError('cannot append to a batch after build()')
    const w = this.#w
    const before = w.offset
    const first = this.#count === 0
    const maxBefore = this.#maxTimestamp
    if (first) this.#baseTimestamp = this.#maxTimestamp = ts
    else if (ts > this.#maxTimestamp) this.#maxTimestamp = ts
    writeRecord(w, record, this.#count, ts - this.#baseTimestamp)
    if (!first && w.offset > maxBytes) {
      // Too big for this batch: undo (the bytes past `before` are simply overwritten later).
      w.offset = before
      this.#maxTimestamp = maxBefore
      return -1
    }
    this.#count++
    return w.offset - before
  }

  /**
   * The whole batch with the given header fields. Uncompressed, the result is a view of the
   * builder's buffer the first time and a copy after that (a rebuild with other sequence
   * fields must not change bytes an earlier request may still hold); compressed, a new
   * buffer each time.
   */
  build(options: RecordBatchHeaderOptions = {}): Buffer {
    const n = this.#count
    if (n === 0) throw new InvalidArgumentError('a record batch needs at least one record')
    const header = checkedHeader(options, n, this.#baseTimestamp, this.#maxTimestamp)
    const w = this.#w
    const codec = options.compression ?? 'none'
    let out: Buffer
    if (codec === 'none') {
      if (this.#viewed) {
        out = Buffer.allocUnsafe(w.offset)
        w.buffer.copy(out, 0, 0, w.offset)
      } else {
        out = w.buffer.subarray(0, w.offset)
        this.#viewed = true
      }
    } else {
      const compressed = compress(codec, w.buffer.subarray(RECORD_BATCH_OVERHEAD, w.offset))
      out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length)
      out.set(compressed, RECORD_BATCH_OVERHEAD)
    }
    writeBatchHeader(out, 0, out.length, header)
    return out
  }
}
