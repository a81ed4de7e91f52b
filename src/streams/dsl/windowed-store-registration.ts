/**
 * Stores of windowed aggregations: a timestamped window store (time and sliding windows) or a
 * session store, in memory unless the Materialized names a supplier, logged to
 * `<applicationId>-<store>-changelog` unless disabled; the key serde of the resulting table
 * (windowed, as Kafka Streams'); and the value getters joins read the table through.
 */
import { TopologyError } from '../errors.js'
import type { Serde } from '../serde.js'
import type { SessionBytesStoreSupplier, SessionStore } from '../state/session-store.js'
import { SessionStoreBuilder, WindowStoreBuilder } from '../state/window-store-builders.js'
import { inMemorySessionStore, inMemoryWindowStore } from '../state/window-store-suppliers.js'
import type { TimestampedWindowStore, WindowBytesStoreSupplier } from '../state/window-store.js'
import type { Windowed } from '../windowed.js'
import { WindowedSerdes } from '../windowed-serdes.js'
import type { DeferredSerde } from './change-serde.js'
import type { BuilderInternals, ResolvedMaterialized } from './options.js'
import type { ValueGetterSupplier } from './processors.js'

/** What a window or session store registration needs besides the Materialized. */
interface StoreParams<K, V> {
  retentionMs: number
  keySerde: Serde<K> | undefined
  valueSerde: Serde<V> | undefined
  processorName: string
  /**
   * EmitStrategy.onWindowClose(): Kafka Streams then uses its time-ordered stores, whose expiry
   * keeps the windows the emit looks for (see the suppliers' `timeOrdered`).
   */
  timeOrdered: boolean
}

function supplierOf(m: ResolvedMaterialized<unknown, unknown>): object | undefined {
  return m.options.supplier as object | undefined
}

/** @internal Registers the timestamped window store of a time or sliding window aggregation. */
export function addWindowAggregationStore<K, V>(
  b: BuilderInternals,
  m: ResolvedMaterialized<K, V>,
  p: StoreParams<K, V> & { windowSizeMs: number; windowEnd: ((start: number) => number) | undefined },
): void {
  const given = supplierOf(m as ResolvedMaterialized<unknown, unknown>)
  if (given !== undefined && !('windowSize' in given)) {
    throw new TopologyError(`store '${m.name}': a windowed aggregation needs a window store supplier (Stores.inMemoryWindowStore / persistentWindowStore)`)
  }
  const supplier = (given as WindowBytesStoreSupplier | undefined) ?? inMemoryWindowStore(m.name, p.retentionMs, p.windowSizeMs, false, { timeOrdered: p.timeOrdered })
  let builder = new WindowStoreBuilder<K, V>(supplier, m.options.key ?? p.keySerde, m.options.value ?? p.valueSerde, true)
  if (p.windowEnd !== undefined) builder = builder.withWindowEnd(p.windowEnd)
  if (m.options.loggingEnabled === false) builder = builder.withLoggingDisabled()
  else if (m.options.changelogConfig !== undefined) builder = builder.withLoggingEnabled(m.options.changelogConfig)
  b.topology.addStateStore(builder, p.processorName)
}

/** @internal Registers the session store of a session window aggregation. */
export function addSessionAggregationStore<K, V>(b: BuilderInternals, m: ResolvedMaterialized<K, V>, p: StoreParams<K, V>): void {
  const given = supplierOf(m as ResolvedMaterialized<unknown, unknown>)
  if (given !== undefined && ('windowSize' in given || !('retentionPeriod' in given))) {
    throw new TopologyError(`store '${m.name}': a session window aggregation needs a session store supplier (Stores.inMemorySessionStore / persistentSessionStore)`)
  }
  const supplier = (given as SessionBytesStoreSupplier | undefined) ?? inMemorySessionStore(m.name, p.retentionMs, { timeOrdered: p.timeOrdered })
  let builder = new SessionStoreBuilder<K, V>(supplier, m.options.key ?? p.keySerde, m.options.value ?? p.valueSerde)
  if (m.options.loggingEnabled === false) builder = builder.withLoggingDisabled()
  else if (m.options.changelogConfig !== undefined) builder = builder.withLoggingEnabled(m.options.changelogConfig)
  b.topology.addStateStore(builder, p.processorName)
}

/**
 * A windowed key serde whose inner serde is the application's default key serde, resolved when
 * tasks are created (the grouping gave no key serde).
 */
class DefaultWindowedKeySerde implements Serde<Windowed<unknown>>, DeferredSerde {
  constructor(private readonly windowSize: number | 'session') {}

  resolveDefaults(defaultKey: Serde<unknown> | undefined): Serde<unknown> {
    if (defaultKey === undefined) {
      throw new TopologyError('no key serde for a windowed table: pass one in Grouped, Materialized or Produced, or set defaultKeySerde')
    }
    return windowedSerde(defaultKey, this.windowSize) as Serde<unknown>
  }

  serialize(): Buffer | null {
    throw new TopologyError('windowed key serde used before the default key serde was resolved')
  }

  deserialize(): Windowed<unknown> {
    throw new TopologyError('windowed key serde used before the default key serde was resolved')
  }
}

function windowedSerde<K>(inner: Serde<K>, windowSize: number | 'session'): Serde<Windowed<K>> {
  return windowSize === 'session' ? WindowedSerdes.sessionWindowedSerdeFrom(inner) : WindowedSerdes.timeWindowedSerdeFrom(inner, windowSize)
}

/**
 * @internal Key serde of a windowed aggregation's table (Kafka Streams' FullTimeWindowedSerde /
 * SessionWindowedSerde of the key serde). Without a key serde, the windowed serde of the default
 * key serde (Kafka Streams would use the default serde itself, which cannot write windowed keys).
 */
export function windowedKeySerde<K>(keySerde: Serde<K> | undefined, windowSize: number | 'session'): Serde<Windowed<K>> {
  if (keySerde !== undefined) return windowedSerde(keySerde, windowSize)
  return new DefaultWindowedKeySerde(windowSize) as unknown as Serde<Windowed<K>>
}

/** @internal Joins read a windowed aggregation's table by windowed key: the window's aggregate. */
export function windowValueGetter(storeName: string): ValueGetterSupplier {
  return {
    storeNames: [storeName],
    create() {
      let store: TimestampedWindowStore<unknown, unknown>
      return {
        init: (ctx) => {
          store = ctx.getStateStore(storeName)
        },
        get: (key) => {
          const w = key as Windowed<unknown>
          return store.fetch(w.key, w.window.start) ?? null
        },
      }
    },
  }
}

/** @internal Joins read a session aggregation's table by windowed key: the session's aggregate. */
export function sessionValueGetter(storeName: string): ValueGetterSupplier {
  return {
    storeNames: [storeName],
    create() {
      let store: SessionStore<unknown, unknown>
      return {
        init: (ctx) => {
          store = ctx.getStateStore(storeName)
        },
        get: (key) => {
          const w = key as Windowed<unknown>
          // As Kafka Streams: a session's aggregate is as new as the session's end.
          const value = store.fetchSession(w.key, w.window.start, w.window.end)
          return value === null ? null : { value, timestamp: w.window.end }
        },
      }
    },
  }
}
