/**
 * KafkaStreams: runs a {@link Topology} against a Kafka cluster, with Kafka Streams' semantics.
 *
 * One instance = one group member (group id = application id) with one processing loop: the
 * streams assignor spreads tasks (sub-topology, partition) over instances; batches from the
 * group consumer go to their task; output goes through one producer (transactional under
 * exactly_once_v2, id `<applicationId>-<processId>`); every `commitIntervalMs` the instance
 * commits (at_least_once: flush the producer, then commit offsets; exactly_once_v2: offsets in
 * the transaction, then commit it). Stores restore from their changelogs when tasks arrive;
 * standby tasks keep copies warm on other instances. The group member, loop, commits and
 * rebalances are the {@link StreamThread}'s (stream-thread.ts); this class is the lifecycle
 * facade: options, start/close and state, stores and interactive queries, metrics, import.
 */
import { pino, type Logger } from 'pino'
import { Client } from '../../client/client.js'
import { settlesWithin } from '../../client/owned-resources.js'
import type { Producer } from '../../client/producer/producer.js'
import type { Serde } from '../serde.js'
import type { ReadOnlyKeyValueStore, StateStore } from '../state/store.js'
import type { QueryableStoreType } from '../state/read-only-views.js'
import type { ReadOnlySessionStore } from '../state/session-store.js'
import type { ReadOnlyVersionedKeyValueStore } from '../state/versioned-store.js'
import type { ReadOnlyTimestampedWindowStore, ReadOnlyWindowStore } from '../state/window-store.js'
import { keyQueryMetadata, queryableStore } from './interactive-queries.js'
import type { KeyValue } from '../record.js'
import { RemoteQueries, type QueryOptions, type QueryResult } from './query-client.js'
import { QueryServer, type LocalQuerySource } from './query-server.js'
import type { Topology } from '../topology/topology.js'
import { StreamsConfigError, StreamsStateError } from './errors.js'
import { setUpInternalTopics } from './internal-topics.js'
import { ProducerCollector } from './producer-collector.js'
import { StateUpdater } from './restore.js'
import { defaultStateDir, StateDirectory } from './state-directory.js'
import type { AssignorSubtopology, HostMap } from './streams-assignor.js'
import type { TaskConfig } from './task.js'
import { RecordCache } from '../state/record-cache.js'
import { TaskManager } from './task-manager.js'
import { ExportGate } from '../stream-export.js'
import { GlobalStoreThread } from './global-store-thread.js'
import { createStreamsProducer, StreamThread } from './stream-thread.js'
import { importRecords, type ImportOptions, type ImportRecord } from './stream-import.js'
import { resolveStreamsOptions, type KafkaStreamsOptions, type KeyQueryMetadata, type StreamsMetrics, type StreamsState, type UncaughtErrorResponse } from './streams-options.js'

export type { KafkaStreamsOptions, KeyQueryMetadata, ProcessingGuarantee, StreamsMetrics, StreamsState, UncaughtErrorResponse } from './streams-options.js'

/** Runs a topology against a Kafka cluster. */
export class KafkaStreams implements AsyncDisposable {
  readonly applicationId: string
  readonly #topology: Topology
  readonly #options: KafkaStreamsOptions
  readonly #eos: boolean
  readonly #commitIntervalMs: number
  readonly #maxTaskIdleMs: number
  readonly #recordCache: RecordCache
  /** The topology's in-process exports: processing pauses when one is full, commits wait for their readers. */
  readonly #exports: ExportGate
  /** The idempotent producer importFrom() writes with (created on first use). */
  #importProducer: Producer | undefined
  readonly #logger: Logger
  #state: StreamsState = 'CREATED'
  readonly #listeners: Array<(next: StreamsState, previous: StreamsState) => void> = []
  #errorHandler: ((err: Error) => UncaughtErrorResponse | void) | undefined
  #client: Client | undefined
  #stateDir: StateDirectory | undefined
  #collector: ProducerCollector | undefined
  #updater: StateUpdater | undefined
  #tasks: TaskManager | undefined
  #global: GlobalStoreThread | undefined
  #globalStores: Map<string, StateStore> | undefined
  #subtopologies: AssignorSubtopology[] = []
  #tasksPerSub = new Map<number, number>()
  #hosts: HostMap = {}
  /** The processing thread (group member, loop, commits), created by {@link start}. */
  #thread: StreamThread | undefined

