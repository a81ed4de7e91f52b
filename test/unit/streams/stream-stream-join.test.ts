// Stream-stream joins through the TopologyTestDriver. Expected outputs are worked out from Kafka
// Streams 4.3's rules (KStreamKStreamJoin, KStreamJoinWindow, the shared outer-join store) and were
// checked against Kafka Streams 4.3.1's own TopologyTestDriver on the same inputs (outputs, and the
// outer-join store's changelog bytes). One intended difference: a record too old for its side's
// join store is counted in droppedRecords here (Kafka Streams counts it in a store metric).
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/index.js'
import { JoinWindows, Serdes, Stores, StreamsBuilder, StreamTask, TimeWindows, TopologyError, TopologyTestDriver, type KStream, type StreamJoined } from '../../../src/streams/index.js'
import { appendToOuterJoinStore, LeftOrRightValueListSerde, removeFromOuterJoinStore, TimestampedKeyAndJoinSideSerde, type OuterJoinStore } from '../../../src/streams/dsl/outer-join-store.js'
import { InMemoryKeyValueStore } from '../../../src/streams/state/in-memory.js'
import { SerdeKeyValueStore } from '../../../src/streams/state/typed.js'

const str = Serdes.string()
type Kind = 'inner' | 'left' | 'outer'

function joinTopology(kind: Kind, windows: JoinWindows, sj?: StreamJoined<string, string, string>) {
  const b = new StreamsBuilder()
  const left = b.stream('left', { key: str, value: str })
  const right = b.stream('right', { key: str, value: str })
  const joiner = (l: string | null, r: string | null) => `${l}+${r}`
  const joined: KStream<string, string> =
    kind === 'inner' ? left.join(right, joiner, windows, sj) : kind === 'left' ? left.leftJoin(right, joiner, windows, sj) : left.outerJoin(right, joiner, windows, sj)
  joined.to('out', { value: str })
  return b.build()
}

function drive(kind: Kind, windows: JoinWindows, sj?: StreamJoined<string, string, string>) {
  const driver = new TopologyTestDriver(joinTopology(kind, windows, sj), { applicationId: 'app', initialWallClockTimeMs: 0, outerJoinEmitIntervalMs: 0 })
  const left = driver.createInputTopic('left', str, str)
  const right = driver.createInputTopic('right', str, str)
  const out = driver.createOutputTopic('out', str, str)
  const read = () => out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
  const dropped = () => [...driver.metrics().values()].reduce((n, m) => n + m.droppedRecords, 0)
  return { driver, left, right, read, dropped }
}

describe('JoinWindows', () => {
  it('before/after/grace as Kafka Streams, and its validation', () => {
    const w = JoinWindows.ofTimeDifferenceAndGrace(100, 20)
    expect([w.beforeMs, w.afterMs, w.gracePeriodMs(), w.size()]).toEqual([100, 100, 20, 200])
    const asym = JoinWindows.ofTimeDifferenceWithNoGrace(100).before(-50)
    expect([asym.beforeMs, asym.afterMs, asym.gracePeriodMs(), asym.size()]).toEqual([-50, 100, 0, 50])
    expect(JoinWindows.ofTimeDifferenceWithNoGrace(100).after(0).equals(JoinWindows.ofTimeDifferenceAndGrace(100, 0).after(0))).toBe(true)
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(-1)).toThrow(new InvalidArgumentError('Window interval (ie, beforeMs+afterMs) must not be negative.'))
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(10).before(-11)).toThrow(InvalidArgumentError)
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(10).after(-11)).toThrow(InvalidArgumentError)
    expect(() => JoinWindows.ofTimeDifferenceAndGrace(10, -1)).toThrow(new InvalidArgumentError('Grace period must not be negative.'))
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(1.5)).toThrow(/timeDifferenceMs must be a whole number/)
    expect(() => JoinWindows.ofTimeDifferenceAndGrace(10, Number.NaN)).toThrow(/afterWindowEndMs/)
    expect(() => w.windowsFor()).toThrow(TopologyError)
  })
})

