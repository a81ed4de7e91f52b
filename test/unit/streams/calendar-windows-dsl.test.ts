import { describe, expect, it } from 'vitest'
import { CalendarWindows, EmitStrategy, Serdes, StreamsBuilder, TopologyTestDriver, type Windowed } from '../../../src/streams/index.js'

const s = Serdes.string()
const H = 3_600_000
const utc = (y: number, m: number, d: number, h = 0, min = 0): number => Date.UTC(y, m - 1, d, h, min)

function dailyCounts(windows: CalendarWindows, emitOnClose: boolean) {
  const b = new StreamsBuilder()
  const grouped = b.stream('in', { key: s, value: s }).groupByKey().windowedBy(windows)
  ;(emitOnClose ? grouped.emitStrategy(EmitStrategy.onWindowClose()) : grouped)
    .count({ name: 'daily' })
    .toStream()
    .to('out', { key: windows.windowedSerde(s), value: Serdes.int64() })
  const driver = new TopologyTestDriver(b.build(), { applicationId: 'cal', windowedEmitIntervalMs: 0 })
  const input = driver.createInputTopic('in', s, s)
  const output = driver.createOutputTopic('out', windows.windowedSerde(s), Serdes.int64())
  const read = (): Array<{ key: string; start: number; end: number; count: number; ts: number }> =>
    output.readRecordsToList().map((r) => {
      const k = r.key as Windowed<string>
      return { key: k.key, start: k.window.start, end: k.window.end, count: r.value, ts: r.timestamp }
    })
  return { driver, input, read }
}

describe('calendar windows in the DSL', () => {
  it('counts per Berlin day across the spring DST change (a 23-hour day)', () => {
    const { driver, input, read } = dailyCounts(CalendarWindows.daily({ timeZone: 'Europe/Berlin' }), false)
    input.pipeInput('a', 'x', utc(2024, 3, 30, 22, 30)) // 23:30 on the 30th in Berlin
    input.pipeInput('a', 'x', utc(2024, 3, 30, 23, 30)) // 00:30 on the 31st
    input.pipeInput('a', 'x', utc(2024, 3, 31, 21, 30)) // 23:30 CEST on the 31st
    input.pipeInput('a', 'x', utc(2024, 3, 31, 22, 30)) // 00:30 on April 1st
    expect(read()).toEqual([
      { key: 'a', start: utc(2024, 3, 29, 23), end: utc(2024, 3, 30, 23), count: 1, ts: utc(2024, 3, 30, 22, 30) },
      { key: 'a', start: utc(2024, 3, 30, 23), end: utc(2024, 3, 31, 22), count: 1, ts: utc(2024, 3, 30, 23, 30) },
      { key: 'a', start: utc(2024, 3, 30, 23), end: utc(2024, 3, 31, 22), count: 2, ts: utc(2024, 3, 31, 21, 30) },
      { key: 'a', start: utc(2024, 3, 31, 22), end: utc(2024, 4, 1, 22), count: 1, ts: utc(2024, 3, 31, 22, 30) },
    ])
    // The window store answers by window start, with the calendar's end.
    const store = driver.getWindowStore<string, number>('daily')
    expect(store.fetch('a', utc(2024, 3, 30, 23))).toBe(2)
    driver.close()
  })

  it('emits each Sydney day once when it closes, with grace, and drops records later than the grace', () => {
    const windows = CalendarWindows.daily({ timeZone: 'Australia/Sydney', graceMs: H })
    const { driver, input, read } = dailyCounts(windows, true)
    // 2024-04-07 is 25 hours long in Sydney: 2024-04-06T13:00Z to 2024-04-07T14:00Z.
    input.pipeInput('k', 'x', utc(2024, 4, 6, 14))
    input.pipeInput('k', 'x', utc(2024, 4, 7, 13, 30)) // 23:30 AEST, still April 7th
    input.pipeInput('k', 'x', utc(2024, 4, 7, 14, 30)) // April 8th: stream time is past the end, not past end + grace
    expect(read()).toEqual([])
    input.pipeInput('k', 'x', utc(2024, 4, 7, 14, 50)) // within the grace hour: still counted for April 7th
    input.pipeInput('k', 'x', utc(2024, 4, 7, 13, 50))
    input.pipeInput('k', 'x', utc(2024, 4, 7, 15, 0)) // stream time = end + grace: April 7th closes
    expect(read()).toEqual([{ key: 'k', start: utc(2024, 4, 6, 13), end: utc(2024, 4, 7, 14), count: 3, ts: utc(2024, 4, 7, 13, 50) }])
    input.pipeInput('k', 'x', utc(2024, 4, 7, 13, 55)) // April 7th after end + grace: dropped
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(1)
    expect(read()).toEqual([])
    driver.close()
  })

  it('counts per month in UTC with the real month lengths (leap February)', () => {
    const { driver, input, read } = dailyCounts(CalendarWindows.monthly({ timeZone: 'UTC' }), false)
    input.pipeInput('m', 'x', utc(2024, 2, 29, 23, 59))
    input.pipeInput('m', 'x', utc(2024, 3, 1, 0, 0))
    expect(read().map((r) => [r.start, r.end, r.count])).toEqual([
      [utc(2024, 2, 1), utc(2024, 3, 1), 1],
      [utc(2024, 3, 1), utc(2024, 4, 1), 1],
    ])
    driver.close()
  })
})