  /** Creates the instance; nothing connects before {@link start}. */
  constructor(topology: Topology, options: KafkaStreamsOptions) {
    const resolved = resolveStreamsOptions(options)
    this.applicationId = options.applicationId
    this.#topology = topology
    this.#options = options
    this.#eos = resolved.eos
    this.#commitIntervalMs = resolved.commitIntervalMs
    this.#maxTaskIdleMs = resolved.maxTaskIdleMs
    this.#logger = options.logger ?? pino({ name: 'peridot-streams', level: process.env.PERIDOT_LOG_LEVEL ?? 'silent' })
    this.#recordCache = new RecordCache(resolved.cacheMaxBytes)
    this.#exports = new ExportGate(topology.exports)
  }

  /** The lifecycle state. */
  get state(): StreamsState {
    return this.#state
  }

  /** Calls `listener(next, previous)` on every state change. Returns a function that removes it. */
  onStateChange(listener: (next: StreamsState, previous: StreamsState) => void): () => void {
    this.#listeners.push(listener)
    return () => {
      const i = this.#listeners.indexOf(listener)
      if (i >= 0) this.#listeners.splice(i, 1)
    }
  }

  /**
   * Decides what happens after an error escapes processing (a record the handlers let fail, a
   * punctuator, a failed send or commit). Without a handler, or when it returns nothing, the
   * instance shuts down ('shutdown-client', state ERROR), as Kafka Streams does by default.
   */
  onUncaughtError(handler: (err: Error) => UncaughtErrorResponse | void): void {
    this.#errorHandler = handler
  }

  #setState(next: StreamsState): void {
    const prev = this.#state
    if (prev === next) return
    // Terminal and shutting-down states are not left for rebalancing or running.
    if ((prev === 'PENDING_SHUTDOWN' || prev === 'NOT_RUNNING' || prev === 'PENDING_ERROR' || prev === 'ERROR') && (next === 'RUNNING' || next === 'REBALANCING')) return
    this.#state = next
    this.#logger.info({ from: prev, to: next }, 'state change')
    for (const l of [...this.#listeners]) {
      try {
        l(next, prev)
      } catch (err) {
        this.#logger.warn({ err }, 'state listener threw')
      }
    }
  }

  #fail(err: unknown): void {
    if (this.#state === 'PENDING_ERROR' || this.#state === 'ERROR' || this.#state === 'NOT_RUNNING') return
    this.#logger.error({ err }, 'shutting down after an error')
    this.#setState('PENDING_ERROR')
    void this.#teardown(false).finally(() => this.#setState('ERROR'))
  }

