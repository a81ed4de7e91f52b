// `peridot consume -s avro -r URL` (kcat -s / -r) against a real registry: records written with
// the library's registry serdes are printed as JSON. Skipped, saying why, without a registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { AvroSerde, SchemaRegistryClient } from '../../src/schema-registry/index.js'
import { peridot } from './cli-run.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { registryUnavailableReason, sharedRegistry } from './schema-registry-helpers.js'

const skipReason = registryUnavailableReason()
if (skipReason) console.log(`[cli-schema-registry] skipped: ${skipReason}`)
const registry = sharedRegistry()

describe.skipIf(!!skipReason)('peridot consume with Schema Registry decoding', () => {
  let client: Client
  beforeAll(async () => {
    client = await Client.connect({ brokers: [bootstrap()] })
  })
  afterAll(async () => {
    await client?.close()
  })

  it('-s value=avro -r URL prints each Avro value as a JSON line; -s avro decodes keys too', async () => {
    const topic = uniqueTopic('cli-avro')
    await client.createTopic(topic, { partitions: 1 })
    const sr = new SchemaRegistryClient({ url: registry().url })
    const schema = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }, { name: 'item', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }] }
    const values = await AvroSerde.create({ registry: sr, schema })
    const keys = await AvroSerde.create({ registry: sr, schema: { type: 'string' }, isKey: true })
    const pc = await client.partitionClient(topic, 0)
    await pc.produce([
      { key: await keys.serialize(topic, 'a'), value: await values.serialize(topic, { id: 1, item: 'tea "green"', note: null }) },
      { key: await keys.serialize(topic, 'b'), value: await values.serialize(topic, { id: 2, item: 'line\nbreak', note: 'x' }) },
    ])
    const res = await peridot(['consume', topic, '-s', 'value=avro', '-r', registry().url, '-q'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual([
      { id: 1, item: 'tea "green"', note: null },
      { id: 2, item: 'line\nbreak', note: 'x' },
    ])
    const both = await peridot(['consume', topic, '-s', 'avro', '-r', registry().url, '--format', '%k %s'])
    expect(both.stdout.split('\n')[0]).toBe('"a" {"id":1,"item":"tea \\"green\\"","note":null}')
  })
})