describe('stream-stream inner join', () => {
  it('joins records of the same key within the window both ways, stamped with the larger timestamp', () => {
    const { left, right, read } = drive('inner', JoinWindows.ofTimeDifferenceWithNoGrace(100))
    left.pipeInput('A', 'a1', 0)
    right.pipeInput('A', 'b1', 50)
    right.pipeInput('A', 'b2', 200) // 200 - 0 > 100: no match
    left.pipeInput('A', 'a2', 150) // right records in [50, 250]
    left.pipeInput('B', 'x', 150) // other key
    expect(read()).toEqual([
      ['A', 'a1+b1', 50],
      ['A', 'a2+b1', 150],
      ['A', 'a2+b2', 200],
    ])
  })

  it('before(0): right records may only be later than left ones (asymmetric window)', () => {
    const { left, right, read } = drive('inner', JoinWindows.ofTimeDifferenceWithNoGrace(100).before(0))
    left.pipeInput('A', 'a', 100)
    right.pipeInput('A', 'b0', 99) // earlier than a: no
    right.pipeInput('A', 'b1', 100)
    right.pipeInput('A', 'b2', 200)
    right.pipeInput('A', 'b3', 201) // 101 after a: no
    left.pipeInput('A', 'c', 150) // right records in [150, 250]
    expect(read()).toEqual([
      ['A', 'a+b1', 100],
      ['A', 'a+b2', 200],
      ['A', 'c+b2', 200],
      ['A', 'c+b3', 201],
    ])
  })

  it('duplicates (same key and timestamp) are all kept and all joined', () => {
    const { left, right, read } = drive('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10))
    left.pipeInput('A', 'a', 10)
    right.pipeInput('A', 'b', 10)
    right.pipeInput('A', 'b', 10)
    left.pipeInput('A', 'a2', 10)
    expect(read()).toEqual([
      ['A', 'a+b', 10],
      ['A', 'a+b', 10],
      ['A', 'a2+b', 10],
      ['A', 'a2+b', 10],
    ])
  })

  it('skips null keys and null values, counted as dropped records', () => {
    const { left, right, read, dropped } = drive('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10))
    left.pipeInput(null as unknown as string, 'a', 1)
    left.pipeInput('A', null as unknown as string, 1)
    right.pipeInput(null as unknown as string, 'b', 1)
    right.pipeInput('A', 'b', 1)
    expect(read()).toEqual([])
    expect(dropped()).toBe(3)
  })

  it('the value joiner gets the key', () => {
    const b = new StreamsBuilder()
    const l = b.stream('left', { key: str, value: str })
    l.join(b.stream('right', { key: str, value: str }), (v, o, k) => `${k}:${v}:${o}`, JoinWindows.ofTimeDifferenceWithNoGrace(5)).to('out', { value: str })
    const driver = new TopologyTestDriver(b.build())
    driver.createInputTopic('left', str, str).pipeInput('K', 'x', 1)
    driver.createInputTopic('right', str, str).pipeInput('K', 'y', 2)
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['K:x:y'])
  })

  it('self-join (the same stream on both sides) uses two stores, as Kafka Streams without the optimization', () => {
    const b = new StreamsBuilder()
    const s = b.stream('in', { key: str, value: str })
    s.join(s, (x, y) => `${x}|${y}`, JoinWindows.ofTimeDifferenceWithNoGrace(100)).to('out', { value: str })
    const topology = b.build()
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('A', 'x', 0)
    input.pipeInput('A', 'y', 10)
    expect(driver.createOutputTopic('out', str, str).readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
      ['x|x', 0],
      ['y|x', 10],
      ['x|y', 10],
      ['y|y', 10],
    ])
    const text = topology.describe().toString()
    expect(text).toContain('KSTREAM-JOINTHIS-0000000003-store')
    expect(text).toContain('KSTREAM-JOINOTHER-0000000004-store')
  })
})

