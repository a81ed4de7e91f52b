/**
 * MurmurHash3 x64 128-bit with Kafka Streams' seed (104729): the hash a foreign-key join puts in
 * its subscriptions to recognize responses computed for an older value of the left row. Equal
 * bytes to Kafka Streams' `Murmur3.hash128`, so both can read each other's subscription topics.
 */

const MASK = (1n << 64n) - 1n
const C1 = 0x87c37b91114253d5n
const C2 = 0x4cf5ad432745937fn
const SEED = 104729n

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK
const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK
const add = (a: bigint, b: bigint): bigint => (a + b) & MASK

function fmix(h: bigint): bigint {
  h ^= h >> 33n
  h = mul(h, 0xff51afd7ed558ccdn)
  h ^= h >> 33n
  h = mul(h, 0xc4ceb9fe1a85ec53n)
  h ^= h >> 33n
  return h
}

/** Little-endian 64-bit word of `data` from `start`, `length` (1-8) bytes. */
function word(data: Uint8Array, start: number, length: number): bigint {
  let lo = 0
  let hi = 0
  for (let i = 0; i < length && i < 4; i++) lo |= data[start + i] << (8 * i)
  for (let i = 4; i < length; i++) hi |= data[start + i] << (8 * (i - 4))
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)
}

/** The 128-bit hash of `data` as 16 bytes: the first 64-bit half big-endian, then the second (Kafka's wire order). */
export function murmur3Hash128(data: Uint8Array): Buffer {
  let h1 = SEED
  let h2 = SEED
  const length = data.length
  const blocks = length >> 4
  for (let i = 0; i < blocks; i++) {
    let k1 = word(data, i * 16, 8)
    let k2 = word(data, i * 16 + 8, 8)
    k1 = mul(rotl(mul(k1, C1), 31n), C2)
    h1 ^= k1
    h1 = add(mul(add(rotl(h1, 27n), h2), 5n), 0x52dce729n)
    k2 = mul(rotl(mul(k2, C2), 33n), C1)
    h2 ^= k2
    h2 = add(mul(add(rotl(h2, 31n), h1), 5n), 0x38495ab5n)
  }
  const tail = blocks * 16
  const rest = length - tail
  if (rest > 8) {
    const k2 = mul(rotl(mul(word(data, tail + 8, rest - 8), C2), 33n), C1)
    h2 ^= k2
  }
  if (rest > 0) {
    const k1 = mul(rotl(mul(word(data, tail, Math.min(rest, 8)), C1), 31n), C2)
    h1 ^= k1
  }
  h1 ^= BigInt(length)
  h2 ^= BigInt(length)
  h1 = add(h1, h2)
  h2 = add(h2, h1)
  h1 = fmix(h1)
  h2 = fmix(h2)
  h1 = add(h1, h2)
  h2 = add(h2, h1)
  const out = Buffer.allocUnsafe(16)
  out.writeBigUInt64BE(h1, 0)
  out.writeBigUInt64BE(h2, 8)
  return out
}
