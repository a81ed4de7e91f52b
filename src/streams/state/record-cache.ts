/**
 * The record cache (Kafka Streams' `statestore.cache.max.bytes`): what a cached DSL table
 * (aggregation, windowed aggregation emitting on update, table source, toTable) forwards is held
 * per key until the next commit or until the cache is full, so consecutive updates of a key reach
 * downstream as one: the latest new value, the store's value from before the first held update
 * as the old value, and the latest update's timestamp and headers. A key that did not exist
 * before and is deleted again forwards nothing.
 *
 * Peridot writes stores (and their changelogs) through: the cache only changes how many updates
 * go downstream, never what the stores hold. One cache serves all tasks of an instance; each
 * cached processor of a task is a namespace. When the cache is over its size after an update,
 * the namespace that was written flushes (all its held keys, oldest first), as Kafka Streams'
 * eviction of a dirty entry does. Entry sizes are Kafka Streams' estimates (key, value, record
 * context, 25 bytes of bookkeeping); flushed keys leave the cache.
 */
import type { RecordHeaders, RecordMetadata } from '../record.js'

/** Kafka Streams' default `statestore.cache.max.bytes`: 10 MiB. */
export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 * 1024

/** One held update: what is forwarded at flush. */
export interface CachedUpdate {
  readonly key: unknown
  newValue: unknown
  /** The old value of the first held update: the value before this flush interval. */
  readonly oldValue: unknown
  timestamp: number
  headers: RecordHeaders
  /** Where the latest held update's input record came from (the record context it is forwarded in). */
  context: RecordMetadata | null
  size: number
}

/** What a task flushes at commit: a namespace of the record cache (held forwards, or a caching store's entries). */
export interface CacheFlushable {
  readonly name: string
  /** Writes and forwards what is dirty; false when nothing was. */
  flushCache(): boolean
  /** Drops what is held (a task closed without committing). */
  clearCache(): void
}

/** The held updates of one cached processor. */
export class CacheNamespace implements CacheFlushable {
  readonly name: string
  /** By key bytes (latin1 text), in the order of each key's latest update. */
  readonly #entries = new Map<string, CachedUpdate>()
  readonly #cache: RecordCache
  readonly #forward: (update: CachedUpdate) => void
  /** Called after each flush. */
  onFlush: (() => void) | null = null
  #bytes = 0

  /** @internal */
  constructor(cache: RecordCache, name: string, forward: (update: CachedUpdate) => void) {
    this.#cache = cache
    this.name = name
    this.#forward = forward
  }

  /** Held updates. */
  get size(): number {
    return this.#entries.size
  }

  /** True while an update of the key (bytes as latin1 text) is held. */
  holds(id: string): boolean {
    return this.#entries.has(id)
  }

  /** Holds an update of `keyBytes`; flushes this namespace when the cache is over its size. */
  put(keyBytes: Buffer, key: unknown, newValue: unknown, oldValue: unknown, timestamp: number, headers: RecordHeaders, valueBytes: number, context: RecordMetadata | null): void {
    const id = keyBytes.toString('latin1')
    const held = this.#entries.get(id)
    let size = keyBytes.length + 24 + 1 + valueBytes + 8 + 8 + 4 + (context?.topic.length ?? 0)
    for (const [k, v] of headers) size += k.length + (v?.length ?? 0)
    if (held === undefined) {
      this.#entries.set(id, { key, newValue, oldValue, timestamp, headers, context, size })
    } else {
      // The key moves to the end: flush order is the order of the latest updates (Kafka Streams' dirty keys).
      this.#entries.delete(id)
      this.#bytes -= held.size
      this.#cache.adjust(-held.size)
      held.newValue = newValue
      held.timestamp = timestamp
      held.headers = headers
      held.context = context
      held.size = size
      this.#entries.set(id, held)
    }
    this.#bytes += size
    this.#cache.adjust(size)
    if (this.#cache.overBudget()) this.flush()
  }

  /**
   * Forwards every held update, oldest first, and empties the namespace. An update whose old and
   * new values are both null (a key created and deleted within the interval) is dropped.
   */
  flush(): boolean {
    if (this.#entries.size === 0) return false
    const updates = [...this.#entries.values()]
    this.#entries.clear()
    this.#cache.adjust(-this.#bytes)
    this.#bytes = 0
    try {
      for (const u of updates) if (u.newValue !== null || u.oldValue !== null) this.#forward(u)
    } finally {
      this.onFlush?.()
    }
    return true
  }

  flushCache(): boolean {
    return this.flush()
  }

  clearCache(): void {
    this.clear()
  }

  /** Drops the held updates (a task closed without committing). */
  clear(): void {
    this.onFlush?.()
    this.#entries.clear()
    this.#cache.adjust(-this.#bytes)
    this.#bytes = 0
  }
}

/** The cache of one instance (or test driver), shared by its tasks. */
export class RecordCache {
  readonly maxBytes: number
  #bytes = 0

  constructor(maxBytes: number = DEFAULT_CACHE_MAX_BYTES) {
    this.maxBytes = maxBytes
  }

  /** False when the size is 0: updates are forwarded at once. */
  get enabled(): boolean {
    return this.maxBytes > 0
  }

  /** Bytes held (estimate). */
  get sizeBytes(): number {
    return this.#bytes
  }

  /** A namespace whose flushes call `forward` for each update. */
  namespace(name: string, forward: (update: CachedUpdate) => void): CacheNamespace {
    return new CacheNamespace(this, name, forward)
  }

  /** @internal */
  adjust(delta: number): void {
    this.#bytes += delta
  }

  /** @internal */
  overBudget(): boolean {
    return this.#bytes > this.maxBytes
  }
}
