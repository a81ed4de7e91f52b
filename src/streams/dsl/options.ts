/**
 * Option objects of DSL operations (Kafka Streams' Consumed, Produced, Grouped, Joined,
 * Repartitioned, Branched), as plain objects with `key` / `value` serdes.
 */
import type { Serde } from '../serde.js'
import { Materialized, type MaterializedOptions } from '../state/stores.js'
import type { StreamPartitioner, TimestampExtractor, TopicNameExtractor } from '../topology/topology.js'
import type { NameGenerator } from '../topology/naming.js'
import type { Topology } from '../topology/topology.js'
import type { NullKeyJoins } from './null-key-joins.js'

/** How a topic is read. */
export interface Consumed<K, V> {
  key?: Serde<K>
  value?: Serde<V>
  timestampExtractor?: TimestampExtractor<K, V>
  /** Name of the source node (generated when omitted). */
  name?: string
}

/** How records are written by `to()`. */
export interface Produced<K, V> {
  key?: Serde<K>
  value?: Serde<V>
  partitioner?: StreamPartitioner<K, V>
  /** Name of the sink node. */
  name?: string
}

/** Serdes (and the repartition topic name) of a grouping. */
export interface Grouped<K, V> {
  key?: Serde<K>
  value?: Serde<V>
  /** Names the repartition topic: `<applicationId>-<name>-repartition`. */
  name?: string
}

/** Serdes and name of a stream-table join. */
export interface Joined<K, V, VO> {
  key?: Serde<K>
  value?: Serde<V>
  otherValue?: Serde<VO>
  /** Names the join processor (and the repartition topic when one is needed). */
  name?: string
  /**
   * Stream-table joins with a versioned table (Kafka Streams' `Joined.withGracePeriod`): stream
   * records wait in a buffer until stream time passes their timestamp + grace, so table updates
   * arriving out of order within the grace are joined. The table must be versioned.
   */
  gracePeriodMs?: number
}

/**
 * Options of a foreign-key join (Kafka Streams' TableJoined). The partitioners are needed only when
 * a table's topic is not partitioned by the default partitioner on its key bytes.
 */
export interface TableJoined<K, KO> {
  /** How the left table's topic is partitioned: responses go to the left row's partition with it. */
  partitioner?: StreamPartitioner<K, null>
  /** How the foreign table's topic is partitioned: subscriptions go to the foreign key's partition with it. */
  otherPartitioner?: StreamPartitioner<KO, null>
  /** Base of the join's processor, topic and subscription store names (generated when omitted). */
  name?: string
}

/** Options of `KStream.repartition()`. */
export interface Repartitioned<K, V> {
  key?: Serde<K>
  value?: Serde<V>
  /** Topic `<applicationId>-<name>-repartition`; generated when omitted. */
  name?: string
  /** Fixed partition count; by default that of the upstream topics. */
  numberOfPartitions?: number
  partitioner?: StreamPartitioner<K, V>
}

/** Sink topic: fixed, or chosen per record. */
export type TopicOrExtractor<K, V> = string | TopicNameExtractor<K, V>

/** A store option: a Materialized, its plain-object form, or just a store name. */
export type MaterializedArg<K, V> = Materialized<K, V> | MaterializedOptions<K, V> | string

/** @internal Normalized materialization with a resolved store name. */
export interface ResolvedMaterialized<K, V> {
  name: string
  named: boolean
  options: MaterializedOptions<K, V>
}

/** @internal Shared builder state: the topology under construction and the name counter. */
export interface BuilderInternals {
  readonly topology: Topology
  readonly names: NameGenerator
  /** Which repartitions keep null keys (decided at build time). */
  readonly nullKeyJoins: NullKeyJoins
}

/** @internal Resolves the store name, generating `<prefix>STATE-STORE-<index>` when unnamed. */
export function resolveMaterialized<K, V>(b: BuilderInternals, arg: MaterializedArg<K, V> | undefined, storePrefix: string): ResolvedMaterialized<K, V> {
  const options: MaterializedOptions<K, V> = typeof arg === 'string' ? { name: arg } : (arg ?? {})
  const given = options.name ?? options.supplier?.name
  return given !== undefined ? { name: given, named: true, options } : { name: b.names.storeName(storePrefix), named: false, options }
}

/**
 * @internal True for a Materialized given without a store name: Kafka Streams' count(materialized)
 * of grouped and time/session-windowed streams then burns a generated name (an index) first.
 */
export function isUnnamedMaterialized(arg: MaterializedArg<unknown, unknown> | undefined): boolean {
  if (arg === undefined || typeof arg === 'string') return false
  return (arg.name ?? arg.supplier?.name) === undefined
}
