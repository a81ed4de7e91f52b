/**
 * Store registration: {@link StoreBuilder} for the Processor API (`Stores.keyValueStoreBuilder`)
 * and {@link Materialized} for the DSL. Both describe a store; tasks build the instances.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { Serde } from '../serde.js'
import { inMemoryKeyValueStore } from './in-memory.js'
import { LoggedStoreBuilder } from './logged-store-builder.js'
import { lmdbKeyValueStore } from './lmdb.js'
import type { KeyValueBytesStoreSupplier } from './store.js'
import type { TimestampedKeyValueStore } from './timestamped.js'
import type { SessionBytesStoreSupplier } from './session-store.js'
import { SessionStoreBuilder, WindowStoreBuilder } from './window-store-builders.js'
import { inMemorySessionStore, inMemoryWindowStore, persistentSessionStore, persistentWindowStore } from './window-store-suppliers.js'
import { VersionedStoreBuilder } from './versioned-store-builder.js'
import { inMemoryVersionedKeyValueStore, persistentVersionedKeyValueStore, type VersionedBytesStoreSupplier } from './versioned-store.js'
import type { WindowBytesStoreSupplier } from './window-store.js'

/** Describes a key-value store to create in every task that uses it. */
export class StoreBuilder<K, V> extends LoggedStoreBuilder<KeyValueBytesStoreSupplier, K, V, StoreBuilder<K, V>> {
  /**
   * Values carry the timestamp of the record that wrote them (Kafka Streams'
   * `TimestampedKeyValueStore`, as DSL tables and aggregations use): processors get a
   * {@link TimestampedKeyValueStore}; interactive queries and the test driver's
   * `getKeyValueStore` still read plain values.
   */
  readonly timestamped: boolean

  constructor(
    supplier: KeyValueBytesStoreSupplier,
    keySerde?: Serde<K>,
    valueSerde?: Serde<V>,
    loggingEnabled = true,
    changelogConfig: Readonly<globalThis.Record<string, string>> = {},
    timestamped = false,
  ) {
    super(supplier, keySerde, valueSerde, loggingEnabled, changelogConfig)
    this.timestamped = timestamped
  }

  protected withLogging(loggingEnabled: boolean, changelogConfig: Readonly<globalThis.Record<string, string>>): StoreBuilder<K, V> {
    return new StoreBuilder(this.supplier, this.keySerde, this.valueSerde, loggingEnabled, changelogConfig, this.timestamped)
  }
}

/** Factories for store suppliers and builders. */
export const Stores = {
  /** An ordered in-memory bytes store supplier. */
  inMemoryKeyValueStore,
  /**
   * A persistent (LMDB) bytes store supplier: `<stateDir>/<taskId>/<name>` on disk, kept across
   * restarts. Use it with `Materialized.as(Stores.persistentKeyValueStore('counts'))` or
   * `Stores.keyValueStoreBuilder(...)`.
   */
  persistentKeyValueStore: lmdbKeyValueStore,
  /** A typed key-value store builder; omitted serdes fall back to the runtime's default serdes. */
  keyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): StoreBuilder<K, V> {
    return new StoreBuilder(supplier, keySerde, valueSerde)
  },
  /** A timestamped key-value store builder (values with timestamps, as the DSL's stores). */
  timestampedKeyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): StoreBuilder<K, V> {
    return new StoreBuilder(supplier, keySerde, valueSerde, true, {}, true)
  },
  /** An in-memory window store supplier: `(name, retentionPeriod, windowSize, retainDuplicates)`. */
  inMemoryWindowStore,
  /** A persistent (LMDB) window store supplier: `(name, retentionPeriod, windowSize, retainDuplicates, options?)`. */
  persistentWindowStore,
  /** As {@link persistentWindowStore}: timestamped values are a builder choice ({@link Stores.timestampedWindowStoreBuilder}). */
  persistentTimestampedWindowStore: persistentWindowStore,
  /** An in-memory session store supplier: `(name, retentionPeriod)`. */
  inMemorySessionStore,
  /** A persistent (LMDB) session store supplier: `(name, retentionPeriod, options?)`. */
  persistentSessionStore,
  /** A typed window store builder (`WindowStore<K, V>`); omitted serdes fall back to the defaults. */
  windowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde, false)
  },
  /**
   * A timestamped window store builder (`TimestampedWindowStore<K, V>`: values are
   * `ValueAndTimestamp<V>`); `valueSerde` is the plain values' serde.
   */
  timestampedWindowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde, true)
  },
  /** A typed session store builder (`SessionStore<K, V>`). */
  sessionStoreBuilder<K, V>(supplier: SessionBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): SessionStoreBuilder<K, V> {
    return new SessionStoreBuilder(supplier, keySerde, valueSerde)
  },
  /**
   * A persistent (LMDB) versioned key-value store supplier: `(name, historyRetentionMs,
   * segmentIntervalMs?, options?)`. Materialize a table on it
   * (`Materialized.as(Stores.persistentVersionedKeyValueStore('prices', 3_600_000))`) for
   * as-of reads and temporal stream-table joins.
   */
  persistentVersionedKeyValueStore,
  /** An in-memory versioned key-value store supplier: `(name, historyRetentionMs)`. */
  inMemoryVersionedKeyValueStore,
  /** A typed versioned key-value store builder (`VersionedKeyValueStore<K, V>`); omitted serdes fall back to the defaults. */
  versionedKeyValueStoreBuilder<K, V>(supplier: VersionedBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): VersionedStoreBuilder<K, V> {
    return new VersionedStoreBuilder(supplier, keySerde, valueSerde)
  },
} as const

