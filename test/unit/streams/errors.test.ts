import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, StreamsProcessingError, TopologyTestDriver } from '../../../src/streams/index.js'

const str = Serdes.string()

function pipeline() {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: Serdes.json<{ n: number }>() })
    .mapValues((v) => {
      if (v.n < 0) throw new RangeError(`negative: ${v.n}`)
      return v.n * 2
    })
    .to('out', { value: Serdes.int32() })
  return b.build()
}

describe('deserialization exception handler', () => {
  it("'fail' (default) throws with the record position", () => {
    const driver = new TopologyTestDriver(pipeline())
    const input = driver.createInputTopic('in', str, str)
    expect(() => input.pipeInput('k', '{not json')).toThrow(StreamsProcessingError)
    expect(() => input.pipeInput('k', '{not json')).toThrow(/deserialization of in-0@1 failed: json serde: invalid JSON/)
  })

  it("'log-and-continue' skips the record and counts it", () => {
    const driver = new TopologyTestDriver(pipeline(), { deserializationExceptionHandler: 'log-and-continue' })
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', '{"n":1}')
    input.pipeInput('k', '{not json')
    input.pipeInput('k', '{"n":2}')
    expect(driver.createOutputTopic('out', str, Serdes.int32()).readValuesToList()).toEqual([2, 4])
    expect(driver.metrics().get('0_0')).toMatchObject({ processed: 2, skippedDeserialization: 1 })
  })
})

describe('dead-letter queue', () => {
  it('sends failing records with their original bytes and error headers, then continues', () => {
    const driver = new TopologyTestDriver(pipeline(), {
      deadLetterQueueTopic: 'dlq',
      processingExceptionHandler: 'log-and-continue',
      deserializationExceptionHandler: 'log-and-continue',
    })
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k1', '{"n":1}', 10)
    input.pipeInput('k2', '{"n":-5}', 20, [['trace', Buffer.from('abc')]])
    input.pipeInput('k3', 'garbage', 30)
    input.pipeInput('k4', '{"n":3}', 40)
    expect(driver.createOutputTopic('out', str, Serdes.int32()).readValuesToList()).toEqual([2, 6])
    const dlq = driver.createOutputTopic('dlq', str, str).readRecordsToList()
    expect(dlq.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['k2', '{"n":-5}', 20],
      ['k3', 'garbage', 30],
    ])
    const headers = (i: number) => Object.fromEntries(dlq[i].headers.map(([k, v]) => [k, v?.toString()]))
    expect(headers(0)).toMatchObject({
      trace: 'abc',
      '__streams.errors.exception': 'RangeError',
      '__streams.errors.message': 'negative: -5',
      '__streams.errors.topic': 'in',
      '__streams.errors.partition': '0',
      '__streams.errors.offset': '1',
    })
    expect(headers(0)['__streams.errors.stacktrace']).toContain('RangeError: negative: -5')
    expect(headers(1)).toMatchObject({ '__streams.errors.exception': 'SerializationError', '__streams.errors.offset': '2' })
    expect(driver.metrics().get('0_0')).toMatchObject({ deadLettered: 2, skippedProcessing: 1, skippedDeserialization: 1, processed: 2 })
  })

  it("with 'fail' the record still reaches the dead-letter topic before the task fails", () => {
    const driver = new TopologyTestDriver(pipeline(), { deadLetterQueueTopic: 'dlq' })
    const input = driver.createInputTopic('in', str, str)
    expect(() => input.pipeInput('k', '{"n":-1}')).toThrow(/negative: -1/)
    expect(driver.createOutputTopic('dlq', str, str).getQueueSize()).toBe(1)
  })

  it('drops records whose extracted timestamp is negative', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: Serdes.int32(), timestampExtractor: (r) => (r.value as number) }).to('out')
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, Serdes.int32())
    input.pipeInput('a', 5, 100)
    input.pipeInput('b', -1, 100)
    const out = driver.createOutputTopic('out', str, Serdes.int32()).readRecordsToList()
    expect(out.map((r) => [r.key, r.timestamp])).toEqual([['a', 5]])
    expect(driver.metrics().get('0_0')?.skippedNegativeTimestamp).toBe(1)
  })
})
