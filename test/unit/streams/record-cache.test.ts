import { describe, expect, it } from 'vitest'
import {
  BufferConfig,
  KafkaStreams,
  Materialized,
  Serdes,
  StreamTask,
  StreamsBuilder,
  StreamsConfigError,
  Suppressed,
  TopologyTestDriver,
  type Topology,
} from '../../../src/streams/index.js'
import { RecordCache } from '../../../src/streams/state/record-cache.js'
import { captureTask, type SentRecord } from './capture-task.js'
import { captureChanges, tuples } from './table-changes.js'
import { EmitStrategy, SessionWindows, TimeWindows } from '../../../src/streams/dsl/windows.js'
import type { Windowed } from '../../../src/streams/windowed.js'

const str = Serdes.string()

/** Words per line key: a line of n words updates its key's count n times (no repartition in between). */
function wordCounts(caching: boolean) {
  const b = new StreamsBuilder()
  const m = Materialized.as<string, number>('counts')
  const counts = b
    .stream('lines', { key: str, value: str })
    .flatMapValues((line) => line.split(' '))
    .groupByKey({ key: str, value: str })
    .count(caching ? m : m.withCachingDisabled())
  const topology = b.build()
  return { topology, seen: captureChanges(topology, counts) }
}

/** A task without the driver: commits only when the test flushes it. */
function task(topology: Topology, cache: RecordCache, sent: SentRecord[]): StreamTask {
  return captureTask(topology, sent, { recordCache: cache })
}

