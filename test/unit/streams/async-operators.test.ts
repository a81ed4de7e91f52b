// KStream's async operators (mapValuesAsync and the like) on the TopologyTestDriver: per-key
// order under random latencies (property-based), ordered mode, the concurrency cap, failures
// through the processing exception handler and the dead-letter queue, timeouts and abort
// signals, store access serialized per key, and option checks.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import {
  AsyncAbandonedError,
  AsyncTimeoutError,
  Serdes,
  Stores,
  StreamsBuilder,
  StreamsProcessingError,
  TopologyTestDriver,
  type KeyValueStore,
} from '../../../src/streams/index.js'

const str = Serdes.string()

/** Resolves after `ticks` turns: 0-2 microtask hops, then macrotask turns (setImmediate). */
async function latency(ticks: number): Promise<void> {
  if (ticks < 3) {
    for (let i = 0; i < ticks; i++) await Promise.resolve()
    return
  }
  for (let i = 0; i < ticks - 2; i++) await new Promise<void>((r) => setImmediate(r))
}

/** Deterministic pseudo-random numbers from a seed (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function perKey(list: Array<{ key: string; value: string }>): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const { key, value } of list) {
    let l = m.get(key)
    if (l === undefined) m.set(key, (l = []))
    l.push(value)
  }
  return m
}

describe('KStream async operators', () => {
  it('keep per-key input order (and with ordered, input order) under random latencies, within the concurrency cap', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.integer(),
        async (keys, concurrency, ordered, seed) => {
          const random = rng(seed)
          let inFlight = 0
          let maxInFlight = 0
          const keyBusy = new Set<string>()
          const b = new StreamsBuilder()
          b.stream('in', { key: str, value: str })
            .mapValuesAsync(
              async (v, k) => {
                // Same key never runs twice at once: its store access is serialized.
                expect(keyBusy.has(k)).toBe(false)
                keyBusy.add(k)
                inFlight++
                maxInFlight = Math.max(maxInFlight, inFlight)
                await latency(Math.floor(random() * 6))
                inFlight--
                keyBusy.delete(k)
                return `${v}!`
              },
              { concurrency, ordered },
            )
            .to('out', { key: str, value: str })
          const driver = new TopologyTestDriver(b.build())
          const input = driver.createInputTopic('in', str, str)
          const out = driver.createOutputTopic('out', str, str)
          const sent = keys.map((k, i) => ({ key: `k${k}`, value: `v${i}` }))
          for (const r of sent) input.pipeInput(r.key, r.value)
          await driver.settle()
          const got = out.readKeyValuesToList()
          driver.close()
          expect(maxInFlight).toBeLessThanOrEqual(concurrency)
          const expected = sent.map((r) => ({ key: r.key, value: `${r.value}!` }))
          if (ordered) expect(got).toEqual(expected)
          else {
            expect(got).toHaveLength(expected.length)
            expect(perKey(got)).toEqual(perKey(expected))
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('forwards in completion order unless ordered is set', async () => {
    const run = async (ordered: boolean): Promise<string[]> => {
      const b = new StreamsBuilder()
      b.stream('in', { key: str, value: str })
        .mapValuesAsync(async (v) => {
          await latency(v === 'slow' ? 8 : 1)
          return v
        }, { concurrency: 4, ordered })
        .to('out', { key: str, value: str })
      const driver = new TopologyTestDriver(b.build())
      const input = driver.createInputTopic('in', str, str)
      input.pipeInput('a', 'slow')
      input.pipeInput('b', 'fast')
      await driver.settle()
      const values = driver.createOutputTopic('out', str, str).readValuesToList()
      driver.close()
      return values
    }
    expect(await run(false)).toEqual(['fast', 'slow'])
    expect(await run(true)).toEqual(['slow', 'fast'])
  })

  it('keyed: false runs records of one key together; keyed (default) one at a time', async () => {
    const peak = async (keyed: boolean): Promise<number> => {
      let inFlight = 0
      let max = 0
      const b = new StreamsBuilder()
      b.stream('in', { key: str, value: str })
        .mapValuesAsync(async (v) => {
          max = Math.max(max, ++inFlight)
          await latency(4)
          inFlight--
          return v
        }, { concurrency: 8, keyed })
        .to('out', { key: str, value: str })
      const driver = new TopologyTestDriver(b.build())
      const input = driver.createInputTopic('in', str, str)
      for (let i = 0; i < 5; i++) input.pipeInput('same', String(i))
      await driver.settle()
      expect(driver.createOutputTopic('out', str, str).readValuesToList()).toHaveLength(5)
      driver.close()
      return max
    }
    expect(await peak(true)).toBe(1)
    expect(await peak(false)).toBe(5)
  })

  it('mapAsync, flatMapAsync, flatMapValuesAsync and filterAsync forward what their promises give, with the record timestamp', async () => {
    const b = new StreamsBuilder()
    const s = b.stream('in', { key: str, value: str })
    s.mapAsync(async (k, v) => ({ key: v, value: k }), { concurrency: 2 }).to('map', { key: str, value: str })
    s.flatMapAsync(async (k, v) => [{ key: k, value: v }, { key: `${k}2`, value: `${v}2` }], { concurrency: 2 }).to('flat', { key: str, value: str })
    s.flatMapValuesAsync(async (v) => [v, v], { concurrency: 2 }).to('flatv', { key: str, value: str })
    s.filterAsync(async (_k, v) => v !== 'drop', { concurrency: 2 }).to('filter', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x', 1000)
    input.pipeInput('b', 'drop', 2000)
    await driver.settle()
    expect(driver.createOutputTopic('map', str, str).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['x', 'a', 1000],
      ['drop', 'b', 2000],
    ])
    expect(driver.createOutputTopic('flat', str, str).readKeyValuesToList()).toEqual([
      { key: 'a', value: 'x' },
      { key: 'a2', value: 'x2' },
      { key: 'b', value: 'drop' },
      { key: 'b2', value: 'drop2' },
    ])
    expect(driver.createOutputTopic('flatv', str, str).readValuesToList()).toEqual(['x', 'x', 'drop', 'drop'])
    expect(driver.createOutputTopic('filter', str, str).readValuesToList()).toEqual(['x'])
    driver.close()
  })

  it('a rejected promise goes through the processing exception handler and the dead-letter queue', async () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str })
      .mapValuesAsync(async (v) => {
        await latency(1)
        if (v === 'bad') throw new TypeError('bad value')
        return v.toUpperCase()
      }, { concurrency: 4, ordered: true })
      .to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build(), { processingExceptionHandler: 'log-and-continue', deadLetterQueueTopic: 'dlq' })
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'one')
    input.pipeInput('b', 'bad')
    input.pipeInput('c', 'two')
    await driver.settle()
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['ONE', 'TWO'])
    const dead = driver.createOutputTopic('dlq', str, str).readRecordsToList()
    expect(dead).toHaveLength(1)
    expect(dead[0].key).toBe('b')
    expect(dead[0].value).toBe('bad')
    const header = (name: string): string | undefined => dead[0].headers.find(([h]) => h === name)?.[1]?.toString()
    expect(header('__streams.errors.exception')).toBe('TypeError')
    expect(header('__streams.errors.message')).toBe('bad value')
    expect(header('__streams.errors.offset')).toBe('1')
    expect(driver.metrics().get('0_0')?.skippedProcessing).toBe(1)
    driver.close()
  })

  it("with the handler's default 'fail', a rejected promise fails the task: settle() and the next pipe throw", async () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str })
      .mapValuesAsync(async (): Promise<string> => {
        await latency(1)
        throw new Error('boom')
      }, { concurrency: 1 })
      .to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x')
    const err = await driver.settle().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(StreamsProcessingError)
    expect((err as StreamsProcessingError).offset).toBe(0n)
    expect((err as Error).message).toContain('boom')
    expect(() => input.pipeInput('b', 'y')).toThrow(StreamsProcessingError)
    driver.close()
  })

  it('a call over timeoutMs fails with AsyncTimeoutError and its signal fires; closing abandons calls in flight', async () => {
    const reasons: unknown[] = []
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str })
      .mapValuesAsync(
        (v, _k, call) =>
          new Promise<string>((resolve) => {
            call.signal.addEventListener('abort', () => reasons.push(call.signal.reason))
            if (v === 'quick') resolve(v)
          }),
        { concurrency: 4, timeoutMs: 20 },
      )
      .to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build(), { processingExceptionHandler: 'log-and-continue', deadLetterQueueTopic: 'dlq' })
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'hang')
    input.pipeInput('b', 'quick')
    await driver.settle()
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['quick'])
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toBeInstanceOf(AsyncTimeoutError)
    const dead = driver.createOutputTopic('dlq', str, str).readRecordsToList()
    expect(dead.map((r) => r.value)).toEqual(['hang'])
    expect(dead[0].headers.find(([h]) => h === '__streams.errors.exception')?.[1]?.toString()).toBe('AsyncTimeoutError')

    // Without a timeout a hanging call stays in flight until the task closes: then its signal fires.
    const b2 = new StreamsBuilder()
    const seen: unknown[] = []
    b2.stream('in', { key: str, value: str })
      .mapValuesAsync((_v, _k, call) => new Promise<string>(() => call.signal.addEventListener('abort', () => seen.push(call.signal.reason))), { concurrency: 2 })
      .to('out', { key: str, value: str })
    const d2 = new TopologyTestDriver(b2.build())
    d2.createInputTopic('in', str, str).pipeInput('a', 'x')
    d2.createInputTopic('in', str, str).pipeInput('a', 'y')
    expect(d2.asyncHeld()).toBe(2)
    d2.close()
    expect(seen).toHaveLength(1) // the second record of the key never started
    expect(seen[0]).toBeInstanceOf(AsyncAbandonedError)
    driver.close()
  })

  it('processAsync: store access is serialized per key; forwarded records go out when the promise resolves', async () => {
    const random = rng(7)
    const b = new StreamsBuilder()
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('totals'), str, Serdes.int32()))
    b.stream('in', { key: str, value: Serdes.int32() })
      .processAsync<string, number>(
        async (r, ctx) => {
          const store = ctx.getStateStore<KeyValueStore<string, number>>('totals')
          const before = store.get(r.key) ?? 0
          await latency(Math.floor(random() * 6)) // a read-modify-write across an await: safe only per key serialized
          store.put(r.key, before + r.value)
          ctx.forward({ ...r, value: before + r.value })
        },
        { concurrency: 8, stores: ['totals'] },
      )
      .to('out', { key: str, value: Serdes.int32() })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, Serdes.int32())
    const expected = new Map<string, number[]>()
    for (let i = 0; i < 200; i++) {
      const key = `k${i % 7}`
      input.pipeInput(key, i)
      const l = expected.get(key) ?? []
      l.push((l.at(-1) ?? 0) + i)
      expected.set(key, l)
    }
    await driver.settle()
    const got = new Map<string, number[]>()
    for (const kv of driver.createOutputTopic('out', str, Serdes.int32()).readKeyValuesToList()) got.set(kv.key, [...(got.get(kv.key) ?? []), kv.value])
    expect(got).toEqual(expected)
    const store = driver.getKeyValueStore<string, number>('totals')
    for (const [k, l] of expected) expect(store.get(k)).toBe(l.at(-1))
    driver.close()
  })

  it('processAsync refuses stores it did not name, and store use after the work settled', async () => {
    let late: (() => void) | undefined
    const b = new StreamsBuilder()
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), str, str))
    b.stream('in', { key: str, value: str })
      .processAsync<string, string>(
        async (r, ctx) => {
          const store = ctx.getStateStore<KeyValueStore<string, string>>('s')
          late = () => store.put(r.key, 'late')
          if (r.value === 'other') ctx.getStateStore('nope')
        },
        { concurrency: 1, stores: ['s'] },
      )
      .to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build(), { processingExceptionHandler: 'log-and-continue' })
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x')
    await driver.settle()
    expect(late).toThrow(InvalidArgumentError)
    input.pipeInput('a', 'other')
    await driver.settle()
    expect(driver.metrics().get('0_0')?.skippedProcessing).toBe(1)
    driver.close()
  })

  it('chained async stages keep per-key order end to end', async () => {
    const random = rng(42)
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str })
      .mapValuesAsync(async (v) => {
        await latency(Math.floor(random() * 5))
        return `${v}a`
      }, { concurrency: 3 })
      .filterAsync(async () => {
        await latency(Math.floor(random() * 5))
        return true
      }, { concurrency: 5 })
      .to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, str)
    const sent = Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` }))
    for (const r of sent) input.pipeInput(r.key, r.value)
    await driver.settle()
    expect(perKey(driver.createOutputTopic('out', str, str).readKeyValuesToList())).toEqual(perKey(sent.map((r) => ({ key: r.key, value: `${r.value}a` }))))
    driver.close()
  })

  it('checks its options', () => {
    const s = new StreamsBuilder().stream('in', { key: str, value: str })
    const ok = async (v: string): Promise<string> => v
    expect(() => s.mapValuesAsync(ok, { concurrency: 0 })).toThrow(InvalidArgumentError)
    expect(() => s.mapValuesAsync(ok, { concurrency: 1.5 })).toThrow(/concurrency must be an integer >= 1/)
    expect(() => s.mapValuesAsync(ok, { concurrency: 1, timeoutMs: -1 })).toThrow(/timeoutMs/)
    expect(() => s.mapValuesAsync(ok, { concurrency: 1, maxBufferedRecords: 0 })).toThrow(/maxBufferedRecords/)
    expect(() => s.mapValuesAsync(ok, { concurrency: 1, maxBufferedBytes: 0 })).toThrow(/maxBufferedBytes/)
    expect(() => s.mapValuesAsync(ok, undefined as never)).toThrow(/needs options with a concurrency/)
    expect(() => s.filterAsync('x' as never, { concurrency: 1 })).toThrow(/needs a function/)
  })
})
