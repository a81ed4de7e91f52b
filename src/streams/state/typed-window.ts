/**
 * The typed face of a window store: serdes over a {@link WindowBytesStore}, plus the value serde
 * of timestamped window stores. Serdes see the store's changelog topic name, as in Kafka Streams.
 */
import type { KeyValue } from '../record.js'
import { Serdes, type Serde } from '../serde.js'
import { writeInt64Number } from '../../protocol/primitives/writer.js'
import type { Windowed } from '../windowed.js'
import { rawValueOf, timestampOf, toTimestampedBytes, type ValueAndTimestamp } from './value-and-timestamp.js'
import { fetchWindowsInto } from './window-fetch-into.js'
import type { WindowBytesStore, WindowStore } from './window-store.js'
import { MAX_TIMESTAMP } from './window-key-schema.js'

/**
 * Serde of timestamped store values: 8-byte timestamp + the inner serde's bytes (Kafka Streams'
 * `ValueAndTimestampSerde`). A null value (or one the inner serde makes null) is null.
 */
export function timestampedValueSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  if (inner === (INT64 as Serde<unknown>)) return timestampedInt64 as unknown as Serde<ValueAndTimestamp<V>>
  return generic(inner)
}

function generic<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  return {
    serialize(topic, vt) {
      if (vt == null) return null
      const raw = inner.serialize(topic, vt.value)
      return raw === null ? null : toTimestampedBytes(vt.timestamp, raw)
    },
    deserialize(topic, data) {
      if (data === null) return null as unknown as ValueAndTimestamp<V>
      return { value: inner.deserialize(topic, rawValueOf(data)), timestamp: timestampOf(data) }
    },
  }
}

const INT64 = Serdes.int64()
const int64Generic = generic(INT64)

/**
 * {@link timestampedValueSerde} of the int64 serde (counts), in one buffer: the same bytes, with
 * no intermediate value buffer. Values it cannot write or read exactly go the generic way (and
 * fail there as the int64 serde does).
 */
const timestampedInt64: Serde<ValueAndTimestamp<number>> = {
  serialize(topic, vt) {
    if (vt == null || vt.value == null || !Number.isSafeInteger(vt.value)) return int64Generic.serialize(topic, vt)
    const out = Buffer.allocUnsafe(16)
    writeInt64Number(out, vt.timestamp, 0)
    writeInt64Number(out, vt.value, 8)
    return out
  },
  deserialize(topic, data) {
    if (data === null || data.length !== 16) return int64Generic.deserialize(topic, data)
    const hi = data.readInt32BE(8)
    // Beyond 2^53 in magnitude: the int64 serde's error.
    if (hi >= 0x200000 || hi <= -0x200000) return int64Generic.deserialize(topic, data)
    return { value: hi * 0x100000000 + data.readUInt32BE(12), timestamp: timestampOf(data) }
  },
}

/** The bytes of a store key (a key serializing to null is a TypeError, as in the key-value store). */
export function keyBytes<K>(serde: Serde<K>, topic: string, key: K, storeName: string): Buffer {
  const k = serde.serialize(topic, key)
  if (k === null) throw new TypeError(`store '${storeName}': keys must not be null`)
  return k
}

/** A {@link WindowStore} that (de)serializes around a bytes window store. */
export class SerdeWindowStore<K, V> implements WindowStore<K, V> {
  readonly name: string
  readonly bytes: WindowBytesStore
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  readonly #topic: string
  readonly #windowEnd: (start: number) => number
  /** The last text or number key serialized, and its bytes. */
  #lastKey: unknown = undefined
  #lastKeyBytes: Buffer | null = null
  /** {@link fetchInto}'s buffer of matched bytes (null while in use). */
  #rawScratch: Buffer[] | null = []

  /**
   * @param serdeTopic the topic name serdes see (the changelog topic).
   * @param windowEnd a window's end from its start (default start + the store's window size).
   */
  constructor(bytes: WindowBytesStore, keySerde: Serde<K>, valueSerde: Serde<V>, serdeTopic: string, windowEnd?: (start: number) => number) {
    this.name = bytes.name
    this.bytes = bytes
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.#topic = serdeTopic
    const size = bytes.windowSize
    // An unlimited window's end is capped (Kafka Streams truncates an overflowing end to Long.MAX_VALUE).
    this.#windowEnd = windowEnd ?? ((start) => Math.min(start + size, MAX_TIMESTAMP))
  }

  get persistent(): boolean {
    return this.bytes.persistent
  }

