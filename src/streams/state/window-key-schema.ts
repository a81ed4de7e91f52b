/**
 * Kafka Streams' store-key layouts, used for store keys and changelog record keys:
 * - window store (WindowKeySchema): key bytes + 8-byte big-endian window start + 4-byte
 *   big-endian sequence number;
 * - session store (SessionKeySchema): key bytes + 8-byte big-endian end + 8-byte big-endian start.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { writeInt64Number } from '../../protocol/primitives/writer.js'

/** Bytes of a timestamp in a store key. */
export const TIMESTAMP_SIZE = 8
/** Bytes of a window store key's sequence number. */
export const SEQNUM_SIZE = 4
/** Suffix bytes of a window store key (start + sequence number). */
export const WINDOW_SUFFIX_SIZE = TIMESTAMP_SIZE + SEQNUM_SIZE
/** Suffix bytes of a session store key (end + start). */
export const SESSION_SUFFIX_SIZE = 2 * TIMESTAMP_SIZE

/** Largest timestamp (Java's Long.MAX_VALUE as the nearest safe bound used for open ranges). */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER

/** Window store key: key + start + seqnum. */
export function windowStoreKey(key: Buffer, windowStart: number, seqnum: number): Buffer {
  const out = withSuffix(key, WINDOW_SUFFIX_SIZE)
  writeInt64Number(out, windowStart, key.length)
  const at = key.length + TIMESTAMP_SIZE
  out[at] = seqnum >>> 24
  out[at + 1] = seqnum >>> 16
  out[at + 2] = seqnum >>> 8
  out[at + 3] = seqnum
  return out
}

/** The key bytes of a window store key (a view). */
export function windowStoreKeyKey(storeKey: Buffer): Buffer {
  checkLength(storeKey, WINDOW_SUFFIX_SIZE, 'window')
  return storeKey.subarray(0, storeKey.length - WINDOW_SUFFIX_SIZE)
}

/** The window start of a window store key. */
export function windowStoreKeyStart(storeKey: Buffer): number {
  checkLength(storeKey, WINDOW_SUFFIX_SIZE, 'window')
  return readInt64Number(storeKey, storeKey.length - WINDOW_SUFFIX_SIZE)
}

/** The sequence number of a window store key. */
export function windowStoreKeySeqnum(storeKey: Buffer): number {
  checkLength(storeKey, WINDOW_SUFFIX_SIZE, 'window')
  return storeKey.readInt32BE(storeKey.length - SEQNUM_SIZE)
}

/** Session store key: key + end + start. */
export function sessionStoreKey(key: Buffer, start: number, end: number): Buffer {
  const out = withSuffix(key, SESSION_SUFFIX_SIZE)
  writeInt64Number(out, end, key.length)
  writeInt64Number(out, start, key.length + TIMESTAMP_SIZE)
  return out
}

/** The key bytes of a session store key (a view). */
export function sessionStoreKeyKey(storeKey: Buffer): Buffer {
  checkLength(storeKey, SESSION_SUFFIX_SIZE, 'session')
  return storeKey.subarray(0, storeKey.length - SESSION_SUFFIX_SIZE)
}

/** The session end of a session store key. */
export function sessionStoreKeyEnd(storeKey: Buffer): number {
  checkLength(storeKey, SESSION_SUFFIX_SIZE, 'session')
  return readInt64Number(storeKey, storeKey.length - SESSION_SUFFIX_SIZE)
}

/** The session start of a session store key. */
export function sessionStoreKeyStart(storeKey: Buffer): number {
  checkLength(storeKey, SESSION_SUFFIX_SIZE, 'session')
  return readInt64Number(storeKey, storeKey.length - TIMESTAMP_SIZE)
}

/** Time-windowed key (WindowedSerdes, not a store key): key + 8-byte start. */
export function timeWindowedKey(key: Buffer, windowStart: number): Buffer {
  const out = withSuffix(key, TIMESTAMP_SIZE)
  writeInt64Number(out, windowStart, key.length)
  return out
}

/** A buffer holding `key`, with `suffix` bytes to fill after it. */
function withSuffix(key: Buffer, suffix: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + suffix)
  out.set(key, 0)
  return out
}

/** Reads a big-endian int64 as a number (exact for safe integers), without a BigInt. */
export function readInt64Number(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x100000000 + buf.readUInt32BE(at + 4)
}

function checkLength(storeKey: Buffer, suffix: number, kind: string): void {
  if (storeKey.length < suffix) throw new InvalidArgumentError(`${kind} store key of ${storeKey.length} bytes is shorter than its ${suffix}-byte suffix`)
}
