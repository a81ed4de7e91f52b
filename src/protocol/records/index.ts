/** Record batches (magic v2), CRC32C and compression codecs. */
export {
  RecordBatch,
  RecordBatchCursor,
  BatchRecordReader,
  RecordCursor,
  RECORD_BATCH_OVERHEAD,
  decodeControlRecord,
  decodeRecordBatches,
  encodeRecordBatch,
  encodeRecordBatchToBuffer,
  iterateRecordBatches,
  type ControlRecord,
  type DecodeRecordBatchOptions,
  type KafkaRecord,
  type ProduceRecord,
  type RecordBatchOptions,
  type RecordHeaders,
} from './record-batch.js'
export { RecordBatchBuilder, type RecordBatchHeaderOptions } from './record-batch-builder.js'
export { crc32c, crc32cImplementation } from './crc32c.js'
export { DecompressionBudget } from './decompression-budget.js'
export { zstdImplementation, type ZstdImplementation } from './compression/zstd.js'
export {
  COMPRESSION_CODEC_IDS,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DecompressionLimitError,
  compress,
  compressionCodecFromId,
  compressionCodecId,
  decompress,
  type CompressionCodec,
} from './compression/index.js'
