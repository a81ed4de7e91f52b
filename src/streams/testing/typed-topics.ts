/**
 * The typed side of the test drivers' topic handles, shared by the {@link TopologyTestDriver}'s
 * and the {@link ClusterTestDriver}'s: serdes, the auto-advancing time of records piped without a
 * timestamp, and the list and map readers built on reading records one by one.
 */
import type { KeyValue, RecordHeaders } from '../record.js'
import type { Serde } from '../serde.js'

/** A record as written to or read from a test topic. */
export interface TestRecord<K, V> {
  key: K
  value: V
  timestamp: number
  headers: RecordHeaders
}

/** A record's bytes as a test driver keeps them. */
export interface RawTestRecord {
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeaders
  timestamp: number
}

/** Serializes typed records and pipes their bytes into one topic of a driver. */
export abstract class TypedInputTopic<K, V> {
  /** The topic's name. */
  readonly topic: string
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>
  #time: number
  readonly #advance: number

  /** @internal */
  protected constructor(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, start: number, advance: number) {
    this.topic = topic
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#time = start
    this.#advance = advance
  }

  /** Pipes one record; without a timestamp it gets the topic's current time (then auto-advanced). */
  abstract pipeInput(key: K, value: V, timestamp?: number, headers?: RecordHeaders): unknown

  /** The record's bytes and its timestamp: the given one, else the topic's time (then advanced). */
  protected serialize(key: K, value: V, timestamp: number | undefined): { key: Buffer | null; value: Buffer | null; timestamp: number } {
    let ts = timestamp
    if (ts === undefined) {
      ts = this.#time
      this.#time += this.#advance
    }
    return { key: this.#keySerde.serialize(this.topic, key), value: this.#valueSerde.serialize(this.topic, value), timestamp: ts }
  }

  /** Pipes a value with a null key. */
  pipeValue(value: V, timestamp?: number): void {
    this.pipeInput(null as K, value, timestamp)
  }

  /** Pipes key-value pairs, each at the topic's current time. */
  pipeKeyValueList(list: ReadonlyArray<KeyValue<K, V>>): void {
    for (const kv of list) this.pipeInput(kv.key, kv.value)
  }

  /** Pipes values with null keys, each at the topic's current time. */
  pipeValueList(values: readonly V[]): void {
    for (const v of values) this.pipeValue(v)
  }

  /** Pipes records; a missing key is null, a missing timestamp the topic's current time. */
  pipeRecordList(records: ReadonlyArray<Partial<TestRecord<K, V>> & { value: V }>): void {
    for (const r of records) this.pipeInput(r.key as K, r.value, r.timestamp, r.headers)
  }

  /** Moves the time used for records piped without a timestamp. */
  advanceTime(ms: number): void {
    this.#time += ms
  }
}

/** Deserializes the records written to one topic of a driver; reads consume (each record is returned once). */
export abstract class TypedOutputTopic<K, V, R extends TestRecord<K, V> = TestRecord<K, V>> {
  /** The topic's name. */
  readonly topic: string
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>

  /** @internal */
  protected constructor(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.topic = topic
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
  }

  /** The readable records, consumed as the iteration reaches them. */
  protected abstract take(): Iterable<R>

  /** Number of records readable now. */
  abstract getQueueSize(): number

  /** A record's key and value deserialized with the topic's serdes. */
  protected decode(r: RawTestRecord): TestRecord<K, V> {
    return {
      key: this.#keySerde.deserialize(this.topic, r.key),
      value: this.#valueSerde.deserialize(this.topic, r.value),
      timestamp: r.timestamp,
      headers: r.headers,
    }
  }

  /** The readable records. */
  readRecordsToList(): R[] {
    return [...this.take()]
  }

  /** {@link readRecordsToList} as key-value pairs. */
  readKeyValuesToList(): Array<KeyValue<K, V>> {
    const out: Array<KeyValue<K, V>> = []
    for (const r of this.take()) out.push({ key: r.key, value: r.value })
    return out
  }

  /** {@link readRecordsToList} as values. */
  readValuesToList(): V[] {
    const out: V[] = []
    for (const r of this.take()) out.push(r.value)
    return out
  }

  /** The latest value per key of the readable records (null values kept, as in Java). */
  readKeyValuesToMap(): Map<K, V> {
    const out = new Map<K, V>()
    for (const r of this.take()) {
      if (r.key == null) throw new TypeError('readKeyValuesToMap: null keys are not allowed')
      out.set(r.key, r.value)
    }
    return out
  }

  /** True when no record is readable now. */
  isEmpty(): boolean {
    return this.getQueueSize() === 0
  }
}