  /**
   * Connects, creates missing internal topics (checking co-partitioning), loads global stores,
   * and joins the group. Resolves once the first assignment is in place (its tasks may still be
   * restoring: state REBALANCING until they run, then RUNNING).
   */
  async start(): Promise<void> {
    if (this.#state !== 'CREATED') throw new StreamsStateError(`start() needs state CREATED, the instance is ${this.#state}`)
    this.#exports.attach()
    this.#setState('REBALANCING')
    try {
      this.#stateDir = new StateDirectory(this.#options.stateDir ?? defaultStateDir(this.applicationId))
      const processId = this.#stateDir.processId
      this.#client = await Client.connect({
        clientId: `${this.applicationId}-${processId}`,
        logger: this.#logger,
        ...this.#options.clientOptions,
        brokers: this.#options.brokers,
      })
      const resolved = await setUpInternalTopics(this.#client, this.#topology, this.applicationId, {
        replicationFactor: this.#options.replicationFactor ?? -1,
        logger: this.#logger,
      })
      this.#tasksPerSub = resolved.tasksPerSubtopology
      this.#subtopologies = this.#topology
        .subtopologies()
        .filter((s) => !s.global)
        .map((s) => ({
          id: s.id,
          topics: s.sourceTopics.map((t) => this.#topology.topicName(this.applicationId, t)),
          stateful: s.stores.some((name) => this.#topology.stores.get(name)?.builder.loggingEnabled === true),
        }))
      const changelogs = new Set(resolved.internalTopics.filter((t) => t.kind === 'changelog').map((t) => t.name))
      this.#collector = new ProducerCollector(this.#client, await createStreamsProducer(this.#client, this.#options, this.#eos, processId), changelogs)
      await this.#collector.prefetchPartitionCounts(resolved.internalTopics.map((t) => t.name))
      // Sink topics too: a send whose partition count is unknown waits for metadata (the slow path).
      const internal = new Set(resolved.internalTopics.map((t) => t.name))
      const sinks = this.#topology
        .subtopologies()
        .flatMap((s) => s.sinkTopics.map((t) => this.#topology.topicName(this.applicationId, t)))
        .filter((t) => !internal.has(t))
      await this.#collector.prefetchPartitionCounts(new Set(sinks), true)
      this.#global = await GlobalStoreThread.start({
        topology: this.#topology,
        config: this.#taskConfig(),
        collector: this.#collector,
        client: this.#client,
        readCommitted: this.#eos,
        logger: this.#logger,
      })
      this.#globalStores = this.#global?.stores
      this.#updater = new StateUpdater(this.#client, { readCommitted: this.#eos, logger: this.#logger, onError: (err) => this.#fail(err) })
      this.#tasks = new TaskManager({
        topology: this.#topology,
        config: this.#taskConfig(),
        collector: this.#collector,
        updater: this.#updater,
        stateDir: this.#stateDir,
        eos: this.#eos,
        logger: this.#logger,
        globalStores: this.#globalStores,
        committed: (topic, partition) => this.#thread?.committed(topic, partition),
      })
      const thread = new StreamThread(
        {
          applicationId: this.applicationId,
          options: this.#options,
          eos: this.#eos,
          commitIntervalMs: this.#commitIntervalMs,
          maxTaskIdleMs: this.#maxTaskIdleMs,
          logger: this.#logger,
          client: this.#client,
          stateDir: this.#stateDir,
          subtopologies: this.#subtopologies,
          collector: this.#collector,
          tasks: this.#tasks,
          updater: this.#updater,
          exports: this.#exports,
        },
        {
          setState: (next) => this.#setState(next),
          fail: (err) => this.#fail(err),
          uncaughtErrorResponse: (err) => this.#errorHandler?.(err),
          assigned: (hosts) => {
            this.#hosts = hosts
          },
        },
      )
      this.#thread = thread
      this.#tasks.onRunning = (at) => thread.taskRunning(at)
      this.#updater.start()
      await thread.start()
    } catch (err) {
      this.#setState('PENDING_ERROR')
      await this.#teardown(false)
      this.#setState('ERROR')
      throw err
    }
  }

  #taskConfig(): TaskConfig {
    const o = this.#options
    return {
      applicationId: this.applicationId,
      defaultKeySerde: o.defaultKeySerde,
      defaultValueSerde: o.defaultValueSerde,
      deserializationExceptionHandler: o.deserializationExceptionHandler,
      processingExceptionHandler: o.processingExceptionHandler,
      deadLetterQueueTopic: o.deadLetterQueueTopic,
      logger: this.#logger,
      stateDir: this.#stateDir?.path,
      recordCache: this.#recordCache,
    }
  }

  // ---- interactive queries --------------------------------------------------------------

  /**
   * A read-only view of the store `name` over this instance's running tasks (or the global
   * store). Keys are spread over instances: use {@link metadataForKey} to find the one that has
   * a key. Results reflect processed records, including those not yet committed.
   */
  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V>
  /** A key-value store (as without a type). */
  store<K, V>(name: string, type: 'keyValue'): ReadOnlyKeyValueStore<K, V>
  /** A window store; a timestamped window store answers with plain values. */
  store<K, V>(name: string, type: 'window'): ReadOnlyWindowStore<K, V>
  /** A timestamped window store (a DSL windowed aggregation's), values with their timestamps. */
  store<K, V>(name: string, type: 'timestampedWindow'): ReadOnlyTimestampedWindowStore<K, V>
  /** A session store. */
  store<K, V>(name: string, type: 'session'): ReadOnlySessionStore<K, V>
  /** A versioned key-value store (a table materialized on a versioned store): latest and as-of reads. */
  store<K, V>(name: string, type: 'versioned'): ReadOnlyVersionedKeyValueStore<K, V>
  store<K, V>(
    name: string,
    type: QueryableStoreType = 'keyValue',
  ): ReadOnlyKeyValueStore<K, V> | ReadOnlyWindowStore<K, V> | ReadOnlyTimestampedWindowStore<K, V> | ReadOnlySessionStore<K, V> | ReadOnlyVersionedKeyValueStore<K, V> {
    return queryableStore<K, V>(
      {
        applicationId: this.applicationId,
        topology: this.#topology,
        globalStore: (n) => this.#globalStores?.get(n),
        taskStores: (n) => (this.#tasks?.runningTasks() ?? []).map((at) => at.task.store(n)).filter((st): st is StateStore => st !== undefined),
      },
      name,
      type,
    )
  }

  /**
   * Which instance hosts `key` of store `storeName` (by applicationServer endpoint), from the
   * last assignment. The partition is the default partitioner's (murmur2 of the key bytes), as
   * for records written with that key.
   */
  metadataForKey<K>(storeName: string, key: K, keySerde: Serde<K>): KeyQueryMetadata {
    return keyQueryMetadata(this.#topology, this.applicationId, this.#tasksPerSub, this.#hosts, storeName, key, keySerde)
  }

  /** Every instance's endpoint with its active and standby tasks, from the last assignment. */
  allMetadata(): HostMap {
    return structuredClone(this.#hosts)
  }

  // ---- remote interactive queries (query-server.ts, query-client.ts) ---------------------

  /** The query server, from the moment it starts listening. */
  #queryServer: Promise<QueryServer> | undefined
  #remote: RemoteQueries | undefined

  /** This instance's tasks and stores as the query server and client read them. */
  #querySource(): LocalQuerySource {
    return {
      applicationId: this.applicationId,
      topology: this.#topology,
      serdes: (store) => this.#storeSerdes(store),
      state: () => this.#state,
      tasksPerSubtopology: () => this.#tasksPerSub,
      taskStore: (taskId, name) => {
        const at = this.#tasks?.active.get(taskId)
        const standby = at === undefined ? this.#updater?.get(taskId) : undefined
        const task = at?.task ?? (standby?.role === 'standby' ? standby.task : undefined)
        const store = task?.store(name)
        if (store === undefined) return undefined
        return { store, role: at === undefined ? 'standby' : at.state }
      },
      globalStore: (name) => this.#globalStores?.get(name),
    }
  }

  #remoteQueries(): RemoteQueries {
    this.#remote ??= new RemoteQueries({
      applicationId: this.applicationId,
      source: this.#querySource(),
      self: this.#options.applicationServer,
      hosts: () => this.#hosts,
      serdes: (store) => this.#storeSerdes(store),
    })
    return this.#remote
  }

  /** A store's serdes from the topology, then the application defaults (as its tasks pick them). */
  #storeSerdes(store: string): { keySerde: Serde<unknown> | undefined; valueSerde: Serde<unknown> | undefined } {
    const b = this.#topology.stores.get(store)?.builder as { keySerde?: Serde<unknown>; valueSerde?: Serde<unknown> } | undefined
    return { keySerde: b?.keySerde ?? this.#options.defaultKeySerde, valueSerde: b?.valueSerde ?? this.#options.defaultValueSerde }
  }

  /**
   * Starts this instance's query server: HTTP on the port of `applicationServer` (bound to
   * `options.host`, default all interfaces), answering the other instances' {@link query}
   * calls (and anyone's `POST /v1/query`, see the README) from this instance's stores. Call it
   * before or after {@link start}; {@link close} stops it. Resolves with the port.
   */
  async startQueryServer(options: { host?: string } = {}): Promise<number> {
    const endpoint = this.#options.applicationServer
    if (endpoint === undefined) throw new StreamsConfigError('startQueryServer needs the applicationServer option (host:port) to listen on its port')
    if (this.#queryServer !== undefined) throw new StreamsStateError('the query server is already running')
    const starting = QueryServer.listen(this.#querySource(), { port: Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)), host: options.host })
    this.#queryServer = starting
    try {
      return (await starting).port
    } catch (err) {
      this.#queryServer = undefined
      throw err
    }
  }

  /** Stops the query server (other instances' queries then go to standby hosts); {@link startQueryServer} starts it again. */
  async stopQueryServer(): Promise<void> {
    const server = this.#queryServer
    this.#queryServer = undefined
    await (await server?.catch(() => undefined))?.close()
  }

  /**
   * The value of `key` in key-value store `store`, from the instance that runs the key's task:
   * this one (read in-process) or another through its query server (started with
   * {@link startQueryServer}). When the active host cannot answer (down, restoring), a standby
   * host answers with `stale: true`. Throws UnknownStoreError, NoQueryHostError (nobody can
   * answer now, e.g. mid-rebalance: retry), QueryTimeoutError.
   */
  query<K, V>(store: string, key: K, options?: QueryOptions<K, V>): Promise<QueryResult<V | null>> {
    return this.#remoteQueries().get(store, key, options)
  }

  /** {@link query} of keys `from` to `to` (inclusive, key-byte order; null: unbounded) over all partitions of the store. */
  queryRange<K, V>(store: string, from: K | null, to: K | null, options?: QueryOptions<K, V>): Promise<QueryResult<Array<KeyValue<K, V>>>> {
    return this.#remoteQueries().range(store, from, to, options)
  }

  /** {@link query} of a window store: the windows of `key` starting from `timeFrom` to `timeTo` (inclusive), as start time and value. */
  queryWindow<K, V>(store: string, key: K, timeFrom: number, timeTo: number, options?: QueryOptions<K, V>): Promise<QueryResult<Array<KeyValue<number, V>>>> {
    return this.#remoteQueries().windowFetch(store, key, timeFrom, timeTo, options)
  }

  // ---- metrics ---------------------------------------------------------------------------

  /** A snapshot of the instance's counters. */
  metrics(): StreamsMetrics {
    const totals = this.#tasks?.processingTotals() ?? { processed: 0, skipped: 0, punctuations: 0, droppedRecords: 0 }
    return {
      state: this.#state,
      recordsProcessed: totals.processed,
      recordsSkipped: totals.skipped,
      droppedRecords: totals.droppedRecords,
      punctuations: totals.punctuations,
      ...(this.#thread?.metrics() ?? { commits: 0, commitLatencyAvgMs: 0, commitLatencyMaxMs: 0, lag: [] }),
      restore: this.#updater?.metrics() ?? { restoredRecords: 0, standbyRecords: 0, restorations: 0, restoreMs: 0, inProgress: [] },
      tasks: this.#tasks?.taskIds() ?? { active: [], restoring: [], standby: [] },
    }
  }

  // ---- shutdown --------------------------------------------------------------------------

  /**
   * Graceful shutdown: stops processing, commits what was processed (never aborting committed
   * work), leaves the group (its tasks move to other instances at once), flushes the producer,
   * writes checkpoints and closes the stores. With `timeoutMs` (Java's close(Duration)), once it
   * passes the connections are closed under the remaining steps, which then fail fast (an
   * unfinished commit leaves the tasks to restore, as after a crash) and close() returns
   * promptly. Idempotent: later calls wait for the first.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options?.timeoutMs
    if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs >= 0)) {
      return Promise.reject(new StreamsConfigError(`close timeoutMs must be a non-negative integer, got ${String(timeoutMs)}`))
    }
    if (this.#closing) return this.#closing
    if (this.#state === 'NOT_RUNNING' || this.#state === 'PENDING_SHUTDOWN') return Promise.resolve()
    if (this.#state === 'CREATED') {
      this.#setState('NOT_RUNNING')
      return this.stopQueryServer()
    }
    const failed = this.#state === 'ERROR' || this.#state === 'PENDING_ERROR'
    this.#setState('PENDING_SHUTDOWN')
    this.#closing = (async () => {
      const teardown = this.#teardown(!failed)
      if (timeoutMs !== undefined && !(await settlesWithin(teardown, timeoutMs))) {
        this.#logger.warn({ timeoutMs }, 'close timeout passed: closing the connections under the remaining shutdown steps')
        // A final commit waiting for async calls that do not settle would never end.
        this.#thread?.abandonAsync('the close timeout passed')
        await this.#client?.close({ timeoutMs: 0 }).catch(() => undefined)
      }
      await teardown
      await this.stopQueryServer()
      this.#setState('NOT_RUNNING')
    })()
    return this.#closing
  }

  #closing: Promise<void> | undefined

  async #teardown(clean: boolean): Promise<void> {
    const thread = this.#thread
    if (thread !== undefined) await thread.stop(clean)
    else this.#exports.release()
    await this.#updater?.close()
    const global = this.#global
    this.#global = undefined
    await global?.close()
    await this.#collector?.producer.close().catch((err: unknown) => this.#logger.warn({ err }, 'closing the producer failed'))
    await this.#importProducer?.close().catch((err: unknown) => this.#logger.warn({ err }, 'closing the import producer failed'))
    await this.#client?.close().catch(() => undefined)
    this.#exports.detach()
    this.#stateDir?.unlock()
  }

  /**
   * Writes in-process records to `topic` (usually a source topic of this topology), from any
   * iterable, async iterable or object-mode Node `Readable` of `{ key, value, timestamp?,
   * headers?, partition? }`: the application then reads them like any other input, so replay
   * and exactly-once hold from the topic on. Records go through an idempotent producer of the
   * application's client with backpressure (a fast source waits for the broker); serdes default
   * to those of the source reading `topic`, then to the application's defaults. Resolves with
   * the number of records once every one is acknowledged. Needs a started application.
   */
  async importFrom<K, V>(
    topic: string,
    source: AsyncIterable<ImportRecord<K, V>> | Iterable<ImportRecord<K, V>>,
    options: ImportOptions<K, V> = {},
  ): Promise<number> {
    if (typeof topic !== 'string' || topic.length === 0) throw new StreamsConfigError('importFrom needs a topic name')
    if (this.#client === undefined || this.#state === 'PENDING_SHUTDOWN' || this.#state === 'NOT_RUNNING' || this.#state === 'ERROR') {
      throw new StreamsStateError(`importFrom() needs a started application, the instance is ${this.#state}`)
    }
    const source_ = this.#topology.sourceSerdesFor(topic)
    const keySerde = (options.keySerde ?? source_?.keySerde ?? this.#options.defaultKeySerde) as Serde<K> | undefined
    const valueSerde = (options.valueSerde ?? source_?.valueSerde ?? this.#options.defaultValueSerde) as Serde<V> | undefined
    if (keySerde === undefined || valueSerde === undefined) {
      throw new StreamsConfigError(`importFrom('${topic}'): no ${keySerde === undefined ? 'key' : 'value'} serde (pass one in the options, or set a default serde)`)
    }
    this.#importProducer ??= this.#client.producer()
    return importRecords(this.#importProducer, topic, source, keySerde, valueSerde, options.highWaterMark)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
