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
import type { BytesStore, StateStore } from './store.js'
import { rawValueOf, timestampOf, toTimestampedBytes, type ValueAndTimestamp } from './value-and-timestamp.js'

/** Timestamp of values written without one (through a plain view): Kafka's `NO_TIMESTAMP`. */
export const NO_TIMESTAMP = -1

/** A typed key-value store whose values carry a timestamp. */
export interface TimestampedKeyValueStore<K, V> extends StateStore {
  get(key: K): ValueAndTimestamp<V> | null
  /** A null value deletes the key. */
  put(key: K, value: ValueAndTimestamp<V> | null): void
  putIfAbsent(key: K, value: ValueAndTimestamp<V> | null): ValueAndTimestamp<V> | null
  delete(key: K): ValueAndTimestamp<V> | null
  /** Entries with from <= key <= to in serialized-key byte order. */
  range(from: K, to: K): IterableIterator<KeyValue<K, ValueAndTimestamp<V>>>
  all(): IterableIterator<KeyValue<K, ValueAndTimestamp<V>>>
  approximateNumEntries(): number
}

/** {@link TimestampedKeyValueStore} that (de)serializes around a bytes store holding timestamped bytes. */
export class SerdeTimestampedKeyValueStore<K, V> implements TimestampedKeyValueStore<K, V> {
  readonly name: string
  readonly bytes: BytesStore
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  readonly #topic: string

  constructor(bytes: BytesStore, keySerde: Serde<K>, valueSerde: Serde<V>, serdeTopic: string) {
    this.name = bytes.name
    this.bytes = bytes
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.#topic = serdeTopic
  }

  get persistent(): boolean {
    return this.bytes.persistent
  }

  #key(key: K): Buffer {
    const k = this.keySerde.serialize(this.#topic, key)
    if (k === null) throw new TypeError(`store '${this.name}': keys must not be null`)
    return k
  }

  #encode(v: ValueAndTimestamp<V> | null): Buffer | null {
    if (v === null) return null
    const raw = this.valueSerde.serialize(this.#topic, v.value)
    // A value that serializes to null deletes, as in Kafka Streams' timestamped serializer.
    return raw === null ? null : toTimestampedBytes(v.timestamp, raw)
  }

  #decode(data: Buffer | null): ValueAndTimestamp<V> | null {
    return data === null ? null : { value: this.valueSerde.deserialize(this.#topic, rawValueOf(data)), timestamp: timestampOf(data) }
  }

  get(key: K): ValueAndTimestamp<V> | null {
    return this.#decode(this.bytes.get(this.#key(key)))
  }

  put(key: K, value: ValueAndTimestamp<V> | null): void {
    this.bytes.put(this.#key(key), this.#encode(value))
  }

  putIfAbsent(key: K, value: ValueAndTimestamp<V> | null): ValueAndTimestamp<V> | null {
    return this.#decode(this.bytes.putIfAbsent(this.#key(key), this.#encode(value)))
  }

  delete(key: K): ValueAndTimestamp<V> | null {
    return this.#decode(this.bytes.delete(this.#key(key)))
  }

  *range(from: K, to: K): IterableIterator<KeyValue<K, ValueAndTimestamp<V>>> {
    for (const e of this.bytes.range(this.#key(from), this.#key(to))) yield this.#entry(e)
  }

  *all(): IterableIterator<KeyValue<K, ValueAndTimestamp<V>>> {
    for (const e of this.bytes.all()) yield this.#entry(e)
  }

  #entry(e: KeyValue<Buffer, Buffer>): KeyValue<K, ValueAndTimestamp<V>> {
    return { key: this.keySerde.deserialize(this.#topic, e.key), value: this.#decode(e.value) as ValueAndTimestamp<V> }
  }

  approximateNumEntries(): number {
    return this.bytes.approximateNumEntries()
  }

  flush(): void {
    this.bytes.flush()
  }

  close(): void {
    this.bytes.close()
  }
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
  protected override log(key: Buffer, value: Buffer | null): void {
    if (value === null) this.sink.logChange(this.name, key, null, this.time.currentRecordTimestamp())
    else this.sink.logChange(this.name, key, rawValueOf(value), timestampOf(value))
  }
}
