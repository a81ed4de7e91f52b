/**
 * The record cache seen from a processor node: a cached DSL table processor's forwards are held
 * in its cache namespace (see state/record-cache.ts) and reach the children when the namespace
 * flushes, at the task's next commit or when the cache is full.
 */
import type { Change, Record, RecordHeaders, RecordMetadata } from '../record.js'
import type { Serde } from '../serde.js'
import type { CacheNamespace, CachedUpdate, RecordCache } from '../state/record-cache.js'
import type { StateStore } from '../state/store.js'
import { SerdeKeyValueStore } from '../state/typed.js'
import { isTimestampedKeyValueStore } from '../state/timestamped.js'
import { SerdeSessionStore } from '../state/typed-session.js'
import { SerdeWindowStore } from '../state/typed-window.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import type { Windowed } from '../windowed.js'

/** Holds one node's forwards in the record cache. */
export class CachedForwarder {
  readonly namespace: CacheNamespace
  readonly #keySerde: Serde<unknown>
  readonly #valueSerde: Serde<unknown>
  readonly #topic: string
  readonly #metadata: () => RecordMetadata | null
  /**
   * What the first write of a key since the last flush replaced in the store, until the update
   * is held: that is the old value Kafka Streams forwards from a cached store (the store's value
   * before the interval), which can differ from the processor's (a new window's is the
   * initializer's there, null here).
   */
  readonly #priors = new Map<string, unknown>()
  /**
   * Headers of the input record being processed (null during punctuation): a cached update keeps
   * them, as Kafka Streams' cache keeps the record context of the write (a session update, a new
   * record without headers uncached, goes out with them).
   */
  readonly #contextHeaders: () => RecordHeaders | null

  /**
   * `forwardNow` sends a flushed update to the node's children in the record context it was held
   * in (Kafka Streams forwards cached entries with theirs); serdes (the table's) identify
   * keys and size values; `topic` is what they are told (the store's changelog topic).
   */
  constructor(
    cache: RecordCache,
    name: string,
    keySerde: Serde<unknown>,
    valueSerde: Serde<unknown>,
    topic: string,
    metadata: () => RecordMetadata | null,
    forwardNow: (record: Record<unknown, unknown>, context: RecordMetadata | null) => void,
    contextHeaders: () => RecordHeaders | null = () => null,
  ) {
    this.#contextHeaders = contextHeaders
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#topic = topic
    this.#metadata = metadata
    this.namespace = cache.namespace(name, (u: CachedUpdate) =>
      forwardNow({ key: u.key, value: { newValue: u.newValue, oldValue: u.oldValue }, timestamp: u.timestamp, headers: u.headers }, u.context),
    )
    this.namespace.onFlush = () => this.flushed()
  }

  #id(key: unknown): string | null {
    const bytes = key == null ? null : this.#keySerde.serialize(this.#topic, key)
    return bytes === null ? null : bytes.toString('latin1')
  }

  #notePrior(key: unknown, read: () => unknown): void {
    const id = this.#id(key)
    if (id === null || this.#priors.has(id) || this.namespace.holds(id)) return
    this.#priors.set(id, read())
  }

  /**
   * The node's view of its table's store: writes first note the value they replace (key-value,
   * timestamped window and session stores; others pass through unchanged).
   */
  wrapStore(store: StateStore): StateStore {
    if (store instanceof SerdeKeyValueStore) {
      const s = store as SerdeKeyValueStore<unknown, unknown>
      // A timestamped store's prior is its plain value.
      const plain = isTimestampedKeyValueStore(s)
      const prior = (key: unknown) => () => (plain ? ((s.get(key) as ValueAndTimestamp<unknown> | null)?.value ?? null) : s.get(key))
      return new Proxy(s, {
        get: (target, prop, receiver) => {
          if (prop === 'put') return (key: unknown, value: unknown) => (this.#notePrior(key, prior(key)), target.put(key, value))
          if (prop === 'delete') return (key: unknown) => (this.#notePrior(key, prior(key)), target.delete(key))
          return bound(target, prop, receiver)
        },
      })
    }
    if (store instanceof SerdeWindowStore) {
      const s = store as SerdeWindowStore<unknown, ValueAndTimestamp<unknown>>
      return new Proxy(s, {
        get: (target, prop, receiver) => {
          if (prop !== 'put') return bound(target, prop, receiver)
          return (key: unknown, value: ValueAndTimestamp<unknown> | null, start: number) => {
            // The time-windowed key serde writes key and start only.
            const windowed: Windowed<unknown> = { key, window: { start, end: start } }
            this.#notePrior(windowed, () => target.fetch(key, start)?.value ?? null)
            target.put(key, value, start)
          }
        },
      })
    }
    if (store instanceof SerdeSessionStore) {
      const s = store as SerdeSessionStore<unknown, unknown>
      return new Proxy(s, {
        get: (target, prop, receiver) => {
          const read = (w: Windowed<unknown>) => () => target.fetchSession(w.key, w.window.start, w.window.end)
          if (prop === 'put') return (w: Windowed<unknown>, value: unknown) => (this.#notePrior(w, read(w)), target.put(w, value))
          if (prop === 'remove') return (w: Windowed<unknown>) => (this.#notePrior(w, read(w)), target.remove(w))
          return bound(target, prop, receiver)
        },
      })
    }
    return store
  }

  /** Forgets noted priors (the namespace flushed: the store's values are what downstream saw). */
  flushed(): void {
    this.#priors.clear()
  }

  /** Holds a forwarded table update; false when it cannot be held (not a change, null key) and must go out now. */
  hold(record: Record<unknown, unknown>): boolean {
    const change = record.value as Change<unknown> | null
    if (change === null || typeof change !== 'object' || !('newValue' in change) || record.key == null) return false
    const key = this.#keySerde.serialize(this.#topic, record.key)
    if (key === null) return false
    const value = change.newValue === null ? null : this.#valueSerde.serialize(this.#topic, change.newValue)
    const id = key.toString('latin1')
    let oldValue = change.oldValue
    if (this.#priors.has(id)) {
      oldValue = this.#priors.get(id) ?? null
      this.#priors.delete(id)
    }
    this.namespace.put(key, record.key, change.newValue, oldValue, record.timestamp, this.#contextHeaders() ?? record.headers, value?.length ?? 0, this.#metadata())
    return true
  }
}

/** A property of a store, methods bound to it (private fields need the real receiver). */
function bound(target: object, prop: string | symbol, _receiver: unknown): unknown {
  const v: unknown = Reflect.get(target, prop, target)
  return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v
}
