import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { Materialized, Serdes, Stores, StreamsBuilder, TopologyError, TopologyTestDriver, type KGroupedStream, type SessionWindowedKStream, type TimeWindowedKStream } from '../../../src/streams/index.js'
import { EmitStrategy, SessionWindows, SlidingWindows, TimeWindows, UnlimitedWindows } from '../../../src/streams/dsl/windows.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'

const s = Serdes.string()

type Grouped = KGroupedStream<string, string>

/** A count of `windowed(groupByKey())` emitting on close to 'out', read as [key, start, end, count, timestamp]. */
function closeEmittingCount(windowed: (g: Grouped) => TimeWindowedKStream<string, string> | SessionWindowedKStream<string, string>, keys: ReturnType<typeof WindowedSerdes.timeWindowedSerdeFrom<string>>) {
  const b = new StreamsBuilder()
  windowed(b.stream('in', { key: s, value: s }).groupByKey())
    .emitStrategy(EmitStrategy.onWindowClose())
    .count({ retentionMs: 100 })
    .toStream()
    .to('out', { value: Serdes.int64() })
  // KafkaStreams' emit interval (the driver's default is 0, as in Kafka Streams' driver): these tests check the throttle.
  const driver = new TopologyTestDriver(b.build(), { initialWallClockTimeMs: 0, windowedEmitIntervalMs: 1000 })
  const input = driver.createInputTopic('in', s, s)
  const out = driver.createOutputTopic('out', keys, Serdes.int64())
  const read = () => out.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp])
  return { driver, input, read }
}

