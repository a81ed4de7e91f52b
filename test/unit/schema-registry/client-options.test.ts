// Options the registry client and serdes refuse before any request, and the optional schema
// libraries (a missing one is a typed error naming the package to install).
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from 'peridot-kafka'
import { AvroSerde, JsonSchemaSerde, MissingDependencyError, ProtobufSerde, SchemaRegistryClient, SchemaSerdeError } from 'peridot-kafka/schema-registry'
import { loadOptional } from '../../../src/schema-registry/optional-deps.js'

// Nothing listens on port 1: a request would fail, so these prove no request is made.
const registry = new SchemaRegistryClient({ url: 'http://127.0.0.1:1', retries: 0 })

describe('SchemaRegistryClient options', () => {
  it('refuses bad URLs, auth and numbers, naming the option', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ url: 'localhost:8081' }, /url must be an http/],
      [{ url: [] }, /at least one/],
      [{ url: 'http://h', auth: { username: 'u' } }, /auth must be/],
      [{ url: 'http://h', auth: { bearerToken: 5 } }, /auth must be/],
      [{ url: 'http://h', timeoutMs: 0 }, /timeoutMs/],
      [{ url: 'http://h', retries: -1 }, /retries/],
      [{ url: 'http://h', cacheCapacity: Number.NaN }, /cacheCapacity/],
    ]
    for (const [options, message] of bad) {
      expect(() => new SchemaRegistryClient(options as never), JSON.stringify(options)).toThrow(InvalidArgumentError)
      expect(() => new SchemaRegistryClient(options as never)).toThrow(message)
    }
    expect(new SchemaRegistryClient({ url: ['http://a:1/', 'https://b:2'] }).url).toBe('http://a:1')
  })

  it('refuses bad subjects, ids, versions and schemas before asking the registry', async () => {
    await expect(registry.register('', { schema: '"string"' })).rejects.toThrow(/subject must be/)
    await expect(registry.register('s', { schema: '' })).rejects.toThrow(/non-empty schema/)
    await expect(registry.register('s', { schema: '{}', schemaType: 'XML' as 'JSON' })).rejects.toThrow(/schemaType/)
    await expect(registry.getSchemaById(-1)).rejects.toThrow(InvalidArgumentError)
    await expect(registry.getVersion('s', 0)).rejects.toThrow(/version must be/)
  })

  it('does not show the basic-auth password when inspected or serialised', () => {
    const r = new SchemaRegistryClient({ url: 'http://h', auth: { username: 'u', password: 'hunter2' } })
    expect(JSON.stringify(r)).not.toContain('hunter2')
    expect(inspect(r, { depth: 10, showHidden: true })).not.toContain('hunter2')
  })
})

describe('registry serdes before any request', () => {
  it('refuse invalid schemas and options when created', async () => {
    await expect(AvroSerde.create({ registry, schema: { type: 'record', name: 'X' } })).rejects.toThrow(/invalid Avro schema/)
    await expect(ProtobufSerde.create({ registry, schema: 'message {' })).rejects.toThrow(/invalid Protobuf schema/)
    await expect(ProtobufSerde.create({ registry, schema: 'syntax = "proto3"; message A { int32 x = 1; }', messageType: 'B' })).rejects.toThrow(/messageType 'B'/)
    await expect(JsonSchemaSerde.create({ registry, schema: '{not json' })).rejects.toThrow(/invalid JSON Schema/)
    await expect(AvroSerde.create({ registry: {} as SchemaRegistryClient })).rejects.toThrow(/registry must be/)
    await expect(AvroSerde.create({ registry, subjectNameStrategy: 'Topic' as 'TopicName' })).rejects.toThrow(/subjectNameStrategy/)
  })

  it('name the record for RecordName strategies, and refuse an unnamed one', async () => {
    const avro = await AvroSerde.create({ registry, schema: { type: 'record', name: 'Order', namespace: 'shop', fields: [] }, subjectNameStrategy: 'TopicRecordName' })
    expect(avro.subjectFor('orders')).toBe('orders-shop.Order')
    const proto = await ProtobufSerde.create({ registry, schema: 'syntax = "proto3"; package shop; message A { int32 x = 1; message B { int32 y = 1; } }', messageType: 'shop.A.B', subjectNameStrategy: 'RecordName' })
    expect(proto.subjectFor('t')).toBe('shop.A.B')
    const json = await JsonSchemaSerde.create({ registry, schema: { title: 'Payment' }, subjectNameStrategy: 'RecordName', isKey: true })
    expect(json.subjectFor('t')).toBe('Payment')
    const unnamed = await AvroSerde.create({ registry, schema: '"string"', subjectNameStrategy: 'RecordName' })
    await expect(unnamed.serialize('t', 'x')).rejects.toThrow(/needs a named schema/)
    const plain = await AvroSerde.create({ registry, schema: '"string"', isKey: true })
    expect(plain.subjectFor('t')).toBe('t-key')
  })

  it('refuse bytes that are not in the wire format without a request', async () => {
    const avro = await AvroSerde.create({ registry })
    await expect(avro.deserialize('t', Buffer.from([1, 0, 0, 0, 1, 2]))).rejects.toThrow(SchemaSerdeError)
    expect(() => avro.asSerde().deserialize('t', Buffer.from([0, 0]))).toThrow(/too short/)
    const proto = await ProtobufSerde.create({ registry })
    await expect(proto.deserialize('t', Buffer.from([0, 0, 0, 0, 1, 4, 0]))).rejects.toThrow(/truncated/)
  })

  it('a missing schema library is a MissingDependencyError naming the package', async () => {
    const err = await loadOptional('peridot-no-such-package', 'a test').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MissingDependencyError)
    expect((err as Error).message).toBe("a test needs the 'peridot-no-such-package' package: npm install peridot-no-such-package")
  })
})
