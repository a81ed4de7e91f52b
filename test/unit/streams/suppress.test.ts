import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import {
  BufferConfig,
  KTable,
  Serdes,
  StreamTask,
  StreamsBuilder,
  StreamsProcessingError,
  Stores,
  Suppressed,
  SuppressionBufferFullError,
  TopologyError,
  TopologyTestDriver,
  keyValue,
  type Change,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type Record,
  type Serde,
  type SuppressedChange,
  type Topology,
} from '../../../src/streams/index.js'
import type { Windowed } from '../../../src/streams/windowed.js'
import { storeGetter } from '../../../src/streams/dsl/processors.js'
import { decodeBufferedChange } from '../../../src/streams/state/suppression-buffer.js'
import { SessionWindows, TimeWindows } from '../../../src/streams/dsl/windows.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'
import { captureTask, type SentRecord } from './capture-task.js'
import { captureChanges } from './table-changes.js'

const str = Serdes.string()

function timeLimited(suppressed: Suppressed) {
  const b = new StreamsBuilder()
  const table = b.table('in', { key: str, value: str }).suppress(suppressed)
  const topology = b.build()
  const seen = captureChanges(topology, table)
  const driver = new TopologyTestDriver(topology)
  return { driver, seen, input: driver.createInputTopic('in', str, str), table }
}

describe('Suppressed and BufferConfig', () => {
  it('builds Kafka Streams configurations', () => {
    const unbounded = BufferConfig.unbounded()
    expect([unbounded.maxRecords, unbounded.maxBytes, unbounded.bufferFullStrategy, unbounded.loggingEnabled]).toEqual([Infinity, Infinity, 'shut-down', true])
    const eager = BufferConfig.maxRecords(3)
    expect([eager.maxRecords, eager.maxBytes, eager.bufferFullStrategy]).toEqual([3, Infinity, 'emit-early'])
    const strict = BufferConfig.maxBytes(100).withMaxRecords(5).shutDownWhenFull()
    expect([strict.maxRecords, strict.maxBytes, strict.bufferFullStrategy]).toEqual([5, 100, 'shut-down'])
    expect(strict.emitEarlyWhenFull().bufferFullStrategy).toBe('emit-early')
    expect(strict.withNoBound().maxRecords).toBe(Infinity)
    expect(unbounded.withLoggingDisabled().loggingEnabled).toBe(false)
    expect(unbounded.withLoggingDisabled().withLoggingEnabled({ 'retention.ms': '1' }).logConfig).toEqual({ 'retention.ms': '1' })
    const s = Suppressed.untilTimeLimit(5, eager).withName('s1').withLoggingDisabled()
    expect([s.kind, s.timeLimitMs, s.name, s.bufferConfig.loggingEnabled, s.bufferConfig.maxRecords]).toEqual(['time-limit', 5, 's1', false, 3])
  })

  it('rejects invalid sizes, time limits, names and an eager buffer for final results', () => {
    expect(() => BufferConfig.maxRecords(-1)).toThrow(InvalidArgumentError)
    expect(() => BufferConfig.maxBytes(1.5)).toThrow(InvalidArgumentError)
    expect(() => BufferConfig.unbounded().withMaxBytes(Number.NaN)).toThrow(/withMaxBytes/)
    expect(() => Suppressed.untilTimeLimit(-1, BufferConfig.unbounded())).toThrow(InvalidArgumentError)
    expect(() => Suppressed.untilTimeLimit(1, undefined as unknown as BufferConfig)).toThrow(InvalidArgumentError)
    expect(() => Suppressed.untilTimeLimit(1, BufferConfig.unbounded()).withName('')).toThrow(InvalidArgumentError)
    // Kafka Streams' types forbid it; here the type and a runtime check do.
    // @ts-expect-error an eager buffer is not a StrictBufferConfig
    expect(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(1))).toThrow(/strict/)
    expect(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(1).shutDownWhenFull())).not.toThrow()
  })

  it('untilWindowCloses on a table whose keys are not windowed is a TopologyError', () => {
    const b = new StreamsBuilder()
    const t = b.table('in', { key: str, value: str })
    expect(() => t.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))).toThrow(TopologyError)
    expect(() => t.suppress({} as Suppressed)).toThrow(InvalidArgumentError)
  })

  it('names the processor and store as Kafka Streams does, and logs the store to its changelog', () => {
    const b = new StreamsBuilder()
    const t = b.table('in', { key: str, value: str })
    const s1 = t.suppress(Suppressed.untilTimeLimit(1, BufferConfig.unbounded()))
    const s2 = t.suppress(Suppressed.untilTimeLimit(1, BufferConfig.unbounded()).withName('my-suppress'))
    const s3 = t.suppress(Suppressed.untilTimeLimit(1, BufferConfig.unbounded().withLoggingDisabled()))
    // Names and stores as in Kafka Streams 4.3.1's describe() of the same three suppress() calls on one
    // table, printed once by a Java StreamsBuilder program (the whole text was equal).
    expect(s1.name).toBe('KTABLE-SUPPRESS-0000000003')
    expect(s2.name).toBe('my-suppress')
    expect(s3.name).toBe('KTABLE-SUPPRESS-0000000005')
    const topology = b.build()
    expect([...topology.stores.keys()]).toEqual(['in-STATE-STORE-0000000000', 'KTABLE-SUPPRESS-STATE-STORE-0000000004', 'my-suppress-store', 'KTABLE-SUPPRESS-STATE-STORE-0000000006'])
    const { internalTopics } = topology.resolveInternalTopics('app', () => 1)
    expect(internalTopics.map((t) => t.name)).toEqual([
      'app-in-STATE-STORE-0000000000-changelog',
      'app-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog',
      'app-my-suppress-store-changelog',
    ])
  })
})

