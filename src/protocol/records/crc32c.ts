/**
 * CRC32C (Castagnoli), the checksum of Kafka record batches (magic 2).
 *
 * Backed by `@node-rs/crc32` (hardware CRC32C instructions), whose binaries ship
 * prebuilt in per-platform npm packages, so installing compiles nothing. Where no
 * binary fits the platform, a slice-by-8 table in JavaScript takes over. The version is
 * pinned (1.10.7): 1.10.8's x64 builds call the CRC instruction through a function call per
 * 8 bytes and run at a quarter of the speed.
 * bench/RESULTS.md ("CRC32C and zstd without compiling") has the measurements
 * behind the choice.
 */
import { createRequire } from 'node:module'
import { crc32cJs } from './crc32c-js.js'

type Crc32cFn = (buf: Uint8Array) => number

function loadNative(): Crc32cFn | undefined {
  try {
    const require = createRequire(import.meta.url)
    const native = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initialState?: number): number }
    const fn = native.crc32c
    // A binary that loads but computes the wrong polynomial must not be used.
    return fn(Buffer.from('123456789')) >>> 0 === 0xe3069283 ? fn : undefined
  } catch {
    return undefined
  }
}

const native = loadNative()
const implementation: 'native' | 'javascript' = native ? 'native' : 'javascript'
const calculate: Crc32cFn = native ?? crc32cJs

/** CRC32C of `buf`, as an unsigned 32-bit integer. */
export function crc32c(buf: Uint8Array): number {
  return calculate(buf) >>> 0
}

/** Which CRC32C implementation is active, so the client can log it once. */
export function crc32cImplementation(): 'native' | 'javascript' {
  return implementation
}
