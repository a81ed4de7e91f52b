import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../../src/client/partitioner.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import {
  BufferConfig,
  ClusterTestDriver,
  keyValue,
  outputUnderSchedule,
  randomFailureSchedule,
  Serdes,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  TopologyError,
  TopologyTestDriver,
  type ClusterTestDriverOptions,
  type FailureStep,
  type Processor,
  type ProcessorContext,
  type Record,
  type Topology,
} from '../../../src/streams/index.js'

const str = Serdes.string()
const APP = 'cluster-wc'

function wordCount(): Topology {
  const b = new StreamsBuilder()
  b.stream('text-lines', { key: str, value: str })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_k, word) => word, { key: str, value: str })
    .count({ name: 'counts' })
    .toStream()
    .to('word-counts', { value: Serdes.int64() })
  return b.build()
}

const WORDS = ['kafka', 'streams', 'peridot', 'topic', 'partition', 'offset', 'commit', 'crash', 'task', 'store', 'log', 'key']

/** Deterministic lines: line i has 1-4 words. */
function lines(n: number): Array<{ key: string; line: string }> {
  const out: Array<{ key: string; line: string }> = []
  for (let i = 0; i < n; i++) {
    const words: string[] = []
    for (let j = 0; j <= i % 4; j++) words.push(WORDS[(i * 7 + j * 5) % WORDS.length])
    out.push({ key: `line-${i}`, line: words.join(' ') })
  }
  return out
}

function expectedCounts(input: Array<{ line: string }>): Map<string, number> {
  const m = new Map<string, number>()
  for (const { line } of input) for (const w of line.split(' ')) m.set(w, (m.get(w) ?? 0) + 1)
  return m
}

function driverFor(options: ClusterTestDriverOptions): ClusterTestDriver {
  return new ClusterTestDriver(wordCount(), { applicationId: APP, defaultPartitions: 3, cacheMaxBytes: 0, ...options })
}

function pipe(driver: ClusterTestDriver, input: Array<{ key: string; line: string }>): void {
  const topic = driver.createInputTopic('text-lines', str, str, { startTimestampMs: 1000, autoAdvanceMs: 10 })
  for (const { key, line } of input) topic.pipeInput(key, line)
}

/** Emitted counts per word, in output order. */
function countsPerWord(driver: ClusterTestDriver, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const { key, value } of driver.createOutputTopic('word-counts', str, Serdes.int64(), { isolation }).readKeyValuesToList()) {
    out.set(key, [...(out.get(key) ?? []), value])
  }
  return out
}

/** Each count 1..n emitted exactly once, in order: what exactly-once promises a word count without caching. */
function exactSequences(expected: Map<string, number>): Map<string, number[]> {
  return new Map([...expected].map(([w, n]) => [w, Array.from({ length: n }, (_, i) => i + 1)]))
}

const sortedMap = <V>(m: Map<string, V>): Array<[string, V]> => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

const repartitionTopic = (): string => {
  const rt = wordCount().resolveInternalTopics(APP, () => 3).internalTopics.find((t) => t.kind === 'repartition')
  return rt!.name
}

