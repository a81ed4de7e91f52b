/**
 * Window and session stores in the runtime: Kafka Streams' byte layouts (golden vectors computed
 * by hand), WindowedSerdes, changelog logging, restore through a task, the Processor API in the
 * test driver, and the changelog topic configs.
 */
import { describe, expect, it } from 'vitest'
import {
  Serdes,
  Stores,
  StreamTask,
  Topology,
  TopologyTestDriver,
  valueAndTimestamp,
  WindowedSerdes,
  type Processor,
  type ProcessorContext,
  type Record,
  type SessionStore,
  type TimestampedWindowStore,
  type Windowed,
} from '../../../src/streams/index.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { SerializationError } from '../../../src/streams/errors.js'
import { LoggingSessionBytesStore, LoggingWindowBytesStore } from '../../../src/streams/state/logging-window.js'
import { sessionStoreKey, windowStoreKey } from '../../../src/streams/state/window-key-schema.js'
import { inMemorySessionStore, inMemoryWindowStore } from '../../../src/streams/state/window-store-suppliers.js'
import type { ChangelogSink } from '../../../src/streams/state/store.js'
import { readOnlySessionView, readOnlyWindowView } from '../../../src/streams/state/read-only-views.js'

const str = Serdes.string()
const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'))

interface Logged {
  key: string
  value: string | null
  timestamp: number
}
function capture(): { sink: ChangelogSink; logged: Logged[] } {
  const logged: Logged[] = []
  return { logged, sink: { logChange: (_store, key, value, timestamp) => logged.push({ key: hex(key) as string, value: hex(value), timestamp }) } }
}

describe('Kafka Streams byte layouts', () => {
  it('window store key: key bytes + 8-byte start + 4-byte sequence number', () => {
    // "a" = 0x61; 1000 = 0x3e8.
    expect(hex(windowStoreKey(Buffer.from('a'), 1000, 0))).toBe('61' + '00000000000003e8' + '00000000')
    expect(hex(windowStoreKey(Buffer.from('ab'), 2 ** 40, 7))).toBe('6162' + '0000010000000000' + '00000007')
  })

  it('session store key: key bytes + 8-byte end + 8-byte start', () => {
    expect(hex(sessionStoreKey(Buffer.from('a'), 1000, 2000))).toBe('61' + '00000000000007d0' + '00000000000003e8')
  })

  it('WindowedSerdes: time-windowed key + start (end = start + size on read), session key + end + start', () => {
    const tw = WindowedSerdes.timeWindowedSerdeFrom(str, 500)
    const bytes = tw.serialize('t', { key: 'a', window: { start: 1000, end: 1500 } })
    expect(hex(bytes)).toBe('61' + '00000000000003e8')
    expect(tw.deserialize('t', bytes)).toEqual({ key: 'a', window: { start: 1000, end: 1500 } })
    expect(tw.windowedInner).toBe(str) // sinks partition windowed keys by the inner key
    expect(tw.serialize('t', null as unknown as Windowed<string>)).toBeNull()
    expect(tw.deserialize('t', null)).toBeNull()
    expect(() => tw.deserialize('t', Buffer.alloc(7))).toThrow(SerializationError)
    expect(() => WindowedSerdes.timeWindowedSerdeFrom(str, -1)).toThrow(InvalidArgumentError)

    const sw = WindowedSerdes.sessionWindowedSerdeFrom(Serdes.int32())
    const sb = sw.serialize('t', { key: 5, window: { start: 1000, end: 2000 } })
    expect(hex(sb)).toBe('00000005' + '00000000000007d0' + '00000000000003e8')
    expect(sw.deserialize('t', sb)).toEqual({ key: 5, window: { start: 1000, end: 2000 } })
    expect(() => sw.deserialize('t', Buffer.alloc(15))).toThrow(SerializationError)
  })
})

