/**
 * Builds a foreign-key join into the topology as Kafka Streams does (KTableImpl.doJoinOnForeignKey),
 * with the same node, topic and store names:
 *
 *   left table -> SUBSCRIPTION-REGISTRATION processor -> KTABLE-SINK -> <app>-...-SUBSCRIPTION-REGISTRATION-n-topic
 *   (co-partitioned with the foreign table) -> KTABLE-SOURCE -> SUBSCRIPTION-PROCESSOR (receive, subscription
 *   store) -> SUBSCRIPTION-PROCESSOR (join with the foreign table) -> KTABLE-SINK
 *   foreign table -> SUBSCRIPTION-PROCESSOR (prefix scan of the subscription store) -> the same KTABLE-SINK
 *   -> <app>-...-SUBSCRIPTION-RESPONSE-n-topic (co-partitioned with the left table; each response goes
 *   to the partition the subscription came from) -> KTABLE-SOURCE -> RESPONSE-RESOLVER-PROCESSOR (hash check,
 *   joiner) -> FK-JOIN-OUTPUT (the result table).
 */
import { InvalidArgumentError } from '../../../protocol/errors.js'
import { Serdes } from '../../serde.js'
import { inMemoryKeyValueStore } from '../../state/in-memory.js'
import { StoreBuilder } from '../../state/stores.js'
import { Prefix } from '../../topology/naming.js'
import type { StreamPartitioner } from '../../topology/topology.js'
import { KTable } from '../ktable.js'
import { resolveMaterialized, type MaterializedArg, type TableJoined } from '../options.js'
import { storeGetter, TableSource } from '../processors.js'
import { addSourceTableStore } from '../store-registration.js'
import { addVersionedTableSource, versionedSupplierOf } from '../versioned-table.js'
import { ForeignTableJoin, ResponseJoin, SubscriptionJoin, SubscriptionReceive, SubscriptionSend, type ForeignKeySerdes } from './processors.js'
import { SubscriptionResponseWrapperSerde, SubscriptionWrapperSerde, type SubscriptionResponseWrapper } from './wrappers.js'

