/**
 * The task engine, broker-free: one {@link StreamTask} per (sub-topology, partition). It owns the
 * processor instances and stores, processes one consumed record at a time, writes through a
 * {@link RecordCollector}, logs store changes, keeps stream time, runs punctuators and tracks the
 * offsets to commit. The test driver and the broker runtime both drive tasks through this API.
 *
 * Hot path: a consumed record costs one Record object plus whatever processors allocate; nodes
 * call children directly and record context lives in task fields (no per-record closures).
 */
import { pino, type Logger } from 'pino'
import { channels, publishedProcess } from '../../client/telemetry/channels.js'
import type { RecordCursor } from '../../protocol/records/index.js'
import { StreamsProcessingError, TopologyError } from '../errors.js'
import type { Cancellable, PunctuationType, Punctuator } from '../processor.js'
import type { Record, RecordHeaders, RecordMetadata } from '../record.js'
import type { Serde } from '../serde.js'
import { buildKeyValueStore, type BuiltStore, type StoreBuildEnv } from '../state/built-store.js'
import { buildTimestampedKeyValueStore, type TimestampedKeyValueStore } from '../state/timestamped.js'
import type { TimestampSource } from '../state/logging.js'
import type { ChangelogSink, StateStore } from '../state/store.js'
import { isVersionedStoreBuilder } from '../state/versioned-store-builder.js'
import { isWindowedStoreBuilder } from '../state/window-store-builders.js'
import { changelogTopic } from '../topology/naming.js'
import { isDeferredSerde } from '../dsl/change-serde.js'
import type { CacheFlushable, RecordCache } from '../state/record-cache.js'
import { CachingWindowStore, type CachingContext, type FlushForward } from '../state/caching-window-store.js'
import { SerdeWindowStore } from '../state/typed-window.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import { CachedForwarder } from './cached-forward.js'
import { decodeTaskOffsetMetadata, encodeTaskOffsetMetadata, ProcessorMetadata } from './task-metadata.js'
import type { CachedForwardSpec, ConsumedRecordInfo, Topology, TopologyNode } from '../topology/topology.js'
import type { ChangelogPartition, ConsumedOffset, RecordCollector } from './collector.js'
import { deserializeAt, NodeContext, ProcessorRuntime, Schedule, SinkRuntime, SourceRuntime, type NodeRuntime } from './task-nodes.js'
import { AsyncWork, type AsyncTaskHost, type HeldRecordContext } from './async-stage.js'

/** What to do with a record that cannot be deserialized or whose processing throws. */
export type ExceptionHandlerResponse = 'fail' | 'log-and-continue'

/** Task configuration shared by all tasks of an application. */
export interface TaskConfig {
  applicationId: string
  /** Serde for keys wherever none is given or inherited. */
  defaultKeySerde?: Serde<unknown>
  /** Serde for values wherever none is given or inherited. */
  defaultValueSerde?: Serde<unknown>
  /** Default 'fail': the task throws. 'log-and-continue' skips the record (counted in metrics). */
  deserializationExceptionHandler?: ExceptionHandlerResponse
  /** Default 'fail'. 'log-and-continue' skips a record whose processing throws. */
  processingExceptionHandler?: ExceptionHandlerResponse
  /**
   * Dead-letter topic: a record that fails to deserialize or to process is written there first
   * (original key/value bytes and headers, plus `__streams.errors.*` headers: exception, message,
   * stacktrace, topic, partition, offset — Kafka's KIP-1034 names); the handler then decides
   * whether the task fails or continues.
   */
  deadLetterQueueTopic?: string
  logger?: Logger
  /** State directory of the application: persistent stores go to `<stateDir>/<taskId>/<store>`. */
  stateDir?: string
  /**
   * The record cache shared by the tasks of an instance: cached DSL tables forward their updates
   * collapsed per key at each commit (see state/record-cache.ts). None: every update at once.
   * @internal
   */
  recordCache?: RecordCache
  /**
   * How often (ms of wall-clock time) an `EmitStrategy.onWindowClose()` aggregation looks for
   * closed windows, on a record's arrival. Default 1000 (Kafka Streams' internal
   * `__emit.interval.ms.kstreams.windowed.aggregation__`); 0 looks on every record, as Kafka
   * Streams' own tests set it.
   */
  windowedEmitIntervalMs?: number
  /**
   * How often (ms of wall-clock time) a left or outer stream-stream join looks for unmatched
   * records whose windows have closed, on a record that advances its stream time. Default 1000
   * (Kafka Streams' internal `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`);
   * 0 looks on every such record (the TopologyTestDriver's default, as in Kafka Streams' driver).
   */
  outerJoinEmitIntervalMs?: number
}

