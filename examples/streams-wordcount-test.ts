/**
 * Unit-testing a streams topology with TopologyTestDriver: no broker, runs in milliseconds.
 * Run: npx tsx examples/streams-wordcount-test.ts
 */
import assert from 'node:assert/strict'
import { Serdes, StreamsBuilder, TopologyTestDriver } from 'peridot-kafka/streams'

// The topology under test: count words per line.
function wordCountTopology() {
  const builder = new StreamsBuilder()
  builder
    .stream('text-lines', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_key, word) => word, { key: Serdes.string(), value: Serdes.string() })
    .count({ name: 'word-counts' })
    .toStream()
    .to('word-counts-out', { key: Serdes.string(), value: Serdes.int64() })
  return builder.build()
}

const topology = wordCountTopology()
console.log(topology.describe().toString())

const driver = new TopologyTestDriver(topology, { applicationId: 'wordcount' })
const lines = driver.createInputTopic('text-lines', Serdes.string(), Serdes.string())
const counts = driver.createOutputTopic('word-counts-out', Serdes.string(), Serdes.int64())

lines.pipeValueList(['Hello Kafka', 'hello streams'])

// Every update, in order...
assert.deepEqual(counts.readKeyValuesToList(), [
  { key: 'hello', value: 1 },
  { key: 'kafka', value: 1 },
  { key: 'hello', value: 2 },
  { key: 'streams', value: 1 },
])
// ...the state store itself...
assert.equal(driver.getKeyValueStore<string, number>('word-counts').get('hello'), 2)
// ...and what went to the changelog topic wordcount-word-counts-changelog.
assert.equal(driver.producedChangelog('word-counts').length, 4)
driver.close()
console.log('word count topology: ok')
