/**
 * In-memory bytes store: a Map keyed by the key's latin1 string (one char per byte, so JS string
 * order equals unsigned byte order) plus a lazily sorted key list for range scans.
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
  /** Sorted map keys; null when a key was added or removed since the last sort. */
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
      if (this.#map.delete(k)) this.#sorted = null
      return
    }
    const e = this.#map.get(k)
    if (e !== undefined) e.value = value
    else {
      this.#map.set(k, { key, value })
      this.#sorted = null
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
    this.#sorted = null
    return e.value
  }

  *range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    const lo = from.toString('latin1')
    const hi = to.toString('latin1')
    if (lo > hi) return
    const keys = this.#sortedKeys()
    // Binary search for the first key >= lo.
    let a = 0
    let b = keys.length
    while (a < b) {
      const mid = (a + b) >>> 1
      if (keys[mid] < lo) a = mid + 1
      else b = mid
    }
    for (let i = a; i < keys.length && keys[i] <= hi; i++) {
      const e = this.#map.get(keys[i])
      if (e !== undefined) yield { key: e.key, value: e.value }
    }
  }

  *all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    for (const k of this.#sortedKeys()) {
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
    // Copy-on-sort: an iterator in progress keeps its own array when the store changes under it.
    if (this.#sorted === null) this.#sorted = [...this.#map.keys()].sort()
    return this.#sorted
  }
}

/** Supplier of {@link InMemoryKeyValueStore}s. */
export function inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
  return { name, get: () => new InMemoryKeyValueStore(name) }
}