describe('stream-stream left join', () => {
  it('emits an unmatched left record joined with null once, only after its window closed; matched ones never', () => {
    const { driver, left, right, read, dropped } = drive('left', JoinWindows.ofTimeDifferenceWithNoGrace(100))
    left.pipeInput('A', 'a1', 0)
    left.pipeInput('B', 'b1', 50)
    right.pipeInput('A', 'r1', 60) // matches a1: a1 leaves the outer-join store
    expect(read()).toEqual([['A', 'a1+r1', 60]])
    left.pipeInput('C', 'c1', 101) // B's window [.., 150] is still open
    expect(read()).toEqual([])
    left.pipeInput('D', 'd1', 151) // stream time 151 > 50 + 100: B closes
    expect(read()).toEqual([['B', 'b1+null', 50]])
    // Out of order and its window already closed (10 + 100 < 151): emitted at once, not buffered.
    left.pipeInput('E', 'e1', 10)
    expect(read()).toEqual([['E', 'e1+null', 10]])
    expect(dropped()).toBe(0)
    left.pipeInput('F', 'f1', 300)
    expect(read()).toEqual([
      ['C', 'c1+null', 101],
      ['D', 'd1+null', 151],
    ])
    // Nothing more for B, C, D however far time moves.
    left.pipeInput('G', 'g1', 1000)
    expect(read()).toEqual([['F', 'f1+null', 300]])
    // Older than the left store's retention (size 200 + grace 0) behind its stream time: no longer
    // buffered (a dropped record), its null result goes out at once.
    left.pipeInput('H', 'h1', 800)
    expect(read()).toEqual([['H', 'h1+null', 800]])
    expect(dropped()).toBe(1)
    // The outer-join store's changelog: appends and deletes, keys as Kafka Streams writes them.
    const log = driver.producedChangelog<{ key: string; timestamp: number; leftSide: boolean }, unknown>('KSTREAM-OUTERSHARED-0000000004-store')
    expect(log.slice(0, 3).map((r) => [r.key, r.value])).toEqual([
      [{ key: 'A', timestamp: 0, leftSide: true }, [{ left: 'a1', right: null }]],
      [{ key: 'B', timestamp: 50, leftSide: true }, [{ left: 'b1', right: null }]],
      [{ key: 'A', timestamp: 0, leftSide: true }, null],
    ])
  })

  it('changelogs of the three stores carry what Kafka Streams 4.3.1 writes (outer-join store byte for byte)', () => {
    const { driver, left, right } = drive('left', JoinWindows.ofTimeDifferenceWithNoGrace(100))
    left.pipeInput('A', 'a1', 0)
    left.pipeInput('B', 'b1', 50)
    right.pipeInput('A', 'r1', 60)
    left.pipeInput('B', 'b2', 50) // same key and time: appended to B's list
    const keySerde = new TimestampedKeyAndJoinSideSerde(str)
    const listSerde = new LeftOrRightValueListSerde(str, str)
    type OuterKey = { key: string; timestamp: number; leftSide: boolean }
    type OuterValue = Array<{ left: string | null; right: string | null }>
    const outer = driver.producedChangelog<OuterKey, OuterValue>('KSTREAM-OUTERSHARED-0000000004-store')
    const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'))
    expect(outer.map((r) => [hex(keySerde.serialize('t', r.key)), r.value === null ? null : hex(listSerde.serialize('t', r.value)), r.timestamp])).toEqual([
      ['00000000000000000141', '010000000100000003016131', 0],
      ['00000000000000320142', '010000000100000003016231', 50],
      ['00000000000000000141', null, 60],
      ['00000000000000320142', '01000000020000000301623100000003016232', 50],
    ])
    const windowLog = (store: string) => driver.producedChangelog<{ key: string; window: { start: number } }, string>(store).map((r) => [r.key.key, r.key.window.start, r.value, r.timestamp])
    expect(windowLog('KSTREAM-JOINTHIS-0000000004-store')).toEqual([
      ['A', 0, 'a1', 0],
      ['B', 50, 'b1', 50],
      ['B', 50, 'b2', 50],
    ])
    expect(windowLog('KSTREAM-OUTEROTHER-0000000005-store')).toEqual([['A', 60, 'r1', 60]])
  })

  it('grace keeps windows open longer: late matches join, null results wait for end + grace', () => {
    const { left, right, read } = drive('left', JoinWindows.ofTimeDifferenceAndGrace(10, 20))
    left.pipeInput('A', 'a', 0)
    left.pipeInput('B', 'b', 25) // 0 + 10 + 20 >= 25: A still open
    right.pipeInput('A', 'r', 5) // out of order, within grace: joins a
    left.pipeInput('C', 'c', 31) // B open until 55
    expect(read()).toEqual([['A', 'a+r', 5]])
    left.pipeInput('D', 'd', 66)
    expect(read()).toEqual([
      ['B', 'b+null', 25],
      ['C', 'c+null', 31],
    ])
  })

  it('without grace a late right record finds nothing: the left one is gone from the store', () => {
    const { left, right, read } = drive('left', JoinWindows.ofTimeDifferenceWithNoGrace(10))
    left.pipeInput('A', 'a', 0)
    left.pipeInput('B', 'b', 25) // A's window closed at 10: emitted
    right.pipeInput('A', 'r', 5)
    expect(read()).toEqual([['A', 'a+null', 0]])
  })

  it('null keys of the left stream are joined with null at once; null values and right null keys are dropped', () => {
    const { left, right, read, dropped } = drive('left', JoinWindows.ofTimeDifferenceWithNoGrace(10))
    left.pipeInput(null as unknown as string, 'n', 5)
    left.pipeInput('A', null as unknown as string, 5)
    right.pipeInput(null as unknown as string, 'r', 5)
    expect(read()).toEqual([[null, 'n+null', 5]])
    expect(dropped()).toBe(2)
  })

  it('the wall-clock emit interval throttles the scan for closed windows (the driver defaults it to 0, as Kafka Streams\' does)', () => {
    const run = (options: { outerJoinEmitIntervalMs?: number }) => {
      const driver = new TopologyTestDriver(joinTopology('left', JoinWindows.ofTimeDifferenceWithNoGrace(10)), { initialWallClockTimeMs: 5000, ...options })
      const left = driver.createInputTopic('left', str, str)
      const out = driver.createOutputTopic('out', str, str)
      return { driver, left, read: () => out.readValuesToList() }
    }
    const byDefault = run({})
    byDefault.left.pipeInput('A', 'a', 0)
    byDefault.left.pipeInput('B', 'b', 20)
    byDefault.left.pipeInput('C', 'c', 40)
    expect(byDefault.read()).toEqual(['a+null', 'b+null'])
    // Kafka Streams' production default: 1000 ms. The first record's scan (on an empty store)
    // already starts the interval, so B and C wait for the clock.
    const throttled = run({ outerJoinEmitIntervalMs: 1000 })
    throttled.left.pipeInput('A', 'a', 0)
    throttled.left.pipeInput('B', 'b', 20)
    throttled.left.pipeInput('C', 'c', 40)
    expect(throttled.read()).toEqual([])
    throttled.driver.advanceWallClockTime(999)
    throttled.left.pipeInput('D', 'd', 60)
    expect(throttled.read()).toEqual([])
    throttled.driver.advanceWallClockTime(1)
    throttled.left.pipeInput('E', 'e', 80)
    expect(throttled.read()).toEqual(['a+null', 'b+null', 'c+null', 'd+null'])
  })
})

