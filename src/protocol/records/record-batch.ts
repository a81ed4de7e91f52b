/**
 * Kafka record batches, magic v2 (DefaultRecordBatch.java), byte for byte.
 *
 * ```
 * RecordBatch =>
 *   baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8 (= 2),
 *   crc uint32 (CRC32C of attributes..end), attributes int16, lastOffsetDelta int32,
 *   baseTimestamp int64, maxTimestamp int64, producerId int64, producerEpoch int16,
 *   baseSequence int32, recordCount int32, records (one compressed block unless codec none)
 * Record =>
 *   length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 *   key varint-bytes, value varint-bytes, headerCount varint,
 *   headers [key varint-string, value varint-bytes]
 * attributes: bits 0-2 codec, bit 3 LOG_APPEND_TIME, bit 4 transactional, bit 5 control
 * ```
 */
import { CorruptRecordError, DecodeError, InvalidArgumentError } from '../errors.js'
import { Reader } from '../primitives/reader.js'
import { Writer, varintSize, varlongSize, writeInt64Number } from '../primitives/writer.js'
import { crc32c } from './crc32c.js'
import {
  compress,
  compressionCodecFromId,
  compressionCodecId,
  decompress,
  DecompressionLimitError,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type CompressionCodec,
} from './compression/index.js'
import type { DecompressionBudget } from './decompression-budget.js'

/** Record headers in wire order; keys may repeat, values may be null. */
export type RecordHeaders = Array<[string, Buffer | null]>

/**
 * A record to produce. A key or value given as a string is written as its UTF-8 bytes (straight
 * into the batch, without an intermediate Buffer).
 */
export interface ProduceRecord {
  /** Absent or null: no key. */
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: RecordHeaders
  /** Create time in ms since the epoch; defaults to the batch's `now`. */
  timestamp?: number
}

/** A record read from a batch. `key`/`value` are zero-copy views of the fetched (or decompressed) bytes. */
export interface KafkaRecord {
  offset: bigint
  /** Create time, or the broker's append time for LOG_APPEND_TIME batches (ms since the epoch). */
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeaders
}

/** Options of {@link encodeRecordBatch}. */
export interface RecordBatchOptions {
  /** Default 'none'. */
  compression?: CompressionCodec
  /** Default -1n (not idempotent). */
  producerId?: bigint
  /** Default -1. */
  producerEpoch?: number
  /** Sequence number of the first record; default -1. */
  baseSequence?: number
  /** Marks the batch as part of a transaction; default false. */
  transactional?: boolean
  /** Default 0n: the broker assigns offsets on produce. */
  baseOffset?: bigint
  /** Default -1. */
  partitionLeaderEpoch?: number
  /** Timestamp for records without one; default Date.now(). */
  now?: number
}

/** Options of {@link decodeRecordBatches}. */
export interface DecodeRecordBatchOptions {
  /** Check each batch's CRC32C; default true. */
  verifyCrc?: boolean
  /** Refuse a compressed batch that inflates beyond this; default 256 MiB. */
  maxDecompressedBytes?: number
  /** Also bound the decompressed bytes of all these batches together (one fetch's). */
  decompressionBudget?: DecompressionBudget
}

/** Bytes before the batch length field is counted (baseOffset + batchLength). */
const LOG_OVERHEAD = 12
/** Fixed header size of a v2 batch, up to the first record. */
export const RECORD_BATCH_OVERHEAD = 61
const MAGIC_OFFSET = 16
const CRC_OFFSET = 17
const ATTRIBUTES_OFFSET = 21
/** The smallest possible record: every field a single byte. */
const MIN_RECORD_SIZE = 7

const TIMESTAMP_TYPE_BIT = 0x08
const TRANSACTIONAL_BIT = 0x10
const CONTROL_BIT = 0x20

/** Compressed record blocks are built here, then compressed into the batch Writer; reused below this size. */
const SCRATCH_KEEP_LIMIT = 1 << 20
let scratch: Writer | undefined

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(`${what} out of range: ${v}`)
}

/** Bytes of a key or value field given as bytes (null: the -1 length alone). */
function bytesFieldSize(v: Uint8Array | null): number {
  return v === null ? 1 : varintSize(v.length) + v.length
}