describe('changelog logging of window and session stores', () => {
  const time = { currentRecordTimestamp: () => 42 }

  it('logs window puts with Kafka store keys; sequence numbers count puts with retainDuplicates', () => {
    const { sink, logged } = capture()
    const plain = new LoggingWindowBytesStore(inMemoryWindowStore('w', 60_000, 1000, false).get(), sink, time, false)
    plain.put(Buffer.from('a'), Buffer.from('x'), 1000)
    plain.put(Buffer.from('a'), null, 1000)
    const dups = new LoggingWindowBytesStore(inMemoryWindowStore('d', 60_000, 1000, true).get(), sink, time, false)
    dups.put(Buffer.from('a'), Buffer.from('x'), 1000)
    dups.put(Buffer.from('a'), Buffer.from('y'), 1000)
    dups.put(Buffer.from('a'), null, 1000) // a no-op with duplicates: not logged
    expect(logged).toEqual([
      { key: '61' + '00000000000003e8' + '00000000', value: '78', timestamp: 42 },
      { key: '61' + '00000000000003e8' + '00000000', value: null, timestamp: 42 },
      { key: '61' + '00000000000003e8' + '00000001', value: '78', timestamp: 42 },
      { key: '61' + '00000000000003e8' + '00000002', value: '79', timestamp: 42 },
    ])
    // The store's own sequence numbers agree: both duplicates are there.
    expect([...dups.fetch(Buffer.from('a'), 0, 5000)].map((e) => e.value.toString())).toEqual(['x', 'y'])
  })

  it('a timestamped window store logs the plain value with its timestamp as the record timestamp', () => {
    const { sink, logged } = capture()
    const store = new LoggingWindowBytesStore(inMemoryWindowStore('w', 60_000, 1000, false).get(), sink, time, true)
    const stored = Buffer.concat([Buffer.from('00000000000007d0', 'hex'), Buffer.from('v')]) // timestamp 2000, value "v"
    store.put(Buffer.from('a'), stored, 1000)
    expect(logged).toEqual([{ key: '61' + '00000000000003e8' + '00000000', value: '76', timestamp: 2000 }])
    expect(store.fetch(Buffer.from('a'), 1000)?.equals(stored)).toBe(true)
  })

  it('logs session puts and removes with key + end + start', () => {
    const { sink, logged } = capture()
    const store = new LoggingSessionBytesStore(inMemorySessionStore('s', 60_000).get(), sink, time)
    store.put({ key: Buffer.from('a'), window: { start: 1000, end: 2000 } }, Buffer.from('x'))
    store.remove({ key: Buffer.from('a'), window: { start: 1000, end: 2000 } })
    const key = '61' + '00000000000007d0' + '00000000000003e8'
    expect(logged).toEqual([
      { key, value: '78', timestamp: 42 },
      { key, value: null, timestamp: 42 },
    ])
  })
})

/** Counts records per key in 10 s tumbling windows in a timestamped window store; forwards `key@start=count`. */
class WindowCount implements Processor<string, string, string, string> {
  ctx!: ProcessorContext<string, string>
  store!: TimestampedWindowStore<string, number>
  init(ctx: ProcessorContext<string, string>): void {
    this.ctx = ctx
    this.store = ctx.getStateStore<TimestampedWindowStore<string, number>>('counts')
  }
  process(r: Record<string, string>): void {
    const start = r.timestamp - (r.timestamp % 10_000)
    const old = this.store.fetch(r.key, start)
    const count = (old?.value ?? 0) + 1
    const ts = Math.max(old?.timestamp ?? 0, r.timestamp)
    this.store.put(r.key, valueAndTimestamp(count, ts), start)
    this.ctx.forward({ key: r.key, value: `${r.key}@${start}=${count}`, timestamp: ts, headers: [] })
  }
}

/** Puts each record as a session [t, t] merged with the sessions within 5 s (sum of values). */
class SessionSum implements Processor<string, string, never, never> {
  store!: SessionStore<string, number>
  init(ctx: ProcessorContext<never, never>): void {
    this.store = ctx.getStateStore<SessionStore<string, number>>('sessions')
  }
  process(r: Record<string, string>): void {
    let start = r.timestamp
    let end = r.timestamp
    let sum = Number(r.value)
    for (const s of [...this.store.findSessions(r.key, r.timestamp - 5000, r.timestamp + 5000)]) {
      start = Math.min(start, s.key.window.start)
      end = Math.max(end, s.key.window.end)
      sum += s.value
      this.store.remove(s.key)
    }
    this.store.put({ key: r.key, window: { start, end } }, sum)
  }
}

function windowTopology(persistent = false): Topology {
  const supplier = persistent ? Stores.persistentWindowStore('counts', 60_000, 10_000, false) : Stores.inMemoryWindowStore('counts', 60_000, 10_000, false)
  return new Topology()
    .addSource('src', 'in', { keySerde: str, valueSerde: str })
    .addProcessor('count', () => new WindowCount(), 'src')
    .addStateStore(Stores.timestampedWindowStoreBuilder(supplier, str, Serdes.int32()), 'count')
    .addProcessor('sessions', () => new SessionSum(), 'src')
    .addStateStore(Stores.sessionStoreBuilder(Stores.inMemorySessionStore('sessions', 60_000), str, Serdes.int32()), 'sessions')
    .addSink('sink', 'out', { keySerde: str, valueSerde: str }, 'count')
}

