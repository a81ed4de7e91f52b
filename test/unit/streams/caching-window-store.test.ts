import { describe, expect, it } from 'vitest'
import { Serdes, Stores, Topology, type Serde } from '../../../src/streams/index.js'
import { answerQuery, type LocalQuerySource } from '../../../src/streams/runtime/query-server.js'
import { CachingWindowStore, type CachingContext } from '../../../src/streams/state/caching-window-store.js'
import { LoggingWindowBytesStore } from '../../../src/streams/state/logging-window.js'
import { RecordCache } from '../../../src/streams/state/record-cache.js'
import { SerdeWindowStore, timestampedValueSerde } from '../../../src/streams/state/typed-window.js'
import type { ValueAndTimestamp } from '../../../src/streams/state/value-and-timestamp.js'
import { inMemoryWindowStore } from '../../../src/streams/state/window-store-suppliers.js'

type VT = ValueAndTimestamp<unknown>

/** A caching store over a logged in-memory window store (size 10, retention 20), recording changelog records and forwards. */
function harness(maxBytes = 1 << 20, values: Serde<unknown> = Serdes.int64() as Serde<unknown>, onForward?: (key: string, start: number) => void) {
  const logged: Array<[string, number | null]> = []
  const forwards: Array<[string, number, unknown, unknown, number]> = []
  const bytes = inMemoryWindowStore('s', 20, 10, false).get()
  const sink = {
    logChange: (_store: string, key: Buffer, value: Buffer | null) => {
      logged.push([key.subarray(0, key.length - 12).toString(), value === null ? null : value.length === 8 ? Number(value.readBigInt64BE(0)) : value.length])
    },
  }
  let now = 0
  const logging = new LoggingWindowBytesStore(bytes, sink, { currentRecordTimestamp: () => now }, true)
  const typed = new SerdeWindowStore<unknown, VT>(logging, Serdes.string() as Serde<unknown>, timestampedValueSerde(values), 'app-s-changelog')
  const ctx: CachingContext = {
    recordMetadata: () => null,
    timestamp: () => now,
    headers: () => [],
    inContext: (_c, _t, _h, fn, arg) => fn(arg),
  }
  const store = new CachingWindowStore(new RecordCache(maxBytes), '0_0/s', typed, ctx, (key, newValue, oldValue, timestamp) => {
    forwards.push([key.key as string, key.window.start, newValue, oldValue, timestamp])
    onForward?.(key.key as string, key.window.start)
  })
  const put = (key: string, value: unknown, start: number, timestamp = start) => {
    now = timestamp
    store.put(key, value === null ? null : { value, timestamp }, start)
  }
  return { store, typed, logged, forwards, put }
}