describe('KTable.suppress(untilTimeLimit)', () => {
  it('emits the latest change of a key once stream time is the limit past its first buffered update', () => {
    const { driver, seen, input } = timeLimited(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
    input.pipeInput('a', 'a1', 0, [['h', Buffer.from('1')]])
    input.pipeInput('a', 'a2', 5, [['h', Buffer.from('2')]])
    input.pipeInput('b', 'b1', 8)
    expect(seen).toEqual([])
    // Stream time 10: a (buffered at 0) is due; b (8) is not. A later update did not restart a's wait.
    input.pipeInput('c', 'c1', 10)
    expect(seen).toEqual([{ key: 'a', newValue: 'a2', oldValue: 'a1', timestamp: 5, headers: [['h', Buffer.from('2')]] }])
    // An older record does not move stream time back.
    input.pipeInput('d', 'd1', 1)
    expect(seen).toHaveLength(1)
    input.pipeInput('e', 'e1', 18)
    expect(seen.slice(1).map((s) => [s.key, s.newValue, s.timestamp])).toEqual([
      ['d', 'd1', 1],
      ['b', 'b1', 8],
    ])
    driver.close()
  })

  it('forwards the old value of the latest buffered change and tombstones', () => {
    const { driver, seen, input } = timeLimited(Suppressed.untilTimeLimit(5, BufferConfig.unbounded()))
    input.pipeInput('a', 'v1', 0)
    input.pipeInput('z', 'z', 5) // a: (v1, null) emitted
    input.pipeInput('a', 'v2', 6)
    input.pipeInput('a', 'v3', 7)
    input.pipeInput('a', null as unknown as string, 8)
    input.pipeInput('z', 'z2', 11) // a buffered at 6: its latest change (delete of v3) is due
    expect(seen.filter((s) => s.key === 'a')).toEqual([
      { key: 'a', newValue: 'v1', oldValue: null, timestamp: 0, headers: [] },
      { key: 'a', newValue: null, oldValue: 'v3', timestamp: 8, headers: [] },
    ])
    driver.close()
  })

  it('number values keep their exact bytes through the buffer: 0 and -0 apart, many distinct values', () => {
    const b = new StreamsBuilder()
    const dbl = Serdes.double()
    const table = b
      .table('in', { key: str, value: dbl })
      .suppress(Suppressed.untilTimeLimit(0, BufferConfig.unbounded()))
    const topology = b.build()
    const seen = captureChanges(topology, table)
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', str, dbl)
    const values = [0, -0, 0, 1.5, -0, ...Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? -i : i / 4))]
    values.forEach((v, i) => input.pipeInput(i % 2 === 0 ? 'a' : 'b', v, i))
    const expected = values.map((v, i) => [v, i < 2 ? null : values[i - 2]])
    const got = seen.map((s) => [s.newValue, s.oldValue])
    expect(got).toHaveLength(expected.length)
    for (let i = 0; i < expected.length; i++) {
      expect(Object.is(got[i][0], expected[i][0]) && Object.is(got[i][1], expected[i][1]), `update ${i}: ${got[i]} vs ${expected[i]}`).toBe(true)
    }
    driver.close()
  })

  it('a time limit of 0 emits every update at once', () => {
    const { driver, seen, input } = timeLimited(Suppressed.untilTimeLimit(0, BufferConfig.unbounded()))
    input.pipeInput('a', 'v1', 3)
    input.pipeInput('a', 'v2', 1)
    expect(seen.map((s) => [s.newValue, s.oldValue, s.timestamp])).toEqual([
      ['v1', null, 3],
      ['v2', 'v1', 1],
    ])
    driver.close()
  })

  it("stream time is the suppression's own: records dropped upstream do not advance it", () => {
    const b = new StreamsBuilder()
    const table = b
      .table('in', { key: str, value: str })
      .filter((_k, v) => v !== 'drop')
      .suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
    const topology = b.build()
    const seen = captureChanges(topology, table)
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'a1', 0)
    input.pipeInput('x', 'drop', 100) // the task's stream time is 100; the suppression saw nothing
    expect(seen).toEqual([])
    input.pipeInput('b', 'b1', 10)
    expect(seen.map((s) => s.key)).toEqual(['a'])
    driver.close()
  })

  it('emits the oldest keys early when a bounded eager buffer is over its record limit', () => {
    const { driver, seen, input } = timeLimited(Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(2)))
    input.pipeInput('b', 'b1', 5)
    input.pipeInput('a', 'a1', 5) // same buffer time: key bytes break the tie
    input.pipeInput('a', 'a2', 6) // an update does not add a key
    expect(seen).toEqual([])
    input.pipeInput('c', 'c1', 7)
    expect(seen.map((s) => [s.key, s.newValue])).toEqual([['a', 'a2']])
    input.pipeInput('d', 'd1', 8)
    expect(seen.map((s) => [s.key, s.newValue])).toEqual([
      ['a', 'a2'],
      ['b', 'b1'],
    ])
    driver.close()
  })

  it("counts bytes as Kafka Streams does (key, values, context, topic, headers, 8 per entry)", () => {
    // 'k' + 'v' + 8 + 8 + 8 + 4 + topic 'in' = 1 + 1 + 28 + 2 = 32 bytes for a first insert.
    const fits = timeLimited(Suppressed.untilTimeLimit(1000, BufferConfig.maxBytes(32)))
    fits.input.pipeInput('k', 'v', 0)
    expect(fits.seen).toEqual([])
    fits.driver.close()
    const over = timeLimited(Suppressed.untilTimeLimit(1000, BufferConfig.maxBytes(31)))
    over.input.pipeInput('k', 'v', 0)
    expect(over.seen.map((s) => s.key)).toEqual(['k'])
    over.driver.close()
  })

  it('fails the task with SuppressionBufferFullError when a shut-down buffer is full', () => {
    const { driver, seen, input } = timeLimited(Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(1).shutDownWhenFull()))
    input.pipeInput('a', 'a1', 0)
    input.pipeInput('a', 'a2', 1)
    let err: unknown
    try {
      input.pipeInput('b', 'b1', 2)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StreamsProcessingError)
    expect((err as Error).cause).toBeInstanceOf(SuppressionBufferFullError)
    expect((err as Error).message).toMatch(/\[2\/1\] records/)
    expect(seen).toEqual([])
    driver.close()
  })

  it('the suppressed table reads as what downstream last saw (the prior value) for buffered keys in joins', () => {
    const b = new StreamsBuilder()
    const table = b.table('table-in', { key: str, value: str }).suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
    b.stream('lookups', { key: str, value: str })
      .leftJoin(table, (v, t) => `${v}:${t}`)
      .to('joined', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build())
    const tableIn = driver.createInputTopic('table-in', str, str)
    const lookups = driver.createInputTopic('lookups', str, str)
    const out = driver.createOutputTopic('joined', str, str)
    tableIn.pipeInput('a', 'v1', 0)
    lookups.pipeInput('a', 'q1', 1) // buffered, nothing emitted yet: the prior value is null
    tableIn.pipeInput('z', 'z1', 10) // a (v1) emitted
    tableIn.pipeInput('a', 'v2', 11)
    lookups.pipeInput('a', 'q2', 12) // buffered update v2: downstream still sees v1
    expect(out.readValuesToList()).toEqual(['q1:null', 'q2:v1'])
    driver.close()
  })

  it('logs the buffer to its changelog: every update, and a delete when emitted', () => {
    const { driver, input } = timeLimited(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
    input.pipeInput('a', 'a1', 0, [['h', Buffer.from('x')]])
    input.pipeInput('a', 'a2', 4)
    input.pipeInput('b', 'b1', 10)
    const log = driver.producedChangelog<string, SuppressedChange<string>>('KTABLE-SUPPRESS-STATE-STORE-0000000004')
    expect(log.map((r) => [r.topic, r.key, r.value])).toEqual([
      ['test-driver-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog', 'a', { bufferTime: 0, timestamp: 0, headers: [['h', Buffer.from('x')]], priorValue: null, oldValue: null, newValue: 'a1' }],
      ['test-driver-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog', 'a', { bufferTime: 0, timestamp: 4, headers: [], priorValue: null, oldValue: 'a1', newValue: 'a2' }],
      ['test-driver-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog', 'b', { bufferTime: 10, timestamp: 10, headers: [], priorValue: null, oldValue: null, newValue: 'b1' }],
      ['test-driver-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog', 'a', null],
    ])
    driver.close()
  })
})