// Retention is raised in these tests: with the default (size + grace) a window can expire from
// the store before the (wall-clock throttled) emit finds it, in Kafka Streams too.
describe('EmitStrategy.onWindowClose', () => {
  it('time windows: each window forwarded once after it closed, checked at most once per wall-clock second', () => {
    const { driver, input, read } = closeEmittingCount((g) => g.windowedBy(TimeWindows.ofSizeAndGrace(10, 5)), WindowedSerdes.timeWindowedSerdeFrom(s, 10))
    input.pipeInput('a', '', 1) // emit check at wall clock 0: nothing closed (close time 1 - 5)
    input.pipeInput('a', '', 8)
    input.pipeInput('b', '', 9)
    expect(read()).toEqual([])
    driver.advanceWallClockTime(1000)
    input.pipeInput('a', '', 16) // close time 11: [0,10) closed for a and b
    expect(read()).toEqual([
      ['a', 0, 10, 2, 8],
      ['b', 0, 10, 1, 9],
    ])
    driver.advanceWallClockTime(1000)
    input.pipeInput('b', '', 14) // close time still 11: nothing new
    input.pipeInput('a', '', 3) // [0,10) closed: dropped, not re-emitted
    expect(read()).toEqual([])
    input.pipeInput('a', '', 31) // wall clock not advanced: no check
    expect(read()).toEqual([])
    driver.advanceWallClockTime(1000)
    input.pipeInput('c', '', 32) // close time 27: [10,20) closed
    expect(read()).toEqual([
      ['a', 10, 20, 1, 16],
      ['b', 10, 20, 1, 14],
    ])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(1)
    driver.close()
  })

  it('session windows: closed sessions forwarded once, stamped with their end', () => {
    const { driver, input, read } = closeEmittingCount((g) => g.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5)), WindowedSerdes.sessionWindowedSerdeFrom(s))
    input.pipeInput('a', '', 0)
    input.pipeInput('a', '', 3) // merges into [0,3]: nothing forwarded
    expect(read()).toEqual([])
    driver.advanceWallClockTime(1000)
    input.pipeInput('b', '', 20) // close time 15: sessions ending before 15
    expect(read()).toEqual([['a', 0, 3, 2, 3]])
    driver.advanceWallClockTime(1000)
    input.pipeInput('a', '', 30) // close time 25
    expect(read()).toEqual([['b', 20, 20, 1, 20]])
    driver.close()
  })

  it('session windows: closed sessions in Kafka Streams\' time-first order (end, then start, then key)', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
      .emitStrategy(EmitStrategy.onWindowClose())
      .count()
      .toStream()
      .to('out', { value: Serdes.int64() })
    const driver = new TopologyTestDriver(b.build(), { windowedEmitIntervalMs: 0 })
    const input = driver.createInputTopic('in', s, s)
    const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(s), Serdes.int64())
    input.pipeInput('b', '', 12)
    input.pipeInput('b', '', 20)
    input.pipeInput('a', '', 20)
    input.pipeInput('c', '', 40) // close time 30
    expect(out.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value])).toEqual([
      ['b', 12, 20, 2],
      ['a', 20, 20, 1],
    ])
    driver.close()
  })

  it('session windows: a session at the edge of the retention is not merged (Kafka Streams\' time-ordered store no longer returns it)', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(30, 10)) // retention 40
      .emitStrategy(EmitStrategy.onWindowClose())
      .count()
      .toStream()
      .to('out', { value: Serdes.int64() })
    const driver = new TopologyTestDriver(b.build(), { windowedEmitIntervalMs: 0 })
    const input = driver.createInputTopic('in', s, s)
    const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(s), Serdes.int64())
    input.pipeInput('e', '', 10588)
    input.pipeInput('b', '', 10635) // store stream time 10635: e's session (end 10588 < 10635 - 40 + 1) is out of reach
    input.pipeInput('e', '', 10595) // a new session, not [10588,10595]
    input.pipeInput('c', '', 10700)
    // Kafka Streams 4.3.1 (TopologyTestDriver, default stores) emits exactly these.
    expect(out.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp])).toEqual([
      ['e', 10588, 10588, 1, 10588],
      ['e', 10595, 10595, 1, 10595],
      ['b', 10635, 10635, 1, 10635],
    ])
    driver.close()
  })

  it('sliding windows: windows ending before stream time - grace; early records do not trigger it (as in Kafka Streams)', () => {
    const { driver, input, read } = closeEmittingCount((g) => g.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10)), WindowedSerdes.timeWindowedSerdeFrom(s, 10))
    input.pipeInput('k', '', 5)
    input.pipeInput('k', '', 20) // close time 20: [0,10] closed
    expect(read()).toEqual([['k', 0, 10, 1, 5]])
    driver.advanceWallClockTime(1000)
    input.pipeInput('k', '', 40)
    expect(read()).toEqual([['k', 10, 20, 1, 20]])
    driver.close()
  })

  it('with the default retention, as Kafka Streams\' time-ordered stores: the window at stream time - retention is still emitted', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .emitStrategy(EmitStrategy.onWindowClose())
      .count() // retention 10: the store's stream time 10 leaves [0,10) at its edge
      .toStream()
      .to('out', { value: Serdes.int64() })
    b.stream('in2', { key: s, value: s })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
      .emitStrategy(EmitStrategy.onWindowClose())
      .count() // retention 5: [0,3] is past it at stream time 20, but its time segment is live
      .toStream()
      .to('out2', { value: Serdes.int64() })
    const driver = new TopologyTestDriver(b.build(), { initialWallClockTimeMs: 0 })
    const input = driver.createInputTopic('in', s, s)
    const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(s, 10), Serdes.int64())
    input.pipeInput('a', '', 1)
    input.pipeInput('a', '', 5)
    driver.advanceWallClockTime(1000)
    input.pipeInput('b', '', 10)
    expect(out.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.value, r.timestamp])).toEqual([['a', 0, 2, 5]])
    const input2 = driver.createInputTopic('in2', s, s)
    const out2 = driver.createOutputTopic('out2', WindowedSerdes.sessionWindowedSerdeFrom(s), Serdes.int64())
    input2.pipeInput('a', '', 0)
    input2.pipeInput('a', '', 3)
    driver.advanceWallClockTime(1000)
    input2.pipeInput('b', '', 20)
    expect(out2.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value])).toEqual([['a', 0, 3, 2]])
    driver.close()
  })

  it('is rejected for UnlimitedWindows', () => {
    const grouped = new StreamsBuilder().stream('in', { key: s, value: s }).groupByKey()
    expect(() => grouped.windowedBy(UnlimitedWindows.of()).emitStrategy(EmitStrategy.onWindowClose())).toThrow(
      new InvalidArgumentError('ON_WINDOW_CLOSE emit strategy cannot be used for UnlimitedWindows'),
    )
  })
})

