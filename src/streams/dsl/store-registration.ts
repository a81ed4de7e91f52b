/**
 * Registers a DSL store (from a resolved Materialized) in the topology.
 */
import type { Serde } from '../serde.js'
import { inMemoryKeyValueStore } from '../state/in-memory.js'
import { StoreBuilder } from '../state/stores.js'
import type { BuilderInternals, ResolvedMaterialized } from './options.js'

/** @internal */
export function addDslStore<K, V>(
  b: BuilderInternals,
  m: ResolvedMaterialized<K, V>,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  ...processorNames: string[]
): StoreBuilder<K, V> {
  const o = m.options
  // DSL stores keep each value's timestamp, as Kafka Streams' do.
  let builder = new StoreBuilder<K, V>(o.supplier ?? inMemoryKeyValueStore(m.name), o.key ?? keySerde, o.value ?? valueSerde, true, {}, true)
  if (o.loggingEnabled === false) builder = builder.withLoggingDisabled()
  else if (o.changelogConfig !== undefined) builder = builder.withLoggingEnabled(o.changelogConfig)
  b.topology.addStateStore(builder, ...processorNames)
  return builder
}