/** A hand-built windowed aggregation: tumbling-window counts, dropping records after window end + grace. */
class TumblingCount implements Processor<string, string, Windowed<string>, Change<number>> {
  #ctx!: ProcessorContext<Windowed<string>, Change<number>>
  #store!: KeyValueStore<string, number>
  #streamTime = -1
  constructor(
    private readonly size: number,
    private readonly grace: number,
  ) {}
  init(ctx: ProcessorContext<Windowed<string>, Change<number>>): void {
    this.#ctx = ctx
    this.#store = ctx.getStateStore('win-counts')
  }
  process(r: Record<string, string>): void {
    this.#streamTime = Math.max(this.#streamTime, r.timestamp)
    const start = r.timestamp - (r.timestamp % this.size)
    const end = start + this.size
    if (end + this.grace <= this.#streamTime) return
    const id = `${r.key}@${start}`
    const old = this.#store.get(id)
    const count = (old ?? 0) + 1
    this.#store.put(id, count)
    this.#ctx.forward({ key: { key: r.key, window: { start, end } }, value: { newValue: count, oldValue: old }, timestamp: r.timestamp, headers: r.headers })
  }
}

function windowedCounts(size: number, grace: number) {
  const b = new StreamsBuilder()
  b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('win-counts'), str, Serdes.int64()))
  const counts = b.stream('clicks', { key: str, value: str }).process(() => new TumblingCount(size, grace), 'win-counts')
  // What a windowed aggregation returns: a table of Windowed keys that knows its grace.
  const table = new KTable<Windowed<string>, number>(counts.b, counts.name, undefined, Serdes.int64(), counts.sourceNodes, storeGetter('win-counts'), undefined)
  table.windowedAggregation = { windowedKeys: true, kind: 'time', graceMs: grace, processorName: counts.name }
  return { b, table }
}

