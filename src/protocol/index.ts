/**
 * `peridot-kafka/protocol`: the Kafka wire codec without I/O — primitives, one module
 * per API (request encoder, response decoder, version range), record batches
 * with CRC32C and compression, error codes, the consumer protocol and SASL.
 */
export * from './primitives/index.js'
export * from './messages/index.js'
export * from './records/index.js'
export * from './sasl/index.js'
export * from './errors.js'
export { ErrorCode, KAFKA_ERROR_TABLE } from './error-codes.js'
