// Sliding windows on the inputs of Kafka Streams' own KStreamSlidingWindowAggregateTest
// (testAggregateLargeInput, testEarlyRecordsLargeInput), with the outputs that test requires of
// Kafka Streams: updates (grace 50) and final results (onWindowClose; Kafka Streams' test sets the
// emit interval to 0, as windowedEmitIntervalMs: 0 does here).
import { describe, expect, it } from 'vitest'
import { EmitStrategy, Serdes, SlidingWindows, StreamsBuilder, TopologyTestDriver, WindowedSerdes } from '../../../src/streams/index.js'

const s = Serdes.string()
type Row = [key: string, start: number, value: string, timestamp: number]

function run(grace: number, emitFinal: boolean, input: Array<[string, string, number]>): Row[] {
  const b = new StreamsBuilder()
  const windowed = b.stream('in', { key: s, value: s }).groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, grace))
  if (emitFinal) windowed.emitStrategy(EmitStrategy.onWindowClose())
  windowed
    .aggregate(
      () => '0',
      (_k, v, agg) => `${agg}+${v}`,
      { value: s },
    )
    .toStream()
    .to('out', { value: s })
  const driver = new TopologyTestDriver(b.build(), { initialWallClockTimeMs: 0, windowedEmitIntervalMs: 0 })
  const topic = driver.createInputTopic('in', s, s)
  const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(s, 10), s)
  for (const [k, v, ts] of input) {
    topic.pipeInput(k, v, ts)
  }
  const rows = out.readRecordsToList().map((r): Row => {
    expect(r.key.window.end).toBe(r.key.window.start + 10)
    return [r.key.key, r.key.window.start, r.value, r.timestamp]
  })
  driver.close()
  // Kafka Streams' test sorts by key, then window start (stable).
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]))
}

const LARGE: Array<[string, string, number]> = [
  ['A', '1', 10], ['A', '2', 20], ['A', '3', 22], ['A', '4', 15],
  ['B', '1', 12], ['B', '2', 13], ['B', '3', 18], ['B', '4', 19], ['B', '5', 25], ['B', '6', 14],
  ['C', '1', 11], ['C', '2', 15], ['C', '3', 16], ['C', '4', 21], ['C', '5', 23],
  ['D', '4', 11], ['D', '2', 12], ['D', '3', 29], ['D', '5', 16],
]

const EARLY: Array<[string, string, number]> = [
  ['E', '1', 0], ['E', '3', 5], ['E', '4', 6], ['E', '2', 3], ['E', '6', 13], ['E', '5', 10], ['E', '7', 4], ['E', '8', 2], ['E', '9', 15],
]

describe('sliding windows: Kafka Streams test cases', () => {
  it('large input, updates', () => {
    expect(run(50, false, LARGE)).toEqual([
      ['A', 0, '0+1', 10], ['A', 5, '0+1+4', 15], ['A', 10, '0+1+2', 20], ['A', 10, '0+1+2+4', 20], ['A', 11, '0+2', 20], ['A', 11, '0+2+4', 20],
      ['A', 12, '0+2+3', 22], ['A', 12, '0+2+3+4', 22], ['A', 16, '0+2+3', 22], ['A', 21, '0+3', 22],
      ['B', 2, '0+1', 12], ['B', 3, '0+1+2', 13], ['B', 4, '0+1+2+6', 14], ['B', 8, '0+1+2+3', 18], ['B', 8, '0+1+2+3+6', 18], ['B', 9, '0+1+2+3+4', 19],
      ['B', 9, '0+1+2+3+4+6', 19], ['B', 13, '0+2', 13], ['B', 13, '0+2+3', 18], ['B', 13, '0+2+3+4', 19], ['B', 13, '0+2+3+4+6', 19],
      ['B', 14, '0+3', 18], ['B', 14, '0+3+4', 19], ['B', 14, '0+3+4+6', 19], ['B', 15, '0+3+4+5', 25], ['B', 19, '0+4', 19], ['B', 19, '0+4+5', 25], ['B', 20, '0+5', 25],
      ['C', 1, '0+1', 11], ['C', 5, '0+1+2', 15], ['C', 6, '0+1+2+3', 16], ['C', 11, '0+1+2+3+4', 21], ['C', 12, '0+2', 15], ['C', 12, '0+2+3', 16],
      ['C', 12, '0+2+3+4', 21], ['C', 13, '0+2+3+4+5', 23], ['C', 16, '0+3', 16], ['C', 16, '0+3+4', 21], ['C', 16, '0+3+4+5', 23], ['C', 17, '0+4', 21],
      ['C', 17, '0+4+5', 23], ['C', 22, '0+5', 23],
      ['D', 1, '0+4', 11], ['D', 2, '0+4+2', 12], ['D', 6, '0+4+2+5', 16], ['D', 12, '0+2', 12], ['D', 12, '0+2+5', 16], ['D', 13, '0+5', 16], ['D', 19, '0+3', 29],
    ])
  })

  it('large input, final results on window close (grace 10)', () => {
    expect(run(10, true, LARGE)).toEqual([
      ['A', 0, '0+1', 10], ['A', 5, '0+1+4', 15], ['B', 2, '0+1', 12], ['B', 3, '0+1+2', 13], ['B', 8, '0+1+2+3+6', 18], ['C', 5, '0+2', 15], ['C', 6, '0+2+3', 16],
    ])
  })

  it('early records (before the time difference), updates', () => {
    expect(run(50, false, EARLY)).toEqual([
      ['E', 0, '0+1', 0], ['E', 0, '0+1+3', 5], ['E', 0, '0+1+3+4', 6], ['E', 0, '0+1+3+4+2', 6], ['E', 0, '0+1+3+4+2+5', 10], ['E', 0, '0+1+3+4+2+5+7', 10],
      ['E', 0, '0+1+3+4+2+5+7+8', 10], ['E', 1, '0+3', 5], ['E', 1, '0+3+4', 6], ['E', 1, '0+3+4+2', 6], ['E', 1, '0+3+4+2+5', 10], ['E', 1, '0+3+4+2+5+7', 10],
      ['E', 1, '0+3+4+2+5+7+8', 10], ['E', 3, '0+3+4+2+6', 13], ['E', 3, '0+3+4+2+6+5', 13], ['E', 3, '0+3+4+2+6+5+7', 13], ['E', 4, '0+3+4', 6],
      ['E', 4, '0+3+4+6', 13], ['E', 4, '0+3+4+6+5', 13], ['E', 4, '0+3+4+6+5+7', 13], ['E', 5, '0+3+4+6+5', 13], ['E', 5, '0+3+4+6+5+9', 15], ['E', 6, '0+4', 6],
      ['E', 6, '0+4+6', 13], ['E', 6, '0+4+6+5', 13], ['E', 6, '0+4+6+5+9', 15], ['E', 7, '0+6', 13], ['E', 7, '0+6+5', 13], ['E', 7, '0+6+5+9', 15],
      ['E', 11, '0+6', 13], ['E', 11, '0+6+9', 15], ['E', 14, '0+9', 15],
    ])
  })

  it('early records, final results on window close (grace 1)', () => {
    expect(run(1, true, EARLY)).toEqual([
      ['E', 0, '0+1+3+4+2', 6], ['E', 1, '0+3+4+2', 6], ['E', 3, '0+3+4+2+6+5+7', 13],
    ])
  })
})
