/**
 * Timestamped key-value stores, as the DSL keeps its tables and aggregates (Kafka Streams'
 * `TimestampedKeyValueStore`): each value carries the timestamp of the record that last changed it.
 *
 * Bytes in the store: 8-byte timestamp, then the value (see value-and-timestamp.ts). The changelog
 * gets the plain value with that timestamp as the record timestamp, as Kafka Streams writes it;
 * restoring puts the record timestamp back in front. Interactive queries and the test driver's
 * `getKeyValueStore` read plain values through {@link TimestampedBytesView}.
 */
import type { KeyValue } from '../record.js'
import type { Serde } from '../serde.js'
import { LoggingBytesStore } from './logging.js'
import type { BytesStore, KeyValueBytesStoreSupplier, KeyValueStore } from './store.js'
import { buildKeyValueStore, type BuiltStore, type StoreBuildEnv } from './built-store.js'
import { SerdeKeyValueStore } from './typed.js'
import { rawValueOf, timestampOf, toTimestampedBytes, type ValueAndTimestamp } from './value-and-timestamp.js'

/** Timestamp of values written without one (through a plain view): Kafka's `NO_TIMESTAMP`. */
export const NO_TIMESTAMP = -1

/**
 * A typed key-value store whose values carry a timestamp: a `SerdeKeyValueStore` with a
 * {@link timestampedSerde} as value serde.
 */
export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>

/**
 * Serde of a value and its timestamp in store bytes (8-byte timestamp, then `inner`'s bytes). A
 * value whose own bytes are null serializes to null (a delete), as Kafka Streams' does.
 */
export function timestampedSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  // A count's bytes by value (a window cache serializes at every update), kept for one topic (a
  // store serializes for its own). The kept bytes are a copy: a serde may reuse its output Buffer.
  let smallIntTopic: string | null = null
  let smallInts: (Buffer | undefined)[] = []
  const serde: Serde<ValueAndTimestamp<V>> = {
    serialize(topic, v) {
      if (v == null) return null
      const value: unknown = v.value
      let raw: Buffer | null
      if (typeof value === 'number' && value >= 0 && value < SMALL_INTS && Number.isInteger(value) && !Object.is(value, -0)) {
        if (topic !== smallIntTopic) {
          smallIntTopic = topic
          smallInts = new Array<Buffer | undefined>(SMALL_INTS)
        }
        raw = smallInts[value] ?? null
        if (raw === null) {
          // (A serde that writes no bytes for a count is asked every time: nothing to keep.)
          const fresh = inner.serialize(topic, value as V)
          if (fresh !== null) raw = smallInts[value] = Buffer.from(fresh)
        }
      } else raw = inner.serialize(topic, v.value)
      return raw === null ? null : toTimestampedBytes(v.timestamp, raw)
    },
    deserialize(topic, data) {
      return (data === null ? null : { value: inner.deserialize(topic, rawValueOf(data)), timestamp: timestampOf(data) }) as ValueAndTimestamp<V>
    },
  }
  TIMESTAMPED_SERDES.add(serde)
  return serde
}

const TIMESTAMPED_SERDES = new WeakSet<object>()

/** Integers in [0, SMALL_INTS) whose inner bytes a timestamped serde keeps. */
const SMALL_INTS = 4096

/** True for a store made with {@link timestampedSerde} values (its values are ValueAndTimestamp). */
export function isTimestampedKeyValueStore(store: SerdeKeyValueStore<unknown, unknown>): boolean {
  return TIMESTAMPED_SERDES.has(store.valueSerde)
}

/**
 * Plain value bytes over a store of timestamped bytes (Kafka Streams' key-value facade): reads drop
 * the timestamp, writes stamp {@link NO_TIMESTAMP}.
 */
export class TimestampedBytesView implements BytesStore {
  readonly name: string
  readonly inner: BytesStore

  constructor(inner: BytesStore) {
    this.inner = inner
    this.name = inner.name
  }

  get persistent(): boolean {
    return this.inner.persistent
  }

  get(key: Buffer): Buffer | null {
    return plain(this.inner.get(key))
  }

  put(key: Buffer, value: Buffer | null): void {
    this.inner.put(key, stamp(value))
  }

  putIfAbsent(key: Buffer, value: Buffer | null): Buffer | null {
    return plain(this.inner.putIfAbsent(key, stamp(value)))
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    this.inner.putAll(entries.map((e) => ({ key: e.key, value: stamp(e.value) })))
  }

  delete(key: Buffer): Buffer | null {
    return plain(this.inner.delete(key))
  }

  *range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    for (const e of this.inner.range(from, to)) yield { key: e.key, value: rawValueOf(e.value) }
  }

  *all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    for (const e of this.inner.all()) yield { key: e.key, value: rawValueOf(e.value) }
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries()
  }

  flush(): void {
    this.inner.flush()
  }

  close(): void {
    this.inner.close()
  }
}

const plain = (b: Buffer | null): Buffer | null => (b === null ? null : rawValueOf(b))
const stamp = (b: Buffer | null): Buffer | null => (b === null ? null : toTimestampedBytes(NO_TIMESTAMP, b))

/**
 * Changelog logging for a store of timestamped bytes: the changelog record carries the plain value
 * with the stored timestamp as its timestamp (a delete: the current record's timestamp), so the
 * changelog topic holds what Kafka Streams writes.
 */
export class LoggingTimestampedBytesStore extends LoggingBytesStore {
  protected override log(key: Buffer, value: Buffer | null, timestamp: number): void {
    if (value === null) this.sink.logChange(this.name, key, null, timestamp)
    else this.sink.logChange(this.name, key, rawValueOf(value), timestampOf(value))
  }
}

/**
 * The task's instance of a timestamped key-value store: processors open the timestamped store,
 * interactive queries and the test driver read plain values, and restoring puts each changelog
 * record's timestamp in front of its value.
 */
export function buildTimestampedKeyValueStore(supplier: KeyValueBytesStoreSupplier, env: StoreBuildEnv): BuiltStore {
  const inner = supplier.get(env.context)
  const bytes = env.changelog === null ? inner : new LoggingTimestampedBytesStore(inner, env.changelog, env.time)
  const { keySerde, valueSerde, serdeTopic } = env
  // Wiping and decoding changelog records (plain values) work as for a plain store over the same bytes.
  const plain = buildKeyValueStore({ name: inner.name, get: () => inner }, { ...env, changelog: null })
  return {
    store: new SerdeKeyValueStore(bytes, keySerde, timestampedSerde(valueSerde), serdeTopic),
    queryStore: new SerdeKeyValueStore(new TimestampedBytesView(bytes), keySerde, valueSerde, serdeTopic),
    restore: (key, value, timestamp) => inner.put(key, value === null ? null : toTimestampedBytes(timestamp, value)),
    wipe: plain.wipe,
    decodeChangelog: plain.decodeChangelog,
  }
}
