// The schema-registry client and serdes against a real registry (Karapace, or SCHEMA_REGISTRY_URL)
// and the broker under test: registration, lookups, compatibility (a refusal is a typed error),
// records produced with the Avro / Protobuf / JSON Schema serializers and consumed back, Avro
// schema evolution, subject name strategies, autoRegister off and useLatestVersion.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import avsc from 'avsc'
import { Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { AvroSerde, JsonSchemaSerde, ProtobufSerde, RegistryError, SchemaRegistryClient, SchemaSerdeError } from '../../src/schema-registry/index.js'
import { sharedClient, uniqueTopic } from './helpers.js'
import { registryUnavailableReason, sharedRegistry } from './schema-registry-helpers.js'
import { makeCerts } from './secure-broker.js'
import { readTopic, testStreamsApp, waitFor } from './streams-helpers.js'

const skipReason = registryUnavailableReason()
if (skipReason) console.log(`[schema-registry] tests skipped: ${skipReason}`)

const client = sharedClient()
const registry = sharedRegistry()
const newClient = () => new SchemaRegistryClient({ url: registry().url })

const userV1 = { type: 'record', name: 'User', namespace: 'peridot.test', fields: [{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }] }
// Backward compatible: a new field with a default.
const userV2 = { ...userV1, fields: [...userV1.fields, { name: 'email', type: 'string', default: 'none' }] }
// Not backward compatible with v1: id changes type.
const userBad = { ...userV1, fields: [{ name: 'id', type: 'string' }, { name: 'name', type: 'string' }] }

/** Produces `values` (already framed) to a new topic and reads them back. */
async function roundTrip(topic: string, values: Buffer[]): Promise<Buffer[]> {
  await client().createTopic(topic, { partitions: 1 })
  const producer = client().producer()
  for (const value of values) await producer.send({ topic, partition: 0, value })
  await producer.close()
  return (await readTopic(client(), topic)).map((r) => r.value!)
}

describe.skipIf(!!skipReason)('schema registry client', () => {
  it('registers, looks up by id, subject/version and latest, and caches', async () => {
    const reg = newClient()
    const subject = `${uniqueTopic('sr-client')}-value`
    const id = await reg.register(subject, { schema: JSON.stringify(userV1) })
    expect(Number.isInteger(id)).toBe(true)
    expect(await reg.register(subject, { schema: JSON.stringify(userV1) })).toBe(id) // cached
    expect(await newClient().register(subject, { schema: JSON.stringify(userV1) })).toBe(id) // the registry's own dedup
    const byId = await reg.getSchemaById(id)
    expect(byId.schemaType).toBe('AVRO')
    expect(JSON.parse(byId.schema)).toMatchObject({ name: 'User', namespace: 'peridot.test' })
    const v1 = await reg.getVersion(subject, 1)
    expect(v1).toMatchObject({ id, subject, version: 1, schemaType: 'AVRO' })
    const id2 = await reg.register(subject, { schema: JSON.stringify(userV2) })
    expect(id2).not.toBe(id)
    expect(await newClient().getLatest(subject)).toMatchObject({ id: id2, version: 2 })
    expect(await reg.getVersions(subject)).toEqual([1, 2])
    expect(await reg.getSubjects()).toContain(subject)
    expect(await reg.lookup(subject, { schema: JSON.stringify(userV1) })).toMatchObject({ id, version: 1 })
  })

  it('refuses an incompatible schema with a typed error, and says why in a compatibility check', async () => {
    const reg = newClient()
    const subject = `${uniqueTopic('sr-compat')}-value`
    await reg.register(subject, { schema: JSON.stringify(userV1) })
    expect(await reg.getCompatibility(subject)).toBe('BACKWARD')
    const check = await reg.testCompatibility(subject, { schema: JSON.stringify(userBad) })
    expect(check.compatible).toBe(false)
    expect(check.messages.join(' ')).toMatch(/string|int/)
    expect((await reg.testCompatibility(subject, { schema: JSON.stringify(userV2) })).compatible).toBe(true)
    const err = await reg.register(subject, { schema: JSON.stringify(userBad) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err).toMatchObject({ status: 409, errorCode: 409 })
    // With compatibility NONE the same schema is accepted.
    expect(await reg.setCompatibility('NONE', subject)).toBe('NONE')
    expect(await reg.register(subject, { schema: JSON.stringify(userBad) })).toBeGreaterThan(0)
  })

  it('names what is missing: unknown id, subject, version; invalid schema', async () => {
    const reg = newClient()
    const subject = `${uniqueTopic('sr-missing')}-value`
    await expect(reg.getSchemaById(2_000_000_000)).rejects.toMatchObject({ name: 'RegistryError', status: 404, errorCode: 40403 })
    await expect(reg.getLatest(subject)).rejects.toMatchObject({ status: 404, errorCode: 40401 })
    await reg.register(subject, { schema: '"string"' })
    await expect(reg.getVersion(subject, 7)).rejects.toMatchObject({ status: 404, errorCode: 40402 })
    await expect(reg.lookup(subject, { schema: '"int"' })).rejects.toMatchObject({ status: 404, errorCode: 40403 })
    await expect(reg.register(subject, { schema: '{"type": "record", "name": "X"}' })).rejects.toMatchObject({ status: 422 })
    expect(await reg.deleteSubject(subject)).toEqual([1])
  })

  it('a refused address is a RegistryError with status 0 after the retries', async () => {
    const reg = new SchemaRegistryClient({ url: 'http://127.0.0.1:1', retries: 2, initialBackoffMs: 1 })
    const err = await reg.getSchemaById(1).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err).toMatchObject({ status: 0, errorCode: 0 })
    expect((err as Error).message).toMatch(/unreachable.*GET \/schemas\/ids/)
  })
})

describe.skipIf(!!skipReason)('Avro serde through the broker', () => {
  it('writes the Confluent wire format, and reads it back', async () => {
    const reg = newClient()
    const topic = uniqueTopic('sr-avro')
    const serde = await AvroSerde.create<{ id: number; name: string }>({ registry: reg, schema: userV1 })
    const users = [{ id: 1, name: 'ab' }, { id: -2, name: 'Zoë' }, { id: 300, name: '' }]
    const framed = await Promise.all(users.map((u) => serde.serialize(topic, u) as Promise<Buffer>))
    const id = (await reg.getLatest(`${topic}-value`)).id
    // Independently: header by hand, Avro body from avsc's own encoder of the same schema.
    const type = avsc.Type.forSchema(userV1 as avsc.Schema)
    users.forEach((u, i) => {
      const header = Buffer.from([0, (id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff])
      expect(framed[i]!.toString('hex')).toBe(Buffer.concat([header, type.toBuffer(u)]).toString('hex'))
    })
    // {id: 1, name: "ab"}: zig-zag 1 = 02, length 2 = 04, "ab".
    expect(framed[0]!.subarray(5).toString('hex')).toBe('02046162')
    const read = await roundTrip(topic, framed)
    const reader = await AvroSerde.create({ registry: newClient() }) // no schema: the writer's shape
    expect(await Promise.all(read.map((b) => reader.deserialize(topic, b)))).toEqual(users)
    expect(await serde.serialize(topic, null)).toBeNull()
    expect(await serde.deserialize(topic, null)).toBeNull()
  })

  it('longs: numbers by default (beyond 2^53 is an error, not a rounded value), bigints on request', async () => {
    const topic = uniqueTopic('sr-long')
    const schema = { type: 'record', name: 'Big', fields: [{ name: 'n', type: 'long' }] }
    const big = await AvroSerde.create<{ n: bigint }>({ registry: newClient(), schema, longs: 'bigint' })
    const max = (await big.serialize(topic, { n: 2n ** 63n - 1n }))!
    // zig-zag(2^63 - 1) = 2^64 - 2, as a varint: fe ff ff ff ff ff ff ff ff 01.
    expect(max.subarray(5).toString('hex')).toBe('feffffffffffffffff01')
    const min = (await big.serialize(topic, { n: -(2n ** 63n) }))!
    expect(min.subarray(5).toString('hex')).toBe('ffffffffffffffffff01')
    expect({ ...(await big.deserialize(topic, max)) }).toEqual({ n: 2n ** 63n - 1n })
    expect({ ...(await big.deserialize(topic, min)) }).toEqual({ n: -(2n ** 63n) })
    expect((await big.serialize(topic, { n: 5 as unknown as bigint }))!.subarray(5).toString('hex')).toBe('0a')
    const num = await AvroSerde.create({ registry: newClient(), schema })
    await expect(num.deserialize(topic, max)).rejects.toThrow(/precision/)
    await expect(num.serialize(topic, { n: 2 ** 60 })).rejects.toThrow(SchemaSerdeError)
    await expect(AvroSerde.create({ registry: newClient(), schema, longs: 'int64' as 'bigint' })).rejects.toThrow(/longs must be/)
  })

  it('schema evolution: the writer schema comes from the registry, the reader schema from the serde', async () => {
    const topic = uniqueTopic('sr-evolve')
    const v1 = await AvroSerde.create<{ id: number; name: string }>({ registry: newClient(), schema: userV1 })
    const v2 = await AvroSerde.create<{ id: number; name: string; email: string }>({ registry: newClient(), schema: userV2 })
    const read = await roundTrip(topic, [(await v1.serialize(topic, { id: 1, name: 'old' }))!, (await v2.serialize(topic, { id: 2, name: 'new', email: 'n@x' }))!])
    expect(read[0]!.readInt32BE(1)).not.toBe(read[1]!.readInt32BE(1)) // two schema ids
    // A v2 reader gets the default for the field v1 lacks; a v1 reader drops the field it does not know.
    expect({ ...(await v2.deserialize(topic, read[0]!)) }).toEqual({ id: 1, name: 'old', email: 'none' })
    expect({ ...(await v2.deserialize(topic, read[1]!)) }).toEqual({ id: 2, name: 'new', email: 'n@x' })
    expect({ ...(await v1.deserialize(topic, read[1]!)) }).toEqual({ id: 2, name: 'new' })
  })

  it('refuses a value the schema does not allow, and an incompatible schema, with typed errors', async () => {
    const topic = uniqueTopic('sr-bad')
    const serde = await AvroSerde.create({ registry: newClient(), schema: userV1 })
    await expect(serde.serialize(topic, { id: 'x', name: 'a' })).rejects.toThrow(SchemaSerdeError)
    await serde.serialize(topic, { id: 1, name: 'a' })
    // Once the id is cached, values are still checked (and the sync adapter checks them too).
    await expect(serde.serialize(topic, { id: 1.5, name: 'a' })).rejects.toThrow(/id = 1.5/)
    expect(() => serde.asSerde().serialize(topic, { id: 2 })).toThrow(/name = undefined/)
    const bad = await AvroSerde.create({ registry: newClient(), schema: userBad })
    await expect(bad.serialize(topic, { id: 'x', name: 'a' })).rejects.toMatchObject({ name: 'RegistryError', errorCode: 409 })
    // Bytes not in the wire format, and a schema id of another type.
    await expect(serde.deserialize(topic, Buffer.from('not framed'))).rejects.toThrow(/magic byte/)
    const json = await JsonSchemaSerde.create({ registry: newClient(), schema: { type: 'object' } })
    const jsonBytes = (await json.serialize(uniqueTopic('sr-json-id'), { a: 1 }))!
    await expect(serde.deserialize(topic, jsonBytes)).rejects.toThrow(/JSON schema; this serde reads AVRO/)
  })

  it('subject name strategies: RecordName and TopicRecordName', async () => {
    const reg = newClient()
    const topic = uniqueTopic('sr-strategy')
    const ns = `p${Date.now().toString(36)}`
    const schema = { ...userV1, namespace: ns }
    await (await AvroSerde.create({ registry: reg, schema, subjectNameStrategy: 'RecordName' })).serialize(topic, { id: 1, name: 'a' })
    await (await AvroSerde.create({ registry: reg, schema, subjectNameStrategy: 'TopicRecordName', isKey: true })).serialize(topic, { id: 1, name: 'a' })
    await (await AvroSerde.create({ registry: reg, schema: '"string"', isKey: true })).serialize(topic, 'k')
    const subjects = await reg.getSubjects()
    expect(subjects).toContain(`${ns}.User`)
    expect(subjects).toContain(`${topic}-${ns}.User`)
    expect(subjects).toContain(`${topic}-key`)
    expect(subjects).not.toContain(`${topic}-value`)
  })

  it('autoRegister off: only an already registered schema is written; useLatestVersion writes with the latest', async () => {
    const reg = newClient()
    const topic = uniqueTopic('sr-noauto')
    const noAuto = await AvroSerde.create({ registry: reg, schema: userV1, autoRegister: false })
    await expect(noAuto.serialize(topic, { id: 1, name: 'a' })).rejects.toMatchObject({ name: 'RegistryError', errorCode: 40401 })
    const id1 = await reg.register(`${topic}-value`, { schema: JSON.stringify(userV1) })
    expect((await noAuto.serialize(topic, { id: 1, name: 'a' }))!.readInt32BE(1)).toBe(id1)
    const id2 = await reg.register(`${topic}-value`, { schema: JSON.stringify(userV2) })
    const latest = await AvroSerde.create({ registry: newClient(), useLatestVersion: true })
    const bytes = (await latest.serialize(topic, { id: 3, name: 'c', email: 'e' }))!
    expect(bytes.readInt32BE(1)).toBe(id2)
    expect(await (await AvroSerde.create({ registry: newClient() })).deserialize(topic, bytes)).toEqual({ id: 3, name: 'c', email: 'e' })
    // The latest schema of another type is refused, not parsed as Avro.
    const jsonTopic = uniqueTopic('sr-latest-json')
    await reg.register(`${jsonTopic}-value`, { schema: '{"type": "object"}', schemaType: 'JSON' })
    await expect(latest.serialize(jsonTopic, { id: 1 })).rejects.toThrow(/is a JSON schema; this serde writes AVRO/)
  })

  it('the synchronous Serde adapter fetches what its caches miss', async () => {
    const topic = uniqueTopic('sr-sync')
    const writer = (await AvroSerde.create({ registry: newClient(), schema: userV2 })).asSerde()
    const bytes = writer.serialize(topic, { id: 5, name: 'sync', email: 'e' })!
    const reader = (await AvroSerde.create({ registry: newClient(), schema: userV1 })).asSerde()
    expect({ ...(reader.deserialize(topic, bytes) as object) }).toEqual({ id: 5, name: 'sync' })
    expect(reader.deserialize(topic, null)).toBeNull()
    expect(() => reader.deserialize(topic, Buffer.from([1, 2]))).toThrow(SchemaSerdeError)
  })
})

const ORDER_PROTO = `syntax = "proto3";
package peridot.shop;

message Customer {
  string name = 1;
}

message Order {
  int64 id = 1;
  string item = 2;
  Status status = 3;
  repeated Line lines = 4;
  enum Status { NEW = 0; PAID = 1; }
  message Line {
    string sku = 1;
    int32 quantity = 2;
  }
}
`

describe.skipIf(!!skipReason)('Protobuf serde through the broker', () => {
  it('frames with message indexes and reads back with and without the reader schema', async () => {
    const reg = newClient()
    const topic = uniqueTopic('sr-proto')
    const serde = await ProtobufSerde.create({ registry: reg, schema: ORDER_PROTO, messageType: 'peridot.shop.Order' })
    const order = { id: '12345678901', item: 'book', status: 'PAID', lines: [{ sku: 'a-1', quantity: 2 }] }
    const framed = (await serde.serialize(topic, order))!
    const latest = await reg.getLatest(`${topic}-value`)
    expect(latest.schemaType).toBe('PROTOBUF')
    expect(framed[0]).toBe(0)
    expect(framed.readInt32BE(1)).toBe(latest.id)
    // Order is the file's second message: indexes [1] = count 1, index 1, zig-zag: 02 02.
    expect(framed.subarray(5, 7).toString('hex')).toBe('0202')
    // Then field 1 (varint) = 08 + varint of 12345678901.
    expect(framed.subarray(7, 8).toString('hex')).toBe('08')
    const [read] = await roundTrip(topic, [framed])
    expect(await serde.deserialize(topic, read!)).toEqual(order)
    const generic = await ProtobufSerde.create({ registry: newClient() }) // the writer's schema, found by the indexes
    expect(await generic.deserialize(topic, read!)).toEqual(order)
    const customer = await ProtobufSerde.create({ registry: reg, schema: ORDER_PROTO, subjectNameStrategy: 'RecordName' })
    const c = (await customer.serialize(topic, { name: 'Ada' }))!
    expect(c.subarray(5, 6).toString('hex')).toBe('00') // first message: [0] as one byte
    expect(await generic.deserialize(topic, c)).toEqual({ name: 'Ada' })
    expect(await reg.getSubjects()).toContain('peridot.shop.Customer')
    await expect(serde.serialize(topic, { id: 'x' })).rejects.toThrow(SchemaSerdeError)
  })
})

describe.skipIf(!!skipReason)('JSON Schema serde through the broker', () => {
  const schema = { title: 'Payment', type: 'object', properties: { id: { type: 'integer' }, amount: { type: 'number' } }, required: ['id', 'amount'] }

  it('validates, writes JSON text in the wire format, and reads it back', async () => {
    const reg = newClient()
    const topic = uniqueTopic('sr-json')
    const serde = await JsonSchemaSerde.create<{ id: number; amount: number }>({ registry: reg, schema })
    const framed = (await serde.serialize(topic, { id: 7, amount: 9.5 }))!
    expect(framed.subarray(5).toString()).toBe('{"id":7,"amount":9.5}')
    expect((await reg.getLatest(`${topic}-value`)).schemaType).toBe('JSON')
    const [read] = await roundTrip(topic, [framed])
    const strict = await JsonSchemaSerde.create({ registry: newClient(), validateOnRead: true })
    expect(await strict.deserialize(topic, read!)).toEqual({ id: 7, amount: 9.5 })
    await expect(serde.serialize(topic, { id: 'seven', amount: 1 } as unknown as { id: number; amount: number })).rejects.toThrow(/must be integer/)
    const record = await JsonSchemaSerde.create({ registry: reg, schema, subjectNameStrategy: 'TopicRecordName' })
    await record.serialize(topic, { id: 1, amount: 1 })
    expect(await reg.getSubjects()).toContain(`${topic}-Payment`)
  })
})

describe.skipIf(!!skipReason)('registry serdes in a streams topology', () => {
  it('reads Avro keys and values and writes JSON Schema values through asSerde()', async () => {
    const input = uniqueTopic('sr-streams-in')
    const output = uniqueTopic('sr-streams-out')
    const appId = uniqueTopic('sr-streams-app')
    await client().createTopic(input, { partitions: 2 })
    await client().createTopic(output, { partitions: 2 })
    const reg = newClient()
    const keySerde = await AvroSerde.create<string>({ registry: reg, schema: '"string"', isKey: true })
    const inSerde = await AvroSerde.create<{ id: number; name: string }>({ registry: reg, schema: userV1 })
    const paymentSchema = { title: 'Greeting', type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }
    const outSerde = await JsonSchemaSerde.create<{ text: string }>({ registry: reg, schema: paymentSchema })
    const b = new StreamsBuilder()
    b.stream(input, { key: keySerde.asSerde(), value: inSerde.asSerde() })
      .filter((_k, u) => u.id % 2 === 0)
      .mapValues((u) => ({ text: `hello ${u.name}` }))
      .to(output, { key: Serdes.string(), value: outSerde.asSerde() })
    const producer = client().producer()
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic: input, key: await keySerde.serialize(input, `k${i}`), value: await inSerde.serialize(input, { id: i, name: `n${i}` }) })
    }
    await producer.close()
    const app = testStreamsApp(b.build(), appId, 'at_least_once')
    try {
      await app.start()
      await waitFor('10 greetings', async () => (await readTopic(client(), output)).length >= 10, 40_000, 250)
    } finally {
      await app.close()
    }
    const records = await readTopic(client(), output)
    const reader = await JsonSchemaSerde.create({ registry: newClient(), validateOnRead: true })
    const got = new Map<string, unknown>()
    for (const r of records) got.set(r.key!.toString(), await reader.deserialize(output, r.value))
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`k${2 * j}`, { text: `hello n${2 * j}` }])))
    expect((await reg.getLatest(`${output}-value`)).schemaType).toBe('JSON')
  }, 60_000)
})

