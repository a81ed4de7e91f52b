/**
 * Grouped streams and tables: the aggregations. Stream aggregations add each value; table
 * aggregations subtract the old value and add the new one.
 */
import type { Serde } from '../serde.js'
import { Serdes } from '../serde.js'
import { Prefix } from '../topology/naming.js'
import type { ProcessorSupplier } from '../processor.js'
import { ChangeSerde } from './change-serde.js'
import type { BuilderInternals, MaterializedArg } from './options.js'
import { isUnnamedMaterialized, resolveMaterialized } from './options.js'
import { StreamAggregate, StreamReduce, TableAggregate, TableReduce } from './processors.js'
import { addAggregateStore } from './store-registration.js'
import type { KStream } from './kstream.js'
import { KTable } from './ktable.js'
import { SessionWindowedKStream, TimeWindowedKStream, type GroupedStreamInternals } from './windowed-kstream.js'
import { CogroupedKStream } from './cogrouped-kstream.js'
import { SessionWindows, type SlidingWindows, type Windows } from './windows.js'

type Supplier = ProcessorSupplier<unknown, unknown, unknown, unknown>

/** A stream grouped by key, ready to aggregate. */
export class KGroupedStream<K, V> {
  readonly #stream: KStream<K, V>
  readonly #keySerde: Serde<K> | undefined
  readonly #valueSerde: Serde<V> | undefined
  readonly #name: string | undefined

  /** @internal */
  constructor(stream: KStream<K, V>, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined, name: string | undefined) {
    this.#stream = stream
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#name = name
  }

  /**
   * Aggregates per key and window: time windows (tumbling, hopping, unlimited) or sliding windows
   * give a {@link TimeWindowedKStream}, session windows a {@link SessionWindowedKStream}.
   */
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>
  windowedBy(windows: Windows | SlidingWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: Windows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    const g = this.internals
    return windows instanceof SessionWindows ? new SessionWindowedKStream<K, V>(g, windows) : new TimeWindowedKStream<K, V>(g, windows)
  }

  /** @internal Stream, serdes and name of this grouping (windowed and cogrouped streams build on them). */
  get internals(): GroupedStreamInternals<K, V> {
    return { stream: this.#stream, keySerde: this.#keySerde, valueSerde: this.#valueSerde, name: this.#name }
  }

  /**
   * Starts a cogroup: this stream's values are folded with `aggregator` into an aggregate that
   * other grouped streams (with the same key type, co-partitioned) add to with their own
   * aggregators (`CogroupedKStream.cogroup`), all in one store (Kafka Streams' cogroup).
   */
  cogroup<VOut>(aggregator: (key: K, value: V, aggregate: VOut) => VOut): CogroupedKStream<K, VOut> {
    return new CogroupedKStream<K, VOut>(this.#stream.b).cogroup(this, aggregator)
  }

  /** Number of records per key (null keys and values are skipped). Values are int64 by default. */
  count(materialized?: MaterializedArg<K, number>): KTable<K, number> {
    // Kafka Streams burns a generated name for an unnamed Materialized here (kept for topology compatibility).
    if (isUnnamedMaterialized(materialized as MaterializedArg<unknown, unknown> | undefined)) this.#stream.b.names.storeName(Prefix.AGGREGATE)
    return this.#aggregate<number>(Prefix.AGGREGATE, materialized, Serdes.int64(), (store) => () =>
      new StreamAggregate(store, () => 0, (_k, _v, agg) => (agg as number) + 1),
    )
  }

  /** Combines values per key; the first value is the initial aggregate. */
  reduce(reducer: (aggregate: V, value: V, key: K) => V, materialized?: MaterializedArg<K, V>): KTable<K, V> {
    return this.#aggregate<V>(Prefix.REDUCE, materialized, this.#valueSerde, (store) => () =>
      new StreamReduce(store, reducer as (a: unknown, v: unknown, k: unknown) => unknown),
    )
  }

