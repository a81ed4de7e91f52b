// Session windows on the inputs of Kafka Streams' own KStreamSessionWindowAggregateProcessorTest
// (shouldHandleMultipleSessionsAndMerging on window close, shouldLogAndMeterWhenSkippingLateRecordWithNonzeroGrace),
// with the outputs and drop counts that test requires of Kafka Streams. Emit interval 0, as in Kafka Streams' test.
import { describe, expect, it } from 'vitest'
import { EmitStrategy, Serdes, SessionWindows, StreamsBuilder, TopologyTestDriver, WindowedSerdes } from '../../../src/streams/index.js'

const s = Serdes.string()
const GAP = 5 * 60 * 1000

function run(windows: SessionWindows, emitFinal: boolean, retentionMs: number | undefined, input: Array<[string, number]>) {
  const b = new StreamsBuilder()
  const windowed = b.stream('in', { key: s, value: s }).groupByKey().windowedBy(windows)
  if (emitFinal) windowed.emitStrategy(EmitStrategy.onWindowClose())
  windowed.count({ retentionMs }).toStream().to('out', { value: Serdes.int64() })
  const driver = new TopologyTestDriver(b.build(), { initialWallClockTimeMs: 0, windowedEmitIntervalMs: 0 })
  const topic = driver.createInputTopic('in', s, s)
  const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowedSerdeFrom(s), Serdes.int64())
  for (const [k, ts] of input) {
    topic.pipeInput(k, 'v', ts)
  }
  const rows = out.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp])
  const dropped = driver.metrics().get('0_0')?.droppedRecords
  driver.close()
  return { rows, dropped }
}

describe('session windows: Kafka Streams test cases', () => {
  it('multiple sessions and merging, on window close: closed sessions by end time, then key', () => {
    const input: Array<[string, number]> = [
      ['a', 0], ['b', 0], ['c', 0], ['d', 0], ['d', GAP / 2], ['a', GAP + 1], ['b', GAP + 1], ['a', GAP + 1 + GAP / 2], ['c', GAP + 1 + GAP / 2],
    ]
    expect(run(SessionWindows.ofInactivityGapWithNoGrace(GAP), true, 3 * GAP, input).rows).toEqual([
      ['a', 0, 0, 1, 0],
      ['b', 0, 0, 1, 0],
      ['c', 0, 0, 1, 0],
      ['d', 0, GAP / 2, 2, GAP / 2],
    ])
  })

  it('late records with grace: kept at the edge, dropped one past it', () => {
    const input: Array<[string, number]> = [
      ['dummy', 0], ['OnTime1', 0], ['dummy', 11], ['OnTime2', 0], ['dummy', 12], ['Late1', 0],
    ]
    const { rows, dropped } = run(SessionWindows.ofInactivityGapAndGrace(10, 1), false, undefined, input)
    expect(dropped).toBe(1)
    expect(rows.filter((r) => r[0] !== 'dummy')).toEqual([
      ['OnTime1', 0, 0, 1, 0],
      ['OnTime2', 0, 0, 1, 0],
    ])
  })
})
