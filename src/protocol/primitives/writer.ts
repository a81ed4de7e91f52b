/**
 * A growable big-endian write buffer for Kafka wire types.
 *
 * One Writer serves a whole request (header, body, record batches), so hot paths
 * never build arrays of small Buffers. Length prefixes that are only known after
 * the body is written are reserved with {@link Writer.reserveInt32} and patched.
 */
import { EMPTY_TAGGED_FIELDS, type TaggedFields } from './tagged-fields.js'
import { writeUtf8 } from './utf8.js'

const textEncoder = new TextEncoder()

/** Below this size, {@link Writer.external} copies the bytes: a separate socket write costs more. */
export const EXTERNAL_MIN_BYTES = 16 * 1024

/** Bytes a {@link Writer} sends by reference: they belong at `at` in the output. */
export interface ExternalChunk {
  at: number
  bytes: Uint8Array
}

export class Writer {
  private buf: Buffer
  /** Current write position (also the number of bytes written to the Writer's own buffer). */
  offset = 0
  /**
   * Chunks passed by reference (see {@link Writer.external}); only collected when the Writer
   * was created with `{ external: true }` by a caller that writes {@link Writer.pieces}.
   * @internal
   */
  externals: ExternalChunk[] | undefined
  /** @internal Total length of the external chunks. */
  externalBytes = 0

  constructor(initialCapacity = 256, options?: { external?: boolean }) {
    this.buf = Buffer.allocUnsafe(initialCapacity)
    if (options?.external) this.externals = []
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.offset + n
    if (need <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < need) cap *= 2
    const next = Buffer.allocUnsafe(cap)
    this.buf.copy(next, 0, 0, this.offset)
    this.buf = next
  }

  /** The written bytes (a view, not a copy: do not reuse the Writer afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.offset)
  }

  /** Direct access for codecs that patch bytes in place (CRC, lengths). */
  get buffer(): Buffer {
    return this.buf
  }

  int8(v: number): this {
    this.ensure(1)
    this.buf.writeInt8(v, this.offset)
    this.offset += 1
    return this
  }

  uint8(v: number): this {
    this.ensure(1)
    this.buf[this.offset++] = v & 0xff
    return this
  }

  boolean(v: boolean): this {
    return this.uint8(v ? 1 : 0)
  }

  int16(v: number): this {
    this.ensure(2)
    this.buf.writeInt16BE(v, this.offset)
    this.offset += 2
    return this
  }

  uint16(v: number): this {
    this.ensure(2)
    this.buf.writeUInt16BE(v, this.offset)
    this.offset += 2
    return this
  }