describe('ClusterTestDriver: partitions and tasks', () => {
  it('places keyed input with the Java client partitioner (murmur2), an explicit partition when given', () => {
    const driver = driverFor({ defaultPartitions: 5 })
    const topic = driver.createInputTopic('text-lines', str, str)
    // Java client vectors: toPositive(murmur2(key)) % 5.
    expect(topic.pipeInput('foobar', 'x')).toBe((-790332482 & 0x7fffffff) % 5)
    expect(topic.pipeInput('abc', 'x')).toBe((479470107 & 0x7fffffff) % 5)
    for (let i = 0; i < 50; i++) expect(topic.pipeInput(`k${i}`, 'x')).toBe(partitionForKey(Buffer.from(`k${i}`), 5))
    expect(topic.pipeInput('foobar', 'x', undefined, [], 4)).toBe(4)
    expect(() => topic.pipeInput('foobar', 'x', undefined, [], 5)).toThrow(InvalidArgumentError)
    driver.close()
  })

  it('creates one task per sub-topology and partition, repartition topics with the resolved count', () => {
    const driver = new ClusterTestDriver(wordCount(), { applicationId: APP, partitions: { 'text-lines': 4 }, instances: 3 })
    expect(driver.partitionCount('text-lines')).toBe(4)
    expect(driver.partitionCount(repartitionTopic())).toBe(4)
    expect(driver.partitionCount(`${APP}-counts-changelog`)).toBe(4)
    expect(driver.assignment()).toEqual(
      new Map([
        ['0_0', 'instance-0'], ['0_1', 'instance-1'], ['0_2', 'instance-2'], ['0_3', 'instance-0'],
        ['1_0', 'instance-1'], ['1_1', 'instance-2'], ['1_2', 'instance-0'], ['1_3', 'instance-1'],
      ]),
    )
    expect(() => driver.createInputTopic('nope', str, str)).toThrow(TopologyError)
    driver.close()
  })

  it('routes repartitioned records by key to the downstream task of their partition', () => {
    const input = lines(60)
    const driver = driverFor({ instances: 2 })
    pipe(driver, input)
    driver.runUntilIdle()
    // Every line once in the sub-topology reading the input, every word once in the counting one.
    const metrics = driver.metrics()
    const processed = (sub: number): number => [0, 1, 2].reduce((n, p) => n + (metrics.get(`${sub}_${p}`)?.processed ?? 0), 0)
    expect(processed(0)).toBe(input.length)
    expect(processed(1)).toBe([...expectedCounts(input).values()].reduce((a, b) => a + b, 0))
    const rep = driver.createOutputTopic(repartitionTopic(), str, str)
    let seen = 0
    for (let p = 0; p < 3; p++) {
      for (const r of rep.readPartition(p)) {
        expect(partitionForKey(r.key, 3)).toBe(p)
        seen++
      }
    }
    expect(seen).toBe([...expectedCounts(input).values()].reduce((a, b) => a + b, 0))
    // Each word's count lives in the store of the task owning the word's partition.
    expect(driver.getKeyValueStore<string, number>('counts', partitionForKey('kafka', 3)).get('kafka')).toBe(expectedCounts(input).get('kafka'))
    driver.close()
  })

  it('a word count across 3 partitions ends with the single-partition driver\'s counts', () => {
    const input = lines(80)
    const single = new TopologyTestDriver(wordCount(), { applicationId: APP, initialWallClockTimeMs: 0 })
    const singleIn = single.createInputTopic('text-lines', str, str)
    for (const { key, line } of input) singleIn.pipeInput(key, line, 1000)
    const want = single.createOutputTopic('word-counts', str, Serdes.int64()).readKeyValuesToMap()
    single.close()
    for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
      const driver = driverFor({ processingGuarantee: guarantee, instances: 2, cacheMaxBytes: 1 << 20 })
      pipe(driver, input)
      driver.runUntilIdle()
      expect(sortedMap(driver.createOutputTopic('word-counts', str, Serdes.int64()).readKeyValuesToMap()), guarantee).toEqual(sortedMap(want))
      driver.close()
    }
  })

  it('a seed reproduces the interleaving; other seeds interleave differently with the same result', () => {
    const input = lines(40)
    const run = (seed: number): string[] => {
      const driver = driverFor({ seed, instances: 2 })
      pipe(driver, input)
      driver.runUntilIdle()
      const out = driver.createOutputTopic('word-counts', str, Serdes.int64()).readRecordsToList().map((r) => `${r.key}=${r.value}@${r.partition}`)
      driver.close()
      return out
    }
    const a = run(7)
    expect(run(7)).toEqual(a)
    const others = [1, 2, 3, 4].map(run)
    expect(others.some((o) => o.join() !== a.join())).toBe(true)
    for (const o of others) expect([...o].sort()).toEqual([...a].sort())
  })
})

