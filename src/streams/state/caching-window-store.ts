/**
 * The record cache in front of a time-window aggregation's window store (Kafka Streams'
 * `CachingWindowStore`): writes go to the cache, reads are served from it, and dirty windows are
 * written to the store (and its changelog) and forwarded downstream when the cache flushes, at
 * commit or when the cache is over its size. Several updates of one window between flushes make
 * one store write, one changelog record and one forward; the forward carries the store's value
 * from before the write as the old value, read at flush time (as Kafka Streams reads it).
 *
 * Entries stay in the cache after a flush (clean) until evicted, least recently used first, so a
 * window the underlying store has already expired can still be read and updated from the cache,
 * as in Kafka Streams. Evicting a dirty entry flushes every dirty entry of the store, the evicted
 * one first. Range reads merge the cache over the store (the cache wins; a cached delete hides
 * the stored window), in the store's order.
 *
 * Entries keep the typed value and its bytes: a hit needs no deserialization, and a flush writes
 * the bytes serialized at put time.
 */
import type { KeyValue, RecordHeaders, RecordMetadata } from '../record.js'
import type { Windowed } from '../windowed.js'
import type { CacheFlushable, RecordCache } from './record-cache.js'
import { checkTimestamp } from './segmented-store.js'
import type { SerdeWindowStore } from './typed-window.js'
import type { ValueAndTimestamp } from './value-and-timestamp.js'
import type { WindowStore } from './window-store.js'
import { MAX_TIMESTAMP, windowStoreKey } from './window-key-schema.js'

type VT = ValueAndTimestamp<unknown>

/** One cached window. */
interface Entry {
  /** The key bytes as latin1 text (one char per byte). */
  readonly id: string
  readonly keyBytes: Buffer
  readonly key: unknown
  readonly start: number
  value: VT | null
  bytes: Buffer | null
  /** The window's store key (built once, at the first read or flush that needs it), and as latin1 text. */
  storeKey: Buffer | null
  storeId: string | null
  /** What the store holds for the window while it is live (undefined: not known), and as a value. */
  stored: Buffer | null | undefined
  storedValue: VT | null
  dirty: boolean
  /** Kafka Streams' size estimate of the entry. */
  size: number
  /** Record context of the latest put: what the flush writes and forwards in. */
  timestamp: number
  headers: RecordHeaders
  context: RecordMetadata | null
  /** LRU list: toward the most recently used (newer) and the least (older). */
  newer: Entry | null
  older: Entry | null
  /** Dirty list (while dirty): toward the latest put and the earliest. */
  dirtyNewer: Entry | null
  dirtyOlder: Entry | null
}

/** A flush in progress: the next dirty entry to write and the last, or (after a put during the flush) the entries left to write. */
interface FlushState {
  next: Entry | null
  last: Entry | null
  rest: Entry[] | null
}

/** Where a caching store gets the record context of a put and runs a flushed entry in its own. */
export interface CachingContext {
  /** Record metadata of the record being processed (null in punctuations). */
  recordMetadata(): RecordMetadata | null
  /** Timestamp and headers of the record being processed. */
  timestamp(): number
  headers(): RecordHeaders
  /** Runs `fn(arg)` with this record context set (what changelog records and sinks see). */
  inContext<T>(context: RecordMetadata | null, timestamp: number, headers: RecordHeaders, fn: (arg: T) => void, arg: T): void
}

/** A flushed window as downstream gets it: the new and the stored (old) aggregate. */
export type FlushForward = (key: Windowed<unknown>, newValue: unknown, oldValue: unknown, timestamp: number, headers: RecordHeaders) => void

/** True for a store that forwards its table's updates itself when the cache flushes. */
export function forwardsOnFlush(store: unknown): boolean {
  return store instanceof CachingWindowStore && store.forwarding
}

/** A timestamped window store with a write-back record cache in front. */
export class CachingWindowStore implements WindowStore<unknown, VT>, CacheFlushable {
  readonly name: string
  readonly inner: SerdeWindowStore<unknown, VT>
  /** True when flushed windows are forwarded (emit on update); false for emit on close. */
  readonly forwarding: boolean
  readonly #cache: RecordCache
  readonly #ctx: CachingContext
  readonly #forward: FlushForward | null
  readonly #namespace: string
  /** Entries by key id, then window start. */
  readonly #entries = new Map<string, Map<number, Entry>>()
  /** Dirty entries in the order of their latest put (Kafka Streams' dirty keys): a list, earliest first. */
  #dirtyOldest: Entry | null = null
  #dirtyNewest: Entry | null = null
  #count = 0
  #bytes = 0
  #newest: Entry | null = null
  #oldest: Entry | null = null
  #lastKeyBytes: Buffer | null = null
  #lastId = ''
  /** The entry of the last read, while it is in the cache (an aggregation reads a window, then writes it). */
  #hit: Entry | null = null
  /** The last read the cache missed (an aggregation reads a window, then writes it). */
  #missId: string | null = null
  #missStart = -1
  #missStoreKey: Buffer | null = null
  #missBytes: Buffer | null = null
  #missValue: VT | null = null

