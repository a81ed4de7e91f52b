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

/** @internal The key-value supplier of a Materialized (in-memory by default); a window or session supplier is an error here. */
export function keyValueSupplierOf(m: ResolvedMaterialized<unknown, unknown>): KeyValueBytesStoreSupplier {
  const s = m.options.supplier
  if (s === undefined) return inMemoryKeyValueStore(m.name)
  if ('retentionPeriod' in s) throw new TopologyError(`store '${m.name}': this operation needs a key-value store supplier, got a window or session store supplier`)
  if (isVersionedBytesStoreSupplier(s)) throw new TopologyError(`store '${m.name}': this operation needs a key-value store supplier; versioned stores materialize source tables (table(), toTable()) only`)
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
  const o = m.options
  let builder = new StoreBuilder<K, V>(keyValueSupplierOf(m as ResolvedMaterialized<unknown, unknown>), o.key ?? keySerde, o.value ?? valueSerde)
  if (o.loggingEnabled === false) builder = builder.withLoggingDisabled()
  else if (o.changelogConfig !== undefined) builder = builder.withLoggingEnabled(o.changelogConfig)
  b.topology.addStateStore(builder, ...processorNames)
  // The first processor is the one that materializes the table: its updates may be cached.
  if (o.cachingEnabled !== false && processorNames.length > 0) {
    b.topology.cacheForwards(processorNames[0], { storeName: m.name, keySerde: builder.keySerde as Serde<unknown> | undefined, valueSerde: builder.valueSerde as Serde<unknown> | undefined })
  }
  return builder
}
