// Interop with Confluent's own serializers (confluent-kafka for Python: AvroSerializer /
// AvroDeserializer, JSONSerializer / JSONDeserializer, ProtobufSerializer / ProtobufDeserializer, librdkafka for the Kafka side; Confluent's
// Java serializers are not on the package registries reachable here), through the broker under
// test and a real registry: records Confluent writes are read by Peridot and the reverse, and both
// write the same bytes for the same value and schema.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { AvroSerde, JsonSchemaSerde, ProtobufSerde, SchemaRegistryClient } from '../../src/schema-registry/index.js'
import { confluentPython, runConfluent } from './confluent-python.js'
import { bootstrap, sharedClient, uniqueTopic } from './helpers.js'
import { registryUnavailableReason, sharedRegistry } from './schema-registry-helpers.js'
import { readTopic } from './streams-helpers.js'

const skipReason = registryUnavailableReason()
if (skipReason) console.log(`[schema-registry interop] tests skipped: ${skipReason}`)

const client = sharedClient()
const registry = sharedRegistry()
let python: string | undefined
let protoDir: string | undefined
beforeAll(async () => {
  if (skipReason) return
  const r = await confluentPython()
  if ('reason' in r) console.log(`[schema-registry interop] tests skipped: ${r.reason}`)
  else python = r.python
  protoDir = await mkdtemp(join(tmpdir(), 'peridot-proto-'))
  await writeFile(join(protoDir, 'order.proto'), ORDER_PROTO)
}, 420_000)
afterAll(async () => {
  if (protoDir) await rm(protoDir, { recursive: true, force: true })
})

function needPython(ctx: TestContext): string {
  if (!python) ctx.skip('confluent-kafka for Python is not available')
  return python!
}

const USER = JSON.stringify({ type: 'record', name: 'User', namespace: 'peridot.interop', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'tags', type: { type: 'array', items: 'string' } }, { name: 'score', type: ['null', 'double'], default: null }] })
const USER_V2 = JSON.stringify({ ...JSON.parse(USER), fields: [...JSON.parse(USER).fields, { name: 'email', type: 'string', default: 'none' }] })
const users = [
  { id: 1, name: 'Ada', tags: ['a', 'b'], score: 1.5 },
  { id: 2 ** 40 + 7, name: 'Zoë ✓', tags: [], score: null },
  { id: -3, name: '', tags: ['x'], score: -0.25 },
]
const PAYMENT = JSON.stringify({ title: 'Payment', type: 'object', properties: { id: { type: 'integer' }, amount: { type: 'number' }, note: { type: 'string' } }, required: ['id', 'amount'] })
const payments = [{ id: 1, amount: 9.5, note: 'first' }, { id: 2, amount: 0 }]

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
// Every field set: Python's MessageToDict leaves out fields at their default value.
const orders = [
  { id: '12345678901', item: 'book', status: 'PAID', lines: [{ sku: 'a-1', quantity: 2 }, { sku: 'b', quantity: -1 }] },
  { id: '-5', item: 'pen', status: 'PAID', lines: [{ sku: 'c', quantity: 7 }] },
]
const lines = [{ sku: 'x', quantity: 3 }]

const common = (topic: string, format: string) => ['--bootstrap', bootstrap(), '--registry', registry().url, '--topic', topic, '--format', format]