describe('caching window store', () => {
  it('serves reads from the cache; a flush writes, logs and forwards each dirty window once, with the stored value as the old one', () => {
    const { store, typed, logged, forwards, put } = harness()
    put('k', 1, 0)
    put('k', 2, 0, 3)
    expect(store.fetch('k', 0)).toEqual({ value: 2, timestamp: 3 })
    expect(typed.fetch('k', 0)).toBeNull()
    expect(logged).toEqual([])
    expect(store.flushCache()).toBe(true)
    expect(logged).toEqual([['k', 2]])
    expect(forwards).toEqual([['k', 0, 2, null, 3]])
    expect(typed.fetch('k', 0)).toEqual({ value: 2, timestamp: 3 })
    put('k', 3, 0, 4)
    expect(store.flushCache()).toBe(true)
    expect(forwards[1]).toEqual(['k', 0, 3, 2, 4])
    expect(store.flushCache()).toBe(false)
    expect(store.cachedEntries).toBe(1)
  })

  it('a flush writes the windows dirty when it starts: puts made while it forwards are written by it (latest value) or by the next one', () => {
    let reentered = false
    const h = harness(1 << 20, undefined, (key) => {
      if (key !== 'a' || reentered) return
      reentered = true
      h.put('c', 30, 0, 5) // dirty, not yet written by this flush: written by it with the new value, and dirty again
      h.put('a', 11, 0, 6) // written by this flush already: dirty for the next one
      h.put('d', 40, 0, 7) // new: the next flush
    })
    const { store, logged, forwards, put } = h
    put('a', 1, 0)
    put('b', 2, 0)
    put('c', 3, 0)
    store.flushCache()
    expect(forwards.map((f) => [f[0], f[2]])).toEqual([['a', 1], ['b', 2], ['c', 30]])
    expect(logged).toEqual([['a', 1], ['b', 2], ['c', 30]])
    store.flushCache()
    expect(forwards.slice(3).map((f) => [f[0], f[2], f[3]])).toEqual([['c', 30, 30], ['a', 11, 1], ['d', 40, null]])
    expect(store.flushCache()).toBe(false)
  })

  it('keeps flushed windows until evicted: a window the store has expired is still read and updated from the cache', () => {
    const { store, typed, forwards, put } = harness()
    put('k', 1, 0)
    store.flushCache()
    put('k', 5, 30) // the store's stream time 30 expires window 0 (retention 20)
    store.flushCache()
    expect(typed.fetch('k', 0)).toBeNull()
    expect(store.fetch('k', 0)).toEqual({ value: 1, timestamp: 0 })
    put('k', 2, 0, 8)
    store.flushCache()
    // The store dropped the put (expired) and held nothing: the old value is null.
    expect(forwards.at(-1)).toEqual(['k', 0, 2, null, 8])
  })

  it('evicts the least recently used window; evicting a dirty one flushes every dirty window, the evicted first', () => {
    // One entry is 82 bytes (Kafka Streams' estimate for a 1-byte key and a 16-byte value): two fit in 200.
    const { store, forwards, put } = harness(200)
    put('a', 1, 0)
    put('b', 1, 0)
    expect(store.fetch('a', 0)).toEqual({ value: 1, timestamp: 0 }) // b is now the least recently used
    expect(forwards).toEqual([])
    put('c', 1, 0)
    expect(forwards.map((f) => f[0])).toEqual(['b', 'a', 'c'])
    expect(store.cachedEntries).toBe(2)
    // Clean entries are evicted without a flush.
    put('d', 1, 0)
    expect(forwards).toHaveLength(3)
    expect(store.cachedEntries).toBe(2)
  })

  it('range reads merge the cache over the store (a cached delete hides the stored window), in key then start order', () => {
    const { store, put } = harness()
    put('a', 1, 0)
    put('b', 1, 0)
    put('b', 1, 10)
    store.flushCache()
    store.clearCache()
    put('a', 7, 0)
    put('b', null, 0)
    put('c', 3, 10)
    const rows = (it: Iterable<{ key: { key: unknown; window: { start: number; end: number } }; value: VT }>) =>
      [...it].map((kv) => `${String(kv.key.key)}@${kv.key.window.start}-${kv.key.window.end}=${String(kv.value.value)}`)
    expect(rows(store.fetchAll(0, 100))).toEqual(['a@0-10=7', 'b@10-20=1', 'c@10-20=3'])
    expect(rows(store.backwardFetchAll(0, 100))).toEqual(['c@10-20=3', 'b@10-20=1', 'a@0-10=7'])
    expect(rows(store.fetch('b', 'c', 0, 5))).toEqual([])
    expect(rows(store.all())).toEqual(['a@0-10=7', 'b@10-20=1', 'c@10-20=3'])
    expect([...store.fetch('b', 0, 100)].map((kv) => [kv.key, kv.value.value])).toEqual([[10, 1]])
    expect([...store.backwardFetch('a', 0, 100)].map((kv) => [kv.key, kv.value.value])).toEqual([[0, 7]])
  })

  it('answers remote queries through the cache (the typed read path): unflushed windows included, cached deletes hidden', () => {
    const { store, put } = harness()
    put('k', 1, 0)
    put('k', 2, 10)
    store.flushCache()
    put('k', 5, 10, 12)
    put('k', null, 0)
    const str = Serdes.string()
    const int64 = Serdes.int64()
    const topology = new Topology()
      .addSource('src', 'in', { keySerde: str, valueSerde: str })
      .addProcessor('p', () => ({ process: () => {} }), 'src')
      .addStateStore(Stores.timestampedWindowStoreBuilder(Stores.inMemoryWindowStore('s', 20, 10, false), str, int64), 'p')
    const source: LocalQuerySource = {
      applicationId: 'app',
      topology,
      serdes: () => ({ keySerde: str as Serde<unknown>, valueSerde: int64 as Serde<unknown> }),
      state: () => 'RUNNING',
      tasksPerSubtopology: () => new Map(topology.subtopologies().map((st) => [st.id, 1])),
      taskStore: () => ({ store, role: 'running' }),
      globalStore: () => undefined,
    }
    const answer = answerQuery(source, { op: 'windowFetch', store: 's', key: Buffer.from('k'), timeFrom: 0, timeTo: 100, stale: false })
    // Plain values (a timestamped store's timestamps stay behind), serialized with the store's serde.
    expect(answer.op === 'windowFetch' && answer.windows.map((w) => [w.start, Number(w.value.readBigInt64BE(0)), w.value.length])).toEqual([[10, 5, 8]])
  })

  it('a flushed delete leaves the cache', () => {
    const { store, forwards, put } = harness()
    put('k', 1, 0)
    store.flushCache()
    put('k', null, 0, 2)
    store.flushCache()
    expect(forwards.at(-1)).toEqual(['k', 0, null, 1, 2])
    expect(store.cachedEntries).toBe(0)
    expect(store.fetch('k', 0)).toBeNull()
    // A window created and deleted between two flushes is neither written nor forwarded.
    put('n', 1, 0)
    put('n', null, 0)
    store.flushCache()
    expect(forwards).toHaveLength(2)
  })

  it('hands out copies of object aggregates: changing one in place changes neither the cache nor the old value forwarded', () => {
    const { store, forwards, put } = harness(1 << 20, Serdes.json())
    put('k', [1], 0)
    store.flushCache()
    const read = store.fetch('k', 0) as ValueAndTimestamp<number[]>
    read.value.push(2)
    expect(store.fetch('k', 0)?.value).toEqual([1])
    put('k', [1, 3], 0, 1)
    store.flushCache()
    expect(forwards.at(-1)).toEqual(['k', 0, [1, 3], [1], 1])
  })
})

describe('timestamped int64 values (counts)', () => {
  it('are the timestamp then the int64 bytes, read back exactly; values the int64 serde rejects fail as it does', () => {
    const serde = timestampedValueSerde(Serdes.int64())
    for (const [value, timestamp] of [[0, 0], [1, 1_700_000_000_000], [-1, 5], [2 ** 53 - 1, 7], [-(2 ** 53 - 1), -1], [2 ** 32, 9]]) {
      const bytes = serde.serialize('t', { value, timestamp }) as Buffer
      const expected = Buffer.alloc(16)
      expected.writeBigInt64BE(BigInt(timestamp), 0)
      expected.writeBigInt64BE(BigInt(value), 8)
      expect(bytes).toEqual(expected)
      expect(serde.deserialize('t', bytes)).toEqual({ value, timestamp })
    }
    expect(() => serde.serialize('t', { value: 0.5, timestamp: 0 })).toThrow(/int64 serde/)
    const tooBig = Buffer.alloc(16)
    tooBig.writeBigInt64BE(2n ** 60n, 8)
    expect(() => serde.deserialize('t', tooBig)).toThrow(/beyond 2\^53/)
    expect(serde.serialize('t', null as unknown as ValueAndTimestamp<number>)).toBeNull()
  })
})
