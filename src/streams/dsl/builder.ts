/**
 * StreamsBuilder: the DSL entry point. Builds a {@link Topology} as operations are called.
 */
import { TopologyError } from '../errors.js'
import type { StoreBuilder } from '../state/stores.js'
import type { VersionedStoreBuilder } from '../state/versioned-store-builder.js'
import { NameGenerator, Prefix } from '../topology/naming.js'
import { NullKeyJoins } from './null-key-joins.js'
import { Topology } from '../topology/topology.js'
import { GlobalKTable } from './global.js'
import { KStream } from './kstream.js'
import { KTable } from './ktable.js'
import type { BuilderInternals, Consumed, MaterializedArg } from './options.js'
import { resolveMaterialized, type ResolvedMaterialized } from './options.js'
import { TableSource, storeGetter } from './processors.js'
import { addSourceTableStore, keyValueSupplierOf } from './store-registration.js'
import { addVersionedTableSource, versionedSupplierOf } from './versioned-table.js'
import { StoreBuilder as StoreBuilderClass } from '../state/stores.js'

/** Builds a topology with the high-level DSL. */
export class StreamsBuilder {
  readonly #b: BuilderInternals = { topology: new Topology(), names: new NameGenerator(), nullKeyJoins: new NullKeyJoins() }
  #built = false

  /** A stream of the records of one topic, several topics, or all topics matching a RegExp. */
  stream<K = Buffer, V = Buffer>(topics: string | readonly string[] | RegExp, consumed: Consumed<K, V> = {}): KStream<K, V> {
    this.#checkOpen()
    const name = consumed.name ?? this.#b.names.processorName(Prefix.SOURCE)
    this.#b.topology.addSource(name, topics, { keySerde: consumed.key, valueSerde: consumed.value, timestampExtractor: consumed.timestampExtractor })
    return new KStream<K, V>(this.#b, name, consumed.key, consumed.value, new Set([name]), false)
  }

  /** A table from a changelog topic (latest value per key, null deletes), materialized in a store. */
  table<K = Buffer, V = Buffer>(topic: string, consumed: Consumed<K, V> = {}, materialized?: MaterializedArg<K, V>): KTable<K, V> {
    this.#checkOpen()
    const m = resolveMaterialized(this.#b, materialized, `${topic}-`)
    const source = consumed.name ?? this.#b.names.processorName(Prefix.SOURCE)
    const tableSource = consumed.name !== undefined ? `${consumed.name}-table-source` : this.#b.names.processorName(Prefix.KTABLE_SOURCE)
    this.#b.topology.addSource(source, topic, { keySerde: consumed.key, valueSerde: consumed.value, timestampExtractor: consumed.timestampExtractor })
    const keySerde = m.options.key ?? consumed.key
    const valueSerde = m.options.value ?? consumed.value
    const versioned = versionedSupplierOf(m.options)
    if (versioned !== undefined) {
      const getter = addVersionedTableSource(this.#b, versioned, m.options, keySerde, valueSerde, tableSource, source)
      return new KTable<K, V>(this.#b, tableSource, keySerde, valueSerde, new Set([source]), getter, m.name)
    }
    // The processor learns at task creation whether anything materialized the table.
    this.#b.topology.addProcessor(tableSource, () => new TableSource(m.name, () => oldValues.stored()), source)
    const oldValues = addSourceTableStore(this.#b, m, keySerde, valueSerde, tableSource)
    return new KTable<K, V>(this.#b, tableSource, keySerde, valueSerde, new Set([source]), storeGetter(m.name), m.named ? m.name : undefined, oldValues)
  }

  /** A global table: every instance holds all of `topic`, updated before records are processed. */
  globalTable<K = Buffer, V = Buffer>(topic: string, consumed: Consumed<K, V> = {}, materialized?: MaterializedArg<K, V>): GlobalKTable<K, V> {
    this.#checkOpen()
    const m = resolveMaterialized(this.#b, materialized, `${topic}-`)
    const source = consumed.name ?? this.#b.names.processorName(Prefix.SOURCE)
    const processor = this.#b.names.processorName(Prefix.KTABLE_SOURCE)
    const o = m.options
    const builder = new StoreBuilderClass(keyValueSupplierOf(m as ResolvedMaterialized<unknown, unknown>), o.key ?? consumed.key, o.value ?? consumed.value, true, {}, true)
    this.#b.topology.addGlobalStore(
      builder,
      source,
      topic,
      { keySerde: consumed.key, valueSerde: consumed.value, timestampExtractor: consumed.timestampExtractor },
      processor,
      () => new TableSource(m.name),
    )
    return new GlobalKTable<K, V>(m.name)
  }

  /** Registers a store for `KStream.process(supplier, ...storeNames)`. */
  addStateStore<K, V>(builder: StoreBuilder<K, V> | VersionedStoreBuilder<K, V>): this {
    this.#checkOpen()
    this.#b.topology.addStateStore(builder)
    return this
  }

  /** The topology built so far. */
  build(): Topology {
    this.#built = true
    this.#b.nullKeyJoins.resolve(this.#b.topology)
    return this.#b.topology
  }

  #checkOpen(): void {
    if (this.#built) throw new TopologyError('StreamsBuilder.build() was called; create a new builder for another topology')
  }
}

