/**
 * The shared outer-join store of left and outer stream-stream joins (Kafka Streams'
 * "OUTERSHARED" store): records that found no partner wait here until their join window has
 * closed, then are emitted joined with null, once. A match arriving in time removes them.
 *
 * Layout, byte for byte Kafka Streams' (so the changelog is the same):
 * - key (`TimestampedKeyAndJoinSide`): 8-byte big-endian timestamp, 1 byte side (1 = left,
 *   0 = right), key bytes. Byte order of keys is therefore time order; at equal times right-side
 *   records come first. The emit scan relies on this order, as Kafka Streams' does.
 * - value: a list of `LeftOrRightValue`s (several records of one key and time): Kafka's list serde
 *   of byte arrays (1 byte strategy = 1, int32 count, then int32 length + bytes per entry), each
 *   entry 1 byte side (1 = left) + the value bytes.
 * Appending re-writes the whole list (the changelog carries the full list, as Kafka Streams').
 */
import { SerializationError, TopologyError } from '../errors.js'
import type { Serde } from '../serde.js'
import type { KeyValueStore } from '../state/store.js'
import { SerdeKeyValueStore } from '../state/typed.js'
import { readInt64Number } from '../state/window-key-schema.js'
import { writeInt64Number } from '../../protocol/primitives/writer.js'
import type { DeferredSerde } from './change-serde.js'

/** A buffered record's key: its key, timestamp and join side. */
export interface TimestampedKeyAndJoinSide<K> {
  readonly key: K
  readonly timestamp: number
  readonly leftSide: boolean
}

/** A buffered record's value: exactly one of the two sides is set. */
export interface LeftOrRightValue<V1, V2> {
  readonly left: V1 | null
  readonly right: V2 | null
}

/** @internal The store type the join processors open. */
export type OuterJoinStore = KeyValueStore<TimestampedKeyAndJoinSide<unknown>, Array<LeftOrRightValue<unknown, unknown>>>

const LEFT = 1
const RIGHT = 0
// Kafka's ListSerde of byte arrays: SerializationStrategy.VARIABLE_SIZE.
const VARIABLE_SIZE = 1

function missing(what: string): never {
  throw new TopologyError(`no ${what} serde for a stream-stream join store: pass it in StreamJoined or Consumed, or set the default serdes`)
}

/** @internal Serde of {@link TimestampedKeyAndJoinSide} keys over the join's key serde (default: the app's). */
export class TimestampedKeyAndJoinSideSerde<K> implements Serde<TimestampedKeyAndJoinSide<K>>, DeferredSerde {
  constructor(private readonly inner: Serde<K> | undefined) {}

  resolveDefaults(defaultKey: Serde<unknown> | undefined): Serde<unknown> {
    return new TimestampedKeyAndJoinSideSerde(this.inner ?? (defaultKey as Serde<K> | undefined) ?? missing('key')) as Serde<unknown>
  }

  serialize(topic: string, k: TimestampedKeyAndJoinSide<K>): Buffer | null {
    if (k == null) return null
    const keyBytes = (this.inner ?? missing('key')).serialize(topic, k.key)
    if (keyBytes === null) throw new SerializationError('stream-stream join: the key serde gave null for a non-null key')
    const out = Buffer.allocUnsafe(9 + keyBytes.length)
    writeInt64Number(out, k.timestamp, 0)
    out[8] = k.leftSide ? LEFT : RIGHT
    keyBytes.copy(out, 9)
    return out
  }

  deserialize(topic: string, data: Buffer | null): TimestampedKeyAndJoinSide<K> {
    if (data === null) return null as unknown as TimestampedKeyAndJoinSide<K>
    if (data.length < 9) throw new SerializationError(`stream-stream join store key too short (${data.length} bytes)`)
    const key = (this.inner ?? missing('key')).deserialize(topic, data.subarray(9))
    return { key, timestamp: readInt64Number(data, 0), leftSide: data[8] === LEFT }
  }
}

/** @internal Serde of the lists of {@link LeftOrRightValue}s over the two value serdes (default: the app's). */
export class LeftOrRightValueListSerde<V1, V2> implements Serde<Array<LeftOrRightValue<V1, V2>>>, DeferredSerde {
  constructor(
    private readonly left: Serde<V1> | undefined,
    private readonly right: Serde<V2> | undefined,
  ) {}

