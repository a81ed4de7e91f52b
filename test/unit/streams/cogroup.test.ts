import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { Serdes, SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows, TopologyTestDriver, type KGroupedStream, type KTable } from '../../../src/streams/index.js'
import type { Serde } from '../../../src/streams/serde.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'
import type { Windowed } from '../../../src/streams/windowed.js'
import type { KeyValueStore } from '../../../src/streams/state/store.js'

const s = Serdes.string()
const str = { key: s, value: s }
const concat = (_k: string, v: string, agg: string): string => agg + v

type Grouped = KGroupedStream<string, string>

/** Two grouped input topics, 'one' and 'two', cogrouped by `build` into a windowed table written to 'out'. */
function windowedCogroup(
  build: (one: Grouped, two: Grouped) => KTable<Windowed<string>, string>,
  keySerde: Serde<Windowed<string>>,
  inspect?: (description: string) => void,
  cacheMaxBytes?: number,
) {
  const b = new StreamsBuilder()
  build(b.stream('one', str).groupByKey(), b.stream('two', str).groupByKey())
    .toStream()
    .to('out', { key: keySerde, value: s })
  const topology = b.build()
  inspect?.(topology.describe().toString())
  const driver = new TopologyTestDriver(topology, { applicationId: 'cogroup-windowed', cacheMaxBytes })
  const in1 = driver.createInputTopic('one', s, s)
  const in2 = driver.createInputTopic('two', s, s)
  const out = driver.createOutputTopic('out', keySerde, s)
  const rows = () =>
    out.readRecordsToList().map((r) => {
      const k = r.key as Windowed<string>
      return [k.window.start, k.window.end, r.value, r.timestamp]
    })
  return { driver, in1, in2, rows }
}

