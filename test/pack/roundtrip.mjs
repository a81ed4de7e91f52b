// Runs inside an empty project that installed the packed tarball: imports the package by its
// name (ESM), starts a broker through peridot-kafka/dev unless KAFKA_CONNECT names one, and
// produces then fetches records with every compression codec.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'peridot-kafka'
import { crc32cImplementation, zstdImplementation } from 'peridot-kafka/protocol'
import { findFreePort, startLocalBroker } from 'peridot-kafka/dev'
import { AvroSerde, MissingDependencyError, SchemaRegistryClient } from 'peridot-kafka/schema-registry'

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const t0 = Date.now()

// The schema libraries are optional peers, not installed here: the registry entry point loads
// anyway, and a serde that needs one says which package to install.
const missing = await AvroSerde.create({ registry: new SchemaRegistryClient({ url: 'http://127.0.0.1:1' }) }).catch((e) => e)
if (!(missing instanceof MissingDependencyError) || !/npm install avsc/.test(missing.message)) throw new Error(`AvroSerde without avsc: ${missing}`)
console.log('schema-registry without its optional schema libraries: ok')
console.log(`crc32c: ${crc32cImplementation()}, zstd: ${zstdImplementation()}`)
if (crc32cImplementation() !== 'native' && ['linux', 'darwin', 'win32'].includes(process.platform)) {
  throw new Error('the prebuilt CRC32C binary did not load on a platform it ships for')
}

let broker
let dataDir
let bootstrap = process.env.KAFKA_CONNECT
if (!bootstrap) {
  dataDir = mkdtempSync(join(tmpdir(), 'peridot-pack-broker-'))
  broker = await startLocalBroker({ port: await findFreePort(19094), dataDir })
  bootstrap = broker.bootstrap
  console.log(`Kafka ${broker.version} at ${bootstrap} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}
const client = await Client.connect({ brokers: [bootstrap], clientId: 'pack-check' })
try {
  for (const codec of CODECS) {
    const topic = `pack-check-${codec}-${Date.now().toString(36)}`
    await client.createTopic(topic, { partitions: 1, replicationFactor: 1 })
    const pc = await client.partitionClient(topic, 0)
    const values = Array.from({ length: 500 }, (_, i) => `${codec} record ${i} `.repeat(20))
    await pc.produce(values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: Date.now() })), { compression: codec })
    const got = []
    let next = 0n
    for (let i = 0; i < 20 && got.length < values.length; i++) {
      const res = await pc.fetchRecords(next, { maxWaitMs: 500 })
      got.push(...res.records.map((r) => r.value?.toString()))
      next = res.nextOffset
    }
    if (JSON.stringify(got) !== JSON.stringify(values)) throw new Error(`${codec}: fetched ${got.length} records, not the ${values.length} produced`)
    await client.deleteTopic(topic)
    console.log(`${codec}: ${values.length} records produced and fetched back`)
  }
} finally {
  await client.close()
  if (broker) await broker.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
}
console.log(`round trip with every codec: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