/** Counters a task keeps. */
export interface TaskMetrics {
  processed: number
  skippedDeserialization: number
  skippedProcessing: number
  skippedNegativeTimestamp: number
  deadLettered: number
  punctuations: number
  /**
   * Records windowed aggregations dropped: null keys, and records whose windows had closed
   * (later than window end + grace). Kafka Streams' `dropped-records` task metric.
   */
  droppedRecords: number
}

/** Constructor options of {@link StreamTask}. */
export interface StreamTaskOptions {
  topology: Topology
  /** Sub-topology id, or 'global' for the global-store updater (all global sub-topologies). */
  subtopology: number | 'global'
  partition: number
  config: TaskConfig
  collector: RecordCollector
  /** Receives store changes; defaults to sending them through the collector to the changelog topic. */
  changelogSink?: ChangelogSink
  /** Global stores by name (from the global task), readable by every processor. */
  globalStores?: ReadonlyMap<string, StateStore>
  /** Wall-clock time source (ms); defaults to Date.now. */
  clock?: () => number
}

// Per-record routing state of one input topic-partition.
interface PartitionState {
  readonly topic: string
  readonly partition: number
  readonly source: SourceRuntime
  /** Next offset to commit; -1n until a record was processed. */
  nextOffset: bigint
  committedOffset: bigint
  /** Largest timestamp seen on this partition. */
  partitionTime: number
}

// Kafka's KIP-1034 dead-letter headers.
const DLQ_HEADER = {
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  stacktrace: '__streams.errors.stacktrace',
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
} as const

const EMPTY_HEADERS: RecordHeaders = []

/** One task: a sub-topology instantiated for one partition. */
export class StreamTask implements TimestampSource {
  /** `<subtopology>_<partition>`, or `global`. */
  readonly id: string
  readonly subtopology: number | 'global'
  readonly partition: number
  readonly applicationId: string
  readonly collector: RecordCollector
  readonly clock: () => number
  readonly metrics: TaskMetrics = {
    processed: 0,
    skippedDeserialization: 0,
    skippedProcessing: 0,
    skippedNegativeTimestamp: 0,
    deadLettered: 0,
    punctuations: 0,
    droppedRecords: 0,
  }
  /** Largest record timestamp processed (-1 before any): Kafka Streams' task stream time. */
  streamTime = -1
  /** TaskConfig.windowedEmitIntervalMs. @internal */
  readonly windowedEmitIntervalMs: number | undefined
  /** TaskConfig.outerJoinEmitIntervalMs. @internal */
  readonly outerJoinEmitIntervalMs: number | undefined
  /** Timestamp of the record in flight (what changelog records get). @internal */
  currentTimestamp = -1
  /** Committed with the input offsets (see task-metadata.ts). @internal */
  readonly processorMetadata = new ProcessorMetadata()

  readonly #topology: Topology
  readonly #config: TaskConfig
  readonly #logger: Logger
  /** Stores of this task: the typed store processors open, and its restore path. */
  readonly #stores = new Map<string, BuiltStore>()
  readonly #globalStores: ReadonlyMap<string, StateStore>
  readonly #processors: ProcessorRuntime[] = []
  /** Record cache namespaces of this task's cached tables and caching stores, in topology order. */
  readonly #caches: CacheFlushable[] = []
  readonly #sourcesByTopic = new Map<string, SourceRuntime>()
  readonly #patternSources: Array<{ pattern: RegExp; source: SourceRuntime }> = []
  readonly #partitions = new Map<string, PartitionState[]>()
  readonly #streamSchedules: Schedule[] = []
  readonly #wallSchedules: Schedule[] = []
  #nextStreamPunctuation = Infinity
  #initialized = false
  /** True while {@link #run} runs a record inside its tracing span. */
  #traced = false
  #closed = false
  // Record context (fields rather than an object per record).
  #topic: string | null = null
  #recPartition = -1
  #offset = -1n
  #headers: RecordHeaders = EMPTY_HEADERS
  // The consumed bytes of the record in flight (async stages keep their size, and a copy for the dead-letter queue).
  #rawCursor: RecordCursor | undefined
  #rawKey: Buffer | null = null
  #rawValue: Buffer | null = null
  /** The task's async stages (created when the first one initializes). */
  #asyncWork: AsyncWork | null = null