/**
 * Appends one record (length prefix included) to `w`. Text keys and values are written as
 * UTF-8 without measuring them first (see {@link Writer.varintText}), so the record's length
 * prefix is sized from an estimate and fixed by {@link Writer.endVarintLength}.
 */
export function writeRecord(w: Writer, r: ProduceRecord, offsetDelta: number, tsDelta: number): void {
  const key = r.key ?? null
  const value = r.value
  const headers = r.headers
  const headerCount = headers === undefined ? 0 : headers.length
  const keyIsText = typeof key === 'string'
  const valueIsText = typeof value === 'string'
  // The body size, computed arithmetically so the length prefix can be written first with no
  // intermediate buffer per record; text counts one byte per UTF-16 unit (exact for ASCII).
  let size =
    1 +
    varlongSize(tsDelta) +
    varintSize(offsetDelta) +
    (keyIsText ? varintSize(key.length) + key.length : bytesFieldSize(key)) +
    (valueIsText ? varintSize(value.length) + value.length : bytesFieldSize(value)) +
    varintSize(headerCount)
  for (let h = 0; h < headerCount; h++) {
    const [hk, hv] = headers![h]
    const klen = Buffer.byteLength(hk, 'utf8')
    size += varintSize(klen) + klen + bytesFieldSize(hv)
  }
  const prefix = varintSize(size)
  const start = w.offset
  w.ensure(prefix + size)
  w.offset += prefix
  w.uint8(0) // record attributes: unused
  w.varlong(tsDelta)
  w.varint(offsetDelta)
  if (keyIsText) w.varintText(key)
  else w.varintBytes(key)
  if (valueIsText) w.varintText(value)
  else w.varintBytes(value)
  w.varint(headerCount)
  for (let h = 0; h < headerCount; h++) {
    const header = headers![h]
    w.varintString(header[0])
    w.varintBytes(header[1])
  }
  // Exact unless non-ASCII text made the body longer than estimated.
  w.endVarintLength(start, prefix)
}

/** Appends the records (record section only) to `w`; timestamps relative to `baseTimestamp`. */
function writeRecords(w: Writer, records: readonly ProduceRecord[], baseTimestamp: number, now: number): void {
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    writeRecord(w, r, i, (r.timestamp ?? now) - baseTimestamp)
  }
}

/**
 * Appends one whole v2 record batch for `records` to `w`, then patches its
 * length and CRC in place. Record timestamps are deltas from the first record's
 * timestamp, as the Java client writes them.
 */
export function encodeRecordBatch(w: Writer, records: readonly ProduceRecord[], options: RecordBatchOptions = {}): void {
  const n = records.length
  if (n === 0) throw new InvalidArgumentError('a record batch needs at least one record')
  const codec = options.compression ?? 'none'
  const now = options.now ?? Date.now()
  let baseTimestamp = 0
  let maxTimestamp = 0
  for (let i = 0; i < n; i++) {
    const ts = records[i].timestamp ?? now
    if (!Number.isSafeInteger(ts)) throw new InvalidArgumentError(`record ${i}: invalid timestamp ${ts}`)
    if (i === 0) baseTimestamp = maxTimestamp = ts
    else if (ts > maxTimestamp) maxTimestamp = ts
  }
  const header = checkedHeader(options, n, baseTimestamp, maxTimestamp)
  const start = w.offset
  w.ensure(RECORD_BATCH_OVERHEAD)
  w.offset += RECORD_BATCH_OVERHEAD
  if (codec === 'none') {
    writeRecords(w, records, baseTimestamp, now)
  } else {
    const s = scratch ?? new Writer(64 * 1024)
    scratch = undefined // not shared with a re-entrant call
    s.offset = 0
    writeRecords(s, records, baseTimestamp, now)
    w.raw(compress(codec, s.finish()))
    if (s.buffer.length <= SCRATCH_KEEP_LIMIT) scratch = s
  }
  writeBatchHeader(w.buffer, start, w.offset, header)
}

/** The header fields of a batch, checked. */
export interface BatchHeader {
  baseOffset: bigint
  partitionLeaderEpoch: number
  attributes: number
  recordCount: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
}

