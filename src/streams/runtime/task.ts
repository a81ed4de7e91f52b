/**
 * The task engine, broker-free: one {@link StreamTask} per (sub-topology, partition). It owns the
 * processor instances and stores, processes one consumed record at a time, writes through a
 * {@link RecordCollector}, logs store changes, keeps stream time, runs punctuators and tracks the
 * offsets to commit. The test driver and the broker runtime both drive tasks through this API.
 *
 * This file is the task's lifecycle (build, init, process, punctuate, commit, close); around it:
 * task-graph.ts builds its stores and node runtimes (task-nodes.ts), record-context.ts holds the
 * record in flight, record-failures.ts handles records that fail, task-config.ts has its options.
 *
 * Hot path: a consumed record costs one Record object plus whatever processors allocate; nodes
 * call children directly and record context lives in plain fields (no per-record closures).
 */
import { pino, type Logger } from 'pino'
import { channels, publishedProcess } from '../../client/telemetry/channels.js'
import type { RecordCursor } from '../../protocol/records/index.js'
import { StreamsProcessingError, TopologyError } from '../errors.js'
import type { Cancellable, PunctuationType, Punctuator } from '../processor.js'
import type { RecordHeaders, RecordMetadata } from '../record.js'
import type { Serde } from '../serde.js'
import type { BuiltStore } from '../state/built-store.js'
import type { TimestampedKeyValueStore } from '../state/timestamped.js'
import type { TimestampSource } from '../state/logging.js'
import type { ChangelogSink, StateStore } from '../state/store.js'
import { isVersionedStoreBuilder } from '../state/versioned-store-builder.js'
import { isWindowedStoreBuilder } from '../state/window-store-builders.js'
import { changelogTopic } from '../topology/naming.js'
import type { CacheFlushable } from '../state/record-cache.js'
import { decodeTaskOffsetMetadata, encodeTaskOffsetMetadata, ProcessorMetadata } from './task-metadata.js'
import type { ConsumedRecordInfo, Topology } from '../topology/topology.js'
import type { ChangelogPartition, ConsumedOffset, RecordCollector } from './collector.js'
import { deserializeAt, Schedule, type ProcessorRuntime, type SourceRuntime } from './task-nodes.js'
import { AsyncWork, type AsyncTaskHost, type HeldRecordContext } from './async-stage.js'
import { resolveTaskSerde, type StreamTaskOptions, type TaskConfig, type TaskMetrics } from './task-config.js'
import { EMPTY_HEADERS, TaskRecordContext } from './record-context.js'
import { RecordFailures } from './record-failures.js'
import { buildTaskGraph } from './task-graph.js'

