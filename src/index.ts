/**
 * Peridot: a pure-TypeScript Kafka toolkit.
 *
 * ```ts
 * import { Client } from 'peridot-kafka'
 * const client = await Client.connect({ brokers: ['127.0.0.1:9092'] })
 * const pc = await client.partitionClient('wal', 0)
 * const [offset] = await pc.produce([{ key: null, value: Buffer.from('entry') }])
 * ```
 */
export * from './client/index.js'
export {
  PeridotError,
  DecodeError,
  CorruptRecordError,
  InvalidArgumentError,
  KafkaProtocolError,
  kafkaErrorInfo,
  type KafkaErrorInfo,
} from './protocol/errors.js'
export type { ProduceRecord, KafkaRecord, RecordHeaders, RecordCursor } from './protocol/records/index.js'
export type { CompressionCodec } from './protocol/records/compression/index.js'
