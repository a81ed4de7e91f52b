/**
 * Schema Registry support: a client for the Confluent Schema Registry REST API (Confluent,
 * Karapace, Redpanda, ...) and Avro, Protobuf and JSON Schema serdes in its wire format, for the
 * plain producer and consumer (`await serde.serialize(topic, value)`) and for streams
 * (`serde.asSerde()`). The schema libraries (`avsc`, `protobufjs`, `ajv`) are optional peer
 * dependencies: install the ones you use.
 *
 * @example
 * ```ts
 * import { SchemaRegistryClient, AvroSerde } from 'peridot-kafka/schema-registry'
 * const registry = new SchemaRegistryClient({ url: 'http://127.0.0.1:8081' })
 * const serde = await AvroSerde.create<{ id: number }>({ registry, schema: { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'int' }] } })
 * const bytes = await serde.serialize('orders', { id: 1 })
 * ```
 * @module
 */
export { SchemaRegistryClient, type RegistryAuth, type SchemaById, type SchemaRegistryClientOptions } from './client.js'
export { RegistryError, RegistryErrorCode, SchemaSerdeError } from './errors.js'
export type { RegistryTlsOptions } from './http.js'
export { MissingDependencyError } from './optional-deps.js'
export { RegistrySerde, type ParsedSchema, type RegistrySerdeOptions } from './serde.js'
export { AvroSerde, type AvroSerdeOptions } from './avro.js'
export { ProtobufSerde, type ProtobufSerdeOptions, type ProtobufToObjectOptions } from './protobuf.js'
export { JsonSchemaSerde, type JsonSchemaSerdeOptions } from './json-schema.js'
export { subjectName, type SubjectNameContext, type SubjectNameStrategy } from './subject-name.js'
export { decodeFrameHeader, decodeMessageIndexes, encodeFrame, encodeMessageIndexes, HEADER_SIZE, MAGIC_BYTE, type FrameHeader } from './wire-format.js'
export type { CompatibilityLevel, CompatibilityResult, RegisteredSchema, Schema, SchemaReference, SchemaType } from './types.js'
