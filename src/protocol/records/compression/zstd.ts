/**
 * Zstandard (attribute 4): standard zstd frames through zstd-napi (sync).
 *
 * Decompression is bounded: when every frame declares its content size the
 * total is checked before allocating; otherwise (the Java client streams, so it
 * does not declare one) output is produced in chunks and refused past the limit.
 */
import { createRequire } from 'node:module'
import { DecodeError } from '../../errors.js'
import { codecError, tooLarge } from './errors.js'

type Binding = typeof import('zstd-napi/binding.js')
type Simple = typeof import('zstd-napi')

// zstd-napi is CommonJS with a native module.exports that ESM cannot name-import.
const require = createRequire(import.meta.url)
const binding = require('zstd-napi/binding.js') as Binding
const simple = require('zstd-napi') as Simple

const CHUNK = binding.dStreamOutSize()
let dctx: InstanceType<Binding['DCtx']> | undefined

export function zstdCompress(data: Uint8Array): Buffer {
  // Level 3 is both zstd's and Kafka's default.
  return simple.compress(data)
}

/** Sum of the declared content sizes of all frames, or null if any frame lacks one. */
function declaredSize(data: Uint8Array): number | null {
  let total = 0
  let frame = data
  while (frame.length > 0) {
    const size = binding.getFrameContentSize(frame)
    if (size === null) return null
    total += size
    frame = frame.subarray(binding.findFrameCompressedSize(frame))
  }
  return total
}

export function zstdDecompress(data: Uint8Array, maxOutput: number): Buffer {
  try {
    dctx ??= new binding.DCtx()
    const declared = declaredSize(data)
    if (declared !== null) {
      if (declared > maxOutput) throw tooLarge('zstd', declared, maxOutput)
      const out = Buffer.allocUnsafe(declared)
      const n = dctx.decompress(out, data)
      if (n !== declared) throw new DecodeError(`zstd: frame declared ${declared} bytes but produced ${n}`)
      return out
    }
    return streamDecompress(dctx, data, maxOutput)
  } catch (err) {
    // A failed call can leave the shared context mid-frame.
    dctx = undefined
    throw codecError('zstd', err)
  }
}

function streamDecompress(ctx: InstanceType<Binding['DCtx']>, data: Uint8Array, maxOutput: number): Buffer {
  const parts: Buffer[] = []
  let total = 0
  let input = data
  let pending = 1
  while (input.length > 0 || pending !== 0) {
    const out = Buffer.allocUnsafe(Math.max(CHUNK, Math.min(input.length * 4, maxOutput - total + 1)))
    const [ret, produced, consumed] = ctx.decompressStream(out, input)
    input = input.subarray(consumed)
    if (produced > 0) {
      total += produced
      if (total > maxOutput) throw tooLarge('zstd', `> ${maxOutput}`, maxOutput)
      parts.push(out.subarray(0, produced))
    }
    pending = ret
    // No input left and no progress: the last frame is truncated.
    if (produced === 0 && consumed === 0) throw new DecodeError('zstd: truncated frame')
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total)
}
