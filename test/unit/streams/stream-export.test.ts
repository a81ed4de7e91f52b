// KStream.toAsyncIterable(): records for an in-process reader, the backpressure signal and the
// commit gate the runtime waits on (integration: test/integration/streams-import-export.test.ts).
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { Serdes, StreamExport, StreamsBuilder, TopologyTestDriver, type Record } from '../../../src/streams/index.js'
import { ExportGate } from '../../../src/streams/stream-export.js'

function record(i: number): Record<string, number> {
  return { key: `k${i}`, value: i, timestamp: i, headers: [] }
}

describe('KStream.toAsyncIterable in the test driver', () => {
  it('yields the stream records in order, and ends after them once the driver closes', async () => {
    const b = new StreamsBuilder()
    const exported = b
      .stream('in', { key: Serdes.string(), value: Serdes.string() })
      .filter((_k, v) => v !== 'skip')
      .mapValues((v) => v.toUpperCase())
      .toAsyncIterable()
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', Serdes.string(), Serdes.string())
    input.pipeInput('a', 'x', 10)
    input.pipeInput('b', 'skip', 11)
    input.pipeInput('c', 'y', 12)
    driver.close()
    const got: Array<[string, string, number]> = []
    for await (const r of exported) got.push([r.key, r.value, r.timestamp])
    expect(got).toEqual([
      ['a', 'X', 10],
      ['c', 'Y', 12],
    ])
  })

  it('feeds a Node pipeline through readable()', async () => {
    const b = new StreamsBuilder()
    const exported = b.stream('in', { key: Serdes.string(), value: Serdes.string() }).toAsyncIterable()
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', Serdes.string(), Serdes.string())
    for (let i = 0; i < 100; i++) input.pipeInput(`k${i}`, `v${i}`, i)
    driver.close()
    const seen: string[] = []
    await pipeline(
      exported.readable(),
      new Writable({
        objectMode: true,
        write(r: Record<string, string>, _e, cb) {
          seen.push(r.value)
          cb()
        },
      }),
    )
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`))
  })
})

describe('StreamExport', () => {
  it('rejects a bad highWaterMark and a second reader', () => {
    expect(() => new StreamExport({ highWaterMark: 0 })).toThrow(InvalidArgumentError)
    expect(() => new StreamExport({ highWaterMark: 1.5 })).toThrow(InvalidArgumentError)
    const e = new StreamExport<string, number>()
    e[Symbol.asyncIterator]()
    expect(() => e[Symbol.asyncIterator]()).toThrow(/one reader/)
  })

  it('is full at highWaterMark queued records, and drained only once the reader asked for the record after the last', async () => {
    const e = new StreamExport<string, number>({ highWaterMark: 3 })
    e.attach()
    expect(e.drained()).toBe(true)
    for (let i = 0; i < 3; i++) e.push(record(i))
    expect(e.full()).toBe(true)
    expect(e.drained()).toBe(false)
    let space = false
    const spaceWait = e.whenSpace().then(() => (space = true))
    const it = e[Symbol.asyncIterator]()
    expect((await it.next()).value?.value).toBe(0)
    await spaceWait
    expect(space).toBe(true)
    expect(e.full()).toBe(false)
    await it.next()
    expect((await it.next()).value?.value).toBe(2)
    // Queue empty, but record 2 is in hand: a commit must still wait.
    expect(e.queued).toBe(0)
    expect(e.drained()).toBe(false)
    let drained = false
    const drainWait = e.whenDrained().then(() => (drained = true))
    await Promise.resolve()
    expect(drained).toBe(false)
    const next = it.next() // asking for the next finishes record 2
    await drainWait
    expect(drained).toBe(true)
    e.push(record(3))
    expect((await next).value?.value).toBe(3)
  })

  it('drops untaken records and ends the reader when the runtime detaches; the gate stops waiting once released', async () => {
    const e = new StreamExport<string, number>({ highWaterMark: 2 })
    const gate = new ExportGate([e as StreamExport<unknown, unknown>])
    gate.attach()
    e.push(record(1))
    e.push(record(2))
    expect(gate.untaken()).toBe(2)
    let passed = false
    const wait = gate.whenSpace().then(() => (passed = true))
    await Promise.resolve()
    expect(passed).toBe(false)
    gate.release()
    await wait
    await gate.whenDrained() // released: no wait although nothing was taken
    gate.detach()
    const got: number[] = []
    for await (const r of e) got.push(r.value)
    expect(got).toEqual([])
    expect(() => e.attach()).toThrow(InvalidArgumentError)
  })

  it('stops holding up commits when the reader leaves the loop', async () => {
    const e = new StreamExport<string, number>()
    e.attach()
    e.push(record(1))
    e.push(record(2))
    for await (const r of e) {
      expect(r.value).toBe(1)
      break
    }
    expect(e.drained()).toBe(true)
    e.push(record(3))
    expect(e.queued).toBe(0)
  })
})