  resolveDefaults(_key: Serde<unknown> | undefined, defaultValue: Serde<unknown> | undefined): Serde<unknown> {
    const left = this.left ?? (defaultValue as Serde<V1> | undefined) ?? missing('value')
    const right = this.right ?? (defaultValue as Serde<V2> | undefined) ?? missing('other value')
    return new LeftOrRightValueListSerde(left, right) as Serde<unknown>
  }

  serialize(topic: string, list: Array<LeftOrRightValue<V1, V2>>): Buffer | null {
    if (list == null) return null
    const entries: Buffer[] = []
    for (const v of list) {
      const isLeft = v.left !== null
      const raw = isLeft ? (this.left ?? missing('value')).serialize(topic, v.left as V1) : (this.right ?? missing('other value')).serialize(topic, v.right as V2)
      if (raw === null) throw new SerializationError('stream-stream join: a value serde gave null for a non-null value')
      entries.push(Buffer.from([isLeft ? LEFT : RIGHT]), raw)
    }
    const out = Buffer.allocUnsafe(5 + 4 * list.length + entries.reduce((n, b) => n + b.length, 0))
    out[0] = VARIABLE_SIZE
    out.writeInt32BE(list.length, 1)
    let pos = 5
    for (let i = 0; i < entries.length; i += 2) {
      const side = entries[i]
      const raw = entries[i + 1]
      out.writeInt32BE(1 + raw.length, pos)
      pos += 4
      side.copy(out, pos)
      raw.copy(out, pos + 1)
      pos += 1 + raw.length
    }
    return out
  }

  deserialize(topic: string, data: Buffer | null): Array<LeftOrRightValue<V1, V2>> {
    if (data === null) return null as unknown as Array<LeftOrRightValue<V1, V2>>
    if (data.length < 5 || data[0] !== VARIABLE_SIZE) throw new SerializationError('stream-stream join store: bad value list')
    const n = data.readInt32BE(1)
    const out: Array<LeftOrRightValue<V1, V2>> = []
    let pos = 5
    for (let i = 0; i < n; i++) {
      if (pos + 4 > data.length) throw new SerializationError('stream-stream join store: truncated value list')
      const len = data.readInt32BE(pos)
      pos += 4
      if (len < 1 || pos + len > data.length) throw new SerializationError('stream-stream join store: bad value length')
      const raw = data.subarray(pos + 1, pos + len)
      out.push(
        data[pos] === LEFT
          ? { left: (this.left ?? missing('value')).deserialize(topic, raw), right: null }
          : { left: null, right: (this.right ?? missing('other value')).deserialize(topic, raw) },
      )
      pos += len
    }
    return out
  }
}

/**
 * @internal Appends a record to its key's list (Kafka Streams' ListValueStore put: the new
 * entry's bytes appended to the stored list's, the entries already there not decoded again).
 */
export function appendToOuterJoinStore(store: OuterJoinStore, key: TimestampedKeyAndJoinSide<unknown>, value: LeftOrRightValue<unknown, unknown>): void {
  if (store instanceof SerdeKeyValueStore && store.valueSerde instanceof LeftOrRightValueListSerde) {
    const k = store.serializeKey(key)
    const old = store.bytes.get(k)
    const added = store.valueSerde.serialize(store.serdeTopic, [value]) as Buffer
    store.bytes.put(k, old === null ? added : appendListBytes(old, added))
    return
  }
  const old = store.get(key)
  store.put(key, old === null ? [value] : [...old, value])
}

/** A serialized list with the entries of a serialized one-entry list after its own (the same bytes as serializing both lists' values as one). */
function appendListBytes(list: Buffer, one: Buffer): Buffer {
  if (list.length < 5 || list[0] !== VARIABLE_SIZE) throw new SerializationError('stream-stream join store: bad value list')
  const out = Buffer.allocUnsafe(list.length + one.length - 5)
  out[0] = VARIABLE_SIZE
  out.writeInt32BE(list.readInt32BE(1) + 1, 1)
  list.copy(out, 5, 5)
  one.copy(out, list.length, 5)
  return out
}

/**
 * @internal Removes a key's list if there is one (Kafka Streams' ListValueStore putIfAbsent(key,
 * null)): looked up as bytes, the list is not decoded.
 */
export function removeFromOuterJoinStore(store: OuterJoinStore, key: TimestampedKeyAndJoinSide<unknown>): void {
  if (store instanceof SerdeKeyValueStore) {
    const k = store.serializeKey(key)
    if (store.bytes.get(k) !== null) store.bytes.put(k, null)
    return
  }
  if (store.get(key) !== null) store.put(key, null)
}
