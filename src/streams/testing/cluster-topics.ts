/**
 * The typed topic handles of the {@link ClusterTestDriver}: input topics whose records the
 * Java client's partitioner places, and output topics read across partitions at an isolation
 * level.
 */
import type { IsolationLevel } from '../../client/consumer/fetch-result.js'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { RecordHeaders } from '../record.js'
import type { Serde } from '../serde.js'
import type { ClusterTestDriver } from './cluster-test-driver.js'
import type { SimulatedLog, SimulatedRecord } from './simulated-log.js'
import { TypedInputTopic, TypedOutputTopic, type TestRecord } from './typed-topics.js'

/** A record read from a {@link ClusterOutputTopic}, with where it was written. */
export interface ClusterTestRecord<K, V> extends TestRecord<K, V> {
  partition: number
  offset: number
}

/** Pipes typed records into one partitioned input topic. */
export class ClusterInputTopic<K, V> extends TypedInputTopic<K, V> {
  readonly #driver: ClusterTestDriver

  /** @internal */
  constructor(driver: ClusterTestDriver, topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, start: number, advance: number) {
    super(topic, keySerde, valueSerde, start, advance)
    this.#driver = driver
  }

  /**
   * Appends one record (processing happens at {@link ClusterTestDriver.process} or
   * {@link ClusterTestDriver.runUntilIdle}). The partition is `partition` when given, else murmur2
   * of the serialized key as the Java client's default partitioner, or a seeded choice for a null
   * key. Without a timestamp the record gets the topic's current time (then auto-advanced).
   * Returns the partition it went to.
   */
  pipeInput(key: K, value: V, timestamp?: number, headers: RecordHeaders = [], partition?: number): number {
    const r = this.serialize(key, value, timestamp)
    return this.#driver.pipeRaw(this.topic, r.key, r.value, headers, r.timestamp, partition)
  }
}

/**
 * Reads typed records written to one output topic, every partition, as a consumer at an
 * isolation level: read_committed stops at open transactions and skips aborted records.
 * Reads consume: each record is returned once.
 */
export class ClusterOutputTopic<K, V> extends TypedOutputTopic<K, V, ClusterTestRecord<K, V>> {
  readonly #log: SimulatedLog
  readonly #isolation: IsolationLevel
  readonly #positions: number[]

  /** @internal */
  constructor(log: SimulatedLog, topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, isolation: IsolationLevel) {
    super(topic, keySerde, valueSerde)
    this.#log = log
    this.#isolation = isolation
    this.#positions = new Array<number>(log.partitions(topic)).fill(0)
  }

  /** Number of partitions of the topic. */
  get partitions(): number {
    return this.#positions.length
  }

  /** The readable records of one partition, in offset order. */
  readPartition(partition: number): Array<ClusterTestRecord<K, V>> {
    if (this.#positions[partition] === undefined) throw new InvalidArgumentError(`output topic '${this.topic}' has no partition ${String(partition)} (it has ${this.#positions.length})`)
    return this.#takePartition(partition).map((r) => this.#decodeAt(partition, r))
  }

  /** The readable records of every partition, merged in the order they were written. */
  protected take(): Array<ClusterTestRecord<K, V>> {
    const all: Array<{ p: number; r: SimulatedRecord }> = []
    for (let p = 0; p < this.#positions.length; p++) for (const r of this.#takePartition(p)) all.push({ p, r })
    all.sort((a, b) => a.r.seq - b.r.seq)
    return all.map(({ p, r }) => this.#decodeAt(p, r))
  }

  /** Number of records readable now. */
  getQueueSize(): number {
    let n = 0
    for (let p = 0; p < this.#positions.length; p++) n += this.#log.readFrom(this.topic, p, this.#positions[p], this.#isolation).length
    return n
  }

  #takePartition(p: number): SimulatedRecord[] {
    const records = this.#log.readFrom(this.topic, p, this.#positions[p], this.#isolation)
    this.#positions[p] = this.#log.endFrom(this.topic, p, this.#positions[p], this.#isolation)
    return records
  }

  #decodeAt(partition: number, r: SimulatedRecord): ClusterTestRecord<K, V> {
    return { ...this.decode(r), partition, offset: r.offset }
  }
}
