/**
 * In-memory bytes store: a Map keyed by the key's latin1 string (one char per byte, so JS string
 * order equals unsigned byte order) plus a sorted key list for range scans. The list is built on
 * the first scan and then kept sorted (binary-search insert and remove), so a store that is
 * scanned and written in turn (session stores: findSessions, then put) does not re-sort per
 * record; writes before the first scan (a restore) only cost one sort.
 */
import type { KeyValue } from '../record.js'
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
  /** Sorted map keys, kept up to date once built; null until the first scan. */
  #sorted: string[] | null = null

  constructor(name: string) {
    this.name = name
  }

  get(key: Buffer): Buffer | null {
    const e = this.#map.get(key.toString('latin1'))
    return e === undefined ? null : e.value
  }

  put(key: Buffer, value: Buffer | null): void {
    const k = key.toString('latin1')
    if (value === null) {
      if (this.#map.delete(k)) this.#unlist(k)
      return
    }
    const e = this.#map.get(k)
    if (e !== undefined) e.value = value
    else {
      this.#map.set(k, { key, value })
      if (this.#sorted !== null) this.#sorted.splice(lowerBound(this.#sorted, k), 0, k)
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
    this.#unlist(k)
    return e.value
  }

  *range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    const lo = from.toString('latin1')
    const hi = to.toString('latin1')
    if (lo > hi) return
    const sorted = this.#sortedKeys()
    // The keys in range now (a copy: the list changes in place with later writes).
    const keys = sorted.slice(lowerBound(sorted, lo), upperBound(sorted, hi))
    for (const k of keys) {
      const e = this.#map.get(k)
      if (e !== undefined) yield { key: e.key, value: e.value }
    }
  }

  *all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    for (const k of this.#sortedKeys().slice()) {
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

  #sortedKeys(): string[] {
    if (this.#sorted === null) this.#sorted = [...this.#map.keys()].sort()
    return this.#sorted
  }

  #unlist(k: string): void {
    const sorted = this.#sorted
    if (sorted === null) return
    const i = lowerBound(sorted, k)
    if (sorted[i] === k) sorted.splice(i, 1)
  }
}

/** Index of the first key >= k. */
function lowerBound(keys: readonly string[], k: string): number {
  let a = 0
  let b = keys.length
  while (a < b) {
    const mid = (a + b) >>> 1
    if (keys[mid] < k) a = mid + 1
    else b = mid
  }
  return a
}

/** Index of the first key > k. */
function upperBound(keys: readonly string[], k: string): number {
  let a = 0
  let b = keys.length
  while (a < b) {
    const mid = (a + b) >>> 1
    if (keys[mid] <= k) a = mid + 1
    else b = mid
  }
  return a
}

/** Supplier of {@link InMemoryKeyValueStore}s. */
export function inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
  return { name, get: () => new InMemoryKeyValueStore(name) }
}
