import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'
import { TimeWindows, UnlimitedWindows, EmitStrategy } from '../../../src/streams/dsl/windows.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'
import type { Windowed } from '../../../src/streams/windowed.js'

const s = Serdes.string()

interface Out<V> {
  key: string
  start: number
  end: number
  value: V
  ts: number
}

function setup<V>(build: (b: StreamsBuilder) => void, outSerde: () => ReturnType<typeof Serdes.int64> | ReturnType<typeof Serdes.string>, windowSize: number) {
  const b = new StreamsBuilder()
  build(b)
  const driver = new TopologyTestDriver(b.build(), { applicationId: 'win' })
  const input = driver.createInputTopic('in', s, s)
  const output = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(s, windowSize), outSerde() as unknown as ReturnType<typeof Serdes.string>)
  const read = (): Array<Out<V>> =>
    output.readRecordsToList().map((r) => {
      const k = r.key as Windowed<string>
      return { key: k.key, start: k.window.start, end: k.window.end, value: r.value as unknown as V, ts: r.timestamp }
    })
  return { driver, input, read }
}

describe('time-windowed aggregations', () => {
  it('tumbling count: one window per record, output stamped with the window max timestamp, late records dropped', () => {
    const { driver, input, read } = setup<number>(
      (b) =>
        b.stream('in', { key: s, value: s })
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
          .count()
          .toStream()
          .to('out', { value: Serdes.int64() }),
      () => Serdes.int64(),
      10,
    )
    input.pipeInput('a', 'x', 3)
    input.pipeInput('a', 'x', 12)
    input.pipeInput('b', 'x', 11)
    input.pipeInput('a', 'x', 7) // window [0,10): end 10 > stream time 12 - grace 5 = 7: accepted, ts stays 7? max(7, 3) = 7
    input.pipeInput('a', 'x', 16) // stream time 16, close time 11
    input.pipeInput('a', 'x', 9) // [0,10) end 10 <= 11: dropped
    input.pipeInput('a', 'x', 5) // dropped
    input.pipeInput(null as unknown as string, 'x', 17) // null key: dropped
    expect(read()).toEqual([
      { key: 'a', start: 0, end: 10, value: 1, ts: 3 },
      { key: 'a', start: 10, end: 20, value: 1, ts: 12 },
      { key: 'b', start: 10, end: 20, value: 1, ts: 11 },
      { key: 'a', start: 0, end: 10, value: 2, ts: 7 },
      { key: 'a', start: 10, end: 20, value: 2, ts: 16 },
    ])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(3)
    driver.close()
  })

  it('hopping aggregate: every window containing the record, ascending start, timestamps max(record, aggregate)', () => {
    const { driver, input, read } = setup<string>(
      (b) =>
        b.stream('in', { key: s, value: s })
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5))
          .aggregate(
            () => '',
            (_k, v, agg) => agg + v,
            { value: s },
          )
          .toStream()
          .to('out', { value: s }),
      () => s,
      10,
    )
    input.pipeInput('k', 'A', 7) // windows [0,10) [5,15)
    input.pipeInput('k', 'B', 12) // [5,15) [10,20)  — [0,10) closed? end 10 <= 12: not in windowsFor anyway
    input.pipeInput('k', 'C', 9) // [0,10) end 10 <= 12 - 0: dropped; [5,15) accepted, ts max(9, 12) = 12
    expect(read()).toEqual([
      { key: 'k', start: 0, end: 10, value: 'A', ts: 7 },
      { key: 'k', start: 5, end: 15, value: 'A', ts: 7 },
      { key: 'k', start: 5, end: 15, value: 'AB', ts: 12 },
      { key: 'k', start: 10, end: 20, value: 'B', ts: 12 },
      { key: 'k', start: 5, end: 15, value: 'ABC', ts: 12 },
    ])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(1)
    driver.close()
  })

  it('reduce: the first value is the aggregate; unlimited windows never drop', () => {
    const { driver, input, read } = setup<string>(
      (b) =>
        b.stream('in', { key: s, value: s })
          .groupByKey()
          .windowedBy(UnlimitedWindows.of().startOn(100))
          .reduce((agg, v) => `${agg}+${v}`, { value: s })
          .toStream()
          .to('out', { value: s }),
      () => s,
      Number.MAX_SAFE_INTEGER,
    )
    input.pipeInput('k', 'early', 50) // before the start: no window
    input.pipeInput('k', 'a', 500)
    input.pipeInput('k', 'b', 200)
    expect(read().map((r) => [r.key, r.start, r.value, r.ts])).toEqual([
      ['k', 100, 'a', 500],
      ['k', 100, 'a+b', 500],
    ])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(0)
    driver.close()
  })
})

describe('time-windowed aggregations: Kafka Streams edge rules', () => {
  it('null values are aggregated (only null keys are dropped), and the first drop of a task is logged once at warn', () => {
    const warnings: unknown[][] = []
    const logger = { warn: (...args: unknown[]) => warnings.push(args), info() {}, debug() {}, error() {}, trace() {}, child() { return logger } }
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count()
      .toStream()
      .to('out', { value: Serdes.int64() })
    const driver = new TopologyTestDriver(b.build(), { logger: logger as never })
    const input = driver.createInputTopic('in', s, s)
    const output = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(s, 10), Serdes.int64())
    input.pipeInput('a', null as unknown as string, 1)
    input.pipeInput('a', 'x', 2)
    input.pipeInput(null as unknown as string, 'x', 3)
    input.pipeInput('a', 'x', 25)
    input.pipeInput('a', 'x', 4) // [0,10) closed at stream time 25
    expect(output.readValuesToList()).toEqual([1, 2, 1])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(2)
    const dropWarnings = warnings.filter((w) => String(w[1]).startsWith('dropping record'))
    expect(dropWarnings).toHaveLength(1)
    expect(String(dropWarnings[0][1])).toContain('null key')
    driver.close()
  })
})
