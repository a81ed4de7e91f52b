/**
 * TopologyTestDriver: runs a topology in-process, without a broker, like Kafka Streams'
 * TopologyTestDriver. Every sub-topology runs as one task (partition 0); records written to
 * repartition topics (and to topics the topology itself reads) are processed right after the
 * record that produced them; wall-clock time is mocked and moves only through
 * {@link TopologyTestDriver.advanceWallClockTime}. Like Kafka Streams' driver it commits after
 * every record (stores are flushed).
 */
import { decodeRecordBatches, encodeRecordBatchToBuffer, type RecordCursor } from '../../protocol/records/index.js'
import { TopologyError } from '../errors.js'
import type { KeyValue, RecordHeaders } from '../record.js'
import type { Serde } from '../serde.js'
import type { KeyValueStore, StateStore } from '../state/store.js'
import type { TimestampedKeyValueStore } from '../state/timestamped.js'
import { plainWindowFacade, queryableTypeOf, type QueryableStoreType } from '../state/read-only-views.js'
import type { SessionStore } from '../state/session-store.js'
import type { VersionedKeyValueStore } from '../state/versioned-store.js'
import type { TimestampedWindowStore, WindowStore } from '../state/window-store.js'
import type { StoreRegistration, Topology } from '../topology/topology.js'
import type { RecordCollector, SinkPartitioner } from '../runtime/collector.js'
import { StreamTask, type TaskConfig } from '../runtime/task.js'
import { changelogTopic } from '../topology/naming.js'
import { DEFAULT_CACHE_MAX_BYTES, RecordCache } from '../state/record-cache.js'
import { MAX_TASK_IDLE_MS_DISABLED, PartitionGroup } from '../runtime/partition-group.js'
import { TypedInputTopic, TypedOutputTopic, type RawTestRecord, type TestRecord } from './typed-topics.js'
import { throwAsyncFailure, whenAsyncIdle } from '../runtime/async-stage.js'

export type { TestRecord } from './typed-topics.js'

/** Options of {@link TopologyTestDriver}. */
export interface TopologyTestDriverOptions extends Partial<TaskConfig> {
  /** Default 'test-driver'. */
  applicationId?: string
  /** Start of the mocked wall clock; default Date.now(). */
  initialWallClockTimeMs?: number
  /**
   * Record cache size, as KafkaStreams' `cacheMaxBytes` (default 10 MiB, 0: off). The driver
   * commits after every record, so the cache collapses only the updates one record causes.
   */
  cacheMaxBytes?: number
  /**
   * How often (ms of the mocked wall clock) `onWindowClose` aggregations look for closed windows:
   * default 0, on every record, as Kafka Streams' TopologyTestDriver sets it (KafkaStreams: 1000).
   */
  windowedEmitIntervalMs?: number
  /**
   * Kafka Streams' `max.task.idle.ms`, as the driver applies it: every input partition counts as
   * caught up, so with the default 0 (or -1) each piped record is processed at once. A positive
   * value makes a task with several input topics hold records until each of its topics has one
   * (then the lowest timestamp goes first) or the wall clock ({@link
   * TopologyTestDriver.advanceWallClockTime}) passes the idle time. Unlike Kafka Streams' driver,
   * which runs the whole topology as one task, the tasks here are per sub-topology.
   */
  maxTaskIdleMs?: number
}

/** A changelog record a store produced (decoded with the store's serdes). */
export interface ChangelogRecord<K, V> {
  topic: string
  partition: number
  key: K
  /** Null for a delete. */
  value: V | null
  timestamp: number
}

type RawRecord = RawTestRecord

interface RawChangelogRecord extends RawRecord {
  topic: string
  partition: number
}

/** Options of {@link TopologyTestDriver.createInputTopic}. */
export interface InputTopicOptions {
  /** Timestamp of the first record piped without one; default the driver's wall-clock time. */
  startTimestampMs?: number
  /** Added after each record piped without a timestamp; default 0. */
  autoAdvanceMs?: number
}

/** Pipes typed records into one input topic. */
export class TestInputTopic<K, V> extends TypedInputTopic<K, V> {
  readonly #driver: TopologyTestDriver

