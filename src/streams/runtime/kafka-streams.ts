/**
 * KafkaStreams: runs a {@link Topology} against a Kafka cluster, with Kafka Streams' semantics.
 *
 * One instance = one group member (group id = application id) with one processing loop: the
 * streams assignor spreads tasks (sub-topology, partition) over instances; batches from the
 * group consumer go to their task; output goes through one producer (transactional under
 * exactly_once_v2, id `<applicationId>-<processId>`); every `commitIntervalMs` the instance
 * commits (at_least_once: flush the producer, then commit offsets; exactly_once_v2: offsets in
 * the transaction, then commit it). Stores restore from their changelogs when tasks arrive;
 * standby tasks keep copies warm on other instances.
 */
import { pino, type Logger } from 'pino'
import { Client } from '../../client/client.js'
import type { GroupBatch, GroupConsumer } from '../../client/consumer/group-consumer.js'
import { CommitFailedError } from '../../client/consumer/group-consumer.js'
import type { TopicPartition } from '../../client/consumer/assignor.js'
import { settlesWithin } from '../../client/owned-resources.js'
import type { Producer } from '../../client/producer/producer.js'
import type { TransactionalProducer } from '../../client/producer/transactional-producer.js'
import { ProducerFencedError, TransactionOutcomeUnknownError } from '../../client/producer/errors.js'
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
import { decodeAssignmentInfo, streamsAssignor, type AssignorSubtopology, type HostMap } from './streams-assignor.js'
import type { TaskConfig } from './task.js'
import { RecordCache } from '../state/record-cache.js'
import { TaskManager, type ActiveTask, type CommittedPosition } from './task-manager.js'
import type { ConsumedOffset } from './collector.js'
import { OrderedInput } from './ordered-input.js'
import { fetchCommittedPositions } from './committed-positions.js'
import { isTaskMigrated } from './task-migrated.js'
import { ExportGate } from '../stream-export.js'
import { GlobalStoreThread } from './global-store-thread.js'
import { abandonAsync, throwAsyncFailure, whenAsyncIdle } from './async-stage.js'
import { AsyncPauses } from './async-pauses.js'
import { importRecords, type ImportOptions, type ImportRecord } from './stream-import.js'
import { resolveStreamsOptions, type KafkaStreamsOptions, type KeyQueryMetadata, type StreamsMetrics, type StreamsState, type UncaughtErrorResponse } from './streams-options.js'

export type { KafkaStreamsOptions, KeyQueryMetadata, ProcessingGuarantee, StreamsMetrics, StreamsState, UncaughtErrorResponse } from './streams-options.js'

const TICK = Symbol('tick')

/** Processing gives the event loop a turn after this many records of one batch. */
const YIELD_EVERY_RECORDS = 1000