/** Checks the options' header fields and fills in their defaults. */
export function checkedHeader(options: RecordBatchOptions, recordCount: number, baseTimestamp: number, maxTimestamp: number): BatchHeader {
  const producerEpoch = options.producerEpoch ?? -1
  const baseSequence = options.baseSequence ?? -1
  const partitionLeaderEpoch = options.partitionLeaderEpoch ?? -1
  checkInt(producerEpoch, -0x8000, 0x7fff, 'producerEpoch')
  checkInt(baseSequence, -0x80000000, 0x7fffffff, 'baseSequence')
  checkInt(partitionLeaderEpoch, -0x80000000, 0x7fffffff, 'partitionLeaderEpoch')
  return {
    baseOffset: options.baseOffset ?? 0n,
    partitionLeaderEpoch,
    attributes: compressionCodecId(options.compression ?? 'none') | (options.transactional ? TRANSACTIONAL_BIT : 0),
    recordCount,
    baseTimestamp,
    maxTimestamp,
    producerId: options.producerId ?? -1n,
    producerEpoch,
    baseSequence,
  }
}

/**
 * Writes the 61-byte header of the batch that occupies `buf[start, end)` (its records already
 * in place after the header) and patches in its length and CRC.
 */
export function writeBatchHeader(buf: Buffer, start: number, end: number, h: BatchHeader): void {
  buf.writeBigInt64BE(h.baseOffset, start)
  buf.writeInt32BE(end - start - LOG_OVERHEAD, start + 8)
  buf.writeInt32BE(h.partitionLeaderEpoch, start + 12)
  buf.writeInt8(2, start + MAGIC_OFFSET)
  buf.writeInt16BE(h.attributes, start + ATTRIBUTES_OFFSET)
  buf.writeInt32BE(h.recordCount - 1, start + 23)
  writeInt64Number(buf, h.baseTimestamp, start + 27)
  writeInt64Number(buf, h.maxTimestamp, start + 35)
  buf.writeBigInt64BE(h.producerId, start + 43)
  buf.writeInt16BE(h.producerEpoch, start + 51)
  buf.writeInt32BE(h.baseSequence, start + 53)
  buf.writeInt32BE(h.recordCount, start + 57)
  buf.writeUInt32BE(crc32c(buf.subarray(start + ATTRIBUTES_OFFSET, end)) >>> 0, start + CRC_OFFSET)
}

/** Encodes one record batch into a new Buffer (see {@link encodeRecordBatch}). */
export function encodeRecordBatchToBuffer(records: readonly ProduceRecord[], options?: RecordBatchOptions): Buffer {
  let estimate = RECORD_BATCH_OVERHEAD
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    estimate += 24 + (r.key?.length ?? 0) + (r.value?.length ?? 0) + (r.headers ? 32 * r.headers.length : 0) // (text: grown as needed)
  }
  const w = new Writer(Math.min(estimate, 64 << 20))
  encodeRecordBatch(w, records, options)
  return w.finish()
}

/**
 * One decoded batch header. Records are decoded only when asked for, through
 * {@link RecordBatch.records} or iteration; uncompressed batches yield
 * zero-copy keys and values. A compressed batch is decompressed each time its records are
 * read and the output is not kept by the batch: it lives as long as the records (or the cursor)
 * read from it, so iterating the batches of a fetch holds one decompressed batch at a time.
 */
export class RecordBatch implements Iterable<KafkaRecord> {
  readonly baseOffset: bigint
  /** Offset of the last record the batch was written with (compaction may have removed it). */
  readonly lastOffset: bigint
  readonly lastOffsetDelta: number
  readonly partitionLeaderEpoch: number
  /** Raw attributes field. */
  readonly attributes: number
  readonly compression: CompressionCodec
  readonly timestampType: 'create' | 'log-append'
  readonly isTransactional: boolean
  /** A control batch (transaction commit/abort markers): see {@link decodeControlRecord}. */
  readonly isControl: boolean
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
  readonly baseTimestamp: number
  readonly maxTimestamp: number
  readonly recordCount: number
  /** Size of the whole batch on the wire, header included. */
  readonly sizeInBytes: number
  readonly crc: number