  /** The topic name serdes see (the changelog topic). @internal */
  get serdeTopic(): string {
    return this.#topic
  }

  /** The store bytes of a key (the last text or number key's bytes are reused). @internal */
  serializeKey(key: K): Buffer {
    return this.#key(key)
  }

  /** The end of the window starting at `start`. @internal */
  windowEndOf(start: number): number {
    return this.#windowEnd(start)
  }

  put(key: K, value: V | null, windowStart: number): void {
    this.bytes.put(this.#key(key), value === null ? null : this.valueSerde.serialize(this.#topic, value), windowStart)
  }

  fetch(key: K, windowStart: number): V | null
  fetch(key: K, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, V>>
  fetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>>
  fetch(a: K | null, b: K | number | null, c?: number, d?: number): V | null | IterableIterator<KeyValue<number, V>> | IterableIterator<KeyValue<Windowed<K>, V>> {
    if (d !== undefined) return this.#windows(this.bytes.fetch(this.#bound(a), this.#bound(b as K | null), c as number, d))
    if (c !== undefined) return this.#starts(this.bytes.fetch(this.#key(a as K), b as number, c))
    const v = this.bytes.fetch(this.#key(a as K), b as number)
    return v === null ? null : this.valueSerde.deserialize(this.#topic, v)
  }

  /**
   * The single-key range {@link fetch} appended to `starts` and `values`: the same windows in the
   * same order, with no iterator or entry object per match (the stream-stream join's read).
   * @internal
   */
  fetchInto(key: K, timeFrom: number, timeTo: number, starts: number[], values: V[]): void {
    // The bytes of the matches, in a buffer kept for the next call (a fresh one if a serde reenters).
    const raw = this.#rawScratch ?? []
    this.#rawScratch = null
    try {
      fetchWindowsInto(this.bytes, this.#key(key), timeFrom, timeTo, starts, raw)
      for (let i = 0; i < raw.length; i++) values.push(this.valueSerde.deserialize(this.#topic, raw[i]))
    } finally {
      raw.length = 0
      this.#rawScratch = raw
    }
  }

  backwardFetch(key: K, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, V>>
  backwardFetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>>
  backwardFetch(a: K | null, b: K | number | null, c: number, d?: number): IterableIterator<KeyValue<number, V>> | IterableIterator<KeyValue<Windowed<K>, V>> {
    if (d !== undefined) return this.#windows(this.bytes.backwardFetch(this.#bound(a), this.#bound(b as K | null), c, d))
    return this.#starts(this.bytes.backwardFetch(this.#key(a as K), b as number, c))
  }

  all(): IterableIterator<KeyValue<Windowed<K>, V>> {
    return this.#windows(this.bytes.all())
  }

  backwardAll(): IterableIterator<KeyValue<Windowed<K>, V>> {
    return this.#windows(this.bytes.backwardAll())
  }

  fetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>> {
    return this.#windows(this.bytes.fetchAll(timeFrom, timeTo))
  }

  backwardFetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>> {
    return this.#windows(this.bytes.backwardFetchAll(timeFrom, timeTo))
  }

  flush(): void {
    this.bytes.flush()
  }

  close(): void {
    this.bytes.close()
  }

  #key(key: K): Buffer {
    // An aggregation reads, then writes, the windows of one key: a text or number key is
    // serialized once for them (the bytes are only read, never kept mutable).
    if (Object.is(key, this.#lastKey) && (typeof key === 'string' || typeof key === 'number')) return this.#lastKeyBytes as Buffer
    const bytes = keyBytes(this.keySerde, this.#topic, key, this.name)
    if (typeof key === 'string' || typeof key === 'number') {
      this.#lastKey = key
      this.#lastKeyBytes = bytes
    }
    return bytes
  }

  #bound(key: K | null): Buffer | null {
    return key === null ? null : this.#key(key)
  }

  *#starts(it: Iterable<KeyValue<number, Buffer>>): IterableIterator<KeyValue<number, V>> {
    for (const e of it) yield { key: e.key, value: this.valueSerde.deserialize(this.#topic, e.value) }
  }

  *#windows(it: Iterable<KeyValue<Windowed<Buffer>, Buffer>>): IterableIterator<KeyValue<Windowed<K>, V>> {
    for (const e of it) {
      const start = e.key.window.start
      yield {
        key: { key: this.keySerde.deserialize(this.#topic, e.key.key), window: { start, end: this.#windowEnd(start) } },
        value: this.valueSerde.deserialize(this.#topic, e.value),
      }
    }
  }
}
