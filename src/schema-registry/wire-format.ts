/**
 * The Confluent Schema Registry wire format, shared by its Avro, Protobuf and JSON Schema serdes:
 *
 * ```
 * byte 0      magic byte 0
 * bytes 1-4   schema id, 32-bit big-endian
 * Protobuf only: the message indexes, an array of zig-zag varints: its length, then the index
 *             of the message among the file's top-level messages, then nested ones. The common
 *             case [0] (the file's first message) is written as the single byte 0 (length 0).
 * the rest    the payload (Avro binary, Protobuf binary, or JSON text)
 * ```
 */
import { SchemaSerdeError } from './errors.js'

/** The first byte of every framed record. */
export const MAGIC_BYTE = 0
/** Bytes before the payload (magic byte + schema id). */
export const HEADER_SIZE = 5

/** `payload` framed with the magic byte, `schemaId` and (Protobuf) `messageIndexes`. */
export function encodeFrame(schemaId: number, payload: Uint8Array, messageIndexes?: readonly number[]): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) throw new SchemaSerdeError(`schema id ${schemaId} is not a non-negative 32-bit integer`)
  const indexes = messageIndexes === undefined ? null : encodeMessageIndexes(messageIndexes)
  const out = Buffer.allocUnsafe(HEADER_SIZE + (indexes?.length ?? 0) + payload.length)
  out[0] = MAGIC_BYTE
  out.writeInt32BE(schemaId, 1)
  let pos = HEADER_SIZE
  if (indexes) pos += indexes.copy(out, pos)
  out.set(payload, pos)
  return out
}

/** A decoded frame: the schema id and where the rest starts. */
export interface FrameHeader {
  schemaId: number
  /** Offset of the bytes after the header (the payload, or the Protobuf message indexes). */
  offset: number
}

/** Reads the magic byte and schema id of `data`. */
export function decodeFrameHeader(data: Uint8Array): FrameHeader {
  if (data.length < HEADER_SIZE) throw new SchemaSerdeError(`record of ${data.length} bytes is too short for the schema registry wire format (5-byte header)`)
  if (data[0] !== MAGIC_BYTE) throw new SchemaSerdeError(`unknown magic byte ${data[0]} (the schema registry wire format starts with 0)`)
  const schemaId = ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!) >>> 0
  return { schemaId, offset: HEADER_SIZE }
}

/** The message-index array of the Protobuf wire format; [0] is the single byte 0. */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 0) throw new SchemaSerdeError('message indexes must name at least one message')
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0])
  const bytes: number[] = []
  writeZigZagVarint(bytes, indexes.length)
  for (const i of indexes) {
    if (!Number.isInteger(i) || i < 0) throw new SchemaSerdeError(`message index ${i} is not a non-negative integer`)
    writeZigZagVarint(bytes, i)
  }
  return Buffer.from(bytes)
}

/** Reads the message-index array at `offset`; gives the indexes and the payload's offset. */
export function decodeMessageIndexes(data: Uint8Array, offset: number): { indexes: number[]; offset: number } {
  const count = readZigZagVarint(data, offset)
  let pos = count.offset
  if (count.value === 0) return { indexes: [0], offset: pos }
  if (count.value < 0 || count.value > 100) throw new SchemaSerdeError(`invalid Protobuf message-index count ${count.value}`)
  const indexes: number[] = []
  for (let i = 0; i < count.value; i++) {
    const v = readZigZagVarint(data, pos)
    if (v.value < 0) throw new SchemaSerdeError(`invalid Protobuf message index ${v.value}`)
    indexes.push(v.value)
    pos = v.offset
  }
  return { indexes, offset: pos }
}

function writeZigZagVarint(out: number[], n: number): void {
  let v = n >= 0 ? n * 2 : -n * 2 - 1
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
}

function readZigZagVarint(data: Uint8Array, offset: number): { value: number; offset: number } {
  let v = 0
  let mul = 1
  let pos = offset
  for (;;) {
    if (pos >= data.length) throw new SchemaSerdeError('truncated Protobuf message indexes')
    const b = data[pos++]!
    v += (b & 0x7f) * mul
    if ((b & 0x80) === 0) break
    mul *= 128
    if (mul > 2 ** 35) throw new SchemaSerdeError('Protobuf message-index varint is too long')
  }
  return { value: v % 2 === 0 ? v / 2 : -(v + 1) / 2, offset: pos }
}
