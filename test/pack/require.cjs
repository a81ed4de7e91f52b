// CommonJS users: require() of every entry point of the installed package (Node with require(esm)).
const names = { 'peridot-kafka': 'Client', 'peridot-kafka/protocol': 'decodeRecordBatches', 'peridot-kafka/streams': 'StreamsBuilder', 'peridot-kafka/dev': 'startLocalBroker', 'peridot-kafka/schema-registry': 'SchemaRegistryClient' }
for (const [specifier, name] of Object.entries(names)) {
  const mod = require(specifier)
  if (typeof mod[name] !== 'function') throw new Error(`require('${specifier}').${name} is ${typeof mod[name]}`)
}
console.log('require() of every entry point: ok')

// The optional peer dependencies are not installed here: the package loads without them, and
// the metrics and tracing functions fail with an error that names the missing one.
const { openTelemetryMetrics, openTelemetryTracing, prometheusMetrics, InvalidArgumentError } = require('peridot-kafka')
Promise.all(
  [
    [openTelemetryMetrics, '@opentelemetry/api'],
    [openTelemetryTracing, '@opentelemetry/api'],
    [prometheusMetrics, 'prom-client'],
  ].map(([fn, dep]) =>
    fn().then(
      () => {
        throw new Error(`${fn.name}() worked without ${dep}`)
      },
      (err) => {
        if (!(err instanceof InvalidArgumentError) || !err.message.includes(`'${dep}' is not installed`)) throw err
      },
    ),
  ),
).then(() => console.log('metrics and tracing without the optional peer dependencies: a clear error, no import failure'))