  int32(v: number): this {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.offset)
    this.offset += 4
    return this
  }

  uint32(v: number): this {
    this.ensure(4)
    this.buf.writeUInt32BE(v >>> 0, this.offset)
    this.offset += 4
    return this
  }

  int64(v: bigint): this {
    this.ensure(8)
    this.buf.writeBigInt64BE(v, this.offset)
    this.offset += 8
    return this
  }

  /** int64 from a JS number (timestamps, which are always safe integers). */
  int64Number(v: number): this {
    this.ensure(8)
    writeInt64Number(this.buf, v, this.offset)
    this.offset += 8
    return this
  }

  float64(v: number): this {
    this.ensure(8)
    this.buf.writeDoubleBE(v, this.offset)
    this.offset += 8
    return this
  }

  /** Unsigned LEB128 varint of a non-negative int32 (compact lengths, tags). */
  unsignedVarint(v: number): this {
    this.ensure(5)
    const b = this.buf
    let o = this.offset
    v >>>= 0
    while (v >= 0x80) {
      b[o++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    b[o++] = v
    this.offset = o
    return this
  }

  /** Zig-zag varint of an int32. */
  varint(v: number): this {
    return this.unsignedVarint((v << 1) ^ (v >> 31))
  }

  /** Zig-zag varlong of a safe-integer number or a bigint. */
  varlong(v: number | bigint): this {
    if (typeof v === 'bigint') {
      if (v >= -(2n ** 52n) && v < 2n ** 52n) return this.varlong(Number(v))
      let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
      this.ensure(10)
      while (z >= 0x80n) {
        this.buf[this.offset++] = Number(z & 0x7fn) | 0x80
        z >>= 7n
      }
      this.buf[this.offset++] = Number(z)
      return this
    }
    if (v >= -0x40000000 && v < 0x40000000) return this.varint(v)
    // Outside int31: zig-zag in float arithmetic (exact below 2^53).
    let z = v >= 0 ? v * 2 : -v * 2 - 1
    this.ensure(10)
    while (z >= 0x80) {
      this.buf[this.offset++] = (z % 0x80) | 0x80
      z = Math.floor(z / 0x80)
    }
    this.buf[this.offset++] = z
    return this
  }

  /** Raw bytes, no length prefix. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.offset)
    this.offset += bytes.length
    return this
  }

  /**
   * Raw bytes that may be sent by reference instead of copied (large record batches): kept
   * aside at the current position when the Writer collects externals and `bytes` is large,
   * else copied like {@link Writer.raw}. Length prefixes written before it must count it;
   * nothing after it may patch positions that span it. The bytes must not change until sent.
   */
  external(bytes: Uint8Array): this {
    if (this.externals === undefined || bytes.length < EXTERNAL_MIN_BYTES) return this.raw(bytes)
    this.externals.push({ at: this.offset, bytes })
    this.externalBytes += bytes.length
    return this
  }

  /** Total output length: own bytes plus external chunks. */
  get length(): number {
    return this.offset + this.externalBytes
  }

  /** The output as pieces in order: views of the own buffer around each external chunk. */
  pieces(): Uint8Array[] {
    const ext = this.externals
    if (ext === undefined || ext.length === 0) return [this.finish()]
    const out: Uint8Array[] = []
    let from = 0
    for (const e of ext) {
      if (e.at > from) out.push(this.buf.subarray(from, e.at))
      out.push(e.bytes)
      from = e.at
    }
    if (this.offset > from) out.push(this.buf.subarray(from, this.offset))
    return out
  }

  /** STRING / NULLABLE_STRING: int16 length (-1 for null) + UTF-8. */
  string(v: string | null): this {
    if (v === null) return this.int16(-1)
    const len = Buffer.byteLength(v, 'utf8')
    this.int16(len)
    this.ensure(len)
    this.buf.write(v, this.offset, len, 'utf8')
    this.offset += len
    return this
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING: unsigned varint length+1 (0 for null) + UTF-8. */
  compactString(v: string | null): this {
    if (v === null) return this.unsignedVarint(0)
    const len = Buffer.byteLength(v, 'utf8')
    this.unsignedVarint(len + 1)
    this.ensure(len)
    this.buf.write(v, this.offset, len, 'utf8')
    this.offset += len
    return this
  }

  /** BYTES / NULLABLE_BYTES: int32 length (-1 for null) + bytes. */
  bytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1)
    this.int32(v.length)
    return this.raw(v)
  }

  /** COMPACT_BYTES / COMPACT_NULLABLE_BYTES. */
  compactBytes(v: Uint8Array | null): this {
    if (v === null) return this.unsignedVarint(0)
    this.unsignedVarint(v.length + 1)
    return this.raw(v)
  }

  /** Record-style bytes: zig-zag varint length (-1 for null) + bytes. */
  varintBytes(v: Uint8Array | null): this {
    if (v === null) return this.varint(-1)
    this.varint(v.length)
    return this.raw(v)
  }

  /**
   * Record-style UTF-8 text (a key or value given as a string): zig-zag varint byte length +
   * UTF-8, written without measuring the text first (the length prefix is sized for one byte per
   * UTF-16 unit, exact for ASCII; see {@link Writer.endVarintLength}).
   */
  varintText(v: string): this {
    const start = this.offset
    const reserved = varintSize(v.length)
    this.ensure(reserved + v.length * 3) // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.offset = start + reserved
    this.offset += writeUtf8(this.buf, v, this.offset)
    this.endVarintLength(start, reserved)
    return this
  }

  /**
   * Ends a length-prefixed run whose length was only estimated: `reserved` bytes were left at
   * `start` for the zig-zag varint length of what was written after them. Writes the length
   * there, moving the bytes (and growing the buffer) when it needs more or fewer bytes.
   */
  endVarintLength(start: number, reserved: number): void {
    const bodyStart = start + reserved
    const n = this.offset - bodyStart
    const need = varintSize(n)
    if (need !== reserved) {
      if (need > reserved) this.ensure(need - reserved)
      this.buf.copyWithin(start + need, bodyStart, this.offset)
    }
    this.offset = start
    this.varint(n)
    this.offset = start + need + n
  }

  /** Record-style string (header keys): zig-zag varint length + UTF-8. */
  varintString(v: string): this {
    const len = Buffer.byteLength(v, 'utf8')
    this.varint(len)
    this.ensure(len)
    this.buf.write(v, this.offset, len, 'utf8')
    this.offset += len
    return this
  }

  /** UUID as 16 raw bytes; accepts the 36-char text form or 16 bytes. All-zero when null. */
  uuid(v: string | Uint8Array | null): this {
    this.ensure(16)
    if (v === null) {
      this.buf.fill(0, this.offset, this.offset + 16)
    } else if (typeof v === 'string') {
      this.buf.write(v.replace(/-/g, ''), this.offset, 16, 'hex')
    } else {
      this.buf.set(v.subarray(0, 16), this.offset)
    }
    this.offset += 16
    return this
  }

  /** ARRAY: int32 count (-1 for null), then each item. */
  array<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.int32(-1)
    this.int32(items.length)
    for (const item of items) write(this, item)
    return this
  }

  /** COMPACT_ARRAY: unsigned varint count+1 (0 for null), then each item. */
  compactArray<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.unsignedVarint(0)
    this.unsignedVarint(items.length + 1)
    for (const item of items) write(this, item)
    return this
  }

  /** Tagged fields section of a flexible struct. */
  taggedFields(fields: TaggedFields = EMPTY_TAGGED_FIELDS): this {
    if (fields.length === 0) return this.uint8(0)
    const sorted = [...fields].sort((a, b) => a.tag - b.tag)
    this.unsignedVarint(sorted.length)
    for (const f of sorted) {
      this.unsignedVarint(f.tag)
      this.unsignedVarint(f.data.length)
      this.raw(f.data)
    }
    return this
  }

  /** Reserves an int32 to be filled later with {@link Writer.patchInt32}; returns its position. */
  reserveInt32(): number {
    this.ensure(4)
    const at = this.offset
    this.offset += 4
    return at
  }

  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at)
  }

  patchUint32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at)
  }
}