describe('KTable.suppress(untilWindowCloses)', () => {
  function finalCounts(size: number, grace: number) {
    const { b, table } = windowedCounts(size, grace)
    table
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .map((w, n) => keyValue(`${w.key}@${w.window.start}-${w.window.end}`, n))
      .to('final', { key: str, value: Serdes.int64() })
    // No key serde on the windowed table: the buffer wraps the default key serde.
    const driver = new TopologyTestDriver(b.build(), { defaultKeySerde: str })
    return { driver, clicks: driver.createInputTopic('clicks', str, str), out: driver.createOutputTopic('final', str, Serdes.int64()) }
  }

  it('emits one final count per window once window end + grace <= stream time', () => {
    const { driver, clicks, out } = finalCounts(10, 5)
    clicks.pipeInput('a', 'x', 1)
    clicks.pipeInput('a', 'x', 3)
    clicks.pipeInput('b', 'x', 9)
    clicks.pipeInput('a', 'x', 12) // window [10,20)
    clicks.pipeInput('a', 'x', 8) // late but within grace: counted in [0,10)
    expect(out.readRecordsToList()).toEqual([])
    clicks.pipeInput('c', 'x', 14) // 10 + 5 <= 14? no
    expect(out.isEmpty()).toBe(true)
    clicks.pipeInput('c', 'x', 15) // [0,10) closes: final results, ordered by window end then key bytes
    expect(out.readRecordsToList()).toEqual([
      { key: 'a@0-10', value: 3, timestamp: 8, headers: [] },
      { key: 'b@0-10', value: 1, timestamp: 9, headers: [] },
    ])
    clicks.pipeInput('a', 'x', 2) // after grace: dropped upstream, nothing more for [0,10)
    clicks.pipeInput('z', 'x', 40)
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'a@10-20', value: 1 },
      { key: 'c@10-20', value: 2 },
    ])
    driver.close()
  })

  it('drops deletes of windows (nothing was emitted for them before)', () => {
    const { b, table } = windowedCounts(10, 0)
    const suppressed = table
      .filter((_w, n) => n < 2) // a second click turns the window's row into a delete
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
    const topology = b.build()
    const seen = captureChanges(topology, suppressed)
    const driver = new TopologyTestDriver(topology, { defaultKeySerde: str })
    const clicks = driver.createInputTopic('clicks', str, str)
    clicks.pipeInput('a', 'x', 1)
    clicks.pipeInput('a', 'x', 2)
    clicks.pipeInput('b', 'x', 3)
    clicks.pipeInput('z', 'x', 10)
    expect(seen.map((s) => [(s.key as Windowed<string>).key, s.newValue])).toEqual([['b', 1]])
    driver.close()
  })
})