// An HTTPS front for the registry that asks for credentials, as a secured registry does, and can
// answer its next requests with 503 (a registry failing over). It runs in a worker thread: the
// synchronous serde path blocks this thread while it waits for an answer.
const FRONT_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const https = require('node:https')
const http = require('node:http')
const { upstream, cert, key, accept, counters } = workerData
const server = https.createServer({ cert, key }, (req, res) => {
  Atomics.add(counters, 1, 1)
  if (req.headers.authorization !== accept) {
    res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error_code: 40101, message: 'Unauthorized' }))
    return
  }
  if (Atomics.load(counters, 0) > 0) {
    Atomics.sub(counters, 0, 1)
    res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error_code: 50003, message: 'Error while forwarding the request to the master' }))
    return
  }
  const target = new URL(req.url, upstream)
  const headers = Object.assign({}, req.headers, { host: target.host })
  delete headers.authorization
  const up = http.request(target, { method: req.method, headers }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res) })
  up.on('error', () => res.writeHead(502).end())
  req.pipe(up)
})
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port))
`

interface SecureFront {
  url: string
  /** Answer the next `n` authorised requests with 503. */
  failNext(n: number): void
  /** Requests received so far. */
  requests(): number
  close(): Promise<void>
}

async function secureFront(upstream: string, certs: { cert: string; key: string }, accept: string): Promise<SecureFront> {
  const counters = new Int32Array(new SharedArrayBuffer(8)) // [0] failures to come, [1] requests seen
  const worker = new Worker(FRONT_SOURCE, { eval: true, workerData: { upstream, ...certs, accept, counters } })
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  return {
    url: `https://127.0.0.1:${port}`,
    failNext: (n) => Atomics.store(counters, 0, n),
    requests: () => Atomics.load(counters, 1),
    close: async () => {
      await worker.terminate()
    },
  }
}

