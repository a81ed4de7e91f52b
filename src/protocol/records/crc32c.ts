/**
 * CRC32C (Castagnoli), the checksum of Kafka record batches (magic 2).
 *
 * Backed by `fast-crc32c`, which loads the native `sse4_crc32` addon when it
 * built and otherwise falls back to a (much slower) pure-JS table.
 */
import { createRequire } from 'node:module'

interface Crc32cImpl {
  calculate(buf: Uint8Array, initial?: number): number
}

const require = createRequire(import.meta.url)
const impl = require('fast-crc32c') as Crc32cImpl
// fast-crc32c returns the chosen implementation module itself, so identity with
// its JS fallback module tells which one is active (it has no flag for it).
const jsImpl = require('fast-crc32c/impls/js_crc32c') as Crc32cImpl
const implementation: 'native' | 'javascript' = impl === jsImpl ? 'javascript' : 'native'
const calculate = impl.calculate

/** CRC32C of `buf`, as an unsigned 32-bit integer. */
export function crc32c(buf: Uint8Array): number {
  return calculate(buf) >>> 0
}

/** Which CRC32C implementation is active, so the client can log it once. */
export function crc32cImplementation(): 'native' | 'javascript' {
  return implementation
}