  constructor(options: StreamTaskOptions) {
    const { topology, subtopology, partition, config } = options
    this.#topology = topology
    this.#config = config
    this.subtopology = subtopology
    this.partition = partition
    this.applicationId = config.applicationId
    this.windowedEmitIntervalMs = config.windowedEmitIntervalMs
    this.outerJoinEmitIntervalMs = config.outerJoinEmitIntervalMs
    this.id = subtopology === 'global' ? 'global' : `${subtopology}_${partition}`
    this.collector = options.collector
    this.clock = options.clock ?? Date.now
    this.#globalStores = options.globalStores ?? new Map()
    this.#logger = config.logger ?? pino({ name: 'peridot-streams', level: process.env.PERIDOT_LOG_LEVEL ?? 'silent' })

    const subs = topology.subtopologies().filter((s) => (subtopology === 'global' ? s.global : s.id === subtopology))
    if (subs.length === 0 && subtopology !== 'global') throw new TopologyError(`the topology has no sub-topology ${subtopology}`)
    if (subs.some((s) => s.global) && subtopology !== 'global') throw new TopologyError(`sub-topology ${subtopology} is a global store's`)

    // Stores first: processors may open them in init().
    // Topic names by store, built once: a name built per change costs a string and its hashing in the producer.
    const changelogTopics = new Map<string, string>()
    const changelogSink: ChangelogSink = options.changelogSink ?? {
      logChange: (store, key, value, timestamp) => {
        let topic = changelogTopics.get(store)
        if (topic === undefined) changelogTopics.set(store, (topic = changelogTopic(this.applicationId, store)))
        this.collector.send(topic, key, value, EMPTY_HEADERS, timestamp, this.partition)
      },
    }
    for (const sub of subs) {
      for (const storeName of sub.stores) {
        const reg = topology.stores.get(storeName)
        if (reg === undefined) throw new TopologyError(`state store '${storeName}' is not registered`)
        const env: StoreBuildEnv = {
          context: { applicationId: this.applicationId, taskId: this.id, stateDir: config.stateDir },
          changelog: reg.builder.loggingEnabled && !reg.global ? changelogSink : null,
          time: this,
          keySerde: this.#serde(reg.builder.keySerde, 'key', `state store '${storeName}'`),
          valueSerde: this.#serde(reg.builder.valueSerde, 'value', `state store '${storeName}'`),
          serdeTopic: changelogTopic(this.applicationId, storeName),
        }
        const builder = reg.builder
        this.#stores.set(
          storeName,
          isWindowedStoreBuilder(builder) || isVersionedStoreBuilder(builder)
            ? builder.build(env)
            : builder.timestamped
              ? buildTimestampedKeyValueStore(builder.supplier, env)
              : buildKeyValueStore(builder.supplier, env),
        )
      }
    }

    // Nodes: create, then wire children (only those in this task).
    const runtimes = new Map<string, NodeRuntime>()
    const forwarders = new Map<string, CachedForwarder>()
    for (const sub of subs) {
      for (const name of sub.nodes) {
        const def = topology.nodes.get(name) as TopologyNode
        if (def.kind === 'source') {
          const src = new SourceRuntime(def, this.#serde(def.keySerde, 'key', `source '${name}'`), this.#serde(def.valueSerde, 'value', `source '${name}'`))
          runtimes.set(name, src)
          for (const t of def.topics) this.#sourcesByTopic.set(topology.topicName(this.applicationId, t), src)
          if (def.pattern !== null) this.#patternSources.push({ pattern: def.pattern, source: src })
        } else if (def.kind === 'sink') {
          const topic = typeof def.topic === 'string' ? topology.topicName(this.applicationId, def.topic) : null
          runtimes.set(name, new SinkRuntime(this, def, topic, this.#serde(def.keySerde, 'key', `sink '${name}'`), this.#serde(def.valueSerde, 'value', `sink '${name}'`)))
        } else {
          const p = new ProcessorRuntime(name)
          p.processor = def.supplier()
          p.context = new NodeContext(this, p, def.stores)
          const cached = topology.cachedForwards.get(name)
          if (cached?.windowStore !== undefined) {
            if (config.recordCache?.enabled === true) this.#cacheWindowStore(config.recordCache, cached, p.context)
            runtimes.set(name, p)
            this.#processors.push(p)
            continue
          }
          // Processors caching into the same store (a cogroup's aggregates, which share their one
          // child) share one forwarder: one cache namespace, as Kafka Streams has one cached store.
          const shared = cached === undefined ? undefined : forwarders.get(cached.storeName)
          if (cached !== undefined && shared !== undefined) {
            p.context.cache = shared
            p.context.cachedStore = cached.storeName
          } else if (cached !== undefined && config.recordCache?.enabled === true) {
            const ctx = p.context
            const where = `the cached table of '${name}'`
            ctx.cache = new CachedForwarder(
              config.recordCache,
              `${this.id}/${name}`,
              this.#serde(cached.keySerde, 'key', where),
              this.#serde(cached.valueSerde, 'value', where),
              changelogTopic(this.applicationId, cached.storeName),
              () => this.recordMetadata(),
              (r, context) => this.#inRecordContext(context, r.headers, () => ctx.forwardNow(r)),
              () => (this.recordMetadata() === null ? null : this.recordContext().headers),
            )
            ctx.cachedStore = cached.storeName
            this.#caches.push(ctx.cache.namespace)
            forwarders.set(cached.storeName, ctx.cache)
          }
          runtimes.set(name, p)
          this.#processors.push(p)
        }
      }
    }
    for (const [name, rt] of runtimes) {
      const def = topology.nodes.get(name) as TopologyNode
      rt.children = def.children.map((c) => runtimes.get(c)).filter((c): c is NodeRuntime => c !== undefined)
    }
  }

  /**
   * Puts the record cache in front of a time-window aggregation's window store (once per store:
   * a cogroup's aggregates share it and their one child).
   */
  #cacheWindowStore(cache: RecordCache, spec: CachedForwardSpec, ctx: NodeContext): void {
    const built = this.#builtStore(spec.storeName)
    if (!(built.store instanceof SerdeWindowStore)) return
    const inner = built.store as SerdeWindowStore<unknown, ValueAndTimestamp<unknown>>
    const forward: FlushForward | null =
      spec.windowStore === 'on-update' ? (key, newValue, oldValue, timestamp, headers) => ctx.forwardNow({ key, value: { newValue, oldValue }, timestamp, headers }) : null
    const store = new CachingWindowStore(cache, `${this.id}/${spec.storeName}`, inner, this.#cachingContext, forward)
    this.#stores.set(spec.storeName, {
      ...built,
      store,
      queryStore: store,
      wipe: () => {
        store.clearCache()
        built.wipe()
      },
    })
    this.#caches.push(store)
  }