describe.skipIf(!!skipReason)('TLS, auth and retries (an HTTPS front with credentials before the registry)', () => {
  let dir: string
  let certs: Awaited<ReturnType<typeof makeCerts>>
  let basic: SecureFront
  let bearer: SecureFront
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peridot-sr-tls-'))
    certs = await makeCerts(dir)
    const keyPair = { cert: certs.brokerCert, key: certs.brokerKey }
    basic = await secureFront(registry().url, keyPair, `Basic ${Buffer.from('sr-user:sr-secret').toString('base64')}`)
    bearer = await secureFront(registry().url, keyPair, 'Bearer token-2')
  })
  afterAll(async () => {
    await basic?.close()
    await bearer?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('basic auth over TLS with a private CA; a wrong password is a 401 RegistryError, not retried', async () => {
    const reg = new SchemaRegistryClient({ url: basic.url, tls: { ca: certs.ca }, auth: { username: 'sr-user', password: 'sr-secret' } })
    const subject = `${uniqueTopic('sr-tls')}-value`
    const id = await reg.register(subject, { schema: JSON.stringify(userV1) })
    expect(await newClient().getSchemaById(id)).toMatchObject({ id }) // it reached the registry
    const before = basic.requests()
    const wrong = new SchemaRegistryClient({ url: basic.url, tls: { ca: certs.ca }, auth: { username: 'sr-user', password: 'nope' } })
    await expect(wrong.getSchemaById(id)).rejects.toMatchObject({ name: 'RegistryError', status: 401, errorCode: 40101 })
    expect(basic.requests() - before).toBe(1)
    // The synchronous path (a helper thread) carries the same TLS options and credentials.
    const serde = await AvroSerde.create({ registry: new SchemaRegistryClient({ url: basic.url, tls: { ca: certs.ca }, auth: { username: 'sr-user', password: 'sr-secret' } }) })
    const bytes = (await (await AvroSerde.create({ registry: reg, schema: userV1 })).serialize(subject.replace(/-value$/, ''), { id: 4, name: 'tls' }))!
    expect(serde.asSerde().deserialize('t', bytes)).toEqual({ id: 4, name: 'tls' })
  })

  it('an untrusted certificate fails with status 0 and the TLS reason', async () => {
    const reg = new SchemaRegistryClient({ url: basic.url, tls: { ca: certs.otherCa }, auth: { username: 'sr-user', password: 'sr-secret' }, retries: 0 })
    const err = await reg.getSubjects().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err).toMatchObject({ status: 0 })
    expect((err as Error).message).toMatch(/certificate/i)
  })

  it('a bearer token from a function, asked for every request', async () => {
    let calls = 0
    const reg = new SchemaRegistryClient({ url: bearer.url, tls: { ca: certs.ca }, auth: { bearerToken: () => `token-${++calls}` }, retries: 0 })
    await expect(reg.getSubjects()).rejects.toMatchObject({ status: 401 }) // token-1 is refused
    expect(await reg.getSubjects()).toEqual(expect.any(Array)) // token-2 is the right one
    expect(calls).toBe(2)
  })

  it('retries a 503 with backoff and then succeeds; gives up after `retries` with the last error', async () => {
    const reg = new SchemaRegistryClient({ url: basic.url, tls: { ca: certs.ca }, auth: { username: 'sr-user', password: 'sr-secret' }, retries: 3, initialBackoffMs: 5 })
    basic.failNext(2)
    let before = basic.requests()
    expect(await reg.getSubjects()).toEqual(expect.any(Array))
    expect(basic.requests() - before).toBe(3)
    basic.failNext(10)
    before = basic.requests()
    await expect(reg.getSubjects()).rejects.toMatchObject({ status: 503, errorCode: 50003 })
    expect(basic.requests() - before).toBe(4)
    // The synchronous path retries the same way.
    basic.failNext(2)
    before = basic.requests()
    const subject = `${uniqueTopic('sr-retry')}-value`
    await newClient().register(subject, { schema: '"string"' })
    expect(reg.getLatestSync(subject)).toMatchObject({ version: 1 })
    expect(basic.requests() - before).toBe(3)
    basic.failNext(0)
  })
})