  private readonly buf: Buffer
  private readonly recordsStart: number
  private readonly end: number
  private readonly maxDecompressed: number
  private readonly budget: DecompressionBudget | undefined
  /** Whether the budget already counts this batch's decompressed bytes. */
  private charged = false

  /** @internal Use {@link decodeRecordBatches}. `start` must point at a complete batch. */
  constructor(buf: Buffer, start: number, end: number, maxDecompressed: number, budget?: DecompressionBudget) {
    this.buf = buf
    this.recordsStart = start + RECORD_BATCH_OVERHEAD
    this.end = end
    this.maxDecompressed = maxDecompressed
    this.budget = budget
    this.baseOffset = buf.readBigInt64BE(start)
    this.partitionLeaderEpoch = buf.readInt32BE(start + 12)
    this.crc = buf.readUInt32BE(start + CRC_OFFSET)
    const attributes = buf.readInt16BE(start + ATTRIBUTES_OFFSET)
    this.attributes = attributes
    this.compression = compressionCodecFromId(attributes & 0x07)
    this.timestampType = attributes & TIMESTAMP_TYPE_BIT ? 'log-append' : 'create'
    this.isTransactional = (attributes & TRANSACTIONAL_BIT) !== 0
    this.isControl = (attributes & CONTROL_BIT) !== 0
    this.lastOffsetDelta = buf.readInt32BE(start + 23)
    this.lastOffset = this.baseOffset + BigInt(this.lastOffsetDelta)
    this.baseTimestamp = readInt64Number(buf, start + 27)
    this.maxTimestamp = readInt64Number(buf, start + 35)
    this.producerId = buf.readBigInt64BE(start + 43)
    this.producerEpoch = buf.readInt16BE(start + 51)
    this.baseSequence = buf.readInt32BE(start + 53)
    this.recordCount = buf.readInt32BE(start + 57)
    this.sizeInBytes = end - start
    if (this.recordCount < 0) throw new DecodeError(`batch at offset ${this.baseOffset}: negative record count ${this.recordCount}`)
    if (this.compression === 'none') this.checkCount(end - this.recordsStart)
  }

  private checkCount(bytes: number): void {
    if (this.recordCount > bytes / MIN_RECORD_SIZE) {
      throw new DecodeError(`batch at offset ${this.baseOffset}: ${this.recordCount} records cannot fit in ${bytes} bytes`)
    }
  }

  /** The (decompressed) record section: decompressed on each call, within the batch's and the fetch's limits. */
  private recordBytes(): Buffer {
    if (this.compression === 'none') return this.buf.subarray(this.recordsStart, this.end)
    const budget = this.charged ? undefined : this.budget
    const max = budget === undefined ? this.maxDecompressed : Math.min(this.maxDecompressed, budget.remaining)
    let d: Buffer
    try {
      d = decompress(this.compression, this.buf.subarray(this.recordsStart, this.end), max)
    } catch (err) {
      if (budget !== undefined && err instanceof DecompressionLimitError && max < this.maxDecompressed) {
        throw new DecompressionLimitError(
          `record batch at offset ${this.baseOffset}: decompressing it takes the fetch past its limit of ${budget.limit} decompressed bytes (maxDecompressedBytes; ${budget.used} bytes in earlier batches)`,
          { cause: err },
        )
      }
      throw err
    }
    this.checkCount(d.length)
    if (budget !== undefined) {
      budget.charge(d.length)
      this.charged = true
    }
    return d
  }

  /** Decodes every record of the batch. */
  records(): KafkaRecord[] {
    const out = new Array<KafkaRecord>(this.recordCount)
    const rr = this.recordReader()
    for (let i = 0; rr.readInto(scratchCursor); i++) out[i] = scratchCursor.toRecord()
    return out
  }

  /** Iterates over the records, decoding each only when reached. */
  *[Symbol.iterator](): Iterator<KafkaRecord> {
    const c = this.cursor()
    while (c.next()) yield c.toRecord()
  }