describe.skipIf(!!skipReason)('interop with Confluent serializers (confluent-kafka Python)', () => {
  it('Avro: Confluent writes, Peridot reads (writer shape and an evolved reader); same bytes both ways', async (ctx) => {
    const py = needPython(ctx)
    const topic = uniqueTopic('sr-cf-avro')
    await client().createTopic(topic, { partitions: 1 })
    const framed = (await runConfluent(py, ['produce', ...common(topic, 'avro'), '--schema', USER, '--values', JSON.stringify(users)])) as string[]
    const records = await readTopic(client(), topic)
    expect(records.map((r) => r.value!.toString('hex'))).toEqual(framed)
    const generic = await AvroSerde.create({ registry: new SchemaRegistryClient({ url: registry().url }) })
    expect(await Promise.all(records.map((r) => generic.deserialize(topic, r.value)))).toEqual(users)
    const evolved = await AvroSerde.create({ registry: new SchemaRegistryClient({ url: registry().url }), schema: USER_V2 })
    expect((await Promise.all(records.map((r) => evolved.deserialize(topic, r.value)))).map((u) => ({ ...(u as object) }))).toEqual(users.map((u) => ({ ...u, email: 'none' })))
    // Peridot's serializer, same schema text and registry: the same bytes as Confluent's.
    const peridot = await AvroSerde.create({ registry: new SchemaRegistryClient({ url: registry().url }), schema: USER })
    expect(await Promise.all(users.map(async (u) => (await peridot.serialize(topic, u))!.toString('hex')))).toEqual(framed)
  })

  it('Avro: Peridot writes, Confluent reads (writer shape and an older reader)', async (ctx) => {
    const py = needPython(ctx)
    const topic = uniqueTopic('sr-pd-avro')
    await client().createTopic(topic, { partitions: 1 })
    const serde = await AvroSerde.create({ registry: new SchemaRegistryClient({ url: registry().url }), schema: USER_V2 })
    const v2 = users.map((u, i) => ({ ...u, email: `u${i}@x` }))
    const producer = client().producer()
    for (const u of v2) await producer.send({ topic, partition: 0, value: await serde.serialize(topic, u) })
    await producer.close()
    expect(await runConfluent(py, ['consume', ...common(topic, 'avro'), '--count', String(v2.length)])).toEqual(v2)
    expect(await runConfluent(py, ['consume', ...common(topic, 'avro'), '--count', String(v2.length), '--schema', USER])).toEqual(users)
  })

  it('JSON Schema: both directions', async (ctx) => {
    const py = needPython(ctx)
    const fromConfluent = uniqueTopic('sr-cf-json')
    await client().createTopic(fromConfluent, { partitions: 1 })
    const framed = (await runConfluent(py, ['produce', ...common(fromConfluent, 'json'), '--schema', PAYMENT, '--values', JSON.stringify(payments)])) as string[]
    const reader = await JsonSchemaSerde.create({ registry: new SchemaRegistryClient({ url: registry().url }), validateOnRead: true })
    const records = await readTopic(client(), fromConfluent)
    expect(records.map((r) => r.value!.toString('hex'))).toEqual(framed)
    expect(await Promise.all(records.map((r) => reader.deserialize(fromConfluent, r.value)))).toEqual(payments)

    const fromPeridot = uniqueTopic('sr-pd-json')
    await client().createTopic(fromPeridot, { partitions: 1 })
    const writer = await JsonSchemaSerde.create({ registry: new SchemaRegistryClient({ url: registry().url }), schema: PAYMENT })
    const producer = client().producer()
    for (const p of payments) await producer.send({ topic: fromPeridot, partition: 0, value: await writer.serialize(fromPeridot, p) })
    await producer.close()
    expect(await runConfluent(py, ['consume', ...common(fromPeridot, 'json'), '--count', String(payments.length), '--schema', PAYMENT])).toEqual(payments)
  })

  it('Protobuf: both directions, a top-level and a nested message (message indexes [1] and [1, 0])', async (ctx) => {
    const py = needPython(ctx)
    const proto = join(protoDir!, 'order.proto')
    const fromConfluent = uniqueTopic('sr-cf-proto')
    await client().createTopic(fromConfluent, { partitions: 1 })
    await client().createTopic(`${fromConfluent}-lines`, { partitions: 1 })
    const framedOrders = (await runConfluent(py, ['produce', ...common(fromConfluent, 'protobuf'), '--schema', proto, '--message', 'Order', '--values', JSON.stringify(orders)])) as string[]
    const framedLines = (await runConfluent(py, ['produce', ...common(`${fromConfluent}-lines`, 'protobuf'), '--schema', proto, '--message', 'Order.Line', '--values', JSON.stringify(lines)])) as string[]
    expect(framedOrders[0]!.slice(10, 14)).toBe('0202') // Order: [1]
    expect(framedLines[0]!.slice(10, 16)).toBe('040200') // Order.Line: [1, 0]
    const generic = await ProtobufSerde.create({ registry: new SchemaRegistryClient({ url: registry().url }) })
    const records = await readTopic(client(), fromConfluent)
    expect(records.map((r) => r.value!.toString('hex'))).toEqual(framedOrders)
    expect(await Promise.all(records.map((r) => generic.deserialize(fromConfluent, r.value)))).toEqual(orders)
    expect(await generic.deserialize(fromConfluent, Buffer.from(framedLines[0]!, 'hex'))).toEqual(lines[0])
    // Peridot's serializer writes the same bytes after the schema id (indexes and payload).
    const reg = new SchemaRegistryClient({ url: registry().url })
    const peridotOrders = await ProtobufSerde.create({ registry: reg, schema: ORDER_PROTO, messageType: 'peridot.shop.Order' })
    const peridotLines = await ProtobufSerde.create({ registry: reg, schema: ORDER_PROTO, messageType: 'peridot.shop.Order.Line' })
    const ours = await Promise.all(orders.map(async (o) => (await peridotOrders.serialize(fromConfluent, o))!.toString('hex')))
    expect(ours.map((h) => h.slice(10))).toEqual(framedOrders.map((h) => h.slice(10)))
    expect((await peridotLines.serialize(`${fromConfluent}-lines`, lines[0]))!.toString('hex').slice(10)).toBe(framedLines[0]!.slice(10))

    const fromPeridot = uniqueTopic('sr-pd-proto')
    await client().createTopic(fromPeridot, { partitions: 1 })
    const producer = client().producer()
    for (const o of orders) await producer.send({ topic: fromPeridot, partition: 0, value: await peridotOrders.serialize(fromPeridot, o) })
    await producer.close()
    expect(await runConfluent(py, ['consume', ...common(fromPeridot, 'protobuf'), '--count', String(orders.length), '--schema', proto, '--message', 'Order'])).toEqual(orders)
    const lineTopic = uniqueTopic('sr-pd-proto-lines')
    await client().createTopic(lineTopic, { partitions: 1 })
    const p2 = client().producer()
    await p2.send({ topic: lineTopic, partition: 0, value: await peridotLines.serialize(lineTopic, lines[0]) })
    await p2.close()
    expect(await runConfluent(py, ['consume', ...common(lineTopic, 'protobuf'), '--count', '1', '--schema', proto, '--message', 'Order.Line'])).toEqual(lines)
  })
})
