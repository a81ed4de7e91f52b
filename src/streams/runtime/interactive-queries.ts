/**
 * Interactive queries: read-only views of a store over the tasks of this instance that run it
 * (or over the global store). Key-value views merge the tasks' entries in key-byte order; window
 * and session views are Kafka Streams' composite stores (read-only-views.ts).
 */
import type { KeyValue } from '../record.js'
import { queryableTypeOf, readOnlySessionView, readOnlyWindowView, type QueryableStoreType } from '../state/read-only-views.js'
import type { ReadOnlySessionStore } from '../state/session-store.js'
import type { ReadOnlyKeyValueStore, StateStore } from '../state/store.js'
import type { SerdeKeyValueStore } from '../state/typed.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import type { ReadOnlyVersionedKeyValueStore, VersionedRecord } from '../state/versioned-store.js'
import type { ReadOnlyTimestampedWindowStore, ReadOnlyWindowStore } from '../state/window-store.js'
import { changelogTopic } from '../topology/naming.js'
import type { Topology } from '../topology/topology.js'
import { partitionForKey } from '../../client/partitioner.js'
import type { Serde } from '../serde.js'
import { StreamsConfigError, StreamsStateError } from './errors.js'
import type { HostMap } from './streams-assignor.js'
import type { KeyQueryMetadata } from './streams-options.js'

/** Where a query finds the stores (evaluated per query: tasks come and go). */
export interface QueryTarget {
  readonly applicationId: string
  readonly topology: Topology
  /** The global store of that name, if it is one. */
  globalStore(name: string): StateStore | undefined
  /** The store of that name in each running task. */
  taskStores(name: string): StateStore[]
}

/**
 * A read-only view of store `name`, checked to be of `type` ('window' also reads a timestamped
 * window store, without the timestamps). Throws a StreamsConfigError for an unknown store or
 * another type, naming the type to ask for.
 */
export function queryableStore<K, V>(
  target: QueryTarget,
  name: string,
  type: QueryableStoreType,
): ReadOnlyKeyValueStore<K, V> | ReadOnlyWindowStore<K, V> | ReadOnlyTimestampedWindowStore<K, V> | ReadOnlySessionStore<K, V> | ReadOnlyVersionedKeyValueStore<K, V> {
  const reg = target.topology.stores.get(name)
  if (reg === undefined) throw new StreamsConfigError(`the topology has no state store named '${name}'`)
  const actual = queryableTypeOf(reg.builder)
  if (actual !== type && !(type === 'window' && actual === 'timestampedWindow')) {
    throw new StreamsConfigError(`state store '${name}' is a ${actual} store: query it with store('${name}', '${actual}')`)
  }
  const stores = <S>(): S[] => target.taskStores(name) as S[]
  if (type === 'versioned') return versionedView<K, V>(name, () => stores<ReadOnlyVersionedKeyValueStore<K, V>>())
  if (type === 'session') return readOnlySessionView<K, V>(name, () => stores<ReadOnlySessionStore<K, V>>())
  if (type === 'window' && actual === 'timestampedWindow') {
    return readOnlyWindowView<K, ValueAndTimestamp<V>, V>(name, () => stores<ReadOnlyWindowStore<K, ValueAndTimestamp<V>>>(), (vt) => vt.value)
  }
  if (type !== 'keyValue') return readOnlyWindowView<K, V, V>(name, () => stores<ReadOnlyWindowStore<K, V>>(), (v) => v)
  return keyValueView<K, V>(target, name)
}

/** Versioned view: the first task that has a version of the key answers (one task has the key). */
function versionedView<K, V>(name: string, stores: () => Array<ReadOnlyVersionedKeyValueStore<K, V>>): ReadOnlyVersionedKeyValueStore<K, V> {
  return {
    name,
    get: (key: K, asOfTimestamp?: number): VersionedRecord<V> | null => {
      for (const s of stores()) {
        const r = asOfTimestamp === undefined ? s.get(key) : s.get(key, asOfTimestamp)
        if (r !== null) return r
      }
      return null
    },
  }
}

/** Key-value view: one task has a key; ranges merge the tasks' entries in key-byte order. */
function keyValueView<K, V>(target: QueryTarget, name: string): ReadOnlyKeyValueStore<K, V> {
  const topic = changelogTopic(target.applicationId, name)
  const stores = (): Array<SerdeKeyValueStore<K, V>> => {
    const g = target.globalStore(name)
    if (g !== undefined) return [g as unknown as SerdeKeyValueStore<K, V>]
    return target.taskStores(name) as unknown as Array<SerdeKeyValueStore<K, V>>
  }
  const merged = (pick: (s: SerdeKeyValueStore<K, V>) => Iterable<KeyValue<Buffer, Buffer>>): Array<KeyValue<K, V>> => {
    const all: Array<{ raw: Buffer; s: SerdeKeyValueStore<K, V>; value: Buffer }> = []
    for (const s of stores()) for (const e of pick(s)) all.push({ raw: e.key, s, value: e.value })
    all.sort((a, b) => Buffer.compare(a.raw, b.raw))
    return all.map((e) => ({ key: e.s.keySerde.deserialize(topic, e.raw), value: e.s.valueSerde.deserialize(topic, e.value) }))
  }
  return {
    name,
    get: (key: K): V | null => {
      for (const s of stores()) {
        const v = s.get(key)
        if (v !== null) return v
      }
      return null
    },
    range: (from: K, to: K) =>
      merged((s) => {
        const f = s.keySerde.serialize(topic, from)
        const t = s.keySerde.serialize(topic, to)
        return f === null || t === null ? [] : s.bytes.range(f, t)
      })[Symbol.iterator](),
    all: () => merged((s) => s.bytes.all())[Symbol.iterator](),
    approximateNumEntries: () => stores().reduce((n, s) => n + s.approximateNumEntries(), 0),
  }
}

/**
 * Where `key` of store `storeName` lives (KafkaStreams.metadataForKey): its partition by the
 * default partitioner over the store's sub-topology's task count, and the hosts of that task
 * in the last assignment.
 */
export function keyQueryMetadata<K>(
  topology: Topology,
  applicationId: string,
  tasksPerSub: ReadonlyMap<number, number>,
  hosts: HostMap,
  storeName: string,
  key: K,
  keySerde: Serde<K>,
): KeyQueryMetadata {
  const sub = topology.subtopologies().find((s) => s.stores.includes(storeName))
  if (sub === undefined || sub.global) throw new StreamsConfigError(`'${storeName}' is not a (non-global) state store of the topology`)
  const n = tasksPerSub.get(sub.id)
  if (n === undefined) throw new StreamsStateError('metadataForKey needs a started instance')
  const topic = topology.topicName(applicationId, sub.sourceTopics[0])
  const bytes = keySerde.serialize(topic, key)
  if (bytes === null) throw new StreamsConfigError('metadataForKey: the key serializes to null')
  const partition = partitionForKey(bytes, n)
  const taskId = `${sub.id}_${partition}`
  let activeHost: string | null = null
  const standbyHosts: string[] = []
  for (const [host, t] of Object.entries(hosts)) {
    if (t.active.includes(taskId)) activeHost = host
    if (t.standby.includes(taskId)) standbyHosts.push(host)
  }
  return { activeHost, standbyHosts, partition, taskId }
}
