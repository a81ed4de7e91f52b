/**
 * KTable: a changelog stream seen as a table (latest value per key). Table processors forward
 * old and new values; joins read the table through value getters.
 */
import type { KeyValue } from '../record.js'
import type { Serde } from '../serde.js'
import { Prefix } from '../topology/naming.js'
import type { ProcessorSupplier } from '../processor.js'
import { TableFilter, TableMapValues, TableRepartitionMap, TableToStream, mappedGetter, type ValueGetterSupplier } from './processors.js'
import type { BuilderInternals, Grouped, MaterializedArg, TableJoined } from './options.js'
import { KStream } from './kstream.js'
import { KGroupedTable } from './grouped.js'
import { ALWAYS_OLD_VALUES, derivedOldValues, type OldValues } from './old-values.js'
import { joinTables } from './table-table-join.js'
import { joinOnForeignKey } from './foreign-key-join/build.js'
import { InvalidArgumentError } from '../../protocol/errors.js'
import { TopologyError } from '../errors.js'
import { inMemoryKeyValueStore } from '../state/in-memory.js'
import { StoreBuilder } from '../state/stores.js'
import { isVersionedGetter } from './versioned-table.js'
import { Suppressed } from './suppressed.js'
import { SuppressProcessor, SuppressionBufferValueSerde, WindowedBufferKeySerde, suppressedGetter } from './suppress-processor.js'
import type { WindowedAggregationInfo } from './windowed-aggregation-info.js'

/** A table with keys of type K and values of type V. */
export class KTable<K, V> {
  /** @internal */ readonly b: BuilderInternals
  /** Name of the node producing this table's changes. */
  readonly name: string
  /** @internal */ readonly keySerde: Serde<K> | undefined
  /** @internal */ readonly valueSerde: Serde<V> | undefined
  /** @internal */ readonly sourceNodes: ReadonlySet<string>
  /** @internal How joins read the table's current value. */
  readonly valueGetter: ValueGetterSupplier
  /** Name of the store holding this table, when it is materialized (queryable by this name). */
  readonly queryableStoreName: string | undefined
  /** @internal Whether old values are forwarded (Kafka Streams' enableSendingOldValues). */
  readonly oldValues: OldValues
  /**
   * @internal Set on tables of windowed aggregations (and kept through filter and mapValues):
   * windowed keys and the grace until a window closes, for `Suppressed.untilWindowCloses`.
   */
  windowedAggregation: WindowedAggregationInfo | undefined = undefined

  /** @internal */
  constructor(
    b: BuilderInternals,
    name: string,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    sourceNodes: ReadonlySet<string>,
    valueGetter: ValueGetterSupplier,
    queryableStoreName: string | undefined,
    oldValues: OldValues = ALWAYS_OLD_VALUES,
  ) {
    this.b = b
    this.name = name
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.sourceNodes = sourceNodes
    this.valueGetter = valueGetter
    this.queryableStoreName = queryableStoreName
    this.oldValues = oldValues
  }