  constructor(cache: RecordCache, namespace: string, inner: SerdeWindowStore<unknown, VT>, ctx: CachingContext, forward: FlushForward | null) {
    this.name = inner.name
    this.inner = inner
    this.#cache = cache
    this.#namespace = namespace
    this.#ctx = ctx
    this.#forward = forward
    this.forwarding = forward !== null
  }

  get persistent(): boolean {
    return this.inner.persistent
  }

  /** The cache namespace (task and store). */
  get cacheName(): string {
    return this.#namespace
  }

  /** Windows held (clean and dirty). */
  get cachedEntries(): number {
    return this.#count
  }

  put(key: unknown, value: VT | null, windowStart: number): void {
    checkTimestamp(this.name, windowStart, 'windowStart')
    const flushing = this.#flushing
    if (flushing !== null && flushing.rest === null) this.#detachRest(flushing)
    const keyBytes = this.inner.serializeKey(key)
    const id = this.#idOf(keyBytes)
    const bytes = value === null ? null : this.inner.valueSerde.serialize(this.inner.serdeTopic, value)
    const ctx = this.#ctx
    const context = ctx.recordMetadata()
    const headers = ctx.headers()
    let size = 8 + keyBytes.length + 12 + 24 + (bytes?.length ?? 0) + 1 + 8 + 8 + 4 + (context?.topic.length ?? 0)
    for (let i = 0; i < headers.length; i++) size += headers[i][0].length + (headers[i][1]?.length ?? 0)
    // An aggregation writes the window it just read: that entry, without looking it up again.
    let e: Entry | null | undefined = this.#hit
    this.#hit = null
    if (e === null || e.start !== windowStart || e.id !== id) {
      let windows = this.#entries.get(id)
      if (windows === undefined) this.#entries.set(id, (windows = new Map()))
      e = windows.get(windowStart)
      if (e === undefined) {
        e = this.#added(windows, id, keyBytes, key, windowStart, value, bytes, size, context, headers)
        this.#pushNewest(e)
        this.#pushDirty(e)
        this.#maybeEvict()
        return
      }
    }
    // (The window just read is the most recently used already: nothing to move.)
    if (e !== this.#newest) this.#unlink(e)
    this.#bytes += size - e.size
    this.#cache.adjust(size - e.size)
    if (e.dirty) this.#unlinkDirty(e)
    e.value = value
    e.bytes = bytes
    e.dirty = true
    e.size = size
    e.timestamp = ctx.timestamp()
    e.headers = headers
    e.context = context
    if (e !== this.#newest) this.#pushNewest(e)
    this.#pushDirty(e)
    this.#maybeEvict()
  }

  /** A window first put: its entry, counted in the cache. */
  #added(windows: Map<number, Entry>, id: string, keyBytes: Buffer, key: unknown, start: number, value: VT | null, bytes: Buffer | null, size: number, context: RecordMetadata | null, headers: RecordHeaders): Entry {
    const read = this.#missId === id && this.#missStart === start
    const e: Entry = {
      id,
      keyBytes,
      key,
      start,
      value,
      bytes,
      storeKey: read ? this.#missStoreKey : null,
      storeId: null,
      stored: read ? this.#missBytes : undefined,
      storedValue: read ? this.#missValue : null,
      dirty: true,
      size,
      timestamp: this.#ctx.timestamp(),
      headers,
      context,
      newer: null,
      older: null,
      dirtyNewer: null,
      dirtyOlder: null,
    }
    this.#missId = null
    windows.set(start, e)
    this.#count++
    this.#bytes += size
    this.#cache.adjust(size)
    return e
  }

  fetch(key: unknown, windowStart: number): VT | null
  fetch(key: unknown, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, VT>>
  fetch(keyFrom: unknown, keyTo: unknown, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<unknown>, VT>>
  fetch(a: unknown, b: unknown, c?: number, d?: number): VT | null | IterableIterator<KeyValue<number, VT>> | IterableIterator<KeyValue<Windowed<unknown>, VT>> {
    if (d !== undefined) return this.#range(a, b, c as number, d, false)
    if (c !== undefined) return this.#keyRange(a, b as number, c, false)
    const keyBytes = this.inner.serializeKey(a)
    const id = this.#idOf(keyBytes)
    const e = this.#entries.get(id)?.get(b as number)
    if (e === undefined) {
      this.#hit = null
      return this.#fetchStore(id, keyBytes, b as number)
    }
    this.#unlink(e)
    this.#pushNewest(e)
    this.#hit = e
    return this.#own(e.value, e.bytes)
  }

  backwardFetch(key: unknown, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, VT>>
  backwardFetch(keyFrom: unknown, keyTo: unknown, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<unknown>, VT>>
  backwardFetch(a: unknown, b: unknown, c: number, d?: number): IterableIterator<KeyValue<number, VT>> | IterableIterator<KeyValue<Windowed<unknown>, VT>> {
    if (d !== undefined) return this.#range(a, b, c, d, true)
    return this.#keyRange(a, b as number, c, true)
  }

  all(): IterableIterator<KeyValue<Windowed<unknown>, VT>> {
    return this.#range(null, null, 0, MAX_TIMESTAMP, false)
  }

  backwardAll(): IterableIterator<KeyValue<Windowed<unknown>, VT>> {
    return this.#range(null, null, 0, MAX_TIMESTAMP, true)
  }

  fetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<unknown>, VT>> {
    return this.#range(null, null, timeFrom, timeTo, false)
  }

  backwardFetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<unknown>, VT>> {
    return this.#range(null, null, timeFrom, timeTo, true)
  }

  /** Flushes the cache, then the store. */
  flush(): void {
    this.flushCache()
    this.inner.flush()
  }

  close(): void {
    this.clearCache()
    this.inner.close()
  }

  /** Writes every dirty window to the store, oldest put first, and forwards it. */
  flushCache(): boolean {
    return this.#flush(null)
  }

  /** Drops every cached window (unwritten ones are lost: the task closes without committing). */
  clearCache(): void {
    this.#missId = null
    this.#hit = null
    this.#cache.adjust(-this.#bytes)
    this.#bytes = 0
    this.#count = 0
    this.#entries.clear()
    this.#dirtyOldest = null
    this.#dirtyNewest = null
    this.#newest = null
    this.#oldest = null
  }

  /**
   * A cached value to hand out: itself when immutable (a number, text...), else a copy from its
   * bytes, so an aggregator that changes its aggregate in place cannot change the cache (as each
   * Kafka Streams read deserializes anew).
   */
  #own(value: VT | null, bytes: Buffer | null): VT | null {
    if (value === null || bytes === null) return value
    const v = value.value
    if (typeof v !== 'object' || v === null) return value
    return this.inner.valueSerde.deserialize(this.inner.serdeTopic, bytes)
  }

  /** A window the cache does not hold, from the store; remembered for the put that follows. */
  #fetchStore(id: string, keyBytes: Buffer, start: number): VT | null {
    const bytes = this.inner.bytes
    let stored: Buffer | null
    let storeKey: Buffer | null = null
    if (bytes.fetchWindow !== undefined) {
      checkTimestamp(this.name, start, 'windowStart')
      storeKey = windowStoreKey(keyBytes, start, 0)
      stored = bytes.fetchWindow(storeKey, start)
    } else {
      stored = bytes.fetch(keyBytes, start)
    }
    this.#missId = id
    this.#missStart = start
    this.#missStoreKey = storeKey
    this.#missBytes = stored
    this.#missValue = stored === null ? null : this.inner.valueSerde.deserialize(this.inner.serdeTopic, stored)
    return this.#own(this.#missValue, stored)
  }

  #idOf(keyBytes: Buffer): string {
    if (keyBytes !== this.#lastKeyBytes) {
      this.#lastId = keyBytes.toString('latin1')
      this.#lastKeyBytes = keyBytes
    }
    return this.#lastId
  }

  /** Kafka Streams' eviction: least recently used entries of this store while the cache is over its size. */
  #maybeEvict(): void {
    while (this.#cache.overBudget() && this.#oldest !== null) {
      const e = this.#oldest
      this.#remove(e)
      if (e.dirty) {
        this.#unlinkDirty(e)
        this.#flush(e)
      }
    }
  }

  #flush(evicted: Entry | null): boolean {
    if (this.#dirtyOldest === null && evicted === null) return false
    // The entries dirty when the flush starts are written (Kafka Streams' snapshot of its dirty
    // keys), taken off the dirty list one at a time as they are written: each entry is touched
    // once (the cache is large, and every visit of an entry can be a memory miss). Should a write
    // lead to a put to this store, the put first takes the rest off as the snapshot (#detachRest).
    const state: FlushState = { next: this.#dirtyOldest, last: this.#dirtyNewest, rest: null }
    const outer = this.#flushing
    this.#flushing = state
    const written: Entry[] = []
    let deletes = false
    try {
      if (evicted !== null) {
        evicted.dirty = false
        deletes = evicted.value === null
        written.push(evicted)
        this.#write(evicted)
      }
      for (let e = state.next; e !== null && state.rest === null; e = state.next) {
        state.next = e === state.last ? null : e.dirtyNewer
        this.#unlinkDirty(e)
        e.dirty = false
        if (e.value === null) deletes = true
        written.push(e)
        this.#write(e)
      }
      const rest = state.rest as Entry[] | null
      if (rest !== null) {
        for (let i = 0; i < rest.length; i++) if (rest[i].value === null) deletes = true
        for (let i = 0; i < rest.length; i++) {
          written.push(rest[i])
          this.#write(rest[i])
        }
      }
    } finally {
      this.#flushing = outer
      // A flushed delete leaves the cache (unless written again meanwhile).
      if (deletes) for (const e of written) if (e !== evicted && e.value === null && !e.dirty && this.#entries.get(e.id)?.get(e.start) === e) this.#remove(e)
    }
    return true
  }

  /** The flush in progress (null: none). */
  #flushing: FlushState | null = null

  /** A put during a flush: the entries the flush has yet to write leave the dirty list first (they are its snapshot). */
  #detachRest(state: FlushState): void {
    const rest: Entry[] = []
    for (let e = state.next; e !== null; ) {
      const next = e === state.last ? null : e.dirtyNewer
      this.#unlinkDirty(e)
      e.dirty = false
      rest.push(e)
      e = next
    }
    state.next = null
    state.rest = rest
  }

  #write(e: Entry): void {
    const bytes = this.inner.bytes
    if (this.#forward === null) {
      this.#ctx.inContext(e.context, e.timestamp, e.headers, this.#put, e)
      return
    }
    // The store's value: known while the window is live (puts to an expired window are dropped).
    let old: VT | null
    if (e.stored !== undefined && bytes.isLive?.(e.start) === true) old = this.#own(e.storedValue, e.stored)
    else {
      const b = bytes.fetchWindow !== undefined ? bytes.fetchWindow((e.storeKey ??= windowStoreKey(e.keyBytes, e.start, 0)), e.start) : bytes.fetch(e.keyBytes, e.start)
      old = b === null ? null : this.inner.valueSerde.deserialize(this.inner.serdeTopic, b)
    }
    // Nothing stored and nothing new: no write, no forward.
    if (e.bytes === null && old === null) return
    this.#old = old
    this.#ctx.inContext(e.context, e.timestamp, e.headers, this.#putAndForward, e)
  }

  /** The store's value of the window being flushed (read before its put). */
  #old: VT | null = null

  readonly #put = (e: Entry): void => {
    const bytes = this.inner.bytes
    if (bytes.putWindow !== undefined) {
      const storeKey = (e.storeKey ??= windowStoreKey(e.keyBytes, e.start, 0))
      bytes.putWindow(storeKey, e.start, e.bytes, (e.storeId ??= storeKey.toString('latin1')))
    }
    else bytes.put(e.keyBytes, e.bytes, e.start)
    e.stored = e.bytes
    e.storedValue = e.bytes === null ? null : e.value
  }