/** Runs a topology against a Kafka cluster. */
export class KafkaStreams implements AsyncDisposable {
  readonly applicationId: string
  readonly #topology: Topology
  readonly #options: KafkaStreamsOptions
  readonly #eos: boolean
  readonly #commitIntervalMs: number
  readonly #maxTaskIdleMs: number
  /** Timestamp-ordered input of tasks with several partitions (created with the consumer). */
  #orderedInput: OrderedInput | null = null
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
  #producer: Producer | undefined
  #consumer: GroupConsumer | undefined
  #updater: StateUpdater | undefined
  #tasks: TaskManager | undefined
  #global: GlobalStoreThread | undefined
  #globalStores: Map<string, StateStore> | undefined
  #subtopologies: AssignorSubtopology[] = []
  #tasksPerSub = new Map<number, number>()
  #hosts: HostMap = {}
  #txnOpen = false
  /** Timestamp-ordered records were left ready at the commit deadline: the loop goes on without waiting. */
  #backlog = false
  /**
   * Positions an abort moved partitions back to, until a batch from there arrives: a batch the
   * consumer handed over before the seek (the next one is asked for before committing) starts
   * further on, and processing it would skip the aborted records.
   */
  readonly #soughtTo = new Map<string, bigint>()
  /** Input partitions paused while their task's async stage is full. */
  readonly #asyncPauses = new AsyncPauses()
  #loop: Promise<void> | undefined
  #loopRunning = false
  /** Rebalance callbacks during a dirty teardown must not commit. */
  #dirtyTeardown = false
  #lock: Promise<unknown> = Promise.resolve()
  #lastCommit = 0
  #commits = 0
  #commitMsTotal = 0
  #commitMsMax = 0
  readonly #lag = new Map<string, { topic: string; partition: number; lag: bigint }>()
  /** Where each input partition's uncommitted processing started (EOS resets seek back here). */
  readonly #committedPos = new Map<string, bigint>()
  /**
   * Committed offset and metadata (partition time, processor metadata) of each assigned input
   * partition: read on assignment, then what this instance committed. A task created for the
   * partition (assigned, or re-created after an EOS abort) starts from it.
   */
  readonly #committedMeta = new Map<string, CommittedPosition>()

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
      this.#producer = await this.#newProducer()
      this.#collector = new ProducerCollector(this.#client, this.#producer, changelogs)
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
        committed: (topic, partition) => this.#committedMeta.get(`${topic}\u0000${partition}`),
      })
      this.#tasks.onRunning = (at) => this.#taskRunning(at)
      this.#updater.start()
      await this.#startConsumer()
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

  async #newProducer(): Promise<Producer> {
    const client = this.#client as Client
    const tuning = { lingerMs: 5, ...this.#options.producerOptions }
    if (!this.#eos) return client.producer(tuning)
    const p = client.transactionalProducer({ ...tuning, transactionalId: `${this.applicationId}-${(this.#stateDir as StateDirectory).processId}` })
    await p.init()
    this.#txnOpen = false
    return p
  }

  async #startConsumer(): Promise<void> {
    const client = this.#client as Client
    const tasks = this.#tasks as TaskManager
    const topics = [...new Set(this.#subtopologies.flatMap((s) => s.topics))]
    if (topics.length === 0) throw new StreamsConfigError('the topology has no source topics outside global stores')
    const consumer = client.groupConsumer({
      groupId: this.applicationId,
      topics,
      assignors: [
        streamsAssignor({
          subtopologies: this.#subtopologies,
          numStandbyReplicas: this.#options.numStandbyReplicas ?? 0,
          subscription: () => ({
            processId: (this.#stateDir as StateDirectory).processId,
            endpoint: this.#options.applicationServer ?? null,
            active: [...tasks.active.keys()],
            standby: tasks.standbyIds(),
            local: (this.#stateDir as StateDirectory).tasksWithState(),
          }),
          warn: (message) => this.#logger.warn(message),
        }),
      ],
      autoCommit: false,
      autoOffsetReset: this.#options.autoOffsetReset ?? 'earliest',
      isolationLevel: this.#eos ? 'read_committed' : 'read_uncommitted',
      sessionTimeoutMs: this.#options.sessionTimeoutMs,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
      onAssigned: (tps) => this.#locked(async () => this.#onAssigned(consumer, tps)),
      onRevoked: (tps) => this.#locked(async () => this.#onRevoked(consumer, tps, false)),
      onLost: (tps) => this.#locked(async () => this.#onRevoked(consumer, tps, true)),
      onAssignment: (a) => this.#locked(async () => this.#onAssignment(a.userData)),
    })
    this.#consumer = consumer
    this.#orderedInput = null // its lags come from this consumer
    await consumer.start()
    this.#loopRunning = true
    this.#loop = this.#run(consumer)
  }

  /** Serializes rebalance callbacks, batch processing and commits. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn)
    this.#lock = run.catch(() => undefined)
    return run
  }

  // ---- rebalance callbacks ----------------------------------------------------------------

  #onAssigned(consumer: GroupConsumer, tps: TopicPartition[]): void {
    for (const tp of tps) {
      const committed = consumer.committed(tp.topic, tp.partition)
      if (committed !== undefined) this.#committedMeta.set(`${tp.topic}\u0000${tp.partition}`, committed)
    }
    const pause = (this.#tasks as TaskManager).addPartitions(tps)
    if (pause.length > 0) {
      consumer.pause(pause)
      this.#setState('REBALANCING')
    }
  }

  async #onRevoked(consumer: GroupConsumer, tps: TopicPartition[], lost: boolean): Promise<void> {
    const tasks = this.#tasks as TaskManager
    const affected = tasks.tasksOf(tps)
    for (const tp of tps) {
      this.#lag.delete(`${tp.topic}:${tp.partition}`)
      this.#committedPos.delete(`${tp.topic}\u0000${tp.partition}`)
      this.#committedMeta.delete(`${tp.topic}\u0000${tp.partition}`)
      this.#soughtTo.delete(`${tp.topic}\u0000${tp.partition}`)
      this.#asyncPauses.drop(tp.topic, tp.partition)
    }
    if (affected.length === 0) return
    this.#setState('REBALANCING')
    if (this.#eos) {
      // The open transaction may hold output of revoked tasks: abort it, and everything
      // processed in it is redone from the changelog and the committed offsets.
      if (this.#txnOpen) await this.#abortAndReset(consumer, affected)
      for (const at of affected) tasks.closeActive(at, !at.dirty)
      return
    }
    let clean = false
    if (!lost && !this.#dirtyTeardown) {
      try {
        await this.#commit(consumer)
        clean = true
      } catch (err) {
        this.#logger.warn({ err }, 'commit before revocation failed; the revoked tasks will be reprocessed from their last commit')
      }
    }
    for (const at of affected) tasks.closeActive(at, clean)
  }

  #onAssignment(userData: Buffer | null): void {
    let info
    try {
      info = decodeAssignmentInfo(userData)
    } catch (err) {
      this.#logger.warn({ err }, 'unreadable assignment user data')
      return
    }
    this.#hosts = info.hosts
    ;(this.#tasks as TaskManager).setStandbys(info.standby)
    if (!(this.#updater as StateUpdater).restoring) this.#setState('RUNNING')
  }

  #taskRunning(at: ActiveTask): void {
    this.#consumer?.resume(at.partitions)
    if (!(this.#updater as StateUpdater).restoring) this.#setState('RUNNING')
  }

  // ---- processing ---------------------------------------------------------------------------

  async #run(consumer: GroupConsumer): Promise<void> {
    let pending = consumer.next()
    this.#lastCommit = Date.now()
    while (this.#loopRunning) {
      let b: GroupBatch | undefined | typeof TICK
      try {
        // Records left ready at the last deadline go on at once; otherwise wait for input, a
        // punctuation or the next commit.
        const wait = this.#backlog ? 0 : Math.max(1, Math.min(100, this.#commitIntervalMs - (Date.now() - this.#lastCommit)))
        let timer: NodeJS.Timeout | undefined
        b = await Promise.race([
          pending,
          new Promise<typeof TICK>((r) => {
            timer = setTimeout(() => r(TICK), wait)
            // A paused partition's async stage got room: resume it now rather than at the timer.
            this.#asyncPauses.onRoom = () => r(TICK)
          }),
        ])
        clearTimeout(timer)
        this.#asyncPauses.onRoom = undefined
        if (b === undefined) break
        if (b !== TICK) {
          const batch = b
          // An in-process reader that fell behind holds up new input (backpressure).
          if (!this.#exports.empty) await this.#exports.whenSpace()
          // So does a full async stage of a task reading several partitions in timestamp order
          // (a single-partition task pauses its partition instead, see #processBatch).
          const batchTask = this.#tasks?.byPartition(batch.topic, batch.partition)
          const work = batchTask?.task.asyncWork
          if (work != null && batchTask !== undefined && batchTask.partitions.length > 1 && work.full()) await work.whenSpace()
          await this.#locked(async () => this.#processBatch(consumer, batch))
          // Asking for the next batch marks this one consumed (and lets a waiting rebalance go on).
          pending = consumer.next()
        }
        if (!this.#loopRunning) break
        await this.#locked(async () => {
          throwAsyncFailure((this.#tasks as TaskManager).runningTasks().map((at) => at.task))
          this.#asyncPauses.resumeReady(consumer, this.#tasks as TaskManager)
          for (const at of (this.#tasks as TaskManager).runningTasks()) {
            // Records waiting in a partition group may have become ready (idle time over, lags
            // known, a run stopped at the commit deadline).
            await this.#orderedInput?.processWaiting(at.task, () => this.#markDirty(at), this.#commitDeadline())
            if (at.task.maybePunctuateSystemTime()) this.#markDirty(at)
          }
          this.#backlog = this.#orderedInput?.takeBacklog() ?? false
          if (Date.now() - this.#lastCommit >= this.#commitIntervalMs) await this.#commit(consumer)
        })
      } catch (err) {
        pending.catch(() => undefined)
        if (!this.#loopRunning) break
        if (this.#eos && isTaskMigrated(err)) {
          // Not an application error: the tasks migrate back to a new producer (task-migrated.ts).
          this.#logger.warn({ err }, 'the transactional producer was fenced: closing the tasks dirty, new producer, rejoining the group')
          await this.#replaceThread()
          return
        }
        await this.#handleUncaught(err)
        return
      }
    }
    pending.catch(() => undefined)
  }

  /** When the next commit is due (wall-clock ms): long runs of buffered records stop there. */
  #commitDeadline(): number {
    return this.#lastCommit + this.#commitIntervalMs
  }

  #markDirty(at: ActiveTask): void {
    at.dirty = true
    this.#beginIfNeeded()
  }

  #beginIfNeeded(): void {
    if (this.#eos && !this.#txnOpen) {
      ;(this.#producer as TransactionalProducer).begin()
      this.#txnOpen = true
    }
  }

  async #processBatch(consumer: GroupConsumer, b: GroupBatch): Promise<void> {
    const posKey = `${b.topic}\u0000${b.partition}`
    const sought = this.#soughtTo.get(posKey)
    if (sought !== undefined) {
      if (b.fetchOffset > sought) return // fetched before an abort sought back: stale
      this.#soughtTo.delete(posKey)
    }
    this.#lag.set(`${b.topic}:${b.partition}`, { topic: b.topic, partition: b.partition, lag: b.highWatermark > b.nextOffset ? b.highWatermark - b.nextOffset : 0n })
    // Records are read in place as they are reached: no fetch's worth of record objects (which
    // young-generation GC would copy) and, with text serdes, no Buffer view per key and value.
    const c = b.cursor()
    let more = c.next()
    if (!more) return
    const at = (this.#tasks as TaskManager).byPartition(b.topic, b.partition)
    if (at === undefined || at.state !== 'running') {
      // Not ours to process now (moved, or restoring): read it again once the task runs.
      if (at !== undefined) consumer.seek(b.topic, b.partition, b.fetchOffset)
      return
    }
    if (!this.#committedPos.has(posKey)) this.#committedPos.set(posKey, b.fetchOffset)
    const task = at.task
    const ordered = (this.#orderedInput ??= new OrderedInput(this.#maxTaskIdleMs, (t, p) => consumer.currentLag(t, p), YIELD_EVERY_RECORDS))
    const group = ordered.groupOf(task, at.partitions)
    if (group !== null) {
      await ordered.add(task, group, b.topic, b.partition, c, () => this.#markDirty(at), this.#commitDeadline())
      return
    }
    const work = task.asyncWork
    // A full async stage takes no more input: the partition pauses here and is read again from
    // the first record not processed once the stage has room (other tasks go on meanwhile).
    if (work !== null && work.full()) {
      this.#asyncPauses.pause(consumer, at, b.topic, b.partition, b.fetchOffset, this.#soughtTo)
      return
    }
    // Begin before the first send: a transactional producer refuses records outside a transaction.
    this.#markDirty(at)
    for (let i = 1; more; i++) {
      task.processAt(b.topic, b.partition, c)
      task.maybePunctuateStreamTime()
      more = c.next()
      if (work !== null && more && work.full()) {
        this.#asyncPauses.pause(consumer, at, b.topic, b.partition, c.offset, this.#soughtTo)
        return
      }
      // A fetched batch can hold thousands of records: let network I/O (the producer's sends,
      // heartbeats) in every so often instead of only after the whole batch.
      if (i % YIELD_EVERY_RECORDS === 0 && more) await new Promise<void>((r) => setImmediate(r))
    }
  }

  /** Commits every running task (see the class comment for the two guarantees). */
  async #commit(consumer: GroupConsumer): Promise<void> {
    try {
      await this.#commitTasks(consumer)
    } finally {
      // The interval runs from the end of a commit, as Kafka Streams' StreamThread.maybeCommit():
      // a slow commit leaves the next interval whole for processing instead of eating into it.
      this.#lastCommit = Date.now()
    }
  }

  async #commitTasks(consumer: GroupConsumer): Promise<void> {
    const tasks = this.#tasks as TaskManager
    const running = tasks.runningTasks()
    // A committed offset must not pass a record an async stage holds (its results are not out yet)...
    await whenAsyncIdle(running.map((at) => at.task))
    // ...nor one an in-process reader has not finished with.
    if (!this.#exports.empty) await this.#exports.whenDrained()
    const collector = this.#collector as ProducerCollector
    const t0 = performance.now()
    if (this.#eos) {
      if (!this.#txnOpen) return
      const producer = this.#producer as TransactionalProducer
      await this.#flushTasks(running, true)
      collector.drain() // every record of the transaction is with the producer before it commits
      const offsets = running.flatMap((at) => at.task.committableOffsets())
      try {
        // The offsets travel while the last records are acknowledged, as the Java producer's
        // sender interleaves them; commit() then finds nothing left to flush. A record the
        // producer refused or failed fails the flush: the transaction is aborted, never
        // committed without it.
        const flushed = collector.flush()
        flushed.catch(() => undefined) // a failure surfaces through the await below
        if (offsets.length > 0) await producer.sendOffsets(offsets, consumer.groupMetadata())
        await flushed
        await producer.commit()
      } catch (err) {
        if (err instanceof ProducerFencedError) throw err
        this.#logger.warn({ err }, 'transaction commit failed: aborting, state of the tasks in it restores from the changelog')
        await this.#abortAndReset(consumer, [], err instanceof TransactionOutcomeUnknownError)
        return
      }
      this.#txnOpen = false
      for (const o of offsets) this.#committedPos.set(`${o.topic}\u0000${o.partition}`, o.offset)
      this.#noteCommitted(offsets)
      tasks.committed(running, false)
    } else {
      await this.#flushTasks(running)
      await collector.flush()
      const offsets = running.flatMap((at) => at.task.committableOffsets())
      if (offsets.length > 0) {
        try {
          await consumer.commit(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? null })))
        } catch (err) {
          // The group moved on; the records are processed again by the new owner (at-least-once).
          if (err instanceof CommitFailedError) {
            this.#logger.warn({ err }, 'offset commit failed (rebalance)')
            return
          }
          throw err
        }
      }
      this.#noteCommitted(offsets)
      tasks.committed(running, true)
    }
    const ms = performance.now() - t0
    this.#commits++
    this.#commitMsTotal += ms
    if (ms > this.#commitMsMax) this.#commitMsMax = ms
  }

  /** Flushes the tasks' caches and stores; what a flush forwards into an async stage is waited for, then flushed in turn. */
  async #flushTasks(running: ActiveTask[], sendBetween = false): Promise<void> {
    // With no async stage in use nothing reaches a task while the loop yields between flushes.
    const overlap = sendBetween && running.every((at) => at.task.asyncWork === null)
    for (;;) {
      for (let i = 0; i < running.length; i++) {
        running[i].task.flush()
        if (!overlap || i === running.length - 1) continue
        // A task's flush writes its changelogs (the record cache, suppression buffers): they go to
        // the broker while the next task flushes, instead of all after the last one, so the wait
        // for acknowledgements after covers little more than the last task's.
        ;(this.#collector as ProducerCollector).sendNow()
        await new Promise<void>((r) => setImmediate(r))
      }
      if (!running.some((at) => (at.task.asyncWork?.held ?? 0) > 0)) return
      await whenAsyncIdle(running.map((at) => at.task))
    }
  }

  /** Drops what async stages hold before a transaction is aborted (their late results must not reach the producer). */
  #abandonAsync(reason: string): void {
    const tasks = this.#tasks
    if (tasks !== undefined) abandonAsync([...tasks.active.values()].map((at) => at.task), reason)
  }

  #noteCommitted(offsets: readonly ConsumedOffset[]): void {
    for (const o of offsets) this.#committedMeta.set(`${o.topic}\u0000${o.partition}`, { offset: o.offset, metadata: o.metadata ?? null })
  }

  /**
   * Aborts the open transaction; every task that processed in it (and `alsoClose`) loses its
   * uncommitted state: tasks being revoked are closed by the caller, the others are re-created,
   * restored from their changelogs and re-read from their committed offsets.
   */
  async #abortAndReset(consumer: GroupConsumer, revoking: ActiveTask[], outcomeUnknown = false): Promise<void> {
    const tasks = this.#tasks as TaskManager
    const producer = this.#producer as TransactionalProducer
    this.#abandonAsync('the transaction is aborted')
    try {
      await producer.abort()
    } catch (err) {
      if (err instanceof ProducerFencedError) throw err
      this.#logger.warn({ err }, 'abort failed; re-initializing the transactional producer')
      await producer.init()
    }
    this.#txnOpen = false
    if (outcomeUnknown) {
      // The commit's EndTxn may have reached the coordinator: re-initializing the producer then
      // completed that transaction instead of aborting it, and going back to the offsets this
      // instance committed before it would process its records a second time.
      const committed = await fetchCommittedPositions(this.#client as Client, this.applicationId, consumer.assignment())
      for (const [key, c] of committed) {
        this.#committedPos.set(key, c.offset)
        this.#committedMeta.set(key, c)
      }
      this.#logger.info({ partitions: committed.size }, 'transaction outcome was unknown: positions reset to what the group has committed')
    }
    ;(this.#collector as ProducerCollector).clearError()
    // A commit refused for a stale generation comes while the member is losing partitions it
    // still has tasks for (their onLost/onRevoked closes them): those are not sought, a new
    // owner starts from the committed offsets anyway.
    const assigned = new Set(consumer.assignment().map((tp) => `${tp.topic}\u0000${tp.partition}`))
    for (const at of [...tasks.active.values()]) {
      if (!at.dirty || revoking.includes(at)) continue
      const positions = at.partitions.map((tp) => {
        const key = `${tp.topic}\u0000${tp.partition}`
        return { tp, key, pos: this.#committedPos.get(key) }
      })
      const pause = tasks.reset(at)
      if (pause.length > 0) consumer.pause(pause)
      for (const { tp, key, pos } of positions) {
        if (pos === undefined || !assigned.has(key)) continue
        consumer.seek(tp.topic, tp.partition, pos)
        this.#soughtTo.set(key, pos)
      }
      this.#setState('REBALANCING')
    }
    for (const at of revoking) at.dirty = true
  }

  async #handleUncaught(err: unknown): Promise<void> {
    const error = err instanceof Error ? err : new Error(String(err))
    let response: UncaughtErrorResponse | void = 'shutdown-client'
    try {
      response = this.#errorHandler?.(error) ?? 'shutdown-client'
    } catch (handlerErr) {
      this.#logger.error({ err: handlerErr }, 'uncaught error handler threw')
    }
    this.#logger.error({ err: error, response }, 'uncaught error in stream processing')
    if (response === 'replace-thread' && !(error instanceof StreamsConfigError)) {
      await this.#replaceThread()
      return
    }
    this.#fail(error)
  }

  #fail(err: unknown): void {
    if (this.#state === 'PENDING_ERROR' || this.#state === 'ERROR' || this.#state === 'NOT_RUNNING') return
    this.#logger.error({ err }, 'shutting down after an error')
    this.#setState('PENDING_ERROR')
    void this.#teardown(false).finally(() => this.#setState('ERROR'))
  }

  /** Restarts processing: drops tasks without committing, new producer and group member. */
  async #replaceThread(): Promise<void> {
    this.#loopRunning = false
    this.#dirtyTeardown = true
    this.#setState('REBALANCING')
    try {
      const consumer = this.#consumer
      this.#consumer = undefined
      this.#abandonAsync('the stream thread is replaced')
      if (this.#eos && this.#txnOpen) await (this.#producer as TransactionalProducer).abort().catch(() => undefined)
      this.#txnOpen = false
      ;(this.#tasks as TaskManager).closeAll(false)
      await consumer?.close()
      await this.#producer?.close().catch(() => undefined)
      this.#collector?.clearError()
      this.#committedPos.clear()
      this.#committedMeta.clear()
      this.#soughtTo.clear()
      this.#asyncPauses.clear()
      this.#lag.clear()
      this.#producer = await this.#newProducer()
      ;(this.#collector as ProducerCollector).producer = this.#producer
      this.#dirtyTeardown = false
      await this.#startConsumer()
    } catch (err) {
      this.#dirtyTeardown = false
      this.#fail(err)
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
      commits: this.#commits,
      commitLatencyAvgMs: this.#commits === 0 ? 0 : this.#commitMsTotal / this.#commits,
      commitLatencyMaxMs: this.#commitMsMax,
      lag: [...this.#lag.values()].map((l) => ({ ...l })),
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
        this.#abandonAsync('the close timeout passed')
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
    this.#loopRunning = false
    this.#exports.release()
    await this.#loop?.catch(() => undefined)
    const consumer = this.#consumer
    this.#consumer = undefined
    if (clean && this.#exports.untaken() > 0) {
      // Committing would pass records no reader took: leave them to the next run.
      this.#logger.info({ untaken: this.#exports.untaken() }, 'close: records exported in-process were not taken by the reader; skipping the final commit')
      clean = false
    }
    if (clean && consumer !== undefined && this.#tasks !== undefined) {
      await this.#locked(async () => {
        try {
          await this.#commit(consumer)
        } catch (err) {
          this.#logger.warn({ err }, 'final commit failed')
          clean = false
        }
      })
    }
    if (!clean) {
      this.#dirtyTeardown = true
      this.#abandonAsync('the application closes without committing')
    }
    if (this.#eos && this.#txnOpen) {
      await (this.#producer as TransactionalProducer).abort().catch(() => undefined)
      this.#txnOpen = false
    }
    // Leaving the group revokes everything: the callbacks close the tasks (with checkpoints when clean).
    await consumer?.close().catch((err: unknown) => this.#logger.warn({ err }, 'leaving the group failed'))
    await this.#locked(async () => this.#tasks?.closeAll(clean))
    await this.#updater?.close()
    const global = this.#global
    this.#global = undefined
    await global?.close()
    await this.#producer?.close().catch((err: unknown) => this.#logger.warn({ err }, 'closing the producer failed'))
    await this.#importProducer?.close().catch((err: unknown) => this.#logger.warn({ err }, 'closing the import producer failed'))
    await this.#client?.close().catch(() => undefined)
    this.#exports.detach()
    this.#stateDir?.unlock()
    this.#dirtyTeardown = false
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
