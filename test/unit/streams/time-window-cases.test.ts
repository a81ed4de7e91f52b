// Hopping windows on the inputs of Kafka Streams' own KStreamWindowAggregateTest (testAggBasic,
// shouldLogAndMeterWhenSkippingExpiredWindow), with the outputs that test requires of Kafka Streams.
// Kafka Streams' test sets the onWindowClose emit interval to 0, as windowedEmitIntervalMs: 0 does here.
import { describe, expect, it } from 'vitest'
import { EmitStrategy, Materialized, Serdes, StreamsBuilder, TimeWindows, TopologyTestDriver, WindowedSerdes } from '../../../src/streams/index.js'

const s = Serdes.string()
type Row = [key: string, start: number, end: number, value: string, timestamp: number]

function run(windows: TimeWindows, init: string, emitFinal: boolean, input: Array<[string, string, number]>, retentionMs?: number) {
  const b = new StreamsBuilder()
  const windowed = b.stream('in', { key: s, value: s }).groupByKey().windowedBy(windows)
  if (emitFinal) windowed.emitStrategy(EmitStrategy.onWindowClose())
  const m = Materialized.as<string, string>('store').withValueSerde(s)
  if (retentionMs !== undefined) m.withRetention(retentionMs)
  windowed
    .aggregate(() => init, (_k, v, agg) => `${agg}+${v}`, m)
    .toStream()
    .to('out', { value: s })
  const driver = new TopologyTestDriver(b.build(), { initialWallClockTimeMs: 0, windowedEmitIntervalMs: 0 })
  const topic = driver.createInputTopic('in', s, s)
  const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(s, windows.sizeMs), s)
  for (const [k, v, ts] of input) {
    topic.pipeInput(k, v, ts)
  }
  const rows = out.readRecordsToList().map((r): Row => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp])
  const dropped = driver.metrics().get('0_0')?.droppedRecords
  driver.close()
  return { rows, dropped }
}

describe('hopping windows: Kafka Streams test cases', () => {
  const basic: Array<[string, string, number]> = [
    ['A', '1', 0], ['B', '2', 1], ['C', '3', 2], ['D', '4', 3], ['A', '1', 4],
    ['A', '1', 5], ['B', '2', 6], ['D', '4', 7], ['B', '2', 8], ['C', '3', 9],
    ['A', '1', 10], ['B', '2', 11], ['D', '4', 12], ['B', '2', 13], ['C', '3', 14],
    ['B', '1', 3], ['B', '2', 2], ['B', '3', 9],
  ]

  it('basic aggregation, updates (in processing order)', () => {
    const { rows } = run(TimeWindows.ofSizeAndGrace(10, 100).advanceBy(5), '0', false, basic)
    expect(rows).toEqual([
      ['A', 0, 10, '0+1', 0], ['B', 0, 10, '0+2', 1], ['C', 0, 10, '0+3', 2], ['D', 0, 10, '0+4', 3], ['A', 0, 10, '0+1+1', 4],
      ['A', 0, 10, '0+1+1+1', 5], ['A', 5, 15, '0+1', 5], ['B', 0, 10, '0+2+2', 6], ['B', 5, 15, '0+2', 6], ['D', 0, 10, '0+4+4', 7],
      ['D', 5, 15, '0+4', 7], ['B', 0, 10, '0+2+2+2', 8], ['B', 5, 15, '0+2+2', 8], ['C', 0, 10, '0+3+3', 9], ['C', 5, 15, '0+3', 9],
      ['A', 5, 15, '0+1+1', 10], ['A', 10, 20, '0+1', 10], ['B', 5, 15, '0+2+2+2', 11], ['B', 10, 20, '0+2', 11], ['D', 5, 15, '0+4+4', 12],
      ['D', 10, 20, '0+4', 12], ['B', 5, 15, '0+2+2+2+2', 13], ['B', 10, 20, '0+2+2', 13], ['C', 5, 15, '0+3+3', 14], ['C', 10, 20, '0+3', 14],
      ['B', 0, 10, '0+2+2+2+1', 8], ['B', 0, 10, '0+2+2+2+1+2', 8], ['B', 0, 10, '0+2+2+2+1+2+3', 9], ['B', 5, 15, '0+2+2+2+2+3', 13],
    ])
  })

  it('basic aggregation, on window close: nothing closes within grace 100', () => {
    expect(run(TimeWindows.ofSizeAndGrace(10, 100).advanceBy(5), '0', true, basic).rows).toEqual([])
  })

  const late: Array<[string, string, number]> = [
    ['k', '100', 100], ['k', '0', 0], ['k', '1', 1], ['k', '2', 2], ['k', '3', 3], ['k', '4', 4], ['k', '5', 5], ['k', '6', 6], ['k', '105', 105], ['k', '106', 106],
  ]

  it('expired windows: records only for closed windows are dropped (7), updates', () => {
    const { rows, dropped } = run(TimeWindows.ofSizeAndGrace(10, 90).advanceBy(5), '', false, late, 100)
    expect(rows).toEqual([
      ['k', 95, 105, '+100', 100], ['k', 100, 110, '+100', 100], ['k', 5, 15, '+5', 5], ['k', 5, 15, '+5+6', 6],
      ['k', 100, 110, '+100+105', 105], ['k', 105, 115, '+105', 105], ['k', 100, 110, '+100+105+106', 106], ['k', 105, 115, '+105+106', 106],
    ])
    expect(dropped).toBe(7)
  })

  it('expired windows, on window close: close time 15 at 105 emits [5,15) once', () => {
    const { rows, dropped } = run(TimeWindows.ofSizeAndGrace(10, 90).advanceBy(5), '', true, late, 100)
    expect(rows).toEqual([['k', 5, 15, '+5+6', 6]])
    expect(dropped).toBe(7)
  })
})