describe('stream-stream outer join', () => {
  it('emits unmatched records of both sides after their windows closed, in time order', () => {
    const { left, right, read } = drive('outer', JoinWindows.ofTimeDifferenceWithNoGrace(100))
    right.pipeInput('A', 'r0', 0)
    left.pipeInput('A', 'l1', 50) // matches r0: r0 leaves the store
    left.pipeInput('B', 'l2', 60)
    right.pipeInput('C', 'r1', 70)
    expect(read()).toEqual([['A', 'l1+r0', 50]])
    left.pipeInput('X', 'x', 300)
    expect(read()).toEqual([
      ['B', 'l2+null', 60],
      ['C', 'null+r1', 70],
    ])
  })

  it('asymmetric windows close each side by its own look-back (after for left records, before for right ones)', () => {
    // before 0, after 50: a left record at t waits for right ones up to t + 50; a right record at t
    // may still meet left ones up to t + 0.
    const { left, right, read } = drive('outer', JoinWindows.ofTimeDifferenceWithNoGrace(50).before(0))
    left.pipeInput('L', 'l', 10)
    right.pipeInput('R', 'r', 10)
    right.pipeInput('Z', 'z', 11) // R closed (10 + 0 < 11), L open until 60
    expect(read()).toEqual([['R', 'null+r', 10]])
    right.pipeInput('Z', 'z2', 61)
    expect(read()).toEqual([
      ['L', 'l+null', 10],
      ['Z', 'null+z', 11],
    ])
  })

  it('null keys on either side are joined with null at once', () => {
    const { left, right, read } = drive('outer', JoinWindows.ofTimeDifferenceWithNoGrace(10))
    left.pipeInput(null as unknown as string, 'l', 1)
    right.pipeInput(null as unknown as string, 'r', 2)
    expect(read()).toEqual([
      [null, 'l+null', 1],
      [null, 'null+r', 2],
    ])
  })
})

