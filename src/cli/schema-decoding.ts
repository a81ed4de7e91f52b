// `peridot consume -s avro -r URL` (kcat's -s / -r): keys and values in the Confluent wire format
// decoded through a Schema Registry, then printed as JSON text in place of their bytes.
import type { KafkaRecord } from '../index.js'
import { AvroSerde, JsonSchemaSerde, ProtobufSerde, SchemaRegistryClient, type RegistrySerde } from '../schema-registry/index.js'
import { UsageError } from './errors.js'

/** The schema formats `-s` names. */
export type SchemaFormat = 'avro' | 'protobuf' | 'json'

const FORMATS: readonly SchemaFormat[] = ['avro', 'protobuf', 'json']

/** Which of key and value are decoded, and how. */
export interface SchemaSpec {
  key?: SchemaFormat
  value?: SchemaFormat
}

/** Parses `-s` values as kcat does: `avro` (key and value), `key=avro`, `value=protobuf`. */
export function parseSchemaSpec(values: readonly string[] | undefined): SchemaSpec {
  const spec: SchemaSpec = {}
  for (const v of values ?? []) {
    const [field, format] = v.includes('=') ? (v.split('=', 2) as [string, string]) : ['both', v]
    const f = FORMATS.find((x) => x === format)
    if (!f) throw new UsageError(`--schema format must be one of ${FORMATS.join(', ')}, got "${format}"`)
    if (field === 'key' || field === 'both') spec.key = f
    if (field === 'value' || field === 'both') spec.value = f
    if (field !== 'key' && field !== 'value' && field !== 'both') throw new UsageError(`--schema expects FORMAT, key=FORMAT or value=FORMAT, got "${v}"`)
  }
  return spec
}

/** JSON text of a decoded object: bigints as numbers' text, bytes as base64. */
export function decodedJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, k: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[k]
    if (typeof v === 'bigint') return v.toString()
    if (Buffer.isBuffer(raw)) return raw.toString('base64')
    return v
  })
}

async function serdeFor(format: SchemaFormat, registry: SchemaRegistryClient, isKey: boolean): Promise<RegistrySerde<unknown>> {
  const options = { registry, isKey, autoRegister: false }
  if (format === 'avro') return AvroSerde.create(options)
  if (format === 'protobuf') return ProtobufSerde.create(options)
  return JsonSchemaSerde.create({ ...options, validate: false })
}

/** A function replacing a record's key and value (as `spec` says) by their decoded JSON text. */
export async function registryDecoder(url: string, spec: SchemaSpec): Promise<(topic: string, r: KafkaRecord) => Promise<KafkaRecord>> {
  const registry = new SchemaRegistryClient({ url })
  const keySerde = spec.key === undefined ? undefined : await serdeFor(spec.key, registry, true)
  const valueSerde = spec.value === undefined ? undefined : await serdeFor(spec.value, registry, false)
  const decode = async (serde: RegistrySerde<unknown> | undefined, topic: string, b: Buffer | null): Promise<Buffer | null> => {
    if (serde === undefined || b === null) return b
    return Buffer.from(decodedJson(await serde.deserialize(topic, b)))
  }
  return async (topic, r) => ({ ...r, key: await decode(keySerde, topic, r.key), value: await decode(valueSerde, topic, r.value) })
}