  /** What caching stores read of the record in flight, and how they flush in a held entry's context. */
  readonly #cachingContext: CachingContext = {
    recordMetadata: () => this.recordMetadata(),
    timestamp: () => this.currentTimestamp,
    headers: () => this.#headers,
    inContext: (context, timestamp, headers, fn, arg) => {
      const topic = this.#topic
      const partition = this.#recPartition
      const offset = this.#offset
      const savedHeaders = this.#headers
      const savedTimestamp = this.currentTimestamp
      this.#topic = context?.topic ?? null
      this.#recPartition = context?.partition ?? -1
      this.#offset = context?.offset ?? -1n
      this.#headers = headers
      this.currentTimestamp = timestamp
      try {
        fn(arg)
      } finally {
        this.#topic = topic
        this.#recPartition = partition
        this.#offset = offset
        this.#headers = savedHeaders
        this.currentTimestamp = savedTimestamp
      }
    },
  }

  /** Logged stores and their changelog partition (= the task's partition), for restoration. */
  changelogPartitions(): ChangelogPartition[] {
    const out: ChangelogPartition[] = []
    for (const name of this.#stores.keys()) {
      const reg = this.#topology.stores.get(name)
      if (reg !== undefined && reg.builder.loggingEnabled && !reg.global) {
        out.push({ storeName: name, topic: changelogTopic(this.applicationId, name), partition: this.partition })
      }
    }
    return out
  }

  /**
   * Writes changelog records (e.g. fetched KafkaRecords) straight into a store, without logging.
   * Call before {@link init}. A null value deletes; records without a key are ignored. The record
   * timestamp matters to timestamped stores (it is the stored value's timestamp).
   */
  restore(storeName: string, records: Iterable<{ key: Buffer | null; value: Buffer | null; timestamp: number }>): void {
    const store = this.#builtStore(storeName)
    for (const r of records) if (r.key !== null) store.restore(r.key, r.value, r.timestamp)
  }

  /** Empties a store without logging (before restoring it from the start of its changelog). */
  wipeStore(storeName: string): void {
    this.#builtStore(storeName).wipe()
  }

  /** A changelog record of a store as key and value objects (test driver). @internal */
  decodeChangelog(storeName: string, key: Buffer, value: Buffer | null): { key: unknown; value: unknown } {
    return this.#builtStore(storeName).decodeChangelog(key, value)
  }

  #builtStore(storeName: string): BuiltStore {
    const store = this.#stores.get(storeName)
    if (store === undefined) throw new TopologyError(`task ${this.id} has no state store '${storeName}'`)
    return store
  }

  /** Initializes processors (they may read stores and schedule punctuators). */
  init(): void {
    if (this.#initialized) return
    this.#initialized = true
    for (const p of this.#processors) {
      try {
        p.processor.init?.(p.context)
      } catch (err) {
        throw new StreamsProcessingError(`task ${this.id}: init of processor '${p.name}' failed: ${(err as Error).message}`, {
          taskId: this.id, topic: null, partition: -1, offset: -1n, cause: err,
        })
      }
    }
  }

  /** Input topics (full names) this task reads, excluding RegExp sources. */
  inputTopics(): string[] {
    return [...this.#sourcesByTopic.keys()]
  }

  /** True when a topic (full name) feeds this task. */
  readsTopic(topic: string): boolean {
    return this.#sourceFor(topic) !== undefined
  }

  /**
   * Processes one consumed record: deserialize with the source serdes, extract the timestamp,
   * advance stream time, run it through the sub-topology. Returns false when the record was
   * skipped (by a handler or a negative timestamp). Throws a StreamsProcessingError when a
   * handler says 'fail'. Does not punctuate: call {@link maybePunctuateStreamTime} after.
   */
  process(topic: string, partition: number, offset: bigint, key: Buffer | null, value: Buffer | null, timestamp: number, headers: RecordHeaders): boolean {
    const ps = this.#enter(topic, partition, offset)
    const src = ps.source
    let k: unknown
    let v: unknown
    try {
      k = src.keySerde.deserialize(topic, key)
      v = src.valueSerde.deserialize(topic, value)
    } catch (err) {
      return this.#handleFailure('deserialization', err, topic, partition, offset, key, value, timestamp, headers)
    }
    return this.#run(ps, topic, partition, offset, k, v, timestamp, headers, key, value, undefined)
  }

  /**
   * As {@link process}, for a record read in place by a cursor: text serdes decode the key and
   * value straight from the fetched bytes (no Buffer view per key and value); other serdes, and
   * the failure handlers, get views.
   */
  processAt(topic: string, partition: number, c: RecordCursor): boolean {
    const offset = c.offset
    const ps = this.#enter(topic, partition, offset)
    const src = ps.source
    let k: unknown
    let v: unknown
    try {
      k = deserializeAt(src.keySerde, topic, c.buffer, c.keyStart, c.keyLength)
      v = deserializeAt(src.valueSerde, topic, c.buffer, c.valueStart, c.valueLength)
    } catch (err) {
      return this.#handleFailure('deserialization', err, topic, partition, offset, c.key, c.value, c.timestamp, c.headers)
    }
    return this.#run(ps, topic, partition, offset, k, v, c.timestamp, c.headers, null, null, c)
  }

  /** Initialises on first use and moves the partition's position past `offset`. */
  #enter(topic: string, partition: number, offset: bigint): PartitionState {
    if (!this.#initialized) this.init()
    const ps = this.#partitionState(topic, partition)
    ps.nextOffset = offset + 1n
    return ps
  }

  /** Timestamp extraction, stream time and the sub-topology, for deserialized key and value. `raw`: where the bytes are, for failure handlers. */
  #run(
    ps: PartitionState,
    topic: string,
    partition: number,
    offset: bigint,
    k: unknown,
    v: unknown,
    timestamp: number,
    headers: RecordHeaders,
    key: Buffer | null,
    value: Buffer | null,
    raw: RecordCursor | undefined,
  ): boolean {
    // In a tracing span when tracing listens (the `peridot:streams:process` channels): this call again, inside it.
    if (channels.streamsProcess.hasSubscribers && !this.#traced) {
      this.#traced = true
      try {
        const event = { applicationId: this.applicationId, taskId: this.id, topic, partition, offset, headers }
        return publishedProcess(event, () => this.#run(ps, topic, partition, offset, k, v, timestamp, headers, key, value, raw))
      } finally {
        this.#traced = false
      }
    }
    const src = ps.source
    let ts = timestamp
    if (src.extractor !== undefined) {
      const info: ConsumedRecordInfo<unknown, unknown> = { topic, partition, offset, key: k, value: v, timestamp, headers }
      try {
        ts = src.extractor(info, ps.partitionTime)
      } catch (err) {
        return this.#handleFailure('processing', err, topic, partition, offset, raw ? raw.key : key, raw ? raw.value : value, timestamp, headers)
      }
    }
    if (!(ts >= 0)) {
      this.metrics.skippedNegativeTimestamp++
      this.#logger.warn({ topic, partition, offset: String(offset), timestamp: ts }, 'skipping record with negative timestamp')
      return false
    }
    if (ts > ps.partitionTime) ps.partitionTime = ts
    if (ts > this.streamTime) this.streamTime = ts
    this.#topic = topic
    this.#recPartition = partition
    this.#offset = offset
    this.#headers = headers
    this.currentTimestamp = ts
    this.#rawCursor = raw
    this.#rawKey = key
    this.#rawValue = value
    try {
      src.process({ key: k, value: v, timestamp: ts, headers })
      this.metrics.processed++
      return true
    } catch (err) {
      return this.#handleFailure('processing', err, topic, partition, offset, raw ? raw.key : key, raw ? raw.value : value, timestamp, headers)
    } finally {
      this.#topic = null
      this.#headers = EMPTY_HEADERS
      this.#rawCursor = undefined
      this.#rawKey = this.#rawValue = null
    }
  }

  /** Runs due stream-time punctuators; true when any ran. */
  maybePunctuateStreamTime(): boolean {
    if (this.streamTime < this.#nextStreamPunctuation) return false
    return this.#punctuate(this.#streamSchedules, this.streamTime, 'stream-time')
  }

  /** Runs due wall-clock punctuators against the clock; true when any ran. */
  maybePunctuateSystemTime(): boolean {
    if (this.#wallSchedules.length === 0) return false
    return this.#punctuate(this.#wallSchedules, this.clock(), 'wall-clock')
  }

  /**
   * Positions to commit, each with the partition's offset metadata (partition time and the
   * processor metadata, Kafka Streams' encoding): those consumed since the last
   * {@link markCommitted}, and every position this task knows when its processor metadata
   * changed (it goes to all input partitions, as in Kafka Streams).
   */
  committableOffsets(): ConsumedOffset[] {
    const out: ConsumedOffset[] = []
    const all = this.processorMetadata.needsCommit
    const meta = this.processorMetadata.entries()
    for (const list of this.#partitions.values()) {
      for (const ps of list) {
        if (ps === undefined) continue
        const offset = ps.nextOffset >= 0n ? ps.nextOffset : ps.committedOffset
        if (offset < 0n || (offset === ps.committedOffset && !all)) continue
        out.push({ topic: ps.topic, partition: ps.partition, offset, metadata: encodeTaskOffsetMetadata(ps.partitionTime, meta) })
      }
    }
    return out
  }

  /** The runtime committed {@link committableOffsets} (with the output flushed, or in the transaction). */
  markCommitted(): void {
    for (const list of this.#partitions.values()) for (const ps of list) if (ps !== undefined && ps.nextOffset >= 0n) ps.committedOffset = ps.nextOffset
    this.processorMetadata.committed()
  }

  /**
   * Reads the committed offsets' metadata of the task's input partitions (call before
   * {@link init}): partition times (stream time is their maximum) and the processor metadata
   * (per key the largest of the partitions'), as Kafka Streams' task initialization does.
   * `offset`: the committed offset, so a commit of the metadata alone can repeat it.
   */
  initializeMetadata(committed: Iterable<{ topic: string; partition: number; offset?: bigint; metadata?: string | null }>): void {
    for (const c of committed) {
      if (this.#sourceFor(c.topic) === undefined) continue
      const m = decodeTaskOffsetMetadata(c.metadata, (reason) => this.#logger.warn({ task: this.id, topic: c.topic, partition: c.partition }, reason))
      const ps = this.#partitionState(c.topic, c.partition)
      if (c.offset !== undefined && c.offset >= 0n && ps.committedOffset < 0n) ps.committedOffset = c.offset
      if (m.partitionTime > ps.partitionTime) ps.partitionTime = m.partitionTime
      if (m.partitionTime > this.streamTime) this.streamTime = m.partitionTime
      this.processorMetadata.merge(m.processorMetadata)
    }
  }

  /** Flushes stores; call before committing (the runtime then flushes the producer). */
  flush(): void {
    this.flushCache()
    for (const s of this.#stores.values()) s.store.flush()
  }

  /**
   * Forwards what the record cache holds for this task, upstream caches first (their updates may
   * land in caches downstream in the task). The stores are flushed after, so what the flushed
   * updates changed (e.g. a suppression buffer) is in this commit.
   */
  flushCache(): void {
    for (let again = true; again; ) {
      again = false
      for (const ns of this.#caches) {
        try {
          if (ns.flushCache()) again = true
        } catch (err) {
          if (err instanceof StreamsProcessingError) throw err
          throw new StreamsProcessingError(`task ${this.id}: forwarding the cached updates of ${ns.name} failed: ${(err as Error).message}`, {
            taskId: this.id, topic: null, partition: -1, offset: -1n, cause: err,
          })
        }
      }
    }
  }

  /** Runs `fn` with the record context of a held update (what recordMetadata() and sinks see). */
  #inRecordContext(context: RecordMetadata | null, headers: RecordHeaders, fn: () => void): void {
    const saved = { topic: this.#topic, partition: this.#recPartition, offset: this.#offset, headers: this.#headers }
    this.#topic = context?.topic ?? null
    this.#recPartition = context?.partition ?? -1
    this.#offset = context?.offset ?? -1n
    this.#headers = headers
    try {
      fn()
    } finally {
      this.#topic = saved.topic
      this.#recPartition = saved.partition
      this.#offset = saved.offset
      this.#headers = saved.headers
    }
  }

  /**
   * The task's async stages (`mapValuesAsync` and the like), or null when it has none: the
   * runtime waits for them before a commit and holds input back while one is full.
   */
  get asyncWork(): AsyncWork | null {
    return this.#asyncWork
  }

  #asyncHost: AsyncTaskHost | undefined
  /** The held record whose results are being forwarded (its context goes on into later async stages). */
  #held: HeldRecordContext | null = null

  /** @internal What async stages use of the task. */
  asyncHost(): AsyncTaskHost {
    this.#asyncHost ??= {
      taskId: this.id,
      asyncWork: () => (this.#asyncWork ??= new AsyncWork()),
      holdRecordContext: () => {
        const c = this.#rawCursor
        const held = this.#held
        if (held !== null) return held // a result of an async stage going into the next one
        const bytes = c !== undefined ? Math.max(0, c.keyLength) + Math.max(0, c.valueLength) : (this.#rawKey?.length ?? 0) + (this.#rawValue?.length ?? 0)
        // Copies, so a held record does not keep its whole fetch alive; only a dead-letter queue needs them.
        const dlq = this.#config.deadLetterQueueTopic !== undefined
        const key = dlq ? (c !== undefined ? c.key : this.#rawKey) : null
        const value = dlq ? (c !== undefined ? c.value : this.#rawValue) : null
        return {
          metadata: this.recordMetadata(),
          headers: this.#headers,
          timestamp: this.currentTimestamp,
          rawKey: key === null ? null : Buffer.from(key),
          rawValue: value === null ? null : Buffer.from(value),
          bytes,
        }
      },
      inHeldContext: (ctx: HeldRecordContext, fn: () => void) => {
        const saved = this.#held
        this.#held = ctx
        try {
          this.#cachingContext.inContext(ctx.metadata, ctx.timestamp, ctx.headers, fn, undefined)
        } finally {
          this.#held = saved
        }
      },
      asyncRecordFailed: (err: unknown, ctx: HeldRecordContext) => {
        const m = ctx.metadata
        this.#handleFailure('processing', err, m?.topic ?? '', m?.partition ?? -1, m?.offset ?? -1n, ctx.rawKey, ctx.rawValue, ctx.timestamp, ctx.headers)
      },
    }
    return this.#asyncHost
  }

  /** Closes processors and stores. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const ns of this.#caches) ns.clearCache()
    let first: unknown
    for (const p of this.#processors) {
      try {
        p.processor.close?.()
      } catch (err) {
        first ??= err
      }
    }
    for (const s of this.#stores.values()) s.store.close()
    if (first !== undefined) throw first
  }

  /**
   * A store of this task (typed: a SerdeKeyValueStore, SerdeWindowStore or SerdeSessionStore),
   * e.g. for interactive queries or the test driver.
   */
  store(name: string): StateStore | undefined {
    const built = this.#stores.get(name)
    return built === undefined ? undefined : (built.queryStore ?? built.store)
  }

  /** @internal The store as processors get it (see {@link BuiltStore.queryStore} for how it can differ from {@link store}). */
  processorStore(name: string): StateStore | undefined {
    return this.#stores.get(name)?.store
  }

  /** A timestamped key-value store of this task (undefined for other stores), as processors get it. */
  timestampedStore(name: string): TimestampedKeyValueStore<unknown, unknown> | undefined {
    const reg = this.#topology.stores.get(name)
    const timestamped = reg !== undefined && !isWindowedStoreBuilder(reg.builder) && !isVersionedStoreBuilder(reg.builder) && reg.builder.timestamped
    return timestamped ? (this.#stores.get(name)?.store as TimestampedKeyValueStore<unknown, unknown> | undefined) : undefined
  }

  /** Names of this task's stores. */
  storeNames(): string[] {
    return [...this.#stores.keys()]
  }

  /** @internal */
  globalStore(name: string): StateStore | undefined {
    return this.#globalStores.get(name)
  }

  /** @internal Counts a record a processor dropped; logs the task's first one at warn level. */
  recordDropped(processor: string, reason: string, details: Readonly<globalThis.Record<string, unknown>>): void {
    if (this.metrics.droppedRecords++ === 0) {
      const where = this.recordMetadata()
      this.#logger.warn(
        { taskId: this.id, processor, ...details, topic: where?.topic, partition: where?.partition, offset: where === null ? undefined : String(where.offset) },
        `dropping record: ${reason} (further dropped records of task ${this.id} are only counted in the droppedRecords metric)`,
      )
    }
  }

  /** @internal */
  currentRecordTimestamp(): number {
    return this.currentTimestamp
  }

  /** @internal The metadata of the record in flight (one object while it is the same: processors read it per update). */
  recordMetadata(): RecordMetadata | null {
    if (this.#topic === null) return null
    const m = this.#metadata
    if (m !== null && m.offset === this.#offset && m.partition === this.#recPartition && m.topic === this.#topic) return m
    return (this.#metadata = { topic: this.#topic, partition: this.#recPartition, offset: this.#offset })
  }

  #metadata: RecordMetadata | null = null

  /** @internal */
  recordContext(): { topic: string | null; partition: number; offset: bigint; timestamp: number; headers: RecordHeaders } {
    return { topic: this.#topic, partition: this.#recPartition, offset: this.#offset, timestamp: this.currentTimestamp, headers: this.#headers }
  }

  /** @internal */
  schedule(node: ProcessorRuntime, intervalMs: number, type: PunctuationType, callback: Punctuator): Cancellable {
    if (!(intervalMs >= 1) || !Number.isFinite(intervalMs)) throw new RangeError(`punctuation interval must be >= 1 ms, got ${intervalMs}`)
    if (type === 'stream-time') {
      // Aligned to 0: fires as soon as there is data, then at multiples of the interval.
      const s = new Schedule(node, intervalMs, 0, callback)
      this.#streamSchedules.push(s)
      this.#nextStreamPunctuation = 0
      return s
    }
    if (type !== 'wall-clock') throw new RangeError(`unknown punctuation type '${String(type)}'`)
    const s = new Schedule(node, intervalMs, this.clock() + intervalMs, callback)
    this.#wallSchedules.push(s)
    return s
  }

  #punctuate(list: Schedule[], now: number, type: PunctuationType): boolean {
    // Drop cancelled schedules, then fire each due one once, earliest first (Java's PunctuationQueue).
    for (let i = list.length - 1; i >= 0; i--) if (list[i].cancelled) list.splice(i, 1)
    const due = list.filter((s) => s.next <= now).sort((a, b) => a.next - b.next)
    for (const s of due) {
      if (s.cancelled) continue
      const missed = Math.floor((now - s.next) / s.interval)
      s.next += (missed + 1) * s.interval
      this.#topic = null
      this.currentTimestamp = now
      this.metrics.punctuations++
      try {
        s.callback(now)
      } catch (err) {
        throw new StreamsProcessingError(`task ${this.id}: ${type} punctuator of '${s.node.name}' failed: ${(err as Error).message}`, {
          taskId: this.id, topic: null, partition: -1, offset: -1n, cause: err,
        })
      }
    }
    if (type === 'stream-time') {
      let next = Infinity
      for (const s of list) if (!s.cancelled && s.next < next) next = s.next
      this.#nextStreamPunctuation = next
    }
    return due.length > 0
  }

  #handleFailure(
    kind: 'deserialization' | 'processing',
    err: unknown,
    topic: string,
    partition: number,
    offset: bigint,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: RecordHeaders,
  ): false {
    const error = err instanceof Error ? err : new Error(String(err))
    const dlq = this.#config.deadLetterQueueTopic
    if (dlq !== undefined) {
      const h: RecordHeaders = [
        ...headers,
        [DLQ_HEADER.exception, Buffer.from(error.name || error.constructor.name)],
        [DLQ_HEADER.message, Buffer.from(error.message)],
        [DLQ_HEADER.stacktrace, Buffer.from(error.stack ?? '')],
        [DLQ_HEADER.topic, Buffer.from(topic)],
        [DLQ_HEADER.partition, Buffer.from(String(partition))],
        [DLQ_HEADER.offset, Buffer.from(String(offset))],
      ]
      this.collector.send(dlq, key, value, h, timestamp)
      this.metrics.deadLettered++
    }
    const response = (kind === 'deserialization' ? this.#config.deserializationExceptionHandler : this.#config.processingExceptionHandler) ?? 'fail'
    const where = { taskId: this.id, topic, partition, offset, cause: err }
    if (response === 'fail') {
      throw new StreamsProcessingError(`task ${this.id}: ${kind} of ${topic}-${partition}@${offset} failed: ${error.message}`, where)
    }
    if (kind === 'deserialization') this.metrics.skippedDeserialization++
    else this.metrics.skippedProcessing++
    this.#logger.warn({ err: error, topic, partition, offset: String(offset) }, `skipping record after ${kind} error`)
    return false
  }

  #sourceFor(topic: string): SourceRuntime | undefined {
    let src = this.#sourcesByTopic.get(topic)
    if (src === undefined) {
      src = this.#patternSources.find((p) => p.pattern.test(topic))?.source
      if (src !== undefined) this.#sourcesByTopic.set(topic, src)
    }
    return src
  }

  #partitionState(topic: string, partition: number): PartitionState {
    let list = this.#partitions.get(topic)
    if (list === undefined) this.#partitions.set(topic, (list = []))
    let ps = list[partition]
    if (ps === undefined) {
      const source = this.#sourceFor(topic)
      if (source === undefined) throw new TopologyError(`task ${this.id} does not read topic '${topic}'`)
      ps = { topic, partition, source, nextOffset: -1n, committedOffset: -1n, partitionTime: -1 }
      list[partition] = ps
    }
    return ps
  }

  /** @internal {@link NodeContext.resolveSerde}. */
  resolveSerde(serde: Serde<unknown> | undefined, which: 'key' | 'value', where: string): Serde<unknown> {
    return this.#serde(serde, which, where)
  }

  #serde(serde: Serde<unknown> | undefined, which: 'key' | 'value', where: string): Serde<unknown> {
    if (isDeferredSerde(serde)) return serde.resolveDefaults(this.#config.defaultKeySerde, this.#config.defaultValueSerde)
    const s = serde ?? (which === 'key' ? this.#config.defaultKeySerde : this.#config.defaultValueSerde)
    if (s === undefined) {
      throw new TopologyError(
        `no ${which} serde for ${where}: pass one in the DSL (Consumed/Produced/Grouped/Materialized) or set default${which === 'key' ? 'Key' : 'Value'}Serde`,
      )
    }
    return s
  }
}