  /** Folds values per key into an aggregate of type VA. */
  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, materialized?: MaterializedArg<K, VA>): KTable<K, VA> {
    return this.#aggregate<VA>(Prefix.AGGREGATE, materialized, undefined, (store) => () =>
      new StreamAggregate(store, initializer, aggregator as (k: unknown, v: unknown, a: unknown) => unknown),
    )
  }

  #aggregate<VA>(prefix: string, materialized: MaterializedArg<K, VA> | undefined, defaultValueSerde: Serde<VA> | undefined, supplier: (store: string) => Supplier): KTable<K, VA> {
    const b: BuilderInternals = this.#stream.b
    // Java's order of generated names: store, then processor, then repartition nodes.
    const m = resolveMaterialized(b, materialized, prefix)
    const name = b.names.processorName(prefix)
    const keySerde = m.options.key ?? this.#keySerde
    const valueSerde = m.options.value ?? defaultValueSerde
    const input = this.#stream.repartitionedIfRequired(this.#name ?? m.name, this.#keySerde, this.#valueSerde)
    b.topology.addProcessor(name, supplier(m.name), input.name)
    const getter = addAggregateStore(b, m, keySerde, valueSerde, name)
    return new KTable<K, VA>(b, name, keySerde, valueSerde, input.sourceNodes, getter, m.name)
  }
}

/** A table re-grouped by a new key, ready to aggregate with adder and subtractor. */
export class KGroupedTable<K, V> {
  readonly #b: BuilderInternals
  readonly #selectName: string
  readonly #keySerde: Serde<K> | undefined
  readonly #valueSerde: Serde<V> | undefined
  readonly #name: string | undefined

  /** @internal */
  constructor(b: BuilderInternals, selectName: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined, name: string | undefined) {
    this.#b = b
    this.#selectName = selectName
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#name = name
  }

  /** Rows per key: +1 on add, -1 on subtract (a key reaching 0 stays at 0, as in Java). */
  count(materialized?: MaterializedArg<K, number>): KTable<K, number> {
    return this.#aggregate<number>(Prefix.KTABLE_AGGREGATE, materialized, Serdes.int64(), (store) => () =>
      new TableAggregate(store, () => 0, (_k, _v, a) => (a as number) + 1, (_k, _v, a) => (a as number) - 1),
    )
  }

  /** `adder` folds in new values, `subtractor` removes replaced or deleted ones. */
  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V, materialized?: MaterializedArg<K, V>): KTable<K, V> {
    return this.#aggregate<V>(Prefix.KTABLE_REDUCE, materialized, this.#valueSerde, (store) => () =>
      new TableReduce(store, adder as (a: unknown, v: unknown) => unknown, subtractor as (a: unknown, v: unknown) => unknown),
    )
  }

  /** Aggregates with an initializer, an adder (new values) and a subtractor (old values). */
  aggregate<VA>(
    initializer: () => VA,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
    materialized?: MaterializedArg<K, VA>,
  ): KTable<K, VA> {
    return this.#aggregate<VA>(Prefix.KTABLE_AGGREGATE, materialized, undefined, (store) => () =>
      new TableAggregate(
        store,
        initializer,
        adder as (k: unknown, v: unknown, a: unknown) => unknown,
        subtractor as (k: unknown, v: unknown, a: unknown) => unknown,
      ),
    )
  }

  #aggregate<VA>(prefix: string, materialized: MaterializedArg<K, VA> | undefined, defaultValueSerde: Serde<VA> | undefined, supplier: (store: string) => Supplier): KTable<K, VA> {
    const b = this.#b
    const m = resolveMaterialized(b, materialized, prefix)
    const sinkName = b.names.processorName(Prefix.SINK)
    const sourceName = b.names.processorName(Prefix.SOURCE)
    const funcName = b.names.processorName(prefix)
    const topic = `${this.#name ?? m.name}-repartition`
    const changeSerde = new ChangeSerde(this.#valueSerde as Serde<unknown> | undefined) as Serde<unknown>
    const keySerde = this.#keySerde as Serde<unknown> | undefined
    b.topology.addSink(sinkName, topic, { keySerde, valueSerde: changeSerde }, this.#selectName)
    b.topology.addSource(sourceName, topic, { keySerde, valueSerde: changeSerde })
    b.topology.addRepartitionTopic(topic)
    b.topology.addProcessor(funcName, supplier(m.name), sourceName)
    const aggKeySerde = m.options.key ?? this.#keySerde
    const aggValueSerde = m.options.value ?? defaultValueSerde
    const getter = addAggregateStore(b, m, aggKeySerde, aggValueSerde, funcName)
    return new KTable<K, VA>(b, funcName, aggKeySerde, aggValueSerde, new Set([sourceName]), getter, m.name)
  }
}