describe('record cache', () => {
  it('collapses the updates one record causes into one: latest value, old value from before the record', () => {
    const { topology, seen } = wordCounts(true)
    const driver = new TopologyTestDriver(topology)
    const lines = driver.createInputTopic('lines', str, str)
    lines.pipeInput('a', 'x x x', 10)
    lines.pipeInput('b', 'y', 15)
    lines.pipeInput('a', 'z z', 20)
    expect(tuples(seen)).toEqual([
      ['a', 3, null, 10],
      ['b', 1, null, 15],
      ['a', 5, 3, 20],
    ])
    driver.close()
  })

  it('off (Materialized.withCachingDisabled or cacheMaxBytes 0): every update is forwarded, and stores and changelogs are the same either way', () => {
    const runs = [
      { caching: true, cacheMaxBytes: undefined },
      { caching: false, cacheMaxBytes: undefined },
      { caching: true, cacheMaxBytes: 0 },
    ].map(({ caching, cacheMaxBytes }) => {
      const { topology, seen } = wordCounts(caching)
      const driver = new TopologyTestDriver(topology, { cacheMaxBytes })
      const lines = driver.createInputTopic('lines', str, str)
      lines.pipeInput('a', 'x x x', 10)
      lines.pipeInput('b', 'y', 15)
      lines.pipeInput('a', 'z z', 20)
      const store = Object.fromEntries([...driver.getKeyValueStore<string, number>('counts').all()].map((e) => [e.key, e.value]))
      const changelog = driver.producedChangelog('counts').map((r) => [r.key, r.value, r.timestamp])
      driver.close()
      return { seen: tuples(seen), store, changelog }
    })
    expect(runs[1].seen).toEqual([
      ['a', 1, null, 10],
      ['a', 2, 1, 10],
      ['a', 3, 2, 10],
      ['b', 1, null, 15],
      ['a', 4, 3, 20],
      ['a', 5, 4, 20],
    ])
    expect(runs[2].seen).toEqual(runs[1].seen)
    expect(runs[0].seen).toHaveLength(3)
    for (const r of runs) {
      expect(r.store).toEqual({ a: 5, b: 1 })
      expect(r.changelog).toEqual(runs[1].changelog)
    }
  })

  it('holds updates until the commit: old value from before the interval, no delete of a key the table did not hold', () => {
    const b = new StreamsBuilder()
    const table = b.table('in', { key: str, value: str }, { name: 'tbl' })
    const topology = b.build()
    const seen = captureChanges(topology, table)
    const t = task(topology, new RecordCache(1 << 20), [])
    let offset = 0n
    const put = (k: string, v: string | null, ts: number) => t.process('in', 0, offset++, Buffer.from(k), v === null ? null : Buffer.from(v), ts, [])
    put('k', 'v1', 1)
    put('x', 'x1', 2)
    put('x', null, 3) // created and deleted in one interval
    put('y', null, 4) // a delete of a key never held
    expect(tuples(seen)).toEqual([])
    expect((t.store('tbl') as unknown as { get(k: string): unknown }).get('k')).toBe('v1') // the store is written at once
    t.flush()
    expect(tuples(seen)).toEqual([['k', 'v1', null, 1]])
    put('k', 'v2', 5)
    put('k', 'v3', 6)
    put('k', null, 7)
    put('k', 'v4', 8)
    t.flush()
    expect(tuples(seen).slice(1)).toEqual([['k', 'v4', 'v1', 8]])
    put('k', null, 9)
    t.flush()
    expect(tuples(seen).slice(2)).toEqual([['k', null, 'v4', 9]])
  })

  it('a full cache flushes the namespace that was written, oldest update first', () => {
    const b = new StreamsBuilder()
    const table = b.table('in', { key: str, value: str }, { name: 'tbl' })
    const topology = b.build()
    const seen = captureChanges(topology, table)
    // One entry: key 1 + 25 bookkeeping + value 2 + 20 context + topic 'in' 2 = 50 bytes.
    const cache = new RecordCache(120)
    const t = task(topology, cache, [])
    let offset = 0n
    const put = (k: string, v: string, ts: number) => t.process('in', 0, offset++, Buffer.from(k), Buffer.from(v), ts, [])
    put('a', 'a1', 1)
    put('b', 'b1', 2)
    expect(cache.sizeBytes).toBe(100)
    expect(tuples(seen)).toEqual([])
    put('a', 'a2', 3) // replaces a: still 100 bytes
    expect(tuples(seen)).toEqual([])
    put('c', 'c1', 4) // 150 > 120: everything held goes out, b first (a's latest update is newer)
    expect(tuples(seen)).toEqual([
      ['b', 'b1', null, 2],
      ['a', 'a2', null, 3],
      ['c', 'c1', null, 4],
    ])
    expect(cache.sizeBytes).toBe(0)
  })

  it('cached updates reach a suppression before its buffer is logged: both in the same commit', () => {
    const b = new StreamsBuilder()
    b.table('in', { key: str, value: str }, { name: 'tbl' }).suppress(Suppressed.untilTimeLimit(100, BufferConfig.unbounded()).withName('s'))
    const sent: SentRecord[] = []
    const t = task(b.build(), new RecordCache(1 << 20), sent)
    t.process('in', 0, 0n, Buffer.from('k'), Buffer.from('v'), 1, [])
    t.flush()
    expect(sent.map((r) => [r.topic, String(r.key)])).toEqual([
      ['app-tbl-changelog', 'k'],
      ['app-s-store-changelog', 'k'],
    ])
  })

  it('windowed aggregations (emit on update) are cached: a new window\'s old value is null (the store\'s), not the initializer', () => {
    const run = (caching: boolean, onClose = false) => {
      const b = new StreamsBuilder()
      const windowed = b.stream('lines', { key: str, value: str }).flatMapValues((line) => line.split(' ')).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      const m = Materialized.as<string, number>('win')
      const counts = (onClose ? windowed.emitStrategy(EmitStrategy.onWindowClose()) : windowed).count(caching ? m : m.withCachingDisabled())
      const topology = b.build()
      const seen = captureChanges(topology, counts)
      const driver = new TopologyTestDriver(topology, { windowedEmitIntervalMs: 0 })
      const lines = driver.createInputTopic('lines', str, str)
      lines.pipeInput('a', 'x x x', 1)
      lines.pipeInput('a', 'x x', 5)
      lines.pipeInput('a', 'x', 12)
      driver.close()
      return seen.map((c) => [`${(c.key as Windowed<string>).key}@${(c.key as Windowed<string>).window.start}`, c.newValue, c.oldValue, c.timestamp])
    }
    expect(run(true)).toEqual([
      ['a@0', 3, null, 1],
      ['a@0', 5, 3, 5],
      ['a@10', 1, null, 12],
    ])
    // Uncached, as Kafka Streams' window aggregation: a new window's old value is the initializer's.
    expect(run(false)).toEqual([
      ['a@0', 1, 0, 1],
      ['a@0', 2, 1, 1],
      ['a@0', 3, 2, 1],
      ['a@0', 4, 3, 5],
      ['a@0', 5, 4, 5],
      ['a@10', 1, 0, 12],
    ])
    // Emitted when windows close: never cached.
    expect(run(true, true)).toEqual([['a@0', 5, null, 5]])
  })

  it('session windows are cached: sessions merged away within the interval send nothing, the merged one its total', () => {
    const b = new StreamsBuilder()
    const counts = b.stream('lines', { key: str, value: str }).flatMapValues((line) => line.split(' ')).groupByKey().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5)).count()
    const topology = b.build()
    const seen = captureChanges(topology, counts)
    const driver = new TopologyTestDriver(topology)
    const lines = driver.createInputTopic('lines', str, str)
    lines.pipeInput('a', 'x x', 1) // session [1,1] created, then updated: one update
    lines.pipeInput('a', 'x', 4) // merges [1,1] into [1,4]: [1,1] held before, so its delete goes out
    driver.close()
    expect(seen.map((c) => [`${(c.key as Windowed<string>).window.start}-${(c.key as Windowed<string>).window.end}`, c.newValue, c.oldValue])).toEqual([
      ['1-1', 2, null],
      ['1-1', null, 2],
      ['1-4', 3, null],
    ])
  })

  it('rejects invalid sizes', () => {
    const topology = new StreamsBuilder().build()
    expect(() => new KafkaStreams(topology, { applicationId: 'a', brokers: ['127.0.0.1:1'], cacheMaxBytes: -1 })).toThrow(StreamsConfigError)
    expect(() => new KafkaStreams(topology, { applicationId: 'a', brokers: ['127.0.0.1:1'], cacheMaxBytes: 1.5 })).toThrow(/cacheMaxBytes/)
    expect(() => new TopologyTestDriver(topology, { cacheMaxBytes: Number.NaN })).toThrow(RangeError)
  })
})
