/**
 * Snappy (attribute 2).
 *
 * The Java client writes xerial framing: magic `82 'SNAPPY' 00`, int32 version,
 * int32 min-compatible version, then `[int32 length][raw snappy block]...`;
 * librdkafka may write one raw snappy block. Decoding accepts both; encoding
 * writes xerial framing with 32 KiB blocks, as Java's SnappyOutputStream does.
 */
import { compressSync, uncompressSync } from 'snappy'
import { DecodeError } from '../../errors.js'
import { codecError, tooLarge } from './errors.js'

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_SIZE = 16
const XERIAL_BLOCK_SIZE = 32 * 1024

function isXerial(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_SIZE) return false
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false
  return true
}

/** Uncompressed length from a raw snappy block's uvarint preamble, or -1 when malformed. */
function rawLength(data: Uint8Array, start: number, end: number): number {
  let value = 0
  let mul = 1
  for (let o = start; o < end && o < start + 5; o++) {
    const b = data[o]
    value += (b & 0x7f) * mul
    if ((b & 0x80) === 0) return value
    mul *= 128
  }
  return -1
}

function decodeRaw(block: Uint8Array, budget: number, max: number): Buffer {
  const len = rawLength(block, 0, block.length)
  if (len < 0) throw new DecodeError('snappy: malformed block length')
  // The preamble is checked before the library allocates its output.
  if (len > budget) throw tooLarge('snappy', `>= ${max - budget + len}`, max)
  try {
    return uncompressSync(block, { asBuffer: true }) as Buffer
  } catch (err) {
    throw codecError('snappy', err)
  }
}

export function snappyCompress(data: Uint8Array): Buffer {
  const parts: Buffer[] = []
  const header = Buffer.alloc(XERIAL_HEADER_SIZE)
  XERIAL_MAGIC.copy(header, 0)
  header.writeInt32BE(1, 8) // version
  header.writeInt32BE(1, 12) // minimum compatible version
  parts.push(header)
  for (let o = 0; o < data.length; o += XERIAL_BLOCK_SIZE) {
    const block = compressSync(data.subarray(o, Math.min(data.length, o + XERIAL_BLOCK_SIZE)))
    const len = Buffer.allocUnsafe(4)
    len.writeInt32BE(block.length, 0)
    parts.push(len, block)
  }
  return Buffer.concat(parts)
}

export function snappyDecompress(data: Uint8Array, maxOutput: number): Buffer {
  if (!isXerial(data)) return decodeRaw(data, maxOutput, maxOutput)
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const parts: Buffer[] = []
  let total = 0
  let o = XERIAL_HEADER_SIZE
  while (o < view.length) {
    if (o + 4 > view.length) throw new DecodeError('snappy: truncated xerial block length')
    const len = view.readInt32BE(o)
    o += 4
    if (len < 0 || o + len > view.length) throw new DecodeError(`snappy: invalid xerial block length ${len}`)
    const block = decodeRaw(view.subarray(o, o + len), maxOutput - total, maxOutput)
    total += block.length
    parts.push(block)
    o += len
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total)
}