  readonly #putAndForward = (e: Entry): void => {
    const old = this.#old
    this.#put(e)
    const inner = this.inner
    const oldValue = old === null ? null : (old.value ?? null)
    const key: Windowed<unknown> = { key: e.key, window: { start: e.start, end: inner.windowEndOf(e.start) } }
    ;(this.#forward as FlushForward)(key, e.value?.value ?? null, oldValue, e.value === null ? e.timestamp : e.value.timestamp, e.headers)
  }

  #remove(e: Entry): void {
    if (e === this.#hit) this.#hit = null
    this.#unlink(e)
    const windows = this.#entries.get(e.id)
    if (windows !== undefined && windows.get(e.start) === e) {
      windows.delete(e.start)
      if (windows.size === 0) this.#entries.delete(e.id)
      this.#count--
      this.#bytes -= e.size
      this.#cache.adjust(-e.size)
    }
  }

  #pushDirty(e: Entry): void {
    e.dirtyOlder = this.#dirtyNewest
    e.dirtyNewer = null
    if (this.#dirtyNewest !== null) this.#dirtyNewest.dirtyNewer = e
    else this.#dirtyOldest = e
    this.#dirtyNewest = e
  }

  #unlinkDirty(e: Entry): void {
    if (e.dirtyNewer !== null) e.dirtyNewer.dirtyOlder = e.dirtyOlder
    else this.#dirtyNewest = e.dirtyOlder
    if (e.dirtyOlder !== null) e.dirtyOlder.dirtyNewer = e.dirtyNewer
    else this.#dirtyOldest = e.dirtyNewer
    e.dirtyNewer = null
    e.dirtyOlder = null
  }

  #pushNewest(e: Entry): void {
    e.older = this.#newest
    e.newer = null
    if (this.#newest !== null) this.#newest.newer = e
    this.#newest = e
    if (this.#oldest === null) this.#oldest = e
  }

  #unlink(e: Entry): void {
    if (e.newer !== null) e.newer.older = e.older
    else if (this.#newest === e) this.#newest = e.older
    if (e.older !== null) e.older.newer = e.newer
    else if (this.#oldest === e) this.#oldest = e.newer
    e.newer = null
    e.older = null
  }

  /** One key's windows in [timeFrom, timeTo], the cache over the store, by start. */
  #keyRange(key: unknown, timeFrom: number, timeTo: number, backward: boolean): IterableIterator<KeyValue<number, VT>> {
    const merged = new Map<number, VT>()
    for (const kv of this.inner.fetch(key, timeFrom, timeTo)) merged.set(kv.key, kv.value)
    const windows = this.#entries.get(this.#idOf(this.inner.serializeKey(key)))
    if (windows !== undefined) {
      for (const e of windows.values()) {
        if (e.start < timeFrom || e.start > timeTo) continue
        if (e.value === null) merged.delete(e.start)
        else merged.set(e.start, e.value)
      }
    }
    const out = [...merged].sort((x, y) => x[0] - y[0]).map(([start, value]) => ({ key: start, value }))
    if (backward) out.reverse()
    return out[Symbol.iterator]()
  }

  /** Windows of a key range (null: unbounded) in [timeFrom, timeTo], the cache over the store, in store-key order. */
  #range(keyFrom: unknown, keyTo: unknown, timeFrom: number, timeTo: number, backward: boolean): IterableIterator<KeyValue<Windowed<unknown>, VT>> {
    const inner = this.inner
    const from = keyFrom === null ? null : inner.serializeKey(keyFrom)
    const to = keyTo === null ? null : inner.serializeKey(keyTo)
    const topic = inner.serdeTopic
    type Row = { keyBytes: Buffer; key: () => unknown; start: number; value: VT }
    const rows = new Map<string, Row>()
    for (const kv of inner.bytes.fetch(from, to, timeFrom, timeTo)) {
      const kb = kv.key.key
      const start = kv.key.window.start
      rows.set(`${start}:${kb.toString('latin1')}`, {
        keyBytes: kb,
        key: () => inner.keySerde.deserialize(topic, kb),
        start,
        value: inner.valueSerde.deserialize(topic, kv.value),
      })
    }
    if (from === null || to === null || Buffer.compare(from, to) <= 0) {
      for (const windows of this.#entries.values()) {
        for (const e of windows.values()) {
          if (e.start < timeFrom || e.start > timeTo) continue
          if ((from !== null && Buffer.compare(e.keyBytes, from) < 0) || (to !== null && Buffer.compare(e.keyBytes, to) > 0)) continue
          const id = `${e.start}:${e.id}`
          if (e.value === null) rows.delete(id)
          else rows.set(id, { keyBytes: e.keyBytes, key: () => e.key, start: e.start, value: e.value })
        }
      }
    }
    const sorted = [...rows.values()].sort((x, y) => Buffer.compare(x.keyBytes, y.keyBytes) || x.start - y.start)
    if (backward) sorted.reverse()
    return sorted.map((r) => ({ key: { key: r.key(), window: { start: r.start, end: inner.windowEndOf(r.start) } }, value: r.value }))[Symbol.iterator]()
  }
}
