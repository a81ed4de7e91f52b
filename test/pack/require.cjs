// CommonJS users: require() of every entry point of the installed package (Node with require(esm)).
const names = { 'peridot-kafka': 'Client', 'peridot-kafka/protocol': 'decodeRecordBatches', 'peridot-kafka/streams': 'StreamsBuilder', 'peridot-kafka/dev': 'startLocalBroker', 'peridot-kafka/schema-registry': 'SchemaRegistryClient' }
for (const [specifier, name] of Object.entries(names)) {
  const mod = require(specifier)
  if (typeof mod[name] !== 'function') throw new Error(`require('${specifier}').${name} is ${typeof mod[name]}`)
}
console.log('require() of every entry point: ok')
