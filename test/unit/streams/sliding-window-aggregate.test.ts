import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'
import { SlidingWindows } from '../../../src/streams/dsl/windows.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'
import type { Windowed } from '../../../src/streams/windowed.js'

const s = Serdes.string()

function concat(windows: SlidingWindows) {
  const b = new StreamsBuilder()
  b.stream('in', { key: s, value: s })
    .groupByKey()
    .windowedBy(windows)
    .aggregate(
      () => '',
      (_k, v, agg) => agg + v,
      { value: s },
    )
    .toStream()
    .to('out', { value: s })
  const driver = new TopologyTestDriver(b.build(), { applicationId: 'sliding' })
  const input = driver.createInputTopic('in', s, s)
  const output = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(s, windows.timeDifferenceMs), s)
  const read = (): Array<[string, number, number, string, number]> =>
    output.readRecordsToList().map((r) => {
      const k = r.key as Windowed<string>
      return [k.key, k.window.start, k.window.end, r.value, r.timestamp]
    })
  return { driver, input, read }
}

// Expected outputs follow Kafka Streams' KStreamSlidingWindowAggregate (reverse-iterator path)
// step by step: left window [t-d, t], right window [t+1, t+1+d], the previous record's right window.
describe('sliding-window aggregation', () => {
  it('creates left windows, the previous record right windows, updates overlapping windows; same-time and out-of-order records', () => {
    const { driver, input, read } = concat(SlidingWindows.ofTimeDifferenceAndGrace(10, 100))
    input.pipeInput('k', 'A', 10)
    expect(read()).toEqual([['k', 0, 10, 'A', 10]])

    // B@15: A's right window [11,21] is created (holds B), B's left window [5,15] holds A and B.
    input.pipeInput('k', 'B', 15)
    expect(read()).toEqual([
      ['k', 11, 21, 'B', 15],
      ['k', 5, 15, 'AB', 15],
    ])

    // C@12, out of order: updates [11,21] and [5,15] (latest start first), creates its left window
    // [2,12] from A's aggregate and its right window [13,23] from the aggregate of the later records.
    input.pipeInput('k', 'C', 12)
    expect(read()).toEqual([
      ['k', 11, 21, 'BC', 15],
      ['k', 5, 15, 'ABC', 15],
      ['k', 2, 12, 'AC', 12],
      ['k', 13, 23, 'B', 15],
    ])

    // D@12, same time as C: both of its windows exist; only windows containing 12 change.
    input.pipeInput('k', 'D', 12)
    expect(read()).toEqual([
      ['k', 11, 21, 'BCD', 15],
      ['k', 5, 15, 'ABCD', 15],
      ['k', 2, 12, 'ACD', 12],
    ])

    // E@1: earlier than the time difference: goes into the window [0, 10] that holds early records.
    input.pipeInput('k', 'E', 1)
    expect(read()).toEqual([['k', 0, 10, 'AE', 10]])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(0)
    driver.close()
  })

  it('drops records whose windows closed (end < stream time - grace), as Kafka Streams counts them', () => {
    const { driver, input, read } = concat(SlidingWindows.ofTimeDifferenceWithNoGrace(10))
    input.pipeInput('k', 'x', 30)
    expect(read()).toEqual([['k', 20, 30, 'x', 30]])
    // y@15: its right window would end at 25 < 30: dropped.
    input.pipeInput('k', 'y', 15)
    expect(read()).toEqual([])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(1)
    // z@20: joins x's left window [20,30] and gets a right window [21,31]; its own left window
    // [10,20] has closed, which Kafka Streams counts as a dropped record too.
    input.pipeInput('k', 'z', 20)
    expect(read()).toEqual([
      ['k', 20, 30, 'xz', 30],
      ['k', 21, 31, 'x', 30],
    ])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(2)
    // null values are dropped by sliding windows
    input.pipeInput('k', null as unknown as string, 31)
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(3)
    driver.close()
  })

  it('count: windows hold the records within the time difference of each other', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .groupByKey()
      .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(5, 50))
      .count()
      .toStream()
      .to('out', { value: Serdes.int64() })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', s, s)
    const output = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(s, 5), Serdes.int64())
    input.pipeInput('a', '1', 10)
    input.pipeInput('a', '2', 20) // too far from 10: no right window for 10 (its window [11,16] would be empty)
    input.pipeInput('b', '3', 20)
    input.pipeInput('a', '4', 13) // [8,13] with 10; right window [14,19] empty -> not created; 10's right window [11,16] created
    expect(output.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.value, r.timestamp])).toEqual([
      ['a', 5, 1, 10],
      ['a', 15, 1, 20],
      ['b', 15, 1, 20],
      ['a', 11, 1, 13],
      ['a', 8, 2, 13],
    ])
    driver.close()
  })
})