/** A store supplier a DSL operation can be materialized with. */
export type DslStoreSupplier = KeyValueBytesStoreSupplier | WindowBytesStoreSupplier | SessionBytesStoreSupplier | VersionedBytesStoreSupplier

/** Plain-object form of {@link Materialized}. */
export interface MaterializedOptions<K, V> {
  /** Store name (queryable, and names the changelog and repartition topics). Generated when omitted. */
  name?: string
  /**
   * Bytes store to use instead of the in-memory one; its name is the store name. Key-value
   * aggregations take a key-value supplier, windowed aggregations a window supplier (time and
   * sliding windows) or a session supplier (session windows); source tables (`table`, `toTable`)
   * also take a versioned supplier.
   */
  supplier?: DslStoreSupplier
  key?: Serde<K>
  value?: Serde<V>
  /** Default true. */
  loggingEnabled?: boolean
  changelogConfig?: globalThis.Record<string, string>
  /**
   * Window and session stores: how long (ms of stream time) windows are kept. Default: window
   * size + grace (sliding windows: 2 x time difference + grace; sessions: gap + grace); a smaller
   * retention is rejected.
   */
  retentionMs?: number
  /**
   * Default true: updates are held in the record cache until the next commit (or until it is
   * full) and forwarded collapsed per key. The store is written either way.
   * EmitStrategy.onWindowClose aggregations are never cached.
   */
  cachingEnabled?: boolean
}

/** How a DSL operation materializes its state store (Kafka Streams' `Materialized`). */
export class Materialized<K, V> implements MaterializedOptions<K, V> {
  name?: string
  supplier?: DslStoreSupplier
  key?: Serde<K>
  value?: Serde<V>
  loggingEnabled = true
  changelogConfig?: globalThis.Record<string, string>
  retentionMs?: number
  cachingEnabled?: boolean

  /** A store with this name, or backed by this supplier (named after it). */
  static as<K, V>(nameOrSupplier: string | DslStoreSupplier): Materialized<K, V> {
    const m = new Materialized<K, V>()
    if (typeof nameOrSupplier === 'string') m.name = nameOrSupplier
    else {
      m.supplier = nameOrSupplier
      m.name = nameOrSupplier.name
    }
    return m
  }

  /** An unnamed store with these serdes. */
  static with<K, V>(keySerde?: Serde<K>, valueSerde?: Serde<V>): Materialized<K, V> {
    const m = new Materialized<K, V>()
    m.key = keySerde
    m.value = valueSerde
    return m
  }

  withKeySerde(serde: Serde<K>): this {
    this.key = serde
    return this
  }

  withValueSerde(serde: Serde<V>): this {
    this.value = serde
    return this
  }

  /** Window and session stores: keep windows this long (ms of stream time, >= 0). */
  withRetention(retentionMs: number): this {
    if (!Number.isSafeInteger(retentionMs) || retentionMs < 0) throw new InvalidArgumentError(`Retention must not be negative (a whole number of ms), got ${String(retentionMs)}`)
    this.retentionMs = retentionMs
    return this
  }

  /** Turns the store's record cache on (Kafka Streams' default). */
  withCachingEnabled(): this {
    this.cachingEnabled = true
    return this
  }

  /** Turns the store's record cache off: every update is forwarded. */
  withCachingDisabled(): this {
    this.cachingEnabled = false
    return this
  }

  withLoggingDisabled(): this {
    this.loggingEnabled = false
    return this
  }

  withLoggingEnabled(config: globalThis.Record<string, string> = {}): this {
    this.loggingEnabled = true
    this.changelogConfig = config
    return this
  }
}