  /** @internal */
  constructor(driver: TopologyTestDriver, topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, start: number, advance: number) {
    super(topic, keySerde, valueSerde, start, advance)
    this.#driver = driver
  }

  /** Pipes one record; without a timestamp it gets the topic's current time (then auto-advanced). */
  pipeInput(key: K, value: V, timestamp?: number, headers: RecordHeaders = []): void {
    const r = this.serialize(key, value, timestamp)
    this.#driver.pipeRaw(this.topic, r.key, r.value, headers, r.timestamp)
  }
}

/** Reads typed records written to one output topic (consumed in order, like a consumer). */
export class TestOutputTopic<K, V> extends TypedOutputTopic<K, V> {
  readonly #queue: RawRecord[]

  /** @internal */
  constructor(queue: RawRecord[], topic: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    super(topic, keySerde, valueSerde)
    this.#queue = queue
  }

  /** The next record; throws when the topic is empty. */
  readRecord(): TestRecord<K, V> {
    const r = this.#queue.shift()
    if (r === undefined) throw new RangeError(`output topic '${this.topic}' is empty`)
    return this.decode(r)
  }

  /** The next record's key and value; throws when the topic is empty. */
  readKeyValue(): KeyValue<K, V> {
    const r = this.readRecord()
    return { key: r.key, value: r.value }
  }

  /** The next record's value; throws when the topic is empty. */
  readValue(): V {
    return this.readRecord().value
  }

  protected *take(): Iterable<TestRecord<K, V>> {
    while (this.#queue.length > 0) yield this.readRecord()
  }

  /** Number of records readable now. */
  getQueueSize(): number {
    return this.#queue.length
  }
}

/** Runs a {@link Topology} without a broker. The way to unit-test topologies. */
export class TopologyTestDriver {
  readonly applicationId: string
  readonly #topology: Topology
  readonly #tasks: StreamTask[] = []
  readonly #global: StreamTask | null = null
  readonly #outputs = new Map<string, RawRecord[]>()
  readonly #changelogs = new Map<string, RawChangelogRecord[]>()
  readonly #offsets = new Map<string, bigint>()
  readonly #pending: Array<RawRecord & { topic: string }> = []
  #now: number
  readonly #maxTaskIdleMs: number
  /** Partition groups of the tasks (only with maxTaskIdleMs > 0). */
  readonly #groups = new Map<StreamTask, PartitionGroup<RecordCursor & { next(): boolean }>>()
  #draining = false
  #closed = false