describe('window and session stores through the Processor API and the test driver', () => {
  for (const persistent of [false, true]) {
    it(`counts per window and exposes the stores (${persistent ? 'LMDB' : 'in-memory'})`, () => {
      using driver = new TopologyTestDriver(windowTopology(persistent))
      const input = driver.createInputTopic('in', str, str)
      input.pipeInput('a', '1', 1000)
      input.pipeInput('a', '2', 3000)
      input.pipeInput('b', '3', 9000)
      input.pipeInput('a', '4', 2000) // out of order, same window: timestamp stays 3000
      input.pipeInput('a', '5', 15_000)
      const out = driver.createOutputTopic('out', str, str).readRecordsToList()
      expect(out.map((r) => [r.value, r.timestamp])).toEqual([
        ['a@0=1', 1000],
        ['a@0=2', 3000],
        ['b@0=1', 9000],
        ['a@0=3', 3000],
        ['a@10000=1', 15_000],
      ])
      const ts = driver.getTimestampedWindowStore<string, number>('counts')
      expect(ts.fetch('a', 0)).toEqual({ value: 3, timestamp: 3000 })
      const plain = driver.getWindowStore<string, number>('counts')
      expect([...plain.fetch('a', 0, 20_000)]).toEqual([
        { key: 0, value: 3 },
        { key: 10_000, value: 1 },
      ])
      expect([...plain.all()].map((e) => [e.key.key, e.key.window.start, e.key.window.end, e.value])).toEqual([
        ['a', 0, 10_000, 3],
        ['a', 10_000, 20_000, 1],
        ['b', 0, 10_000, 1],
      ])
      const sessions = driver.getSessionStore<string, number>('sessions')
      // a: 1000, 2000, 3000 merge into [1000, 3000]; 15000 is its own session.
      expect([...sessions.fetch('a')].map((e) => [e.key.window.start, e.key.window.end, e.value])).toEqual([
        [1000, 3000, 7],
        [15_000, 15_000, 5],
      ])
      expect(() => driver.getSessionStore('counts')).toThrow(/'counts' is a timestampedWindow store, not a session store/)
      expect(() => driver.getTimestampedWindowStore('sessions')).toThrow(/is a session store/)

      // The changelog: Windowed keys, plain values with the stored timestamps.
      expect(driver.producedChangelog<Windowed<string>, number>('counts').map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp])).toEqual([
        ['a', 0, 10_000, 1, 1000],
        ['a', 0, 10_000, 2, 3000],
        ['b', 0, 10_000, 1, 9000],
        ['a', 0, 10_000, 3, 3000],
        ['a', 10_000, 20_000, 1, 15_000],
      ])
      const sessionLog = driver.producedChangelog<Windowed<string>, number>('sessions')
      expect(sessionLog.at(-1)).toMatchObject({ key: { key: 'a', window: { start: 15_000, end: 15_000 } }, value: 5, timestamp: 15_000 })
      expect(sessionLog.some((r) => r.value === null)).toBe(true) // merged sessions were removed
    })
  }

  it('a task restored from the changelog records holds the same windows and sessions (timestamps included)', () => {
    const topology = windowTopology()
    const logged: Array<{ store: string; key: Buffer; value: Buffer | null; timestamp: number }> = []
    const config = { applicationId: 'app' }
    const collector = { send: () => undefined }
    const t1 = new StreamTask({ topology, subtopology: 0, partition: 0, config, collector, changelogSink: { logChange: (store, key, value, timestamp) => logged.push({ store, key, value, timestamp }) } })
    const records: Array<[string, string, number]> = [['a', '1', 1000], ['a', '2', 3000], ['b', '3', 9000], ['a', '4', 2000], ['a', '5', 15_000], ['c', '6', 69_500]]
    let offset = 0n
    for (const [k, v, ts] of records) t1.process('in', 0, offset++, Buffer.from(k), Buffer.from(v), ts, [])
    const t2 = new StreamTask({ topology, subtopology: 0, partition: 0, config, collector })
    for (const store of ['counts', 'sessions']) t2.restore(store, logged.filter((l) => l.store === store))
    const windows = (t: StreamTask) => [...(t.store('counts') as TimestampedWindowStore<string, number>).all()]
    const sessions = (t: StreamTask) => [...(t.store('sessions') as SessionStore<string, number>).fetch(null, null)]
    // Stream time (latest window start) 60 s with 60 s retention: window 0 expired, 10 s is still there.
    expect(windows(t1).map((e) => [e.key.key, e.key.window.start, e.value.value, e.value.timestamp])).toEqual([
      ['a', 10_000, 1, 15_000],
      ['c', 60_000, 1, 69_500],
    ])
    expect(windows(t2)).toEqual(windows(t1))
    expect(sessions(t2)).toEqual(sessions(t1))
    expect(sessions(t1).length).toBe(2)
    t1.close()
    t2.close()
  })

  it('changelog topics of window and session stores are compact,delete with retention + 1 day', () => {
    const topology = windowTopology()
    const { internalTopics } = topology.resolveInternalTopics('app', () => 2)
    expect(internalTopics.map((t) => [t.name, t.partitions, t.config])).toEqual([
      ['app-counts-changelog', 2, { 'cleanup.policy': 'compact,delete', 'retention.ms': String(60_000 + 86_400_000) }],
      ['app-sessions-changelog', 2, { 'cleanup.policy': 'compact,delete', 'retention.ms': String(60_000 + 86_400_000) }],
    ])
    const custom = new Topology()
      .addSource('src', 'in')
      .addProcessor('p', () => ({ process: () => undefined }), 'src')
      .addStateStore(Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', 1000, 10, true), str, str).withLoggingEnabled({ 'retention.ms': '5' }), 'p')
    expect(custom.resolveInternalTopics('x', () => 1).internalTopics[0].config).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': '5' })
    const unlogged = new Topology()
      .addSource('src', 'in')
      .addProcessor('p', () => ({ process: () => undefined }), 'src')
      .addStateStore(Stores.sessionStoreBuilder(Stores.inMemorySessionStore('s', 1000)).withLoggingDisabled(), 'p')
    expect(unlogged.resolveInternalTopics('x', () => 1).internalTopics).toEqual([])
  })
})