describe('ClusterTestDriver: punctuation', () => {
  /** Counts the records of its task; a wall-clock punctuator emits the count under the task's partition. */
  class TaskCounter implements Processor<string, string, string, string> {
    #ctx!: ProcessorContext<string, string>
    #seen = 0
    init(ctx: ProcessorContext<string, string>): void {
      this.#ctx = ctx
      ctx.schedule(100, 'wall-clock', (ts) => ctx.forward({ key: ctx.taskId, value: String(this.#seen), timestamp: ts, headers: [] }))
    }
    process(_record: Record<string, string>): void {
      this.#seen++
      expect(this.#ctx.recordMetadata()?.partition).toBe(Number(this.#ctx.taskId.split('_')[1]))
    }
  }

  it('wall-clock punctuators run in every task when the mocked clock advances', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str }).process(() => new TaskCounter()).to('seen', { key: str, value: str })
    const driver = new ClusterTestDriver(b.build(), { defaultPartitions: 3, instances: 2, initialWallClockTimeMs: 0 })
    const input = driver.createInputTopic('in', str, str)
    const perPartition = [0, 0, 0]
    for (let i = 0; i < 20; i++) perPartition[input.pipeInput(`k${i}`, 'v')]++
    driver.process()
    driver.advanceWallClockTime(99)
    const out = driver.createOutputTopic('seen', str, str)
    expect(out.isEmpty()).toBe(true)
    driver.advanceWallClockTime(1)
    expect(out.readKeyValuesToList().sort((a, c) => (a.key < c.key ? -1 : 1))).toEqual(perPartition.map((n, p) => ({ key: `0_${p}`, value: String(n) })))
    driver.close()
  })
})

describe('ClusterTestDriver: pattern sources', () => {
  it('reads the topics of the partitions option that a pattern matches, one task per partition', () => {
    const b = new StreamsBuilder()
    b.stream(/^events-.*/, { key: str, value: str }).mapValues((v) => v.toUpperCase()).to('upper', { key: str, value: str })
    const driver = new ClusterTestDriver(b.build(), { partitions: { 'events-a': 2, 'events-b': 2, upper: 2, other: 1 } })
    expect([...driver.assignment().keys()]).toEqual(['0_0', '0_1'])
    driver.createInputTopic('events-a', str, str).pipeInput('k1', 'a')
    driver.createInputTopic('events-b', str, str).pipeInput('k2', 'b')
    expect(() => driver.createInputTopic('other', str, str)).toThrow(TopologyError)
    driver.runUntilIdle()
    expect(driver.createOutputTopic('upper', str, str).readKeyValuesToList().map((kv) => `${kv.key}=${kv.value}`).sort()).toEqual(['k1=A', 'k2=B'])
    driver.close()
    const none = new StreamsBuilder()
    none.stream(/^nothing-.*/, { key: str, value: str }).to('x')
    expect(() => new ClusterTestDriver(none.build(), { partitions: { other: 1 } })).toThrow(/match no topic/)
  })
})

describe('ClusterTestDriver: joins', () => {
  function enrich(): Topology {
    const b = new StreamsBuilder()
    const users = b.table('users', { key: str, value: str })
    b.stream('clicks', { key: str, value: str })
      .join(users, (page, name) => `${name}:${page}`)
      .to('enriched', { key: str, value: str })
    return b.build()
  }

  it('a stream-table join runs per partition: co-partitioned keys meet in the same task', () => {
    const driver = new ClusterTestDriver(enrich(), { defaultPartitions: 3, instances: 2, seed: 9, processingGuarantee: 'exactly_once_v2' })
    const users = driver.createInputTopic('users', str, str)
    const clicks = driver.createInputTopic('clicks', str, str)
    const want: string[] = []
    for (let i = 0; i < 12; i++) users.pipeInput(`u${i}`, `name${i}`, 10)
    for (let i = 0; i < 36; i++) {
      clicks.pipeInput(`u${i % 12}`, `p${i}`, 100 + i)
      want.push(`u${i % 12}=name${i % 12}:p${i}`)
    }
    driver.process(20)
    driver.crash('instance-1')
    driver.runUntilIdle()
    const got = driver.createOutputTopic('enriched', str, str).readRecordsToList()
    expect(got.map((r) => `${r.key}=${r.value}`).sort()).toEqual(want.sort())
    for (const r of got) expect(r.partition).toBe(partitionForKey(r.key, 3))
    driver.close()
  })

  it('a global table is read whole by every instance; a crash rebuilds it from its topic', () => {
    const b = new StreamsBuilder()
    const products = b.globalTable('products', { key: str, value: str }, 'products-store')
    b.stream('orders', { key: str, value: str })
      .join(products, (_k, product) => product, (product, name) => `${product}=${name}`)
      .to('lines', { key: str, value: str })
    const driver = new ClusterTestDriver(b.build(), { defaultPartitions: 3, instances: 2, processingGuarantee: 'exactly_once_v2', seed: 4 })
    const catalog = driver.createInputTopic('products', str, str)
    const orders = driver.createInputTopic('orders', str, str)
    for (let i = 0; i < 9; i++) catalog.pipeInput(`p${i}`, `product ${i}`, 1)
    const want: string[] = []
    for (let i = 0; i < 30; i++) {
      orders.pipeInput(`order-${i}`, `p${i % 9}`, 10 + i)
      want.push(`order-${i}:p${i % 9}=product ${i % 9}`)
    }
    driver.process(12)
    driver.crash('instance-0')
    driver.runUntilIdle()
    expect(driver.createOutputTopic('lines', str, str).readKeyValuesToList().map((kv) => `${kv.key}:${kv.value}`).sort()).toEqual(want.sort())
    driver.close()
  })

  it('joined topics with different partition counts are a TopologyError, as in the runtime', () => {
    expect(() => new ClusterTestDriver(enrich(), { partitions: { users: 2, clicks: 3 } })).toThrow(TopologyError)
  })
})

describe('ClusterTestDriver: crashes, commits and rebalances', () => {
  const input = lines(60)
  const expected = expectedCounts(input)

  it('exactly_once_v2: a crash aborts the uncommitted output; read_committed output loses and duplicates nothing', () => {
    const driver = driverFor({ processingGuarantee: 'exactly_once_v2', instances: 2 })
    pipe(driver, input)
    driver.process(50)
    driver.commit()
    driver.process() // everything readable, nothing committed
    driver.crash('instance-0')
    expect(driver.stats.aborted).toBe(1)
    // The aborted transaction's records are there for a read_uncommitted reader only.
    const uncommitted = driver.createOutputTopic('word-counts', str, Serdes.int64(), { isolation: 'read_uncommitted' })
    const committed = driver.createOutputTopic('word-counts', str, Serdes.int64())
    expect(uncommitted.getQueueSize()).toBeGreaterThan(committed.getQueueSize())
    driver.runUntilIdle()
    expect(sortedMap(countsPerWord(driver))).toEqual(sortedMap(exactSequences(expected)))
    // State restored from the committed changelog, then updated: exact.
    for (const [w, n] of expected) expect(driver.getKeyValueStore<string, number>('counts', partitionForKey(w, 3)).get(w)).toBe(n)
    driver.close()
  })

  it('at_least_once: a crash re-reads input from the committed offsets, duplicating but losing nothing', () => {
    const driver = driverFor({ processingGuarantee: 'at_least_once', instances: 2 })
    pipe(driver, input)
    driver.process(50)
    driver.commit()
    driver.process()
    driver.crash('instance-0')
    driver.crash('instance-1')
    driver.runUntilIdle()
    const seen = countsPerWord(driver)
    let duplicated = false
    for (const [w, n] of expected) {
      const values = seen.get(w) ?? []
      // Every count up to the true one was emitted; reprocessing counted some words again.
      for (let i = 1; i <= n; i++) expect(values, w).toContain(i)
      expect(Math.max(...values)).toBeGreaterThanOrEqual(n)
      if (values.length > n) duplicated = true
    }
    expect(duplicated).toBe(true)
    driver.close()
  })

  it('a commit of one task under at_least_once commits only its input offsets', () => {
    const driver = driverFor({ processingGuarantee: 'at_least_once', instances: 2 })
    pipe(driver, input)
    driver.process()
    driver.commit('0_1')
    expect(driver.committedOffset('text-lines', 1)).toBeGreaterThan(0n)
    expect(driver.committedOffset('text-lines', 0)).toBeUndefined()
    expect(() => driver.commit('9_9')).toThrow(InvalidArgumentError)
    driver.close()
  })

  for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
    it(`${guarantee}: rebalances hand tasks over cleanly, counts stay exact`, () => {
      const driver = driverFor({ processingGuarantee: guarantee, instances: 3, seed: 3 })
      pipe(driver, input)
      driver.process(40)
      // 0_2 already runs on instance-2: only the two others move.
      expect(driver.rebalance({ '1_0': 'instance-2', '1_1': 'instance-0', '0_2': 'instance-2' })).toEqual(['1_0', '1_1'])
      expect(driver.assignment().get('1_0')).toBe('instance-2')
      driver.process(40)
      driver.rebalance()
      driver.process(30)
      driver.moveTask('1_2', 'instance-0')
      driver.runUntilIdle()
      expect(driver.stats.taskMoves).toBeGreaterThan(3)
      expect(sortedMap(countsPerWord(driver))).toEqual(sortedMap(exactSequences(expected)))
      driver.close()
    })
  }
})

describe('ClusterTestDriver: failure schedules (property)', () => {
  const instances = ['instance-0', 'instance-1', 'instance-2']
  /** Steps on 3 instances; commit targets: an instance, every instance, or one of `tasks`. */
  const stepOn = (tasks: string[]): fc.Arbitrary<FailureStep> => fc.oneof(
    fc.record({ kind: fc.constant('process' as const), records: fc.integer({ min: 1, max: 25 }) }),
    fc.record({ kind: fc.constant('commit' as const), target: fc.option(fc.constantFrom(...instances, ...tasks), { nil: undefined }) }),
    fc.record({ kind: fc.constant('crash' as const), instance: fc.constantFrom(...instances) }),
    fc.constant({ kind: 'rebalance' as const }),
  )
  const step = stepOn(['0_1', '1_2'])

  it('exactly_once_v2: under random crash/commit/rebalance schedules each count is emitted exactly once', () => {
    const input = lines(40)
    const run = (schedule: readonly FailureStep[], seed: number, cacheMaxBytes: number): Map<string, number[]> =>
      outputUnderSchedule({
        driver: () => driverFor({ processingGuarantee: 'exactly_once_v2', instances: 3, seed, cacheMaxBytes }),
        input: (d) => pipe(d, input),
        output: (d) => countsPerWord(d),
        schedule,
      })
    const want = sortedMap(exactSequences(expectedCounts(input)))
    expect(sortedMap(run([], 0, 0))).toEqual(want)
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), fc.integer(), (schedule, seed) => {
        expect(sortedMap(run(schedule, seed, 0))).toEqual(want)
        // With the record cache on, updates collapse but the final counts are the same.
        const cached = run(schedule, seed, 1 << 20)
        expect(sortedMap(new Map([...cached].map(([w, v]) => [w, v[v.length - 1]])))).toEqual(sortedMap(expectedCounts(input)))
      }),
      { numRuns: 40 },
    )
  })

  it('at_least_once: under random schedules nothing is lost (every count up to the true one is emitted)', () => {
    const input = lines(40)
    const expected = expectedCounts(input)
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), fc.integer(), (schedule, seed) => {
        const seen = outputUnderSchedule({
          driver: () => driverFor({ processingGuarantee: 'at_least_once', instances: 3, seed }),
          input: (d) => pipe(d, input),
          output: (d) => countsPerWord(d),
          schedule,
        })
        expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort())
        for (const [w, n] of expected) {
          const values = seen.get(w) as number[]
          for (let i = 1; i <= n; i++) expect(values, w).toContain(i)
          expect(values[values.length - 1], w).toBeGreaterThanOrEqual(n)
        }
      }),
      { numRuns: 30 },
    )
  })

  it('randomFailureSchedule draws the same schedule from the same seed', () => {
    expect(randomFailureSchedule(5, { instances })).toEqual(randomFailureSchedule(5, { instances }))
    expect(randomFailureSchedule(5, { instances })).not.toEqual(randomFailureSchedule(6, { instances }))
    expect(randomFailureSchedule(5, { instances, steps: 7 })).toHaveLength(7)
  })

  it('exactly_once_v2: each final windowed count (suppressed until the window closes) is emitted exactly once', () => {
    const users = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus']
    const clicks = Array.from({ length: 90 }, (_, i) => ({ user: users[(i * 5) % users.length], ts: i * 7 }))
    const want = new Map<string, number>()
    for (const c of clicks) {
      const k = `${c.user}@${Math.floor(c.ts / 100) * 100}`
      want.set(k, (want.get(k) ?? 0) + 1)
    }
    const topology = (): Topology => {
      const b = new StreamsBuilder()
      b.stream('clicks', { key: str, value: str })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(100, 0))
        .count({ name: 'clicks-per-window' })
        .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
        .toStream()
        .map((w, n) => keyValue(`${w.key}@${w.window.start}`, n))
        .to('final-counts', { key: str, value: Serdes.int64() })
      return b.build()
    }
    const run = (schedule: readonly FailureStep[], seed: number): string[] =>
      outputUnderSchedule({
        driver: () => new ClusterTestDriver(topology(), { applicationId: 'cluster-win', processingGuarantee: 'exactly_once_v2', defaultPartitions: 3, instances: 3, seed, defaultKeySerde: str }),
        input: (d) => {
          const topic = d.createInputTopic('clicks', str, str)
          for (const c of clicks) topic.pipeInput(c.user, 'click', c.ts)
          // A late record on every partition closes its last windows.
          for (let p = 0; p < 3; p++) topic.pipeInput('end', 'click', 1_000_000, [], p)
        },
        output: (d) => d.createOutputTopic('final-counts', str, Serdes.int64()).readKeyValuesToList().map(({ key, value }) => `${key}=${value}`).sort(),
        schedule,
      })
    const expected = [...want].map(([k, n]) => `${k}=${n}`).sort()
    expect(run([], 0)).toEqual(expected)
    fc.assert(
      fc.property(fc.array(stepOn(['0_1']), { maxLength: 25 }), fc.integer(), (schedule, seed) => {
        expect(run(schedule, seed)).toEqual(expected)
      }),
      { numRuns: 30 },
    )
  })
})