  constructor(topology: Topology, options: TopologyTestDriverOptions = {}) {
    this.#topology = topology
    this.applicationId = options.applicationId ?? 'test-driver'
    this.#now = options.initialWallClockTimeMs ?? Date.now()
    this.#maxTaskIdleMs = options.maxTaskIdleMs ?? 0
    const cacheMaxBytes = options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES
    if (!Number.isSafeInteger(cacheMaxBytes) || cacheMaxBytes < 0) throw new RangeError(`cacheMaxBytes must be an integer >= 0, got ${String(options.cacheMaxBytes)}`)
    const config: TaskConfig = {
      ...options,
      applicationId: this.applicationId,
      recordCache: new RecordCache(cacheMaxBytes),
      // onWindowClose aggregations look for closed windows on every record, as in Kafka Streams' TopologyTestDriver.
      windowedEmitIntervalMs: options.windowedEmitIntervalMs ?? 0,
    }
    const collector: RecordCollector = {
      send: (topic, key, value, headers, timestamp, _partition?: number | SinkPartitioner) => {
        // Copy the headers array: the task may reuse it. Text from serializeText stands for its UTF-8 bytes.
        const rec = { key: typeof key === 'string' ? Buffer.from(key) : key, value: typeof value === 'string' ? Buffer.from(value) : value, headers: [...headers], timestamp }
        let q = this.#outputs.get(topic)
        if (q === undefined) this.#outputs.set(topic, (q = []))
        q.push(rec)
        this.#pending.push({ topic, ...rec })
      },
    }
    const changelogSink = {
      logChange: (store: string, key: Buffer, value: Buffer | null, timestamp: number): void => {
        let list = this.#changelogs.get(store)
        if (list === undefined) this.#changelogs.set(store, (list = []))
        list.push({ topic: changelogTopic(this.applicationId, store), partition: 0, key, value, headers: [], timestamp })
      },
    }
    // Kafka Streams' TopologyTestDriver sets the outer-join emit interval to 0: left/outer
    // stream-stream joins look for closed windows on every record that advances stream time.
    config.outerJoinEmitIntervalMs ??= 0
    const clock = (): number => this.#now
    const subs = topology.subtopologies()
    let globalStores: Map<string, StateStore> | undefined
    if (subs.some((s) => s.global)) {
      this.#global = new StreamTask({ topology, subtopology: 'global', partition: 0, config, collector, changelogSink, clock })
      globalStores = new Map()
      for (const name of this.#global.storeNames()) globalStores.set(name, this.#global.store(name) as StateStore)
      this.#global.init()
    }
    for (const s of subs) {
      if (s.global) continue
      this.#tasks.push(new StreamTask({ topology, subtopology: s.id, partition: 0, config, collector, changelogSink, globalStores, clock }))
    }
    for (const t of this.#tasks) t.init()
    if (this.#maxTaskIdleMs > 0) {
      for (const t of this.#tasks) {
        const topics = t.inputTopics()
        if (topics.length < 2) continue
        const g = new PartitionGroup<RecordCursor & { next(): boolean }>(topics.map((topic) => ({ topic, partition: 0 })), this.#maxTaskIdleMs)
        for (const topic of topics) g.setLag(topic, 0, 0n)
        this.#groups.set(t, g)
      }
    } else if (this.#maxTaskIdleMs !== 0 && this.#maxTaskIdleMs !== MAX_TASK_IDLE_MS_DISABLED) {
      throw new RangeError(`maxTaskIdleMs must be a whole number of ms >= 0, or -1, got ${String(options.maxTaskIdleMs)}`)
    }
    // In-process exports get every output record at once (no backpressure, no commit waits).
    for (const e of topology.exports) e.attach()
  }

  /** Input topic handle with the serdes used to write its records. */
  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, options: InputTopicOptions = {}): TestInputTopic<K, V> {
    this.#checkOpen()
    if (!this.#readers(topic).length && !this.#global?.readsTopic(topic)) {
      throw new TopologyError(`topic '${topic}' is not an input topic of this topology`)
    }
    return new TestInputTopic(this, topic, keySerde, valueSerde, options.startTimestampMs ?? this.#now, options.autoAdvanceMs ?? 0)
  }

  /** Output topic handle with the serdes used to read its records. */
  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    let q = this.#outputs.get(topic)
    if (q === undefined) this.#outputs.set(topic, (q = []))
    return new TestOutputTopic(q, topic, keySerde, valueSerde)
  }

  /**
   * A store of any task or a global store, with plain values (timestamped stores too, as Kafka
   * Streams' facade reads them). Throws when no store has that name.
   */
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    for (const t of [...this.#tasks, ...(this.#global ? [this.#global] : [])]) {
      const s = t.store(name)
      if (s !== undefined) return s as unknown as KeyValueStore<K, V>
    }
    throw new TopologyError(`no state store named '${name}' (stores: ${this.#allStoreNames().join(', ') || 'none'})`)
  }

  /**
   * A timestamped store (the DSL's tables and aggregations): values with the timestamp of the
   * record that last changed them. Throws when no store has that name or it is not timestamped.
   */
  getTimestampedKeyValueStore<K, V>(name: string): TimestampedKeyValueStore<K, V> {
    for (const t of [...this.#tasks, ...(this.#global ? [this.#global] : [])]) {
      const s = t.timestampedStore(name)
      if (s !== undefined) return s as unknown as TimestampedKeyValueStore<K, V>
    }
    if (this.#allStoreNames().includes(name)) throw new TopologyError(`state store '${name}' is not a timestamped store (use getKeyValueStore)`)
    throw new TopologyError(`no state store named '${name}' (stores: ${this.#allStoreNames().join(', ') || 'none'})`)
  }

  /**
   * A window store (Kafka Streams TTD's `getWindowStore`). A timestamped window store (a DSL
   * windowed aggregation's) is seen without timestamps; puts through it get timestamp -1.
   */
  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    const store = this.#typedStore(name, 'window')
    if (queryableTypeOf(this.#registration(name).builder) === 'timestampedWindow') return plainWindowFacade(store as TimestampedWindowStore<K, V>)
    return store as WindowStore<K, V>
  }

  /** A timestamped window store (Kafka Streams TTD's `getTimestampedWindowStore`). */
  getTimestampedWindowStore<K, V>(name: string): TimestampedWindowStore<K, V> {
    return this.#typedStore(name, 'timestampedWindow') as TimestampedWindowStore<K, V>
  }

  /** A versioned key-value store (Kafka Streams TTD's `getVersionedKeyValueStore`). */
  getVersionedKeyValueStore<K, V>(name: string): VersionedKeyValueStore<K, V> {
    return this.#typedStore(name, 'versioned') as unknown as VersionedKeyValueStore<K, V>
  }

  /** A session store (Kafka Streams TTD's `getSessionStore`). */
  getSessionStore<K, V>(name: string): SessionStore<K, V> {
    return this.#typedStore(name, 'session') as SessionStore<K, V>
  }

  /**
   * Changelog records written by a store so far, decoded with the store's serdes. Window and
   * session store records have `Windowed<K>` keys (the sequence number of a window store with
   * duplicates is dropped); a timestamped window store's values are the plain values.
   */
  producedChangelog<K = unknown, V = unknown>(storeName: string): Array<ChangelogRecord<K, V>> {
    const task = this.#taskWithStore(storeName)
    return (this.#changelogs.get(storeName) ?? []).map((r) => {
      const { key, value } = task.decodeChangelog(storeName, r.key as Buffer, r.value)
      return { topic: r.topic, partition: r.partition, key: key as K, value: value as V | null, timestamp: r.timestamp }
    })
  }

  #registration(name: string): StoreRegistration {
    const reg = this.#topology.stores.get(name)
    if (reg === undefined) throw new TopologyError(`no state store named '${name}' (stores: ${this.#allStoreNames().join(', ') || 'none'})`)
    return reg
  }

  #taskWithStore(name: string): StreamTask {
    for (const t of [...this.#tasks, ...(this.#global ? [this.#global] : [])]) if (t.store(name) !== undefined) return t
    throw new TopologyError(`no state store named '${name}' (stores: ${this.#allStoreNames().join(', ') || 'none'})`)
  }

  /** The typed store `name`, checked to be of `type` ('window' also accepts timestamped window stores). */
  #typedStore(name: string, type: QueryableStoreType): StateStore {
    const actual = queryableTypeOf(this.#registration(name).builder)
    if (actual !== type && !(type === 'window' && actual === 'timestampedWindow')) {
      throw new TopologyError(`state store '${name}' is a ${actual} store, not a ${type} store`)
    }
    return this.#taskWithStore(name).store(name) as StateStore
  }

  /** Moves the mocked wall clock and runs due wall-clock punctuators. */
  advanceWallClockTime(ms: number): void {
    this.#checkOpen()
    if (!(ms >= 0)) throw new RangeError(`advanceWallClockTime: ms must be >= 0, got ${ms}`)
    this.#now += ms
    for (const t of this.#tasks) {
      t.maybePunctuateSystemTime()
      t.flush()
    }
    // Held records whose idle time ran out (and what they cause) go on now.
    for (const [t, g] of this.#groups) this.#processReady(t, g)
    this.#drain()
  }

  /** The mocked wall-clock time. */
  wallClockTimeMs(): number {
    return this.#now
  }

  /** Offsets to commit per task (next offsets to read), as the runtime would commit them. */
  committableOffsets(): Map<string, Array<{ topic: string; partition: number; offset: bigint }>> {
    return new Map(this.#tasks.map((t) => [t.id, t.committableOffsets()]))
  }

  /** Task metrics by task id (processed, skipped records, dead-lettered, punctuations). */
  metrics(): Map<string, StreamTask['metrics']> {
    return new Map(this.#tasks.map((t) => [t.id, t.metrics]))
  }

  /**
   * Waits until the topology's async stages (`mapValuesAsync` and the like) have forwarded every
   * result, and processes what they wrote to topics the topology reads (repartition topics), as
   * piping does for synchronous processing. Call it after piping input into a topology with
   * async operators, before reading the output. Rejects with the error of a record the
   * processing exception handler let fail in an async stage.
   */
  async settle(): Promise<void> {
    this.#checkOpen()
    for (;;) {
      await whenAsyncIdle(this.#tasks)
      for (const t of this.#tasks) t.flush()
      this.#drain()
      if (this.#tasks.every((t) => (t.asyncWork?.held ?? 0) === 0)) return
    }
  }

  /** Records held by the async stages of the topology (waiting, in flight, or results waiting for their turn). */
  asyncHeld(): number {
    let n = 0
    for (const t of this.#tasks) n += t.asyncWork?.held ?? 0
    return n
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const t of this.#tasks) t.close()
    this.#global?.close()
    for (const e of this.#topology.exports) e.detach(true)
  }

  [Symbol.dispose](): void {
    this.close()
  }

  /** @internal Pipes one serialized record and everything it causes. */
  pipeRaw(topic: string, key: Buffer | null, value: Buffer | null, headers: RecordHeaders, timestamp: number): void {
    this.#checkOpen()
    throwAsyncFailure(this.#tasks)
    this.#deliver(topic, key, value, headers, timestamp)
    this.#drain()
  }

  #deliver(topic: string, key: Buffer | null, value: Buffer | null, headers: RecordHeaders, timestamp: number): void {
    const offset = this.#offsets.get(topic) ?? 0n
    this.#offsets.set(topic, offset + 1n)
    if (this.#global?.readsTopic(topic)) this.#global.process(topic, 0, offset, key, value, timestamp, headers)
    // Tasks read the record as the broker runtime does: from record-batch bytes, in place.
    const [batch] = decodeRecordBatches(encodeRecordBatchToBuffer([{ key, value, headers, timestamp }], { baseOffset: offset }))
    for (const t of this.#readers(topic)) {
      const c = batch.cursor()
      c.next()
      const g = this.#groups.get(t)
      if (g === undefined) {
        this.#processOne(t, topic, c)
      } else {
        if (g.queue(topic, 0) === undefined) g.addPartition(topic, 0).lag = 0n
        g.add(topic, 0, c)
        this.#processReady(t, g)
      }
    }
  }

  #processOne(t: StreamTask, topic: string, c: RecordCursor): void {
    t.processAt(topic, 0, c)
    t.maybePunctuateStreamTime()
    // A commit after every record, as Kafka Streams' driver does: stores flush (deferred changelog writes go out).
    t.flush()
    t.markCommitted()
  }

  /** Processes a task's held records while its partition group is ready, lowest timestamp first. */
  #processReady(t: StreamTask, g: PartitionGroup<RecordCursor & { next(): boolean }>): void {
    while (g.readyToProcess(this.#now)) {
      const q = g.nextQueue()
      if (q === undefined) return
      this.#processOne(t, q.topic, q.head)
      g.advance(q)
    }
  }

  // Records written to topics the topology reads (repartition topics included) are fed back in order.
  #drain(): void {
    if (this.#draining) return
    this.#draining = true
    try {
      for (let r = this.#pending.shift(); r !== undefined; r = this.#pending.shift()) {
        if (this.#readers(r.topic).length > 0 || this.#global?.readsTopic(r.topic)) {
          this.#deliver(r.topic, r.key, r.value, r.headers, r.timestamp)
        }
      }
    } finally {
      this.#draining = false
    }
  }

  #readers(topic: string): StreamTask[] {
    return this.#tasks.filter((t) => t.readsTopic(topic))
  }

  #allStoreNames(): string[] {
    return [...this.#tasks, ...(this.#global ? [this.#global] : [])].flatMap((t) => t.storeNames())
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('TopologyTestDriver is closed')
  }
}
