/**
 * The record cache seen from a processor node: a cached DSL table processor's forwards are held
 * in its cache namespace (see state/record-cache.ts) and reach the children when the namespace
 * flushes, at the task's next commit or when the cache is full.
 */
import type { Change, Record, RecordMetadata } from '../record.js'
import type { Serde } from '../serde.js'
import type { CacheNamespace, CachedUpdate, RecordCache } from '../state/record-cache.js'

/** Holds one node's forwards in the record cache. */
export class CachedForwarder {
  readonly namespace: CacheNamespace
  readonly #keySerde: Serde<unknown>
  readonly #valueSerde: Serde<unknown>
  readonly #topic: string
  readonly #metadata: () => RecordMetadata | null

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
  ) {
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#topic = topic
    this.#metadata = metadata
    this.namespace = cache.namespace(name, (u: CachedUpdate) =>
      forwardNow({ key: u.key, value: { newValue: u.newValue, oldValue: u.oldValue }, timestamp: u.timestamp, headers: u.headers }, u.context),
    )
  }

  /** Holds a forwarded table update; false when it cannot be held (not a change, null key) and must go out now. */
  hold(record: Record<unknown, unknown>): boolean {
    const change = record.value as Change<unknown> | null
    if (change === null || typeof change !== 'object' || !('newValue' in change) || record.key == null) return false
    const key = this.#keySerde.serialize(this.#topic, record.key)
    if (key === null) return false
    const value = change.newValue === null ? null : this.#valueSerde.serialize(this.#topic, change.newValue)
    this.namespace.put(key, record.key, change.newValue, change.oldValue, record.timestamp, record.headers, value?.length ?? 0, this.#metadata())
    return true
  }
}