  /**
   * Reads the record at the reader's position into `c` (keys and values as positions in the
   * reader's buffer). @internal Iterate with {@link RecordBatch.cursor}.
   */
  readRecordInto<C extends RecordCursor>(r: Reader, c: C): C {
    const length = r.varint()
    const start = r.offset
    if (length < 0 || length > r.end - start) throw new DecodeError(`batch at offset ${this.baseOffset}: invalid record length ${length}`)
    const end = start + length
    r.offset++ // record attributes: unused
    const timestampDelta = r.varlong()
    const offsetDelta = r.varint()
    const buf = r.buf
    const keyLength = r.varint()
    if (keyLength < -1 || keyLength > end - r.offset) throw new DecodeError(`batch at offset ${this.baseOffset}: invalid key length ${keyLength}`)
    const keyStart = r.offset
    if (keyLength > 0) r.offset += keyLength
    const valueLength = r.varint()
    if (valueLength < -1 || valueLength > end - r.offset) throw new DecodeError(`batch at offset ${this.baseOffset}: invalid value length ${valueLength}`)
    const valueStart = r.offset
    if (valueLength > 0) r.offset += valueLength
    const headerCount = r.varint()
    // Each header takes at least two bytes: refuse absurd counts before allocating.
    if (headerCount < 0 || headerCount * 2 > end - r.offset) {
      throw new DecodeError(`batch at offset ${this.baseOffset}: invalid header count ${headerCount}`)
    }
    const headers: RecordHeaders = new Array(headerCount)
    for (let h = 0; h < headerCount; h++) headers[h] = [r.varintString(), r.varintBytes()]
    if (r.offset !== end) throw new DecodeError(`batch at offset ${this.baseOffset}: record length ${length} does not match its contents`)
    c.offset = this.baseOffset + BigInt(offsetDelta)
    c.timestamp = this.timestampType === 'log-append' ? this.maxTimestamp : this.baseTimestamp + timestampDelta
    c.buffer = buf
    c.keyStart = keyStart
    c.keyLength = keyLength
    c.valueStart = valueStart
    c.valueLength = valueLength
    c.headers = headers
    return c
  }

  /**
   * A cursor over the records: each `next()` reads the next one in place (key and value as
   * positions in a buffer, see {@link RecordCursor}); false after the last.
   */
  cursor(): RecordBatchCursor {
    return new RecordBatchCursor(this.recordReader())
  }

  /** @internal Reads the records in order into any {@link RecordCursor} (what cursors are built on). */
  recordReader(): BatchRecordReader {
    return new BatchRecordReader(this, new Reader(this.recordBytes()), this.recordCount)
  }

  /** @internal Throws if bytes remain after the last record. */
  checkEnd(r: Reader): void {
    if (r.remaining !== 0) {
      throw new DecodeError(`batch at offset ${this.baseOffset}: ${r.remaining} bytes left after ${this.recordCount} records`)
    }
  }
}

/** @internal One batch's records, read in order into a cursor; the batch's length is checked after the last. */
export class BatchRecordReader {
  #left: number

  constructor(
    private readonly batch: RecordBatch,
    private readonly reader: Reader,
    count: number,
  ) {
    this.#left = count
  }