  #add<V2>(
    prefix: string,
    supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>,
    valueSerde: Serde<V2> | undefined,
    getter: ValueGetterSupplier,
    oldValues: OldValues,
  ): KTable<K, V2> {
    const name = this.b.names.processorName(prefix)
    this.b.topology.addProcessor(name, supplier, this.name)
    const table = new KTable<K, V2>(this.b, name, this.keySerde, valueSerde, this.sourceNodes, getter, undefined, oldValues)
    table.windowedAggregation = this.windowedAggregation
    return table
  }

  #filter(predicate: (key: K, value: V) => boolean, not: boolean): KTable<K, V> {
    const p = predicate as (k: unknown, v: unknown) => boolean
    // As Kafka Streams: old values when the parent already has them (no forcing).
    const ov = derivedOldValues(this.oldValues, this.oldValues.enable(false))
    const getter = mappedGetter(this.valueGetter, (v, k) => (p(k, v) !== not ? v : null))
    return this.#add(Prefix.KTABLE_FILTER, () => new TableFilter(p, not, ov.sending()), this.valueSerde, getter, ov)
  }

  /**
   * Keeps rows for which `predicate` is true (others read as absent; updates that drop a row emit
   * a delete). As in Kafka Streams, a filter on a source table whose store has no user-given name
   * (and no groupBy downstream) does not know old values: it forwards a delete for every update
   * it filters out.
   */
  filter(predicate: (key: K, value: V) => boolean): KTable<K, V> {
    return this.#filter(predicate, false)
  }

  /** Drops rows for which `predicate` is true. */
  filterNot(predicate: (key: K, value: V) => boolean): KTable<K, V> {
    return this.#filter(predicate, true)
  }

  /** Maps every value (old and new). */
  mapValues<VR>(mapper: (value: V, key: K) => VR): KTable<K, VR> {
    const m = mapper as (v: unknown, k: unknown) => unknown
    return this.#add<VR>(Prefix.KTABLE_MAPVALUES, () => new TableMapValues(m), undefined, mappedGetter(this.valueGetter, m), derivedOldValues(this.oldValues, false))
  }

  /** The table's updates as a stream (a delete becomes a null value). */
  toStream(): KStream<K, V> {
    const name = this.b.names.processorName(Prefix.KTABLE_TOSTREAM)
    this.b.topology.addProcessor(name, () => new TableToStream(), this.name)
    return new KStream<K, V>(this.b, name, this.keySerde, this.valueSerde, this.sourceNodes, false)
  }

  /**
   * Re-groups the table by a new key for aggregation. Each update sends the old row's pair (to be
   * subtracted) and the new row's pair (to be added) through a repartition topic.
   */
  groupBy<KR, VR>(selector: (key: K, value: V) => KeyValue<KR, VR>, grouped: Grouped<KR, VR> = {}): KGroupedTable<KR, VR> {
    this.oldValues.enable(true)
    const name = this.b.names.processorName(Prefix.KTABLE_SELECT)
    this.b.topology.addProcessor(name, () => new TableRepartitionMap(selector as (k: unknown, v: unknown) => KeyValue<unknown, unknown>), this.name)
    return new KGroupedTable<KR, VR>(this.b, name, grouped.key, grouped.value, grouped.name)
  }

  /**
   * Foreign-key inner join: each row of this table joins the row of `other` whose key
   * `foreignKeyExtractor` picks from it (many rows of this table may pick the same one). The result
   * is keyed like this table; a row whose foreign key is null or absent from `other` has no result.
   * Updates on either side update the result; a change of foreign key moves the row. Works across
   * tables with different partition counts (subscriptions and responses go through two internal
   * topics, `<applicationId>-...-SUBSCRIPTION-REGISTRATION-n-topic` and `...-SUBSCRIPTION-RESPONSE-n-topic`).
   */
  join<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: (value: V, foreignValue: VO) => VR,
    tableJoined?: TableJoined<K, KO>,
    materialized?: MaterializedArg<K, VR>,
  ): KTable<K, VR>
  /**
   * Inner join on the primary key with a co-partitioned table: a row exists where both tables have
   * one, with value `joiner(value, otherValue)` and the larger of the two rows' timestamps. An
   * update on either side emits the new joined row; a delete emits a delete (null) when the other
   * side has the key. Give `materialized` to keep the result in a (queryable) store.
   */
  join<VO, VR>(other: KTable<K, VO>, joiner: (value: V, otherValue: VO) => VR, materialized?: MaterializedArg<K, VR>): KTable<K, VR>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  join(other: KTable<any, any>, a: (...args: never[]) => unknown, b?: unknown, c?: unknown, d?: unknown): KTable<K, unknown> {
    return this.#join(other, a, b, c, d, false)
  }

  /**
   * Foreign-key left join: every row of this table has a result, joined with the row of `other`
   * its foreign key picks, or with null (also when the foreign key is null).
   */
  leftJoin<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: (value: V, foreignValue: VO | null) => VR,
    tableJoined?: TableJoined<K, KO>,
    materialized?: MaterializedArg<K, VR>,
  ): KTable<K, VR>
  /**
   * Left join on the primary key: a row for every row of this table, joined with the other
   * table's row or with null. Updates of the other table emit only for keys this table has.
   */
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V, otherValue: VO | null) => VR, materialized?: MaterializedArg<K, VR>): KTable<K, VR>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  leftJoin(other: KTable<any, any>, a: (...args: never[]) => unknown, b?: unknown, c?: unknown, d?: unknown): KTable<K, unknown> {
    return this.#join(other, a, b, c, d, true)
  }

  #join(other: KTable<unknown, unknown>, a: (...args: never[]) => unknown, b: unknown, c: unknown, d: unknown, left: boolean): KTable<K, unknown> {
    // A function in third place is the joiner of a foreign-key join.
    if (typeof b === 'function') {
      const extractor = a as unknown as (value: V, key: K) => unknown
      const joiner = b as (value: V, foreignValue: unknown) => unknown
      return joinOnForeignKey(this, other, extractor, joiner, left, (c ?? undefined) as TableJoined<K, unknown> | undefined, d as MaterializedArg<K, unknown> | undefined)
    }
    const joiner = a as unknown as (value: V | null, otherValue: unknown) => unknown
    return joinTables(this, other as KTable<K, unknown>, joiner, left ? 'left' : 'inner', b as MaterializedArg<K, unknown> | undefined)
  }

  /** Outer join on the primary key: a row wherever either table has one, the missing side null. */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V | null, otherValue: VO | null) => VR, materialized?: MaterializedArg<K, VR>): KTable<K, VR> {
    return joinTables(this, other, joiner, 'outer', materialized)
  }

  /**
   * Holds back updates (Kafka Streams' `suppress`): each key's latest change waits in a buffer
   * until its time comes, then only that one is forwarded, with the timestamp and headers of the
   * record that produced it and the old value that change carried.
   *
   * - `Suppressed.untilWindowCloses(BufferConfig.unbounded())` on a windowed table (a windowed
   *   aggregation's result): one final result per window, emitted once window end + grace <=
   *   stream time; windows whose final value is a delete emit nothing.
   * - `Suppressed.untilTimeLimit(ms, bufferConfig)`: a key is emitted once stream time is `ms`
   *   past the timestamp of its first buffered update.
   *
   * Stream time is the largest timestamp of the records that reached the suppression, so results
   * come out as newer records arrive (not on wall-clock time). The buffer is a store named
   * `<name>-store` (or `KTABLE-SUPPRESS-STATE-STORE-<n>`) logged to its changelog, restored on
   * restart and failover; under exactly-once nothing is emitted twice.
   *
   * Throws a TopologyError for `untilWindowCloses` on a table whose keys are not windowed.
   */
  suppress(suppressed: Suppressed): KTable<K, V> {
    if (!(suppressed instanceof Suppressed)) throw new InvalidArgumentError('KTable.suppress: pass Suppressed.untilWindowCloses(...) or Suppressed.untilTimeLimit(...)')
    if (isVersionedGetter(this.valueGetter)) {
      throw new TopologyError(`suppress() is only supported for non-versioned KTables (note that version semantics might be inherited from upstream): '${this.name}' is versioned`)
    }
    let durationMs = suppressed.timeLimitMs
    if (suppressed.kind === 'window-close') {
      if (this.windowedAggregation === undefined) {
        throw new TopologyError(`Window close time is only defined for windowed computations. Got [${this.name}]: suppress(untilWindowCloses) needs a windowed aggregation's table`)
      }
      durationMs = this.windowedAggregation.graceMs
    }
    // The buffer needs old values: a source table upstream is materialized (Kafka Streams' KTableSuppressProcessorSupplier).
    this.oldValues.enable(true)
    const name = suppressed.name ?? this.b.names.processorName(Prefix.KTABLE_SUPPRESS)
    const storeName = suppressed.name !== undefined ? `${suppressed.name}-store` : this.b.names.storeName(Prefix.KTABLE_SUPPRESS)
    const config = suppressed.bufferConfig
    const spec = {
      storeName,
      durationMs,
      windowEndTime: suppressed.kind === 'window-close',
      dropTombstones: suppressed.kind === 'window-close',
      maxRecords: config.maxRecords,
      maxBytes: config.maxBytes,
      emitEarlyWhenFull: config.bufferFullStrategy === 'emit-early',
    }
    this.b.topology.addProcessor(name, () => new SuppressProcessor(spec), this.name)
    const keySerde = this.keySerde === undefined && this.windowedAggregation !== undefined ? new WindowedBufferKeySerde(undefined) : this.keySerde
    let store = new StoreBuilder<unknown, unknown>(inMemoryKeyValueStore(storeName), keySerde as Serde<unknown> | undefined, new SuppressionBufferValueSerde(this.valueSerde) as Serde<unknown>)
    // Logged as Kafka Streams logs the buffer: each changed key once per commit, not every update
    // (the buffer writes its store at flush, once per changed key).
    store = config.logConfig === null ? store.withLoggingDisabled() : store.withLoggingEnabled(config.logConfig)
    this.b.topology.addStateStore(store, name)
    const table = new KTable<K, V>(this.b, name, this.keySerde, this.valueSerde, this.sourceNodes, suppressedGetter(storeName, this.valueGetter), undefined, this.oldValues)
    table.windowedAggregation = this.windowedAggregation
    return table
  }
}
