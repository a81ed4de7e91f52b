import { DecodeError } from '../../errors.js'

/** Wraps a codec library failure (corrupt input) in a DecodeError, keeping the cause. */
export function codecError(codec: string, err: unknown): DecodeError {
  if (err instanceof DecodeError) return err
  const detail = err instanceof Error ? err.message : String(err)
  return new DecodeError(`${codec}: cannot decompress: ${detail}`, { cause: err })
}

/** Decompressed output would exceed the limit it was given: refused before it was all allocated. */
export class DecompressionLimitError extends DecodeError {
  override name = 'DecompressionLimitError'
}

/** The error for output above the configured decompression limit. */
export function tooLarge(codec: string, size: number | string, max: number): DecompressionLimitError {
  return new DecompressionLimitError(`${codec}: decompressed size ${size} exceeds the limit of ${max} bytes`)
}