/** @internal Builds `left.join/leftJoin(right, foreignKeyExtractor, joiner, tableJoined, materialized)`. */
export function joinOnForeignKey<K, V, KO, VO, VR>(
  left: KTable<K, V>,
  right: KTable<KO, VO>,
  foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
  joiner: (value: V, foreignValue: VO | null) => VR,
  leftJoin: boolean,
  tableJoined: TableJoined<K, KO> = {},
  materialized?: MaterializedArg<K, VR>,
): KTable<K, VR> {
  const op = `KTable.${leftJoin ? 'leftJoin' : 'join'} (foreign key)`
  if (!(right instanceof KTable)) throw new InvalidArgumentError(`${op}: other must be a KTable`)
  if (right.b !== left.b) throw new InvalidArgumentError(`${op}: both tables must come from the same StreamsBuilder`)
  if (typeof foreignKeyExtractor !== 'function') throw new InvalidArgumentError(`${op}: foreignKeyExtractor must be a function`)
  if (typeof joiner !== 'function') throw new InvalidArgumentError(`${op}: joiner must be a function`)
  if (tableJoined === null || typeof tableJoined !== 'object') throw new InvalidArgumentError(`${op}: tableJoined must be an object`)
  const { name, partitioner, otherPartitioner } = tableJoined
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new InvalidArgumentError(`${op}: tableJoined.name must be a non-empty string`)
  for (const [field, p] of [['partitioner', partitioner], ['otherPartitioner', otherPartitioner]] as const) {
    if (p !== undefined && typeof p !== 'function') throw new InvalidArgumentError(`${op}: tableJoined.${field} must be a function`)
  }

  const b = left.b
  const t = b.topology
  // Old values of the left table tell which subscription to delete when the foreign key changes.
  right.oldValues.enable(true)
  left.oldValues.enable(true)
  const named = (suffix: string, prefix: string): string => (name !== undefined ? name + suffix : b.names.processorName(prefix))

  const subscriptionTopic = named('-subscription-registration', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_REGISTRATION) + '-topic'
  const serdes: ForeignKeySerdes = { primaryKey: left.keySerde, primaryValue: left.valueSerde, foreignKey: right.keySerde, subscriptionTopic }
  const subscriptionSerde = new SubscriptionWrapperSerde<K>(left.keySerde)
  const responseSerde = new SubscriptionResponseWrapperSerde<VO>(right.valueSerde)
  const extractor = foreignKeyExtractor as (value: unknown, key: unknown) => unknown

  const send = named('-subscription-registration-processor', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_REGISTRATION)
  t.addProcessor(send, () => new SubscriptionSend(extractor, serdes, leftJoin), left.name)
  const subscriptionSink = named('-subscription-registration-sink', Prefix.KTABLE_SINK)
  const toForeign = otherPartitioner === undefined ? undefined : (topic: string, key: KO, _v: unknown, n: number) => otherPartitioner(topic, key, null, n)
  t.addSink(subscriptionSink, subscriptionTopic, { keySerde: right.keySerde, valueSerde: subscriptionSerde, partitioner: toForeign }, send)
  const subscriptionSource = named('-subscription-registration-source', Prefix.KTABLE_SOURCE)
  t.addSource(subscriptionSource, subscriptionTopic, { keySerde: right.keySerde, valueSerde: subscriptionSerde })
  t.addRepartitionTopic(subscriptionTopic)
  // Subscriptions are keyed by the foreign key: they must land on the foreign row's partition.
  t.copartition([...right.sourceNodes, subscriptionSource])

  const store = named('-subscription-store', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_STATE_STORE)
  const receive = named('-subscription-receive', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_PROCESSOR)
  t.addProcessor(receive, () => new SubscriptionReceive(store, serdes), subscriptionSource)
  t.addStateStore(new StoreBuilder(inMemoryKeyValueStore(store), Serdes.bytes(), subscriptionSerde, true, {}, true), receive)

  right.oldValues.materialize()
  const foreignGetter = right.valueGetter
  const join = named('-subscription-join-foreign', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_PROCESSOR)
  t.addProcessor(join, () => new SubscriptionJoin(foreignGetter), receive)
  t.connectProcessorAndStateStores(join, ...foreignGetter.storeNames)
  const foreignJoin = named('-foreign-join-subscription', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_PROCESSOR)
  t.addProcessor(foreignJoin, () => new ForeignTableJoin(store, serdes), right.name)
  t.connectProcessorAndStateStores(foreignJoin, store)

  const responseTopic = named('-subscription-response', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_RESPONSE) + '-topic'
  // Kafka Streams writes the left row's partition into the subscription: the response goes back there,
  // whatever the two tables' partition counts.
  const toPrimary: StreamPartitioner<K, SubscriptionResponseWrapper<VO>> =
    partitioner === undefined ? (_topic, _key, v) => v.primaryPartition ?? undefined : (topic, key, _v, n) => partitioner(topic, key, null, n)
  const responseSink = named('-subscription-response-sink', Prefix.KTABLE_SINK)
  t.addSink(responseSink, responseTopic, { keySerde: left.keySerde, valueSerde: responseSerde, partitioner: toPrimary }, join, foreignJoin)
  const responseSource = named('-subscription-response-source', Prefix.KTABLE_SOURCE)
  t.addSource(responseSource, responseTopic, { keySerde: left.keySerde, valueSerde: responseSerde })
  t.addRepartitionTopic(responseTopic)
  const sources = new Set([...left.sourceNodes, responseSource])
  t.copartition(sources)

  left.oldValues.materialize()
  const leftGetter = left.valueGetter
  const resolver = named('-subscription-response-resolver', Prefix.KTABLE_FK_JOIN_SUBSCRIPTION_RESPONSE_RESOLVER_PROCESSOR)
  const j = joiner as (value: unknown, foreignValue: unknown) => unknown
  t.addProcessor(resolver, () => new ResponseJoin(leftGetter, serdes, j, leftJoin), responseSource)
  t.connectProcessorAndStateStores(resolver, ...leftGetter.storeNames)

  const result = named('-result', Prefix.KTABLE_FK_JOIN_OUTPUT)
  const m = resolveMaterialized(b, materialized, Prefix.KTABLE_FK_JOIN_OUTPUT)
  const keySerde = m.options.key ?? left.keySerde
  const valueSerde = m.options.value
  // On a versioned store (always materialized, never cached), as a source table on one.
  const versioned = versionedSupplierOf(m.options)
  if (versioned !== undefined) {
    const getter = addVersionedTableSource(b, versioned, m.options, keySerde, valueSerde, result, resolver)
    return new KTable<K, VR>(b, result, keySerde, valueSerde, sources, getter, m.name)
  }
  // As Kafka Streams: the result gets a store when it is named, or once something reads it through
  // its store or needs its old values (a later join, groupBy); until then it forwards updates only.
  t.addProcessor(result, () => new TableSource(m.name, () => oldValues.stored()), resolver)
  const oldValues = addSourceTableStore(b, m, keySerde, valueSerde, result)
  return new KTable<K, VR>(b, result, keySerde, valueSerde, sources, storeGetter(m.name), m.named ? m.name : undefined, oldValues)
}