export type { ExceptionHandlerResponse, StreamTaskOptions, TaskConfig, TaskMetrics } from './task-config.js'

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
  get currentTimestamp(): number {
    return this.#record.currentTimestamp
  }
  set currentTimestamp(timestamp: number) {
    this.#record.currentTimestamp = timestamp
  }
  /** Committed with the input offsets (see task-metadata.ts). @internal */
  readonly processorMetadata = new ProcessorMetadata()

  readonly #topology: Topology
  readonly #config: TaskConfig
  readonly #logger: Logger
  /** Stores of this task: the typed store processors open, and its restore path. */
  readonly #stores: Map<string, BuiltStore>
  readonly #globalStores: ReadonlyMap<string, StateStore>
  readonly #processors: ProcessorRuntime[]
  /** Record cache namespaces of this task's cached tables and caching stores, in topology order. */
  readonly #caches: CacheFlushable[]
  readonly #sourcesByTopic: Map<string, SourceRuntime>
  readonly #patternSources: Array<{ pattern: RegExp; source: SourceRuntime }>
  readonly #partitions = new Map<string, PartitionState[]>()
  readonly #streamSchedules: Schedule[] = []
  readonly #wallSchedules: Schedule[] = []
  #nextStreamPunctuation = Infinity
  #initialized = false
  /** True while {@link #run} runs a record inside its tracing span. */
  #traced = false
  #closed = false
  /** The record in flight, as processors, sinks and changelog records see it. */
  readonly #record = new TaskRecordContext()
  readonly #failures: RecordFailures
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

    this.#failures = new RecordFailures(this.id, config, this.collector, this.metrics, this.#logger)

    // Topic names by store, built once: a name built per change costs a string and its hashing in the producer.
    const changelogTopics = new Map<string, string>()
    const changelogSink: ChangelogSink = options.changelogSink ?? {
      logChange: (store, key, value, timestamp) => {
        let topic = changelogTopics.get(store)
        if (topic === undefined) changelogTopics.set(store, (topic = changelogTopic(this.applicationId, store)))
        this.collector.send(topic, key, value, EMPTY_HEADERS, timestamp, this.partition)
      },
    }
    const graph = buildTaskGraph(this, topology, subs, config, this.#record, changelogSink)
    this.#stores = graph.stores
    this.#processors = graph.processors
    this.#caches = graph.caches
    this.#sourcesByTopic = graph.sourcesByTopic
    this.#patternSources = graph.patternSources
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
      return this.#failures.handle('deserialization', err, topic, partition, offset, key, value, timestamp, headers)
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
      return this.#failures.handle('deserialization', err, topic, partition, offset, c.key, c.value, c.timestamp, c.headers)
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
        return this.#failures.handle('processing', err, topic, partition, offset, raw ? raw.key : key, raw ? raw.value : value, timestamp, headers)
      }
    }
    if (!(ts >= 0)) {
      this.metrics.skippedNegativeTimestamp++
      this.#logger.warn({ topic, partition, offset: String(offset), timestamp: ts }, 'skipping record with negative timestamp')
      return false
    }
    if (ts > ps.partitionTime) ps.partitionTime = ts
    if (ts > this.streamTime) this.streamTime = ts
    const rc = this.#record
    rc.topic = topic
    rc.partition = partition
    rc.offset = offset
    rc.currentHeaders = headers
    rc.currentTimestamp = ts
    rc.rawCursor = raw
    rc.rawKey = key
    rc.rawValue = value
    try {
      src.process({ key: k, value: v, timestamp: ts, headers })
      this.metrics.processed++
      return true
    } catch (err) {
      return this.#failures.handle('processing', err, topic, partition, offset, raw ? raw.key : key, raw ? raw.value : value, timestamp, headers)
    } finally {
      rc.topic = null
      rc.currentHeaders = EMPTY_HEADERS
      rc.rawCursor = undefined
      rc.rawKey = rc.rawValue = null
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

  /**
   * The task's async stages (`mapValuesAsync` and the like), or null when it has none: the
   * runtime waits for them before a commit and holds input back while one is full.
   */
  get asyncWork(): AsyncWork | null {
    return this.#asyncWork
  }

  #asyncHost: AsyncTaskHost | undefined

  /** @internal What async stages use of the task. */
  asyncHost(): AsyncTaskHost {
    this.#asyncHost ??= {
      taskId: this.id,
      asyncWork: () => (this.#asyncWork ??= new AsyncWork()),
      holdRecordContext: () => this.#record.hold(this.#config.deadLetterQueueTopic !== undefined),
      inHeldContext: (ctx: HeldRecordContext, fn: () => void) => this.#record.inHeldContext(ctx, fn),
      asyncRecordFailed: (err: unknown, ctx: HeldRecordContext) => {
        const m = ctx.metadata
        this.#failures.handle('processing', err, m?.topic ?? '', m?.partition ?? -1, m?.offset ?? -1n, ctx.rawKey, ctx.rawValue, ctx.timestamp, ctx.headers)
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
    return this.#record.currentTimestamp
  }

  /** @internal The metadata of the record in flight (one object while it is the same: processors read it per update). */
  recordMetadata(): RecordMetadata | null {
    return this.#record.recordMetadata()
  }

  /** @internal */
  recordContext(): { topic: string | null; partition: number; offset: bigint; timestamp: number; headers: RecordHeaders } {
    return this.#record.snapshot()
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
      this.#record.topic = null
      this.#record.currentTimestamp = now
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
    return resolveTaskSerde(this.#config, serde, which, where)
  }
}
