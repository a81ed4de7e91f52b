import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'

const s = Serdes.string()
const str = { key: s, value: s }

/** Two input topics merged into one output: one task with two input partitions. */
function merged(options: { maxTaskIdleMs?: number } = {}) {
  const b = new StreamsBuilder()
  b.stream('one', str).merge(b.stream('two', str)).to('out', str)
  const driver = new TopologyTestDriver(b.build(), { applicationId: 'ts-order', initialWallClockTimeMs: 1000, ...options })
  const one = driver.createInputTopic('one', s, s)
  const two = driver.createInputTopic('two', s, s)
  const out = driver.createOutputTopic('out', s, s)
  const read = (): string[] => out.readRecordsToList().map((r) => `${r.value}@${r.timestamp}`)
  return { driver, one, two, read }
}

describe('timestamp-ordered processing in the test driver', () => {
  it('maxTaskIdleMs 0 (default): each piped record is processed at once, as Kafka Streams\' driver does', () => {
    const { driver, one, two, read } = merged()
    one.pipeInput('k', 'a', 5)
    two.pipeInput('k', 'b', 3)
    expect(read()).toEqual(['a@5', 'b@3'])
    driver.close()
  })

  it('maxTaskIdleMs > 0: records wait for the other topic or the idle time; the lowest timestamp goes first', () => {
    const { driver, one, two, read } = merged({ maxTaskIdleMs: 100 })
    one.pipeInput('k', 'a', 5)
    expect(read()).toEqual([]) // 'two' has nothing: wait up to 100 ms
    two.pipeInput('k', 'b', 3)
    expect(read()).toEqual(['b@3']) // both had data: b first; then 'two' is empty again
    two.pipeInput('k', 'c', 4)
    expect(read()).toEqual(['c@4'])
    driver.advanceWallClockTime(99)
    expect(read()).toEqual([])
    driver.advanceWallClockTime(1)
    expect(read()).toEqual(['a@5']) // idle time over: processed without 'two'
    driver.close()
  })

  it('maxTaskIdleMs -1: never waits', () => {
    const { driver, one, read } = merged({ maxTaskIdleMs: -1 })
    one.pipeInput('k', 'a', 5)
    expect(read()).toEqual(['a@5'])
    driver.close()
  })

  it('rejects a bad maxTaskIdleMs', () => {
    expect(() => merged({ maxTaskIdleMs: -2 })).toThrow(RangeError)
  })
})