describe('stream-stream join topology', () => {
  it('names processors and stores as Kafka Streams; window changelogs are delete-only with retention + 1 day', () => {
    const inner = joinTopology('inner', JoinWindows.ofTimeDifferenceAndGrace(100, 50))
    const text = inner.describe().toString()
    for (const n of ['KSTREAM-WINDOWED-0000000002', 'KSTREAM-WINDOWED-0000000003', 'KSTREAM-JOINTHIS-0000000004', 'KSTREAM-JOINOTHER-0000000005', 'KSTREAM-MERGE-0000000006']) {
      expect(text).toContain(n)
    }
    expect(inner.resolveInternalTopics('app', () => 1).internalTopics.map((t) => [t.name, t.config])).toEqual([
      ['app-KSTREAM-JOINTHIS-0000000004-store-changelog', { 'cleanup.policy': 'delete', 'retention.ms': String(250 + 86_400_000) }],
      ['app-KSTREAM-JOINOTHER-0000000005-store-changelog', { 'cleanup.policy': 'delete', 'retention.ms': String(250 + 86_400_000) }],
    ])
    const names = (kind: Kind) =>
      joinTopology(kind, JoinWindows.ofTimeDifferenceWithNoGrace(10))
        .resolveInternalTopics('app', () => 1)
        .internalTopics.map((t) => t.name)
        .sort()
    expect(names('left')).toEqual([
      'app-KSTREAM-JOINTHIS-0000000004-store-changelog',
      'app-KSTREAM-OUTEROTHER-0000000005-store-changelog',
      'app-KSTREAM-OUTERSHARED-0000000004-store-changelog',
    ])
    expect(names('outer')).toEqual([
      'app-KSTREAM-OUTEROTHER-0000000005-store-changelog',
      'app-KSTREAM-OUTERSHARED-0000000004-store-changelog',
      'app-KSTREAM-OUTERTHIS-0000000004-store-changelog',
    ])
    const outerTopic = joinTopology('left', JoinWindows.ofTimeDifferenceWithNoGrace(10))
      .resolveInternalTopics('app', () => 1)
      .internalTopics.find((t) => t.name.includes('OUTERSHARED'))
    expect(outerTopic?.config).toEqual({ 'cleanup.policy': 'compact' })
  })

  it('StreamJoined names processors, stores and repartition topics', () => {
    const b = new StreamsBuilder()
    const l = b.stream('left', { key: str, value: str }).selectKey((_k, v) => v)
    const r = b.stream('right', { key: str, value: str })
    l.leftJoin(r, (x, y) => `${x}+${y}`, JoinWindows.ofTimeDifferenceWithNoGrace(10), { name: 'j', storeName: 's', changelogConfig: { 'min.insync.replicas': '2' } }).to('out', {
      value: str,
    })
    const topology = b.build()
    const text = topology.describe().toString()
    for (const n of ['j-left-repartition', 'j-this-windowed', 'j-other-windowed', 'j-this-join', 'j-outer-other-join', 'j-merge']) expect(text).toContain(n)
    expect(topology.resolveInternalTopics('app', () => 1).internalTopics.map((t) => [t.name, t.config['cleanup.policy'], t.config['min.insync.replicas']])).toEqual([
      ['app-j-left-repartition', 'delete', undefined],
      ['app-s-this-join-store-changelog', 'delete', '2'],
      ['app-s-outer-other-join-store-changelog', 'delete', '2'],
      ['app-s-left-shared-join-store-changelog', 'compact', '2'],
    ])
    const unlogged = joinTopology('outer', JoinWindows.ofTimeDifferenceWithNoGrace(10), { loggingEnabled: false })
    expect(unlogged.resolveInternalTopics('app', () => 1).internalTopics).toEqual([])
  })

  it('repartitions a re-keyed side first (named after the key-changing node) and joins through it', () => {
    const b = new StreamsBuilder()
    const l0 = b.stream('left', { key: str, value: str })
    const r = b.stream('right', { key: str, value: str })
    const l = l0.selectKey((_k, v) => v.split(':')[0])
    l.join(r, (x, y) => `${x}+${y}`, JoinWindows.ofTimeDifferenceWithNoGrace(10)).to('out', { value: str })
    const topology = b.build()
    expect(topology.describe().toString()).toContain('KSTREAM-KEY-SELECT-0000000002-repartition')
    expect(topology.describe().toString()).toContain('KSTREAM-JOINTHIS-0000000008')
    const driver = new TopologyTestDriver(topology)
    driver.createInputTopic('left', str, str).pipeInput('x', 'K:v', 1)
    driver.createInputTopic('right', str, str).pipeInput('K', 'w', 2)
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([{ key: 'K', value: 'K:v+w' }])
  })

  it('left and outer joins keep null keys through the repartition topics (the filter node passes them), inner joins drop them', () => {
    const run = (kind: Kind) => {
      const b = new StreamsBuilder()
      const rekey = (_k: string, v: string) => (v.startsWith('n') ? (null as unknown as string) : v.slice(0, 1))
      const l = b.stream('left', { key: str, value: str }).selectKey(rekey)
      const r = b.stream('right', { key: str, value: str }).selectKey(rekey)
      const j = (x: string | null, y: string | null) => `${x}+${y}`
      const w = JoinWindows.ofTimeDifferenceWithNoGrace(10)
      const sj = { key: str, value: str, otherValue: str }
      ;(kind === 'inner' ? l.join(r, j, w, sj) : kind === 'left' ? l.leftJoin(r, j, w, sj) : l.outerJoin(r, j, w, sj)).to('out', { value: str })
      const topology = b.build()
      expect(topology.describe().toString()).toContain('Processor: KSTREAM-FILTER-0000000005')
      const driver = new TopologyTestDriver(topology)
      const left = driver.createInputTopic('left', str, str)
      const right = driver.createInputTopic('right', str, str)
      left.pipeInput('x', 'a1', 1)
      left.pipeInput('x', 'n1', 2)
      right.pipeInput('y', 'a2', 3)
      right.pipeInput('y', 'n2', 4)
      left.pipeInput('x', 'b1', 30)
      return driver.createOutputTopic('out', str, str).readRecordsToList().map((x) => [x.key, x.value, x.timestamp])
    }
    expect(run('inner')).toEqual([['a', 'a1+a2', 3]])
    expect(run('left')).toEqual([
      [null, 'n1+null', 2],
      ['a', 'a1+a2', 3],
    ])
    expect(run('outer')).toEqual([
      [null, 'n1+null', 2],
      ['a', 'a1+a2', 3],
      [null, 'null+n2', 4],
    ])
  })

  it('store suppliers: must retain duplicates, match size and retention, and have distinct names', () => {
    const w = JoinWindows.ofTimeDifferenceAndGrace(10, 5) // size 20, retention 25
    const ok = (name: string) => Stores.inMemoryWindowStore(name, 25, 20, true)
    expect(() => joinTopology('inner', w, { thisStoreSupplier: Stores.inMemoryWindowStore('t', 25, 20, false) })).toThrow(/retainDuplicates=true/)
    expect(() => joinTopology('inner', w, { thisStoreSupplier: Stores.inMemoryWindowStore('t', 30, 20, true) })).toThrow(/window settings mismatch/)
    expect(() => joinTopology('inner', w, { thisStoreSupplier: ok('t'), otherStoreSupplier: ok('t') })).toThrow(/same name/)
    const b = new StreamsBuilder()
    const s = b.stream('in', { key: str, value: str })
    expect(() => s.join(s, (x, y) => x + y, TimeWindows.ofSizeWithNoGrace(10) as unknown as JoinWindows)).toThrow(/needs JoinWindows/)
    const topology = joinTopology('left', w, { thisStoreSupplier: ok('mine'), otherStoreSupplier: ok('theirs') })
    expect(
      topology
        .resolveInternalTopics('app', () => 1)
        .internalTopics.map((t) => t.name)
        .sort(),
    ).toEqual(['app-mine-changelog', 'app-mine-left-shared-join-store-changelog', 'app-theirs-changelog'])
  })

  it('outer-join store bytes are Kafka Streams\' (TimestampedKeyAndJoinSide, list of LeftOrRightValue)', () => {
    const keySerde = new TimestampedKeyAndJoinSideSerde(str)
    const k = keySerde.serialize('t', { key: 'A', timestamp: 258, leftSide: true }) as Buffer
    expect(k.toString('hex')).toBe('0000000000000102' + '01' + '41')
    expect(keySerde.deserialize('t', k)).toEqual({ key: 'A', timestamp: 258, leftSide: true })
    const listSerde = new LeftOrRightValueListSerde(str, str)
    const v = listSerde.serialize('t', [
      { left: 'a1', right: null },
      { left: null, right: 'b' },
    ]) as Buffer
    expect(v.toString('hex')).toBe('01' + '00000002' + '00000003' + '01' + '6131' + '00000002' + '00' + '62')
    expect(listSerde.deserialize('t', v)).toEqual([
      { left: 'a1', right: null },
      { left: null, right: 'b' },
    ])
  })

  it('the join processors append to and remove from the outer-join store as bytes: stored lists are never decoded', () => {
    const keySerde = new TimestampedKeyAndJoinSideSerde(str)
    let decodes = 0
    const counting = { serialize: str.serialize, deserialize: (t: string, d: Buffer | null) => (decodes++, str.deserialize(t, d)) }
    const listSerde = new LeftOrRightValueListSerde(counting, counting)
    const store = new SerdeKeyValueStore(new InMemoryKeyValueStore('outer'), keySerde, listSerde, 'outer-changelog') as unknown as OuterJoinStore
    const a = { key: 'A', timestamp: 7, leftSide: true }
    appendToOuterJoinStore(store, a, { left: 'a1', right: null })
    appendToOuterJoinStore(store, a, { left: 'a2', right: null })
    appendToOuterJoinStore(store, a, { left: null, right: 'r' })
    removeFromOuterJoinStore(store, { key: 'B', timestamp: 7, leftSide: true })
    expect(decodes).toBe(0)
    // The same bytes as the three values serialized as one list.
    const stored = (store as unknown as SerdeKeyValueStore<unknown, unknown>).bytes.get(keySerde.serialize('t', a) as Buffer)
    expect(stored?.toString('hex')).toBe(listSerde.serialize('t', [{ left: 'a1', right: null }, { left: 'a2', right: null }, { left: null, right: 'r' }])?.toString('hex'))
    removeFromOuterJoinStore(store, a)
    expect(store.get(a)).toBeNull()
    expect(decodes).toBe(0)
  })

  it('a task restored from the changelogs goes on as the original: buffered records still match, unmatched ones still come out once', () => {
    const topology = joinTopology('outer', JoinWindows.ofTimeDifferenceWithNoGrace(100))
    const logged: Array<{ store: string; key: Buffer; value: Buffer | null; timestamp: number }> = []
    const config = { applicationId: 'app', outerJoinEmitIntervalMs: 0 }
    const task = (out: string[], log: boolean) =>
      new StreamTask({
        topology,
        subtopology: 0,
        partition: 0,
        config,
        clock: () => 0,
        collector: { send: (_topic, key, value, _headers, timestamp) => void out.push(`${String(key)}:${String(value)}@${timestamp}`) },
        changelogSink: log ? { logChange: (store, key, value, timestamp) => void logged.push({ store, key, value, timestamp }) } : { logChange: () => undefined },
      })
    const feed = (t: StreamTask, records: Array<[string, string, string, number]>) => {
      let offset = 0n
      for (const [topic, k, v, ts] of records) t.process(topic, 0, offset++, Buffer.from(k), Buffer.from(v), ts, [])
    }
    const before: Array<[string, string, string, number]> = [
      ['left', 'A', 'a1', 0],
      ['left', 'B', 'b1', 10],
      ['right', 'C', 'c1', 20],
      ['right', 'A', 'r1', 30], // matches a1
    ]
    const after: Array<[string, string, string, number]> = [
      ['right', 'B', 'r2', 50], // matches b1 from the restored left store, removes b1 from the outer store
      ['left', 'D', 'd1', 200], // stream time 200: C (20 + 100) has closed
    ]
    const original: string[] = []
    const t1 = task(original, true)
    feed(t1, before)
    const restored: string[] = []
    const t2 = task(restored, false)
    for (const store of t1.storeNames()) t2.restore(store, logged.filter((l) => l.store === store))
    expect(t2.storeNames().sort()).toEqual(['KSTREAM-OUTEROTHER-0000000005-store', 'KSTREAM-OUTERSHARED-0000000004-store', 'KSTREAM-OUTERTHIS-0000000004-store'])
    original.length = 0
    feed(t1, after)
    feed(t2, after)
    expect(restored).toEqual(['B:b1+r2@50', 'C:null+c1@20'])
    expect(restored).toEqual(original)
    t1.close()
    t2.close()
  })
})
