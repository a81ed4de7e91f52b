import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'
import { SessionWindows } from '../../../src/streams/dsl/windows.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'

const s = Serdes.string()

function sessions(windows: SessionWindows, cacheMaxBytes?: number) {
  const b = new StreamsBuilder()
  b.stream('in', { key: s, value: s })
    .groupByKey()
    .windowedBy(windows)
    .aggregate(
      () => '',
      (_k, v, agg) => agg + v,
      (_k, agg1, agg2) => `${agg1}|${agg2}`,
      { value: s },
    )
    .toStream()
    .to('out', { value: s })
  const driver = new TopologyTestDriver(b.build(), { applicationId: 'sessions', cacheMaxBytes })
  const input = driver.createInputTopic('in', s, s)
  const output = driver.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(s), s)
  const read = (): Array<[string, number, number, string | null, number]> =>
    output.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp])
  return { driver, input, read }
}

// Kafka Streams' KStreamSessionWindowAggregate: sessions within the gap of the record are merged
// (merger(initial, session1), then with session2, ... in store order), removed (forwarding a
// tombstone stamped with the removed session's end), and the merged session is forwarded stamped
// with its end. Close time = stream time - grace - gap.
describe('session-window aggregation', () => {
  it('new sessions, an out-of-order record bridging two sessions, extension, late records dropped', () => {
    const { driver, input, read } = sessions(SessionWindows.ofInactivityGapAndGrace(5, 10))
    input.pipeInput('a', 'A', 0)
    input.pipeInput('a', 'B', 20)
    input.pipeInput('a', 'C', 10) // 10 is more than 5 from 0 and from 20: a third session
    input.pipeInput('b', 'X', 12)
    expect(read()).toEqual([
      ['a', 0, 0, 'A', 0],
      ['a', 20, 20, 'B', 20],
      ['a', 10, 10, 'C', 10],
      ['b', 12, 12, 'X', 12],
    ])

    // D@15 is within 5 of [10,10] and [20,20]: both merge into [10,20].
    input.pipeInput('a', 'D', 15)
    expect(read()).toEqual([
      ['a', 10, 10, null, 10],
      ['a', 20, 20, null, 20],
      ['a', 10, 20, '|C|BD', 20],
    ])

    // Stream time 20, close time 20 - 10 - 5 = 5: E@2 would make [0,2], which ends before 5.
    input.pipeInput('a', 'E', 2)
    expect(read()).toEqual([])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(1)

    // F@24 extends [10,20] to [10,24] (close time 9).
    input.pipeInput('a', 'F', 24)
    expect(read()).toEqual([
      ['a', 10, 20, null, 20],
      ['a', 10, 24, '||C|BDF', 24],
    ])
    // G@4 would merge with [0,0] into [0,4], which ends before the close time 9: dropped.
    input.pipeInput('a', 'G', 4)
    // H@9 on a new key: session [9,9], end 9 = close time: kept.
    input.pipeInput('c', 'H', 9)
    expect(read()).toEqual([['c', 9, 9, 'H', 9]])
    input.pipeInput(null as unknown as string, 'N', 30)
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(3)
    driver.close()
  })

  it('count merges with addition; reduce merges with the reducer', () => {
    const b = new StreamsBuilder()
    const grouped = b.stream('in', { key: s, value: s }).groupByKey()
    grouped
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 100))
      .count()
      .toStream()
      .to('counts', { value: Serdes.int64() })
    grouped
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 100))
      .reduce((agg, v) => `${agg}+${v}`, { value: s })
      .toStream()
      .to('reduced', { value: s })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', s, s)
    const counts = driver.createOutputTopic('counts', WindowedSerdes.sessionWindowedSerdeFrom(s), Serdes.int64())
    const reduced = driver.createOutputTopic('reduced', WindowedSerdes.sessionWindowedSerdeFrom(s), s)
    input.pipeInput('k', 'x', 100)
    input.pipeInput('k', 'y', 125)
    input.pipeInput('k', 'z', 112) // [100,100] ends before 102, [125,125] starts after 122: a new session
    input.pipeInput('k', 'w', 118) // [112,112] end >= 108, [125,125] start <= 128: merges both into [112,125]
    expect(counts.readRecordsToList().map((r) => [r.key.window.start, r.key.window.end, r.value, r.timestamp])).toEqual([
      [100, 100, 1, 100],
      [125, 125, 1, 125],
      [112, 112, 1, 112],
      [112, 112, null, 112],
      [125, 125, null, 125],
      [112, 125, 3, 125],
    ])
    // reduce: merger(null, z) = z, merger(z, y) = z+y, then + w
    // Without grace, z@112 would be dropped: stream time 125 - gap 10 = close time 115 > 112.
    expect(reduced.readRecordsToList().map((r) => [r.key.window.start, r.key.window.end, r.value])).toEqual([
      [100, 100, 'x'],
      [125, 125, 'y'],
      [112, 112, 'z'],
      [112, 112, null],
      [125, 125, null],
      [112, 125, 'z+y+w'],
    ])
    driver.close()
  })

  it('session updates carry no headers without the record cache (Kafka Streams forwards them as new records)', () => {
    const { driver, input } = sessions(SessionWindows.ofInactivityGapWithNoGrace(5), 0)
    const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(s), s)
    input.pipeInput('a', 'A', 0, [['h', Buffer.from('x')]])
    input.pipeInput('a', 'B', 2, [['h', Buffer.from('y')]])
    expect(out.readRecordsToList().map((r) => [r.key.window.end, r.value, r.headers])).toEqual([
      [0, 'A', []],
      [0, null, []],
      [2, '|AB', []],
    ])
    driver.close()
  })

  it('cached session updates carry the headers of the record that wrote them (Kafka Streams\' cache keeps the record context)', () => {
    const { driver, input } = sessions(SessionWindows.ofInactivityGapWithNoGrace(5))
    const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(s), s)
    input.pipeInput('a', 'A', 0, [['h', Buffer.from('x')]])
    input.pipeInput('a', 'B', 2, [['h', Buffer.from('y')]])
    expect(out.readRecordsToList().map((r) => [r.key.window.end, r.value, r.headers.map(([k, v]) => `${k}=${String(v)}`)])).toEqual([
      [0, 'A', ['h=x']],
      [0, null, ['h=y']],
      [2, '|AB', ['h=y']],
    ])
    driver.close()
  })
})