describe('cogroup', () => {
  it('names nodes and the shared store as Kafka Streams does, repartitioning only the grouped stream that needs it', () => {
    const b = new StreamsBuilder()
    const stream1 = b.stream('one', str)
    const stream2 = b.stream('two', str)
    const one = stream1.map((k, v) => ({ key: v, value: k })).groupByKey()
    const two = stream2.groupByKey()
    one.cogroup(concat).cogroup(two, concat).aggregate(() => '').toStream().to('out', str)
    const text = b.build().describe().toString()
    // Kafka Streams' CogroupedKStreamImplTest topology for the same program (one cogroup).
    expect(text).toContain('Processor: KSTREAM-MAP-0000000002 (stores: [])\n      --> COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-filter')
    expect(text).toContain('Sink: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-sink (topic: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition)')
    expect(text).toContain('Source: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-source (topics: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition])\n      --> COGROUPKSTREAM-AGGREGATE-0000000007')
    expect(text).toContain('Source: KSTREAM-SOURCE-0000000001 (topics: [two])\n      --> COGROUPKSTREAM-AGGREGATE-0000000008')
    expect(text).toContain('Processor: COGROUPKSTREAM-AGGREGATE-0000000007 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003])')
    expect(text).toContain('Processor: COGROUPKSTREAM-AGGREGATE-0000000008 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003])')
    expect(text).toContain('Processor: COGROUPKSTREAM-MERGE-0000000009 (stores: [])\n      --> KTABLE-TOSTREAM-0000000010\n      <-- COGROUPKSTREAM-AGGREGATE-0000000007, COGROUPKSTREAM-AGGREGATE-0000000008')
    expect(text).toContain('Sink: KSTREAM-SINK-0000000011 (topic: out)')
  })

  it('named: <name>-cogroup-agg-<i> and <name>-cogroup-merge; Grouped names the repartition topic', () => {
    const b = new StreamsBuilder()
    const one = b.stream('one', str).selectKey((_k, v) => v).groupByKey({ name: 'rekeyed' })
    const two = b.stream('two', str).groupByKey()
    one.cogroup(concat).cogroup(two, concat).aggregate(() => '', 'store', 'test').toStream().to('out', str)
    const text = b.build().describe().toString()
    expect(text).toContain('Sink: rekeyed-repartition-sink (topic: rekeyed-repartition)')
    expect(text).toContain('Processor: test-cogroup-agg-0 (stores: [store])\n      --> test-cogroup-merge\n      <-- rekeyed-repartition-source')
    expect(text).toContain('Processor: test-cogroup-agg-1 (stores: [store])')
    expect(text).toContain('Processor: test-cogroup-merge (stores: [])')
  })

  it('aggregates two streams into one store, each with its aggregator; null keys and values are skipped', () => {
    const b = new StreamsBuilder()
    const one = b.stream('one', str).groupByKey()
    const two = b.stream('two', str).groupByKey()
    one
      .cogroup<string>((_k, v, agg) => `${agg}+${v}`)
      .cogroup(two, (_k, v, agg) => `${agg}-${v}`)
      .aggregate(() => '0', { name: 'agg', key: s, value: s })
      .toStream()
      .to('out', str)
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'cogroup' })
    const in1 = driver.createInputTopic('one', s, s)
    const in2 = driver.createInputTopic('two', s, s)
    const out = driver.createOutputTopic('out', s, s)
    in1.pipeInput('a', 'x', 10)
    in2.pipeInput('a', 'y', 20)
    in2.pipeInput('b', 'z', 30)
    in1.pipeInput('a', 'w', 40)
    in1.pipeInput(null as unknown as string, 'n', 50)
    in2.pipeInput('a', null as unknown as string, 60)
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', '0+x', 10],
      ['a', '0+x-y', 20],
      ['b', '0-z', 30],
      ['a', '0+x-y+w', 40],
    ])
    const store = driver.getKeyValueStore('agg') as KeyValueStore<string, string>
    expect(store.get('a')).toBe('0+x-y+w')
    expect(store.get('b')).toBe('0-z')
    driver.close()
  })

  it('a repartitioned grouped stream: records reach the aggregate under their new key', () => {
    const b = new StreamsBuilder()
    const one = b.stream('one', str).selectKey((_k, v) => v).groupByKey({ key: s, value: s })
    const two = b.stream('two', str).groupByKey()
    one.cogroup<string>((_k, _v, agg) => `${agg}1`).cogroup(two, (_k, v, agg) => `${agg}${v}`).aggregate(() => '', { name: 'agg', key: s, value: s }).toStream().to('out', str)
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'cogroup-rp' })
    const in1 = driver.createInputTopic('one', s, s)
    const in2 = driver.createInputTopic('two', s, s)
    const out = driver.createOutputTopic('out', s, s)
    in1.pipeInput('ignored', 'k', 1)
    in2.pipeInput('k', '2', 2)
    in1.pipeInput('other', 'k', 3)
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['k', '1', 1],
      ['k', '12', 2],
      ['k', '121', 3],
    ])
    driver.close()
  })

  // Each aggregate processor keeps its own stream time (as in Kafka Streams): after z at 12, for
  // processor one it is 8, so [0,10) is still open for w. The shared store has seen 12 and its
  // retention (size + grace = 10) dropped window 0. With the record cache, the cache still holds
  // it (entries stay after a flush until evicted) and serves the read, as Kafka Streams' caching
  // window store does: the aggregate goes on, and its old value is what the store holds (nothing).
  // Without it the fetch finds nothing and the window restarts from the initializer (Kafka
  // Streams with caching disabled does the same).
  describe.each([
    { cache: 'with the record cache', cacheMaxBytes: undefined, afterExpiry: 'xYw' },
    { cache: 'without the record cache', cacheMaxBytes: 0, afterExpiry: 'w' },
  ])('time windows $cache', ({ cacheMaxBytes, afterExpiry }) => {
    it(`per key and window, emit on update, timestamp the window max; a window the shared store expired goes on as '${afterExpiry}'`, () => {
      const { driver, in1, in2, rows } = windowedCogroup(
        (one, two) =>
          one
            .cogroup<string>(concat)
            .cogroup(two, (_k, v, agg) => agg + v.toUpperCase())
            .windowedBy(TimeWindows.ofSizeAndGrace(10, 0))
            .aggregate(() => '', { name: 'wagg', key: s, value: s }),
        WindowedSerdes.timeWindowedSerdeFrom(s, 10),
        (text) => {
          expect(text).toContain('Processor: COGROUPKSTREAM-AGGREGATE-0000000002 (stores: [wagg])')
          expect(text).toContain('Processor: COGROUPKSTREAM-MERGE-0000000004 (stores: [])')
        },
        cacheMaxBytes,
      )
      in1.pipeInput('a', 'x', 5)
      in2.pipeInput('a', 'y', 3) // same window [0,10): timestamp stays 5 (max)
      in2.pipeInput('a', 'z', 12) // window [10,20)
      in1.pipeInput('a', 'w', 8)
      expect(rows()).toEqual([
        [0, 10, 'x', 5],
        [0, 10, 'xY', 5],
        [10, 20, 'Z', 12],
        [0, 10, afterExpiry, 8],
      ])
      driver.close()
    })
  })

  it('sliding windows: both streams add to the shared windows', () => {
    const { driver, in1, in2, rows } = windowedCogroup(
      (one, two) => one.cogroup<string>(concat).cogroup(two, concat).windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10)).aggregate(() => '', { name: 'sagg', key: s, value: s }),
      WindowedSerdes.timeWindowedSerdeFrom(s, 10),
    )
    in1.pipeInput('a', 'x', 20)
    in2.pipeInput('a', 'y', 25)
    // x: left window [10,20]. y at 25: x's right window [21,31] is created holding y, y's left
    // window [15,25] holds x and y.
    expect(rows()).toEqual([
      [10, 20, 'x', 20],
      [21, 31, 'y', 25],
      [15, 25, 'xy', 25],
    ])
    driver.close()
  })

  it('session windows: records of both streams extend and merge sessions with the merger', () => {
    const { driver, in1, in2, rows } = windowedCogroup(
      (one, two) =>
        one
          .cogroup<string>(concat)
          .cogroup(two, concat)
          .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
          .aggregate(() => '', (_k, a1, a2) => a1 + a2, { name: 'sess', key: s, value: s, retentionMs: 100 }),
      WindowedSerdes.sessionWindowedSerdeFrom(s),
    )
    in1.pipeInput('a', 'x', 0)
    in2.pipeInput('a', 'y', 10)
    in2.pipeInput('a', 'z', 5) // joins [0,0] and [10,10] into [0,10]
    // The merger starts from the initializer: '' + 'x', then + 'y' (store order), then the record.
    expect(rows()).toEqual([
      [0, 0, 'x', 0],
      [10, 10, 'y', 10],
      [0, 0, null, 0],
      [10, 10, null, 10],
      [0, 10, 'xyz', 10],
    ])
    driver.close()
  })

  it('with the record cache, the updates of both aggregates to one key are flushed once', () => {
    const b = new StreamsBuilder()
    const src = b.stream('one', str)
    // Both grouped streams come from one record: one record updates the key twice.
    const one = src.groupByKey()
    const two = src.mapValues((v) => v.toUpperCase()).groupByKey()
    one.cogroup<string>(concat).cogroup(two, concat).aggregate(() => '', { name: 'agg', key: s, value: s }).toStream().to('out', str)
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'cogroup-cache' })
    const in1 = driver.createInputTopic('one', s, s)
    const out = driver.createOutputTopic('out', s, s)
    in1.pipeInput('a', 'x', 1)
    in1.pipeInput('a', 'y', 2)
    // The source's children in the order added: mapValues (then aggregate two) before aggregate one.
    expect(out.readRecordsToList().map((r) => [r.key, r.value])).toEqual([
      ['a', 'Xx'],
      ['a', 'XxYy'],
    ])
    driver.close()
  })

  it('rejects bad arguments with typed errors', () => {
    const b = new StreamsBuilder()
    const one = b.stream('one', str).groupByKey()
    const other = new StreamsBuilder().stream('x', str).groupByKey()
    expect(() => one.cogroup(concat).cogroup(other, concat)).toThrow(InvalidArgumentError)
    expect(() => one.cogroup(null as unknown as typeof concat)).toThrow(InvalidArgumentError)
    expect(() => one.cogroup(concat).aggregate(() => '', undefined, '')).toThrow(InvalidArgumentError)
    expect(() => one.cogroup(concat).windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).aggregate(() => '', { retentionMs: 12 })).toThrow(InvalidArgumentError)
  })
})
