/** gzip (attribute 1) through node:zlib; Java writes one gzip member per batch. */
import { gunzipSync, gzipSync } from 'node:zlib'
import { codecError, tooLarge } from './errors.js'

export function gzipCompress(data: Uint8Array): Buffer {
  return gzipSync(data)
}

export function gzipDecompress(data: Uint8Array, maxOutput: number): Buffer {
  try {
    // maxOutputLength makes zlib stop instead of growing past the limit.
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxOutput) })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', `> ${maxOutput}`, maxOutput)
    throw codecError('gzip', err)
  }
}

