/**
 * The typed topic handles of the {@link ClusterTestDriver}: input topics whose records the
 * Java client's partitioner places, and output topics read across partitions at an isolation
 * level.
 */
import type { IsolationLevel } from '../../client/consumer/fetch-result.js'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { KeyValue, RecordHeaders } from '../record.js'
import type { Serde } from '../serde.js'
import type { ClusterTestDriver } from './cluster-test-driver.js'
import type { TestRecord } from './driver.js'
import type { SimulatedLog, SimulatedRecord } from './simulated-log.js'

/** A record read from a {@link ClusterOutputTopic}, with where it was written. */
export interface ClusterTestRecord<K, V> extends TestRecord<K, V> {
  partition: number
  offset: number
}

/** Pipes typed records into one partitioned input topic. */
export class ClusterInputTopic<K, V> {
  readonly #driver: ClusterTestDriver
  readonly #topic: string
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>
  #time: number
  readonly #advance: number

  /** @internal */
  constructor(driver: ClusterTestDriver, topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, start: number, advance: number) {
    this.#driver = driver
    this.#topic = topic
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#time = start
    this.#advance = advance
  }

  /**
   * Appends one record (processing happens at {@link ClusterTestDriver.process} or
   * {@link ClusterTestDriver.runUntilIdle}). The partition is `partition` when given, else murmur2
   * of the serialized key as the Java client's default partitioner, or a seeded choice for a null
   * key. Without a timestamp the record gets the topic's current time (then auto-advanced).
   * Returns the partition it went to.
   */
  pipeInput(key: K, value: V, timestamp?: number, headers: RecordHeaders = [], partition?: number): number {
    let ts = timestamp
    if (ts === undefined) {
      ts = this.#time
      this.#time += this.#advance
    }
    return this.#driver.pipeRaw(this.#topic, this.#keySerde.serialize(this.#topic, key), this.#valueSerde.serialize(this.#topic, value), headers, ts, partition)
  }

  /** Pipes key-value pairs, each at the topic's current time. */
  pipeKeyValueList(list: ReadonlyArray<KeyValue<K, V>>): void {
    for (const kv of list) this.pipeInput(kv.key, kv.value)
  }

  /** Moves the time used for records piped without a timestamp. */
  advanceTime(ms: number): void {
    this.#time += ms
  }
}

/**
 * Reads typed records written to one output topic, every partition, as a consumer at an
 * isolation level: read_committed stops at open transactions and skips aborted records.
 * Reads consume: each record is returned once.
 */
export class ClusterOutputTopic<K, V> {
  readonly #log: SimulatedLog
  readonly #topic: string
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>
  readonly #isolation: IsolationLevel
  readonly #positions: number[]

  /** @internal */
  constructor(log: SimulatedLog, topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, isolation: IsolationLevel) {
    this.#log = log
    this.#topic = topic
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#isolation = isolation
    this.#positions = new Array<number>(log.partitions(topic)).fill(0)
  }

  /** Number of partitions of the topic. */
  get partitions(): number {
    return this.#positions.length
  }

  /** The readable records of one partition, in offset order. */
  readPartition(partition: number): Array<ClusterTestRecord<K, V>> {
    if (this.#positions[partition] === undefined) throw new InvalidArgumentError(`output topic '${this.#topic}' has no partition ${String(partition)} (it has ${this.#positions.length})`)
    return this.#take(partition).map((r) => this.#decode(partition, r))
  }

  /** The readable records of every partition, merged in the order they were written. */
  readRecordsToList(): Array<ClusterTestRecord<K, V>> {
    const all: Array<{ p: number; r: SimulatedRecord }> = []
    for (let p = 0; p < this.#positions.length; p++) for (const r of this.#take(p)) all.push({ p, r })
    all.sort((a, b) => a.r.seq - b.r.seq)
    return all.map(({ p, r }) => this.#decode(p, r))
  }

  /** {@link readRecordsToList} as key-value pairs. */
  readKeyValuesToList(): Array<KeyValue<K, V>> {
    return this.readRecordsToList().map((r) => ({ key: r.key, value: r.value }))
  }

  /** {@link readRecordsToList} as values. */
  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value)
  }

  /** The latest value per key of the readable records (null values kept, as in Java). */
  readKeyValuesToMap(): Map<K, V> {
    const out = new Map<K, V>()
    for (const r of this.readRecordsToList()) {
      if (r.key == null) throw new TypeError('readKeyValuesToMap: null keys are not allowed')
      out.set(r.key, r.value)
    }
    return out
  }

  /** Number of records readable now. */
  getQueueSize(): number {
    let n = 0
    for (let p = 0; p < this.#positions.length; p++) n += this.#log.readFrom(this.#topic, p, this.#positions[p], this.#isolation).length
    return n
  }

  /** True when no record is readable now. */
  isEmpty(): boolean {
    return this.getQueueSize() === 0
  }

  #take(p: number): SimulatedRecord[] {
    const records = this.#log.readFrom(this.#topic, p, this.#positions[p], this.#isolation)
    this.#positions[p] = this.#log.endFrom(this.#topic, p, this.#positions[p], this.#isolation)
    return records
  }

  #decode(partition: number, r: SimulatedRecord): ClusterTestRecord<K, V> {
    return {
      key: this.#keySerde.deserialize(this.#topic, r.key),
      value: this.#valueSerde.deserialize(this.#topic, r.value),
      timestamp: r.timestamp,
      headers: r.headers,
      partition,
      offset: r.offset,
    }
  }
}
