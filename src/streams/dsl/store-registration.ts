/**
 * Registers a DSL store (from a resolved Materialized) in the topology.
 */
import type { Serde } from '../serde.js'
import { inMemoryKeyValueStore } from '../state/in-memory.js'
import { StoreBuilder } from '../state/stores.js'
import type { KeyValueBytesStoreSupplier } from '../state/store.js'
import { TopologyError } from '../errors.js'
import { isVersionedBytesStoreSupplier } from '../state/versioned-store.js'
import type { BuilderInternals, ResolvedMaterialized } from './options.js'
import { sourceOldValues, type OldValues } from './old-values.js'
import { storeGetter, type ValueGetterSupplier } from './processors.js'
import { addVersionedStore, versionedSupplierOf } from './versioned-table.js'

/** @internal The key-value supplier of a Materialized (in-memory by default); a window or session supplier is an error here. */
export function keyValueSupplierOf(m: ResolvedMaterialized<unknown, unknown>): KeyValueBytesStoreSupplier {
  const s = m.options.supplier
  if (s === undefined) return inMemoryKeyValueStore(m.name)
  if ('retentionPeriod' in s) throw new TopologyError(`store '${m.name}': this operation needs a key-value store supplier, got a window or session store supplier`)
  if (isVersionedBytesStoreSupplier(s)) throw new TopologyError(`store '${m.name}': this operation needs a key-value store supplier; versioned stores materialize tables (table(), toTable(), join results and aggregations), not this store`)
  return s
}

/** @internal */
export function addDslStore<K, V>(
  b: BuilderInternals,
  m: ResolvedMaterialized<K, V>,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  ...processorNames: string[]
): StoreBuilder<K, V> {
  const builder = registerDslStore(b, m, keySerde, valueSerde, processorNames)
  if (processorNames.length > 0) cacheTable(b, m, builder, processorNames[0])
  return builder
}

/**
 * @internal The store of an aggregation's result table (`processorNames` write it): a versioned
 * store for a versioned supplier (never cached, as Kafka Streams), else as {@link addDslStore}.
 * Returns the table's value getter.
 */
export function addAggregateStore<K, V>(
  b: BuilderInternals,
  m: ResolvedMaterialized<K, V>,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  ...processorNames: string[]
): ValueGetterSupplier {
  const versioned = versionedSupplierOf(m.options)
  if (versioned !== undefined) return addVersionedStore(b, versioned, m.options, keySerde, valueSerde, ...processorNames)
  addDslStore(b, m, keySerde, valueSerde, ...processorNames)
  return storeGetter(m.name)
}

/**
 * @internal The store of a source table (builder.table, toTable, a foreign-key join's result).
 * Kafka Streams materializes such a table only when its store is named or a groupBy, join or
 * suppress needs it, and only then caches its updates: the store is registered (with its
 * changelog) and the cache turned on when that happens; `stored()` tells the table's processor.
 */
export function addSourceTableStore<K, V>(
  b: BuilderInternals,
  m: ResolvedMaterialized<K, V>,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  processorName: string,
): OldValues & { stored(): boolean } {
  let stored = false
  const oldValues = sourceOldValues(m.named, () => {
    stored = true
    cacheTable(b, m, registerDslStore(b, m, keySerde, valueSerde, [processorName]), processorName)
  })
  return { enable: (force) => oldValues.enable(force), materialize: () => oldValues.materialize(), stored: () => stored }
}

function registerDslStore<K, V>(
  b: BuilderInternals,
  m: ResolvedMaterialized<K, V>,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  processorNames: string[],
): StoreBuilder<K, V> {
  const o = m.options
  // DSL stores keep each value's timestamp, as Kafka Streams' do.
  let builder = new StoreBuilder<K, V>(keyValueSupplierOf(m as ResolvedMaterialized<unknown, unknown>), o.key ?? keySerde, o.value ?? valueSerde, true, {}, true)
  if (o.loggingEnabled === false) builder = builder.withLoggingDisabled()
  else if (o.changelogConfig !== undefined) builder = builder.withLoggingEnabled(o.changelogConfig)
  b.topology.addStateStore(builder, ...processorNames)
  return builder
}

/** The processor that materializes a table (`processorName`) has its updates cached, unless the Materialized turned caching off. */
function cacheTable<K, V>(b: BuilderInternals, m: ResolvedMaterialized<K, V>, builder: StoreBuilder<K, V>, processorName: string): void {
  if (m.options.cachingEnabled === false) return
  b.topology.cacheForwards(processorName, { storeName: m.name, keySerde: builder.keySerde as Serde<unknown> | undefined, valueSerde: builder.valueSerde as Serde<unknown> | undefined })
}
