/**
 * In-memory bytes store: a Map keyed by the key's latin1 string (one char per byte, so JS string
 * order equals unsigned byte order) plus the keys in order for range scans (sorted-strings.ts).
 * The order is built on the first range scan and then kept up to date on each new or deleted key,
 * so a store that is scanned and written in turn (session stores: findSessions, then put) does
 * not re-sort per record; writes before the first scan (a restore) only cost one sort.
 */
import type { KeyValue } from '../record.js'
import { SortedStrings } from './sorted-strings.js'
import type { BytesStore, KeyValueBytesStoreSupplier } from './store.js'

interface Entry {
  key: Buffer
  value: Buffer
}

/** Ordered in-memory {@link BytesStore}. */
export class InMemoryKeyValueStore implements BytesStore {
  readonly name: string
  readonly persistent = false
  readonly #map = new Map<string, Entry>()
  /** The map keys in order, kept up to date once built; null until the first scan. */
  #sorted: SortedStrings | null = null

  constructor(name: string) {
    this.name = name
  }

  get(key: Buffer): Buffer | null {
    const e = this.#map.get(key.toString('latin1'))
    return e === undefined ? null : e.value
  }

  put(key: Buffer, value: Buffer | null, id?: string): void {
    const k = id ?? key.toString('latin1')
    if (value === null) {
      if (this.#map.delete(k)) this.#sorted?.delete(k)
      return
    }
    const e = this.#map.get(k)
    if (e !== undefined) e.value = value
    else {
      this.#map.set(k, { key, value })
      this.#sorted?.insert(k)
    }
  }

  putIfAbsent(key: Buffer, value: Buffer | null): Buffer | null {
    const existing = this.get(key)
    if (existing === null) this.put(key, value)
    return existing
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const e of entries) this.put(e.key, e.value)
  }

  delete(key: Buffer): Buffer | null {
    const k = key.toString('latin1')
    const e = this.#map.get(k)
    if (e === undefined) return null
    this.#map.delete(k)
    this.#sorted?.delete(k)
    return e.value
  }

  *range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    const lo = from.toString('latin1')
    const hi = to.toString('latin1')
    if (lo > hi) return
    // The keys in range now (a copy: later writes do not move the scan).
    for (const k of this.#sortedKeys().range(lo, hi)) {
      const e = this.#map.get(k)
      if (e !== undefined) yield { key: e.key, value: e.value }
    }
  }

  *all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    // Before the first range scan, a full scan sorts a snapshot and keeps no order: a store read
    // whole once (a suppression buffer loading itself) is not kept ordered on every write after.
    const keys = this.#sorted === null ? [...this.#map.keys()].sort() : this.#sorted.all()
    for (const k of keys) {
      const e = this.#map.get(k)
      if (e !== undefined) yield { key: e.key, value: e.value }
    }
  }

  approximateNumEntries(): number {
    return this.#map.size
  }

  flush(): void {}

  close(): void {
    this.#map.clear()
    this.#sorted = null
  }

  #sortedKeys(): SortedStrings {
    this.#sorted ??= SortedStrings.fromSorted([...this.#map.keys()].sort())
    return this.#sorted
  }
}

/** Supplier of {@link InMemoryKeyValueStore}s. */
export function inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
  return { name, get: () => new InMemoryKeyValueStore(name) }
}
