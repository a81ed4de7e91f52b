/**
 * The typed face of a key-value store: serdes over a {@link BytesStore}. Serdes see the store's
 * changelog topic name, as in Kafka Streams.
 */
import type { KeyValue } from '../record.js'
import type { Serde } from '../serde.js'
import type { BytesStore, KeyValueStore } from './store.js'

/** {@link KeyValueStore} that (de)serializes around a bytes store. */
export class SerdeKeyValueStore<K, V> implements KeyValueStore<K, V> {
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

  /** The topic name serdes see (the changelog topic). @internal */
  get serdeTopic(): string {
    return this.#topic
  }

  /** The store bytes of a key (for callers that work on {@link bytes} directly). @internal */
  serializeKey(key: K): Buffer {
    return this.#key(key)
  }

  #key(key: K): Buffer {
    const k = this.keySerde.serialize(this.#topic, key)
    if (k === null) throw new TypeError(`store '${this.name}': keys must not be null`)
    return k
  }

  #value(data: Buffer | null): V | null {
    return data === null ? null : this.valueSerde.deserialize(this.#topic, data)
  }

  get(key: K): V | null {
    return this.#value(this.bytes.get(this.#key(key)))
  }

  put(key: K, value: V | null): void {
    this.bytes.put(this.#key(key), value === null ? null : this.valueSerde.serialize(this.#topic, value))
  }

  putIfAbsent(key: K, value: V | null): V | null {
    return this.#value(this.bytes.putIfAbsent(this.#key(key), value === null ? null : this.valueSerde.serialize(this.#topic, value)))
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    this.bytes.putAll(
      entries.map((e) => ({ key: this.#key(e.key), value: e.value === null ? null : this.valueSerde.serialize(this.#topic, e.value) })),
    )
  }

  delete(key: K): V | null {
    return this.#value(this.bytes.delete(this.#key(key)))
  }

  *range(from: K, to: K): IterableIterator<KeyValue<K, V>> {
    for (const e of this.bytes.range(this.#key(from), this.#key(to))) yield this.#entry(e)
  }

  *all(): IterableIterator<KeyValue<K, V>> {
    for (const e of this.bytes.all()) yield this.#entry(e)
  }

  #entry(e: KeyValue<Buffer, Buffer>): KeyValue<K, V> {
    return { key: this.keySerde.deserialize(this.#topic, e.key), value: this.valueSerde.deserialize(this.#topic, e.value) }
  }

  approximateNumEntries(): number {
    return this.bytes.approximateNumEntries()
  }

  /** @internal Runs before each flush: an owner that writes the store at flush (the suppression buffer). */
  beforeFlush: (() => void) | null = null

  flush(): void {
    this.beforeFlush?.()
    this.bytes.flush()
  }

  close(): void {
    this.bytes.close()
  }
}
