/**
 * Zstandard through node:zlib, present from Node 22.15 / 23.8 (and in runtimes
 * that mirror it). Output is bounded by zlib's `maxOutputLength`; streamed frames
 * without a declared size (the Java client's) and concatenated frames decode.
 */
import * as zlib from 'node:zlib'
import { codecError, tooLarge } from './errors.js'

interface ZstdZlib {
  zstdCompressSync(data: Uint8Array, options?: { params?: Record<number, number> }): Buffer
  zstdDecompressSync(data: Uint8Array, options?: { maxOutputLength?: number }): Buffer
  constants: { ZSTD_c_compressionLevel?: number }
}

const z = zlib as unknown as Partial<ZstdZlib>

/** Whether this runtime's node:zlib has zstd. */
export const nodeZstdAvailable: boolean =
  typeof z.zstdCompressSync === 'function' &&
  typeof z.zstdDecompressSync === 'function' &&
  typeof z.constants?.ZSTD_c_compressionLevel === 'number'

/** Level 3 is both zstd's and Kafka's default. */
const COMPRESS_OPTIONS = nodeZstdAvailable ? { params: { [z.constants!.ZSTD_c_compressionLevel!]: 3 } } : {}

/** Compresses into one zstd frame (requires {@link nodeZstdAvailable}). */
export function nodeZstdCompress(data: Uint8Array): Buffer {
  return z.zstdCompressSync!(data, COMPRESS_OPTIONS)
}

/** Decompresses every frame in `data`, refusing output beyond `maxOutput` bytes. */
export function nodeZstdDecompress(data: Uint8Array, maxOutput: number): Buffer {
  try {
    // maxOutputLength makes zlib stop instead of growing past the limit.
    return z.zstdDecompressSync!(data, { maxOutputLength: Math.max(1, maxOutput) })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('zstd', `> ${maxOutput}`, maxOutput)
    throw codecError('zstd', err)
  }
}
