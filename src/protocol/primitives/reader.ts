/**
 * A bounds-checked big-endian reader over one Buffer.
 *
 * Every read checks the remaining length first, so running out of bytes is a
 * {@link DecodeError}, never a raw RangeError. Byte fields are returned as
 * zero-copy `subarray` views of the input.
 */
import { DecodeError } from '../errors.js'
import type { TaggedField } from './tagged-fields.js'
import { readUtf8 } from './utf8.js'

export class Reader {
  offset: number
  /** Exclusive end of the readable region. */
  readonly end: number

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    this.offset = offset
    this.end = end
  }

  get remaining(): number {
    return this.end - this.offset
  }

  /** Throws a DecodeError unless `n` more bytes can be read. */
  need(n: number, what = 'field'): void {
    if (n < 0 || this.offset + n > this.end) {
      throw new DecodeError(`truncated ${what}: need ${n} bytes at offset ${this.offset}, have ${this.end - this.offset}`)
    }
  }

  int8(): number {
    this.need(1, 'int8')
    return this.buf.readInt8(this.offset++)
  }

  uint8(): number {
    this.need(1, 'uint8')
    return this.buf[this.offset++]
  }

  boolean(): boolean {
    return this.uint8() !== 0
  }

  int16(): number {
    this.need(2, 'int16')
    const v = this.buf.readInt16BE(this.offset)
    this.offset += 2
    return v
  }

  uint16(): number {
    this.need(2, 'uint16')
    const v = this.buf.readUInt16BE(this.offset)
    this.offset += 2
    return v
  }

  int32(): number {
    this.need(4, 'int32')
    const v = this.buf.readInt32BE(this.offset)
    this.offset += 4
    return v
  }

  uint32(): number {
    this.need(4, 'uint32')
    const v = this.buf.readUInt32BE(this.offset)
    this.offset += 4
    return v
  }

  int64(): bigint {
    this.need(8, 'int64')
    const v = this.buf.readBigInt64BE(this.offset)
    this.offset += 8
    return v
  }

  /** int64 as a JS number (timestamps); exact for |v| < 2^53. */
  int64Number(): number {
    this.need(8, 'int64')
    const hi = this.buf.readInt32BE(this.offset)
    const lo = this.buf.readUInt32BE(this.offset + 4)
    this.offset += 8
    return hi * 0x100000000 + lo
  }

  float64(): number {
    this.need(8, 'float64')
    const v = this.buf.readDoubleBE(this.offset)
    this.offset += 8
    return v
  }

  /** Unsigned LEB128 varint, at most 5 bytes (an int32). */
  unsignedVarint(): number {
    const b = this.buf
    let o = this.offset
    let value = 0
    let shift = 0
    for (;;) {
      if (o >= this.end) throw new DecodeError(`truncated varint at offset ${this.offset}`)
      const byte = b[o++]
      if (shift === 28) {
        if (byte > 0x0f) throw new DecodeError(`varint longer than 5 bytes at offset ${this.offset}`)
        value |= byte << 28
        break
      }
      value |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) break
      shift += 7
    }
    this.offset = o
    return value >>> 0
  }

  /** Zig-zag varint (int32). */
  varint(): number {
    const z = this.unsignedVarint()
    return (z >>> 1) ^ -(z & 1)
  }

  /** Zig-zag varlong as a JS number (exact for |v| < 2^53; record deltas and lengths). */
  varlong(): number {
    const b = this.buf
    let o = this.offset
    // Fast path: fits in 4 varint bytes (28 bits).
    let value = 0
    let mul = 1
    for (let i = 0; ; i++) {
      if (o >= this.end) throw new DecodeError(`truncated varlong at offset ${this.offset}`)
      if (i === 10) throw new DecodeError(`varlong longer than 10 bytes at offset ${this.offset}`)
      const byte = b[o++]
      value += (byte & 0x7f) * mul
      if ((byte & 0x80) === 0) break
      mul *= 128
    }
    this.offset = o
    // Zig-zag decode in float arithmetic.
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2
  }

  /** Zig-zag varlong as a bigint (exact over the whole int64 range). */
  varlongBig(): bigint {
    let value = 0n
    let shift = 0n
    let o = this.offset
    for (let i = 0; ; i++) {
      if (o >= this.end) throw new DecodeError(`truncated varlong at offset ${this.offset}`)
      if (i === 10) throw new DecodeError(`varlong longer than 10 bytes at offset ${this.offset}`)
      const byte = this.buf[o++]
      value |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) break
      shift += 7n
    }
    this.offset = o
    return (value >> 1n) ^ -(value & 1n)
  }

  /** `n` raw bytes as a zero-copy view. */
  raw(n: number): Buffer {
    this.need(n, 'bytes')
    const v = this.buf.subarray(this.offset, this.offset + n)
    this.offset += n
    return v
  }

  private utf8(n: number): string {
    this.need(n, 'string')
    const s = readUtf8(this.buf, this.offset, this.offset + n)
    this.offset += n
    return s
  }

  /** STRING (non-null). */
  string(): string {
    const len = this.int16()
    if (len < 0) throw new DecodeError(`null or negative length ${len} for a non-nullable string`)
    return this.utf8(len)
  }

  /** NULLABLE_STRING. */
  nullableString(): string | null {
    const len = this.int16()
    if (len === -1) return null
    if (len < -1) throw new DecodeError(`invalid string length ${len}`)
    return this.utf8(len)
  }

  /** COMPACT_STRING (non-null). */
  compactString(): string {
    const s = this.compactNullableString()
    if (s === null) throw new DecodeError('null for a non-nullable compact string')
    return s
  }

  /** COMPACT_NULLABLE_STRING. */
  compactNullableString(): string | null {
    const len = this.unsignedVarint()
    if (len === 0) return null
    return this.utf8(len - 1)
  }

  /** BYTES (non-null). */
  bytes(): Buffer {
    const b = this.nullableBytes()
    if (b === null) throw new DecodeError('null for non-nullable bytes')
    return b
  }

  /** NULLABLE_BYTES. */
  nullableBytes(): Buffer | null {
    const len = this.int32()
    if (len === -1) return null
    if (len < -1) throw new DecodeError(`invalid bytes length ${len}`)
    return this.raw(len)
  }

  compactBytes(): Buffer {
    const b = this.compactNullableBytes()
    if (b === null) throw new DecodeError('null for non-nullable compact bytes')
    return b
  }

  compactNullableBytes(): Buffer | null {
    const len = this.unsignedVarint()
    if (len === 0) return null
    return this.raw(len - 1)
  }

  /** Record-style bytes: zig-zag varint length, -1 for null. */
  varintBytes(): Buffer | null {
    const len = this.varint()
    if (len === -1) return null
    if (len < -1) throw new DecodeError(`invalid varint bytes length ${len}`)
    return this.raw(len)
  }

  /** Record-style string (header keys). */
  varintString(): string {
    const len = this.varint()
    if (len < 0) throw new DecodeError(`invalid varint string length ${len}`)
    return this.utf8(len)
  }

  /** UUID as its 36-char text form. */
  uuid(): string {
    const h = this.raw(16).toString('hex')
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }

  /** ARRAY with int32 count; null (-1) becomes null. Each item must consume at least... nothing; count is checked against remaining bytes. */
  nullableArray<T>(read: (r: this) => T): T[] | null {
    const n = this.int32()
    if (n === -1) return null
    return this.items(n, read)
  }

  array<T>(read: (r: this) => T): T[] {
    return this.nullableArray(read) ?? []
  }

  compactNullableArray<T>(read: (r: this) => T): T[] | null {
    const n = this.unsignedVarint()
    if (n === 0) return null
    return this.items(n - 1, read)
  }

  compactArray<T>(read: (r: this) => T): T[] {
    return this.compactNullableArray(read) ?? []
  }

  private items<T>(n: number, read: (r: this) => T): T[] {
    // Every element takes at least one byte on the wire, so a count above the
    // remaining bytes is corrupt: refuse it before allocating.
    if (n < 0 || n > this.remaining) throw new DecodeError(`invalid array length ${n} with ${this.remaining} bytes left`)
    const out = new Array<T>(n)
    for (let i = 0; i < n; i++) out[i] = read(this)
    return out
  }

  /**
   * Reads a tagged-fields section. Known tags are handed to `onTag` (which must
   * consume exactly `size` bytes); unknown tags are skipped.
   */
  taggedFields(onTag?: (tag: number, r: Reader, size: number) => boolean): TaggedField[] | undefined {
    const n = this.unsignedVarint()
    if (n === 0) return undefined
    let unknown: TaggedField[] | undefined
    for (let i = 0; i < n; i++) {
      const tag = this.unsignedVarint()
      const size = this.unsignedVarint()
      this.need(size, 'tagged field')
      const start = this.offset
      if (onTag && onTag(tag, this, size)) {
        if (this.offset !== start + size) throw new DecodeError(`tagged field ${tag} size mismatch`)
      } else {
        ;(unknown ??= []).push({ tag, data: this.raw(size) })
      }
    }
    return unknown
  }
}
