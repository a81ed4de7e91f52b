/**
 * Record-batch compression codecs, selected by bits 0-2 of the batch attributes.
 * All functions are synchronous; decompression is bounded and turns corrupt
 * input into a {@link DecodeError}.
 */
import { DecodeError, InvalidArgumentError } from '../../errors.js'
import { tooLarge } from './errors.js'
import { gzipCompress, gzipDecompress } from './gzip.js'
import { lz4Compress, lz4Decompress } from './lz4.js'
import { snappyCompress, snappyDecompress } from './snappy.js'
import { zstdCompress, zstdDecompress } from './zstd.js'

/** A record-batch compression codec. */
export type CompressionCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/** Attribute id of each codec (batch attributes bits 0-2). */
export const COMPRESSION_CODEC_IDS: Readonly<Record<CompressionCodec, number>> = Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
})

const BY_ID: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export { DecompressionLimitError } from './errors.js'

/** Default ceiling on the decompressed size of one batch: 256 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

/** The codec of an attribute id; throws a DecodeError for an unknown id (5-7). */
export function compressionCodecFromId(id: number): CompressionCodec {
  const codec = BY_ID[id]
  if (codec === undefined) throw new DecodeError(`unknown compression codec id ${id}`)
  return codec
}

/** The attribute id of a codec; throws an InvalidArgumentError for an unknown name. */
export function compressionCodecId(codec: CompressionCodec): number {
  const id = COMPRESSION_CODEC_IDS[codec]
  if (id === undefined) throw new InvalidArgumentError(`unknown compression codec ${String(codec)}`)
  return id
}

/** Compresses `data` in the format Kafka expects for `codec` ('none' returns a view of `data`). */
export function compress(codec: CompressionCodec, data: Uint8Array): Buffer {
  switch (codec) {
    case 'none':
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    case 'gzip':
      return gzipCompress(data)
    case 'snappy':
      return snappyCompress(data)
    case 'lz4':
      return lz4Compress(data)
    case 'zstd':
      return zstdCompress(data)
    default:
      throw new InvalidArgumentError(`unknown compression codec ${String(codec)}`)
  }
}

/**
 * Decompresses `data`. Throws a DecodeError for corrupt input or when the
 * output would exceed `maxOutput` bytes (checked before allocating wherever the
 * format declares sizes up front).
 */
export function decompress(
  codec: CompressionCodec,
  data: Uint8Array,
  maxOutput: number = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Buffer {
  switch (codec) {
    case 'none':
      if (data.length > maxOutput) throw tooLarge('none', data.length, maxOutput)
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    case 'gzip':
      return gzipDecompress(data, maxOutput)
    case 'snappy':
      return snappyDecompress(data, maxOutput)
    case 'lz4':
      return lz4Decompress(data, maxOutput)
    case 'zstd':
      return zstdDecompress(data, maxOutput)
    default:
      throw new InvalidArgumentError(`unknown compression codec ${String(codec)}`)
  }
}