describe('suppression buffer restore', () => {
  type Sent = SentRecord
  const task = (topology: Topology, sent: Sent[]): StreamTask => captureTask(topology, sent, { defaultKeySerde: str })

  it('a task restored from the changelog emits exactly what the first task had not', () => {
    const build = () => {
      const { b, table } = windowedCounts(10, 0)
      table
        .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'))
        .toStream()
        .map((w, n) => keyValue(`${w.key}@${w.window.start}`, n))
        .to('out', { key: str, value: Serdes.int64() })
      return b.build()
    }
    const input: Array<[string, number]> = [
      ['a', 1],
      ['b', 2],
      ['a', 5],
      ['a', 11], // closes [0,10): a=2, b=1
      ['b', 12],
      ['c', 13],
      ['b', 19],
    ]
    const rest: Array<[string, number]> = [
      ['a', 20], // closes [10,20): a=1, b=2, c=1
      ['d', 35], // closes [20,30): a=1
    ]
    const click = (t: StreamTask, [key, ts]: [string, number], offset: number) => t.process('clicks', 0, BigInt(offset), Buffer.from(key), Buffer.from('x'), ts, [])
    const outputs = (sent: Sent[]) => sent.filter((s) => s.topic === 'out').map((s) => `${s.key}=${s.value!.readBigInt64BE(0)}@${s.timestamp}`)

    // Reference: one task sees everything.
    const refSent: Sent[] = []
    const ref = task(build(), refSent)
    ;[...input, ...rest].forEach((r, i) => click(ref, r, i))
    expect(outputs(refSent)).toEqual(['a@0=2@5', 'b@0=1@2', 'a@10=1@11', 'b@10=2@19', 'c@10=1@13', 'a@20=1@20'])

    // First task stops after `input`; the second restores both stores from their changelogs.
    const firstSent: Sent[] = []
    const first = task(build(), firstSent)
    input.forEach((r, i) => click(first, r, i))
    first.flush() // the last commit: the buffer's changed keys reach its changelog
    first.close()
    const secondSent: Sent[] = []
    const second = task(build(), secondSent)
    for (const c of second.changelogPartitions()) second.restore(c.storeName, firstSent.filter((s) => s.topic === c.topic))
    expect(second.changelogPartitions().map((c) => c.topic)).toEqual(['app-win-counts-changelog', 'app-final-store-changelog'])
    rest.forEach((r, i) => click(second, r, input.length + i))
    expect([...outputs(firstSent), ...outputs(secondSent)]).toEqual(outputs(refSent))
  })

  it('logs each changed key once per commit, with its state at the commit', () => {
    const b = new StreamsBuilder()
    b.table('in', { key: str, value: str }, { name: 'src', loggingEnabled: false }).suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()).withName('s'))
    const sent: Sent[] = []
    const t = task(b.build(), sent)
    const put = (k: string, v: string, ts: number, offset: number) => t.process('in', 0, BigInt(offset), Buffer.from(k), Buffer.from(v), ts, [])
    put('a', 'a1', 0, 0)
    put('a', 'a2', 1, 1)
    put('b', 'b1', 2, 2)
    expect(sent).toEqual([])
    t.flush()
    const decode = (r: Sent) => [r.key!.toString(), r.value === null ? null : decodeBufferedChange(r.value).newValue!.toString()]
    expect(sent.map(decode)).toEqual([
      ['a', 'a2'],
      ['b', 'b1'],
    ])
    sent.length = 0
    put('c', 'c1', 10, 3) // a is emitted: its buffer entry is deleted
    put('b', 'b2', 11, 4)
    t.flush()
    expect(sent.filter((r) => r.topic === 'app-s-store-changelog').map(decode)).toEqual([
      ['c', 'c1'],
      ['a', null],
      ['b', 'b2'],
    ])
  })

  it('rejects store bytes of an unknown layout version', () => {
    const b = new StreamsBuilder()
    b.table('in', { key: str, value: str }).suppress(Suppressed.untilTimeLimit(1, BufferConfig.unbounded()).withName('s'))
    const t = task(b.build(), [])
    t.restore('s-store', [{ key: Buffer.from('k'), value: Buffer.from([9, 0, 0]), timestamp: 0 }])
    expect(() => t.init()).toThrow(/unknown value layout version 9/)
  })
})