/** Writes a safe-integer number as a big-endian int64 at `at`. */
export function writeInt64Number(buf: Buffer, v: number, at: number): void {
  // Byte stores: Buffer#writeInt32BE's argument checks cost more than the write (store keys and
  // values write several of these per record).
  if (!(at >= 0 && at + 8 <= buf.length)) throw new RangeError(`int64 at offset ${at} does not fit in ${buf.length} bytes`)
  const hi = Math.floor(v / 0x100000000)
  const lo = v - hi * 0x100000000
  buf[at] = hi >>> 24
  buf[at + 1] = hi >>> 16
  buf[at + 2] = hi >>> 8
  buf[at + 3] = hi
  buf[at + 4] = lo >>> 24
  buf[at + 5] = lo >>> 16
  buf[at + 6] = lo >>> 8
  buf[at + 7] = lo
}

/** Encodes a string as UTF-8 bytes (helper for callers that cache encoded names). */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s)
}

/** Bytes taken by {@link Writer.unsignedVarint} for `v` (treated as uint32). */
export function unsignedVarintSize(v: number): number {
  v >>>= 0
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5
}

/** Bytes taken by {@link Writer.varint} (zig-zag) for the int32 `v`. */
export function varintSize(v: number): number {
  return unsignedVarintSize((v << 1) ^ (v >> 31))
}

/** Bytes taken by {@link Writer.varlong} (zig-zag) for a safe-integer `v`. */
export function varlongSize(v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return varintSize(v)
  let z = v >= 0 ? v * 2 : -v * 2 - 1
  let n = 1
  while (z >= 0x80) {
    z = Math.floor(z / 0x80)
    n++
  }
  return n
}
