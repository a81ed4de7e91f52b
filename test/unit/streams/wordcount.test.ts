import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'

function wordCount(): StreamsBuilder {
  const b = new StreamsBuilder()
  b.stream('text-lines', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_k, word) => word, { key: Serdes.string(), value: Serdes.string() })
    .count()
    .toStream()
    .to('word-counts', { value: Serdes.int64() })
  return b
}

describe('word count', () => {
  it('counts words exactly, emitting one update per word', () => {
    const driver = new TopologyTestDriver(wordCount().build())
    const input = driver.createInputTopic('text-lines', Serdes.string(), Serdes.string())
    const output = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.int64())
    input.pipeInput(null as unknown as string, 'Hello Kafka Streams', 1000)
    input.pipeInput(null as unknown as string, 'All streams lead to Kafka', 2000)
    input.pipeInput(null as unknown as string, 'Join Kafka Summit', 3000)
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'hello', value: 1 },
      { key: 'kafka', value: 1 },
      { key: 'streams', value: 1 },
      { key: 'all', value: 1 },
      { key: 'streams', value: 2 },
      { key: 'lead', value: 1 },
      { key: 'to', value: 1 },
      { key: 'kafka', value: 2 },
      { key: 'join', value: 1 },
      { key: 'kafka', value: 3 },
      { key: 'summit', value: 1 },
    ])
    const store = driver.getKeyValueStore<string, number>('KSTREAM-AGGREGATE-STATE-STORE-0000000003')
    expect(store.get('kafka')).toBe(3)
    expect([...store.all()].map((e) => e.key)).toEqual(['all', 'hello', 'join', 'kafka', 'lead', 'streams', 'summit', 'to'])
    driver.close()
  })

  it('describes the topology like Kafka Streams, with a generated repartition topic', () => {
    const topology = wordCount().build()
    // Kafka Streams 4.3.1's Topology.describe().toString() for the same word count, printed by a
    // Java StreamsBuilder program (stream, flatMapValues, groupBy with Grouped.with, count,
    // toStream, to): names, layout and blank lines as it printed them (the second sub-topology is
    // indented by two spaces, the first by three).
    expect(topology.describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [text-lines])',
        '      --> KSTREAM-FLATMAPVALUES-0000000001',
        '    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])',
        '      --> KSTREAM-KEY-SELECT-0000000002',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])',
        '      --> KSTREAM-FILTER-0000000006',
        '      <-- KSTREAM-FLATMAPVALUES-0000000001',
        '    Processor: KSTREAM-FILTER-0000000006 (stores: [])',
        '      --> KSTREAM-SINK-0000000005',
        '      <-- KSTREAM-KEY-SELECT-0000000002',
        '    Sink: KSTREAM-SINK-0000000005 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition)',
        '      <-- KSTREAM-FILTER-0000000006',
        '',
        '  Sub-topology: 1',
        '    Source: KSTREAM-SOURCE-0000000007 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition])',
        '      --> KSTREAM-AGGREGATE-0000000004',
        '    Processor: KSTREAM-AGGREGATE-0000000004 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000003])',
        '      --> KTABLE-TOSTREAM-0000000008',
        '      <-- KSTREAM-SOURCE-0000000007',
        '    Processor: KTABLE-TOSTREAM-0000000008 (stores: [])',
        '      --> KSTREAM-SINK-0000000009',
        '      <-- KSTREAM-AGGREGATE-0000000004',
        '    Sink: KSTREAM-SINK-0000000009 (topic: word-counts)',
        '      <-- KTABLE-TOSTREAM-0000000008',
        '',
        '',
      ].join('\n'),
    )
    const subs = topology.subtopologies()
    expect(subs.map((s) => s.sourceTopics)).toEqual([['text-lines'], ['KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition']])
    expect(subs[1].stores).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000003'])
    const resolved = topology.resolveInternalTopics('wordcount', (t) => (t === 'text-lines' ? 6 : undefined))
    expect(resolved.internalTopics).toEqual([
      expect.objectContaining({ name: 'wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition', kind: 'repartition', partitions: 6 }),
      expect.objectContaining({ name: 'wordcount-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog', kind: 'changelog', partitions: 6 }),
    ])
    expect([...resolved.tasksPerSubtopology]).toEqual([[0, 6], [1, 6]])
  })

  it('uses the store name for the repartition topic and logs every change to the changelog', () => {
    const b = new StreamsBuilder()
    b.stream('lines', { key: Serdes.string(), value: Serdes.string() })
      .flatMapValues((l) => l.split(' '))
      .groupBy((_k, w) => w, { key: Serdes.string(), value: Serdes.string() })
      .count({ name: 'counts' })
    const topology = b.build()
    // Lines of Kafka Streams 4.3.1's describe() for the same topology (count(Materialized.as("counts")),
    // printed once by a Java StreamsBuilder program; the whole text was equal).
    expect(topology.describe().toString()).toContain('Sink: counts-repartition-sink (topic: counts-repartition)')
    expect(topology.describe().toString()).toContain('Source: counts-repartition-source (topics: [counts-repartition])')
    const driver = new TopologyTestDriver(topology, { applicationId: 'wc' })
    driver.createInputTopic('lines', Serdes.string(), Serdes.string()).pipeInput('k', 'a b a', 42)
    expect(driver.producedChangelog('counts')).toEqual([
      { topic: 'wc-counts-changelog', partition: 0, key: 'a', value: 1, timestamp: 42 },
      { topic: 'wc-counts-changelog', partition: 0, key: 'b', value: 1, timestamp: 42 },
      { topic: 'wc-counts-changelog', partition: 0, key: 'a', value: 2, timestamp: 42 },
    ])
    // The repartition topic is prefixed with the application id.
    expect(driver.createOutputTopic('wc-counts-repartition', Serdes.string(), Serdes.string()).getQueueSize()).toBe(3)
  })
})