describe('windowed aggregation stores', () => {
  it('changelog <app>-<store>-changelog: windowed keys, aggregate values, the aggregate timestamp', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(10, 20))
      .count(Materialized.as('counts'))
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'app' })
    const input = driver.createInputTopic('in', s, s)
    input.pipeInput('a', '', 3)
    input.pipeInput('a', '', 7)
    input.pipeInput('a', '', 5) // out of order: the aggregate keeps timestamp 7
    input.pipeInput('b', '', 12)
    const w = (key: string, start: number) => ({ key, window: { start, end: start + 10 } })
    expect(driver.producedChangelog('counts')).toEqual([
      { topic: 'app-counts-changelog', partition: 0, key: w('a', 0), value: 1, timestamp: 3 },
      { topic: 'app-counts-changelog', partition: 0, key: w('a', 0), value: 2, timestamp: 7 },
      { topic: 'app-counts-changelog', partition: 0, key: w('a', 0), value: 3, timestamp: 7 },
      { topic: 'app-counts-changelog', partition: 0, key: w('b', 10), value: 1, timestamp: 12 },
    ])
    const store = driver.getTimestampedWindowStore<string, number>('counts')
    expect(store.fetch('a', 0)).toEqual({ value: 3, timestamp: 7 })
    driver.close()
  })

  it('session store changelog: removed sessions are deleted', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
      .count({ name: 'sessions' })
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'app' })
    const input = driver.createInputTopic('in', s, s)
    input.pipeInput('a', '', 10)
    input.pipeInput('a', '', 12)
    expect(driver.producedChangelog('sessions').map((r) => [r.key, r.value])).toEqual([
      [{ key: 'a', window: { start: 10, end: 10 } }, 1],
      [{ key: 'a', window: { start: 10, end: 10 } }, null],
      [{ key: 'a', window: { start: 10, end: 12 } }, 2],
    ])
    expect(driver.getSessionStore<string, number>('sessions').fetchSession('a', 10, 12)).toBe(2)
    driver.close()
  })

  it('Materialized.as(a window or session store supplier); a supplier of the wrong kind is a TopologyError', () => {
    const b = new StreamsBuilder()
    const grouped = b.stream('in', { key: s, value: s }).groupByKey()
    grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count(Materialized.as(Stores.inMemoryWindowStore('mine', 50, 10, false)))
    grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10)).count(Materialized.as(Stores.inMemorySessionStore('sess', 50)))
    const driver = new TopologyTestDriver(b.build())
    driver.createInputTopic('in', s, s).pipeInput('a', 'x', 5)
    expect(driver.getTimestampedWindowStore<string, number>('mine').fetch('a', 0)).toEqual({ value: 1, timestamp: 5 })
    expect(driver.getSessionStore<string, number>('sess').fetchSession('a', 5, 5)).toBe(1)
    driver.close()
    const g = () => new StreamsBuilder().stream('in', { key: s, value: s }).groupByKey()
    expect(() => g().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count(Materialized.as(Stores.inMemoryKeyValueStore('kv')))).toThrow(TopologyError)
    expect(() => g().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10)).count(Materialized.as(Stores.inMemoryWindowStore('w', 50, 10, false)))).toThrow(TopologyError)
    expect(() => g().count(Materialized.as(Stores.inMemoryWindowStore('w', 50, 10, false)))).toThrow(TopologyError)
  })

  it('rejects a retention smaller than Kafka Streams allows, with its messages', () => {
    const grouped = () => new StreamsBuilder().stream('in', { key: s, value: s }).groupByKey()
    expect(() => grouped().windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count(Materialized.as<string, number>('w').withRetention(14))).toThrow(
      new InvalidArgumentError('The retention period of the window store w must be no smaller than its window size plus the grace period. Got size=[10], grace=[5], retention=[14]'),
    )
    expect(() => grouped().windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count(Materialized.as<string, number>('w').withRetention(15))).not.toThrow()
    expect(() => grouped().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5)).count({ name: 's', retentionMs: 24 })).toThrow(
      'The retention period of the window store s must be no smaller than 2 * time difference plus the grace period. Got time difference=[10], grace=[5], retention=[24]',
    )
    expect(() => grouped().windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 5)).count({ name: 'x', retentionMs: 14 })).toThrow(
      'The retention period of the session store x must be no smaller than the session inactivity gap plus the grace period. Got gap=[10], grace=[5], retention=[14]',
    )
    expect(() => Materialized.as('m').withRetention(-1)).toThrow(InvalidArgumentError)
    expect(() => grouped().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count({ name: 'x', retentionMs: 1.5 })).toThrow(InvalidArgumentError)
  })

  it('generated names follow Kafka Streams (windowed count(materialized) burns a store index)', () => {
    const b = new StreamsBuilder()
    const grouped = b.stream('in', { key: s, value: s }).groupByKey()
    const t1 = grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count()
    const t2 = grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count(Materialized.with(s, Serdes.int64()))
    const t3 = grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10)).reduce((a, v) => a + v)
    // Processor and store names as in Kafka Streams 4.3.1's describe() of the same three windowed
    // aggregations, printed once by a Java StreamsBuilder program (the whole text was equal; Java's
    // queryableStoreName() itself is null for t1 and t2, which are not Materialized.as a name).
    expect([t1.queryableStoreName, t1.name]).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000001', 'KSTREAM-AGGREGATE-0000000002'])
    expect([t2.queryableStoreName, t2.name]).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000004', 'KSTREAM-AGGREGATE-0000000005'])
    expect([t3.queryableStoreName, t3.name]).toEqual(['KSTREAM-REDUCE-STATE-STORE-0000000006', 'KSTREAM-REDUCE-0000000007'])
    expect(t1.windowedAggregation).toEqual({ windowedKeys: true, kind: 'time', graceMs: 0, processorName: 'KSTREAM-AGGREGATE-0000000002' })
    expect(t3.windowedAggregation?.graceMs).toBe(10)
    expect(t3.filter(() => true).mapValues((v) => v).windowedAggregation?.kind).toBe('session')
  })

  it('sliding count(materialized) burns no index; grouped count(materialized) does (Kafka Streams)', () => {
    const b1 = new StreamsBuilder()
    // Names as in Kafka Streams 4.3.1's describe() of the same three topologies (a Java StreamsBuilder program).
    const sliding = b1.stream('in', { key: s, value: s }).groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10)).count(Materialized.with(s, Serdes.int64()))
    expect([sliding.queryableStoreName, sliding.name]).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000001', 'KSTREAM-AGGREGATE-0000000002'])
    const b2 = new StreamsBuilder()
    const plain = b2.stream('in', { key: s, value: s }).groupByKey().count(Materialized.with(s, Serdes.int64()))
    expect([plain.queryableStoreName, plain.name]).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000002', 'KSTREAM-AGGREGATE-0000000003'])
    const b3 = new StreamsBuilder()
    expect(b3.stream('in', { key: s, value: s }).groupByKey().count().name).toBe('KSTREAM-AGGREGATE-0000000002')
  })
})
