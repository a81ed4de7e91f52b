/**
 * Kafka's default partitioner for keyed records: murmur2 of the key bytes,
 * made positive, modulo the partition count — byte-compatible with the Java client.
 */

import { writeUtf8 } from '../protocol/primitives/utf8.js'

/** murmur2 (seed 0x9747b28c) exactly as org.apache.kafka.common.utils.Utils.murmur2. */
export function murmur2(data: Uint8Array, length: number = data.length): number {
  const m = 0x5bd1e995
  const r = 24
  let h = (0x9747b28c ^ length) | 0
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = (data[i4] & 0xff) | ((data[i4 + 1] & 0xff) << 8) | ((data[i4 + 2] & 0xff) << 16) | ((data[i4 + 3] & 0xff) << 24)
    k = Math.imul(k, m)
    k ^= k >>> r
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  const tail = length4 * 4
  const rem = length & 3
  if (rem === 3) h ^= (data[tail + 2] & 0xff) << 16
  if (rem >= 2) h ^= (data[tail + 1] & 0xff) << 8
  if (rem >= 1) {
    h ^= data[tail] & 0xff
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/** Java's Utils.toPositive: clears the sign bit (not Math.abs). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** Where text keys are encoded for hashing (grown when a key does not fit). */
let scratch = Buffer.allocUnsafe(1024)

/** murmur2 of the UTF-8 bytes of `text` (as {@link murmur2} of `Buffer.from(text)`, without allocating one). */
export function murmur2Text(text: string): number {
  if (text.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(text.length * 3)
  return murmur2(scratch, writeUtf8(scratch, text, 0))
}

/** Partition for a non-null key (bytes, or text hashed as its UTF-8 bytes), as the Java client's default partitioner computes it. */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`)
  return toPositive(typeof key === 'string' ? murmur2Text(key) : murmur2(key)) % numPartitions
}