  /** Reads the next record into `c`; false after the last. */
  readInto(c: RecordCursor): boolean {
    if (this.#left === 0) return false
    this.batch.readRecordInto(this.reader, c)
    if (--this.#left === 0) this.batch.checkEnd(this.reader)
    return true
  }
}

const EMPTY_BUFFER = Buffer.alloc(0)

/**
 * One record read in place: its key and value are positions in `buffer` (the fetched or
 * decompressed bytes) rather than Buffer views, so reading allocates nothing for them; a
 * consumer that decodes keys and values itself (as the streams runtime does for text serdes)
 * never needs the views. The fields describe the current record until the cursor moves.
 */
export class RecordCursor {
  offset = 0n
  /** Create time, or the broker's append time for LOG_APPEND_TIME batches (ms since the epoch). */
  timestamp = 0
  headers: RecordHeaders = []
  /** The bytes the key and value are in. */
  buffer: Buffer = EMPTY_BUFFER
  keyStart = 0
  /** -1 for a null key. */
  keyLength = -1
  valueStart = 0
  /** -1 for a null value. */
  valueLength = -1

  /** The key as a Buffer view (made on each call). */
  get key(): Buffer | null {
    return this.keyLength < 0 ? null : this.buffer.subarray(this.keyStart, this.keyStart + this.keyLength)
  }

  /** The value as a Buffer view (made on each call). */
  get value(): Buffer | null {
    return this.valueLength < 0 ? null : this.buffer.subarray(this.valueStart, this.valueStart + this.valueLength)
  }
  /** The current record as a plain {@link KafkaRecord} (key and value as Buffer views). */
  toRecord(): KafkaRecord {
    return { offset: this.offset, timestamp: this.timestamp, key: this.key, value: this.value, headers: this.headers }
  }
}

const scratchCursor = new RecordCursor()

/** A {@link RecordCursor} over one batch (see {@link RecordBatch.cursor}). */
export class RecordBatchCursor extends RecordCursor {
  constructor(private readonly records: BatchRecordReader) {
    super()
  }

  /** Moves to the next record; false after the last. */
  next(): boolean {
    return this.records.readInto(this)
  }
}

function readInt64Number(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x100000000 + buf.readUInt32BE(at + 4)
}

/**
 * Iterates over the batches in `buf`, a concatenation of batches as found in a
 * Fetch response's records field.
 *
 * A partial trailing batch (the broker cuts at maxBytes) ends the iteration
 * silently. Throws {@link CorruptRecordError} on a CRC mismatch and
 * {@link DecodeError} for legacy magic v0/v1, unknown magic or absurd lengths.
 */
export function* iterateRecordBatches(buf: Buffer, options: DecodeRecordBatchOptions = {}): Generator<RecordBatch, void, undefined> {
  const verifyCrc = options.verifyCrc ?? true
  const maxDecompressed = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  const budget = options.decompressionBudget
  let o = 0
  while (buf.length - o >= LOG_OVERHEAD) {
    const batchLength = buf.readInt32BE(o + 8)
    // As Java does, the magic is checked as soon as it is present, before the length.
    if (buf.length - o <= MAGIC_OFFSET) return
    const magic = buf.readInt8(o + MAGIC_OFFSET)
    if (magic === 0 || magic === 1) {
      throw new DecodeError(`message set with magic v${magic} at offset ${buf.readBigInt64BE(o)}: legacy formats (magic v0/v1) are unsupported`)
    }
    if (magic !== 2) throw new DecodeError(`unknown record batch magic ${magic} at offset ${buf.readBigInt64BE(o)}`)
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
      throw new DecodeError(`record batch at offset ${buf.readBigInt64BE(o)}: length ${batchLength} is below the header size`)
    }
    const end = o + LOG_OVERHEAD + batchLength
    if (end > buf.length) return
    if (verifyCrc) {
      const expected = buf.readUInt32BE(o + CRC_OFFSET)
      const actual = crc32c(buf.subarray(o + ATTRIBUTES_OFFSET, end))
      if (actual !== expected) {
        throw new CorruptRecordError(
          `record batch at offset ${buf.readBigInt64BE(o)} is corrupt: CRC32C 0x${actual.toString(16)} != stored 0x${expected.toString(16)}`,
        )
      }
    }
    yield new RecordBatch(buf, o, end, maxDecompressed, budget)
    o = end
  }
}

/** Decodes every complete batch in `buf` (see {@link iterateRecordBatches}). */
export function decodeRecordBatches(buf: Buffer, options?: DecodeRecordBatchOptions): RecordBatch[] {
  return Array.from(iterateRecordBatches(buf, options))
}

/** A transaction marker, the single record of a control batch. */
export interface ControlRecord {
  /** 'unknown' for control types other than abort (0) and commit (1). */
  type: 'abort' | 'commit' | 'unknown'
  /** Raw control type id. */
  typeId: number
  version: number
}

/** Decodes the key of a control record: int16 version, int16 type. */
export function decodeControlRecord(key: Buffer | null): ControlRecord {
  if (key === null || key.length < 4) throw new DecodeError(`control record key too short: ${key === null ? 'null' : key.length} bytes`)
  const version = key.readInt16BE(0)
  const typeId = key.readInt16BE(2)
  return { type: typeId === 0 ? 'abort' : typeId === 1 ? 'commit' : 'unknown', typeId, version }
}