describe('suppress(untilWindowCloses) on windowed aggregations', () => {
  /** clicks -> groupByKey().windowedBy(windows).count().suppress(untilWindowCloses(unbounded())) -> final. */
  function finalCounts(windows: TimeWindows | SessionWindows, outKeySerde: Serde<Windowed<string>>) {
    const b = new StreamsBuilder()
    const grouped = b.stream('clicks', { key: str, value: str }).groupByKey()
    const counts = windows instanceof SessionWindows ? grouped.windowedBy(windows).count() : grouped.windowedBy(windows).count()
    counts
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .to('final', { value: Serdes.int64() })
    const topology = b.build()
    const driver = new TopologyTestDriver(topology)
    const out = driver.createOutputTopic('final', outKeySerde, Serdes.int64())
    const read = () => out.readRecordsToList().map((r) => [`${r.key.key}@${r.key.window.start}-${r.key.window.end}`, r.value, r.timestamp])
    return { topology, driver, clicks: driver.createInputTopic('clicks', str, str), read }
  }

  it('groupByKey().windowedBy(TimeWindows.ofSizeAndGrace).count(): one final count per window after end + grace', () => {
    const { topology, driver, clicks, read } = finalCounts(TimeWindows.ofSizeAndGrace(10, 5), WindowedSerdes.timeWindowedSerdeFrom(str, 10))
    expect([...topology.stores.keys()]).toContain('KTABLE-SUPPRESS-STATE-STORE-0000000004')
    clicks.pipeInput('a', 'x', 3)
    clicks.pipeInput('a', 'x', 12)
    clicks.pipeInput('b', 'x', 11)
    clicks.pipeInput('a', 'x', 7) // [0,10) still open: 10 + 5 > 12
    expect(read()).toEqual([])
    clicks.pipeInput('a', 'x', 16) // closes [0,10)
    expect(read()).toEqual([['a@0-10', 2, 7]])
    clicks.pipeInput('a', 'x', 9) // late: dropped by the aggregation, never reaches the suppression
    clicks.pipeInput('c', 'x', 25) // closes [10,20): window end, then key bytes
    expect(read()).toEqual([
      ['a@10-20', 2, 16],
      ['b@10-20', 1, 11],
    ])
    expect(driver.metrics().get('0_0')?.droppedRecords).toBe(1)
    driver.close()
  })

  it('hopping windows: each window of a record emitted once, in window-end order', () => {
    const { driver, clicks, read } = finalCounts(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5), WindowedSerdes.timeWindowedSerdeFrom(str, 10))
    clicks.pipeInput('a', 'x', 7) // windows [0,10) and [5,15)
    clicks.pipeInput('a', 'x', 8)
    clicks.pipeInput('a', 'x', 10) // windows [5,15), [10,20); closes [0,10)
    expect(read()).toEqual([['a@0-10', 2, 8]])
    clicks.pipeInput('z', 'x', 30) // closes [5,15) and [10,20); z's windows [25,35), [30,40) stay open
    expect(read()).toEqual([
      ['a@5-15', 3, 10],
      ['a@10-20', 1, 10],
    ])
    driver.close()
  })

  it('session windows: merged-away sessions (deletes) are dropped, the merged session emitted once after end + gap + grace', () => {
    const { driver, clicks, read } = finalCounts(SessionWindows.ofInactivityGapAndGrace(5, 2), WindowedSerdes.sessionWindowedSerdeFrom(str))
    clicks.pipeInput('a', 'x', 0)
    clicks.pipeInput('a', 'x', 3) // merges [0,0] into [0,3]: a delete for [0,0]
    clicks.pipeInput('b', 'x', 9) // 3 + 5 + 2 <= 9? no
    expect(read()).toEqual([])
    clicks.pipeInput('b', 'x', 10) // [0,3] closes; [0,0]'s delete is not forwarded
    expect(read()).toEqual([['a@0-3', 2, 3]])
    driver.close()
  })
})