describe('read-only views over several tasks (interactive queries)', () => {
  const s = Serdes.string()
  /** A task's build environment: no changelog, string keys, int32 values. */
  const env = {
    context: { applicationId: 'a', taskId: '0_0' },
    changelog: null,
    time: { currentRecordTimestamp: () => 0 },
    keySerde: s as never,
    valueSerde: Serdes.int32() as never,
    serdeTopic: 't',
  }
  function windowStore(entries: Array<[string, number, number]>): TimestampedWindowStore<string, number> {
    const built = Stores.timestampedWindowStoreBuilder(Stores.inMemoryWindowStore('w', 60_000, 1000, false), s, Serdes.int32()).build(env)
    const store = built.store as TimestampedWindowStore<string, number>
    for (const [k, start, v] of entries) store.put(k, valueAndTimestamp(v, start + 1), start)
    return store
  }

  it('window: a single key answers from the task that has it; ranges concatenate the tasks; plain values drop timestamps', () => {
    const t0 = windowStore([['a', 0, 1], ['c', 0, 3]])
    const t1 = windowStore([['b', 0, 2], ['b', 1000, 4]])
    const ts = readOnlyWindowView('w', () => [t0, t1], (v) => v)
    const plain = readOnlyWindowView('w', () => [t0, t1], (v) => v.value)
    expect(plain.fetch('b', 1000)).toBe(4)
    expect(plain.fetch('z', 0)).toBeNull()
    expect(ts.fetch('b', 1000)).toEqual({ value: 4, timestamp: 1001 })
    expect([...plain.fetch('b', 0, 5000)]).toEqual([{ key: 0, value: 2 }, { key: 1000, value: 4 }])
    expect([...plain.backwardFetch('b', 0, 5000)].map((e) => e.key)).toEqual([1000, 0])
    expect([...plain.all()].map((e) => `${e.key.key}@${e.key.window.start}=${e.value}`)).toEqual(['a@0=1', 'c@0=3', 'b@0=2', 'b@1000=4'])
    expect([...plain.fetch('a', 'b', 0, 0)].map((e) => e.key.key)).toEqual(['a', 'b'])
    expect([...plain.fetchAll(1000, 1000)].map((e) => e.value)).toEqual([4])
  })

  it('session: findSessions of one key from the task that has it, key ranges over all tasks', () => {
    const make = () =>
      Stores.sessionStoreBuilder(Stores.inMemorySessionStore('s', 60_000), s, Serdes.int32()).build(env).store as SessionStore<string, number>
    const t0 = make()
    const t1 = make()
    t0.put({ key: 'a', window: { start: 0, end: 10 } }, 1)
    t1.put({ key: 'b', window: { start: 5, end: 20 } }, 2)
    const view = readOnlySessionView('s', () => [t0, t1])
    expect([...view.findSessions('b', 0, 100)].map((e) => e.value)).toEqual([2])
    expect([...view.fetch(null, null)].map((e) => e.key.key)).toEqual(['a', 'b'])
    expect(view.fetchSession('b', 5, 20)).toBe(2)
    expect(view.fetchSession('b', 5, 21)).toBeNull()
  })
})
