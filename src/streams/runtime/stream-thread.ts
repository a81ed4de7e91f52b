/**
 * StreamThread: the processing side of a {@link KafkaStreams} instance, as Kafka Streams calls
 * it. It owns the group member (rebalance callbacks create and close tasks), the loop that hands
 * fetched batches to their tasks, the commit path (at_least_once: flush the producer, then commit
 * offsets; exactly_once_v2: offsets in the transaction, then commit it), the EOS abort path, and
 * the reaction to an uncaught error (replace the thread or shut the instance down). The facade
 * creates the instance's parts (client, producer collector, tasks, state updater), starts the
 * thread and stops it; lifecycle state, metadata and shutdown stay with the facade.
 */
import type { Logger } from 'pino'
import type { Client } from '../../client/client.js'
import type { GroupBatch, GroupConsumer } from '../../client/consumer/group-consumer.js'
import { CommitFailedError } from '../../client/consumer/group-consumer.js'
import type { TopicPartition } from '../../client/consumer/assignor.js'
import type { Producer } from '../../client/producer/producer.js'
import type { TransactionalProducer } from '../../client/producer/transactional-producer.js'
import { ProducerFencedError, TransactionOutcomeUnknownError } from '../../client/producer/errors.js'
import type { ExportGate } from '../stream-export.js'
import { StreamsConfigError } from './errors.js'
import type { ProducerCollector } from './producer-collector.js'
import type { StateUpdater } from './restore.js'
import type { StateDirectory } from './state-directory.js'
import { decodeAssignmentInfo, streamsAssignor, type AssignorSubtopology, type HostMap } from './streams-assignor.js'
import type { ActiveTask, CommittedPosition, TaskManager } from './task-manager.js'
import type { ConsumedOffset } from './collector.js'
import { OrderedInput } from './ordered-input.js'
import { isTaskMigrated } from './task-migrated.js'
import { abandonAsync, throwAsyncFailure, whenAsyncIdle } from './async-stage.js'
import { AsyncPauses } from './async-pauses.js'
import type { KafkaStreamsOptions, StreamsMetrics, StreamsState, UncaughtErrorResponse } from './streams-options.js'

const TICK = Symbol('tick')

/** Processing gives the event loop a turn after this many records of one batch. */
const YIELD_EVERY_RECORDS = 1000

/** What a {@link StreamThread} works with: the instance's settings and the parts the facade created. @internal */
export interface StreamThreadParts {
  readonly applicationId: string
  readonly options: KafkaStreamsOptions
  readonly eos: boolean
  readonly commitIntervalMs: number
  readonly maxTaskIdleMs: number
  readonly logger: Logger
  readonly client: Client
  readonly stateDir: StateDirectory
  /** The sub-topologies the streams assignor spreads (global ones excluded). */
  readonly subtopologies: readonly AssignorSubtopology[]
  /** Holds the thread's producer; a replaced thread puts its new producer there. */
  readonly collector: ProducerCollector
  readonly tasks: TaskManager
  readonly updater: StateUpdater
  readonly exports: ExportGate
}

/** What the thread reports to (and asks of) the {@link KafkaStreams} facade. @internal */
export interface StreamThreadHost {
  /** Moves the instance's lifecycle state (the facade ignores moves out of shutdown and error states). */
  setState(next: StreamsState): void
  /** Shuts the instance down after an error (state PENDING_ERROR, then ERROR). */
  fail(err: unknown): void
  /** The application's uncaught error handler's answer (undefined without a handler). */
  uncaughtErrorResponse(err: Error): UncaughtErrorResponse | void
  /** The instances' endpoints and tasks from the latest assignment. */
  assigned(hosts: HostMap): void
}

/** The thread's share of {@link StreamsMetrics}. */
export type StreamThreadMetrics = Pick<StreamsMetrics, 'commits' | 'commitLatencyAvgMs' | 'commitLatencyMaxMs' | 'lag'>

/**
 * The instance's producer: idempotent, or transactional (id `<applicationId>-<processId>`, fenced
 * and initialized) under exactly_once_v2. @internal
 */
export async function createStreamsProducer(client: Client, options: KafkaStreamsOptions, eos: boolean, processId: string): Promise<Producer> {
  const tuning = { lingerMs: 5, ...options.producerOptions }
  if (!eos) return client.producer(tuning)
  const p = client.transactionalProducer({ ...tuning, transactionalId: `${options.applicationId}-${processId}` })
  await p.init()
  return p
}

/** The consumer loop, commits and rebalances of one instance. @internal */
export class StreamThread {
  readonly #applicationId: string
  readonly #options: KafkaStreamsOptions
  readonly #eos: boolean
  readonly #commitIntervalMs: number
  readonly #maxTaskIdleMs: number
  readonly #logger: Logger
  readonly #client: Client
  readonly #stateDir: StateDirectory
  readonly #subtopologies: readonly AssignorSubtopology[]
  readonly #collector: ProducerCollector
  readonly #tasks: TaskManager
  readonly #updater: StateUpdater
  /** The topology's in-process exports: processing pauses when one is full, commits wait for their readers. */
  readonly #exports: ExportGate
  readonly #host: StreamThreadHost
  /** Timestamp-ordered input of tasks with several partitions (created with the consumer). */
  #orderedInput: OrderedInput | null = null
  #consumer: GroupConsumer | undefined
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

  constructor(parts: StreamThreadParts, host: StreamThreadHost) {
    this.#applicationId = parts.applicationId
    this.#options = parts.options
    this.#eos = parts.eos
    this.#commitIntervalMs = parts.commitIntervalMs
    this.#maxTaskIdleMs = parts.maxTaskIdleMs
    this.#logger = parts.logger
    this.#client = parts.client
    this.#stateDir = parts.stateDir
    this.#subtopologies = parts.subtopologies
    this.#collector = parts.collector
    this.#tasks = parts.tasks
    this.#updater = parts.updater
    this.#exports = parts.exports
    this.#host = host
  }

  /** Joins the group and starts the loop; resolves once the first assignment is in place. */
  start(): Promise<void> {
    return this.#startConsumer()
  }

  /** The committed position of an assigned input partition (where a task created for it starts). */
  committed(topic: string, partition: number): CommittedPosition | undefined {
    return this.#committedMeta.get(`${topic}\u0000${partition}`)
  }

  /** Commit counters and consumer lag. */
  metrics(): StreamThreadMetrics {
    return {
      commits: this.#commits,
      commitLatencyAvgMs: this.#commits === 0 ? 0 : this.#commitMsTotal / this.#commits,
      commitLatencyMaxMs: this.#commitMsMax,
      lag: [...this.#lag.values()].map((l) => ({ ...l })),
    }
  }

  /** The producer the thread writes with (a replaced thread's is a new one). */
  get #producer(): Producer {
    return this.#collector.producer
  }

  async #startConsumer(): Promise<void> {
    const client = this.#client
    const tasks = this.#tasks
    const topics = [...new Set(this.#subtopologies.flatMap((s) => s.topics))]
    if (topics.length === 0) throw new StreamsConfigError('the topology has no source topics outside global stores')
    const consumer = client.groupConsumer({
      groupId: this.#applicationId,
      topics,
      assignors: [
        streamsAssignor({
          subtopologies: this.#subtopologies,
          numStandbyReplicas: this.#options.numStandbyReplicas ?? 0,
          subscription: () => ({
            processId: this.#stateDir.processId,
            endpoint: this.#options.applicationServer ?? null,
            active: [...tasks.active.keys()],
            standby: tasks.standbyIds(),
            local: this.#stateDir.tasksWithState(),
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
    const pause = this.#tasks.addPartitions(tps)
    if (pause.length > 0) {
      consumer.pause(pause)
      this.#host.setState('REBALANCING')
    }
  }

  async #onRevoked(consumer: GroupConsumer, tps: TopicPartition[], lost: boolean): Promise<void> {
    const tasks = this.#tasks
    const affected = tasks.tasksOf(tps)
    for (const tp of tps) {
      this.#lag.delete(`${tp.topic}:${tp.partition}`)
      this.#committedPos.delete(`${tp.topic}\u0000${tp.partition}`)
      this.#committedMeta.delete(`${tp.topic}\u0000${tp.partition}`)
      this.#soughtTo.delete(`${tp.topic}\u0000${tp.partition}`)
      this.#asyncPauses.drop(tp.topic, tp.partition)
    }
    if (affected.length === 0) return
    this.#host.setState('REBALANCING')
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
    this.#host.assigned(info.hosts)
    this.#tasks.setStandbys(info.standby)
    if (!this.#updater.restoring) this.#host.setState('RUNNING')
  }

  /** A task finished restoring: its partitions are read again. */
  taskRunning(at: ActiveTask): void {
    this.#consumer?.resume(at.partitions)
    if (!this.#updater.restoring) this.#host.setState('RUNNING')
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
          const batchTask = this.#tasks.byPartition(batch.topic, batch.partition)
          const work = batchTask?.task.asyncWork
          if (work != null && batchTask !== undefined && batchTask.partitions.length > 1 && work.full()) await work.whenSpace()
          await this.#locked(async () => this.#processBatch(consumer, batch))
          // Asking for the next batch marks this one consumed (and lets a waiting rebalance go on).
          pending = consumer.next()
        }
        if (!this.#loopRunning) break
        await this.#locked(async () => {
          throwAsyncFailure(this.#tasks.runningTasks().map((at) => at.task))
          this.#asyncPauses.resumeReady(consumer, this.#tasks)
          for (const at of this.#tasks.runningTasks()) {
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
    const at = this.#tasks.byPartition(b.topic, b.partition)
    if (at === undefined || at.state !== 'running') {
      // Not ours to process now (restoring, or its task not created yet): read it again once the
      // task runs. A partition no longer assigned is left to its new owner.
      if (at !== undefined || this.#tasks.taskIdOf(b.topic, b.partition) !== undefined) this.#readAgain(consumer, b)
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

  /**
   * Moves the position of a batch's partition back to the batch's first record, if the partition
   * is still assigned: a batch handed out and not processed must not count as read (the consumer's
   * position is past it already).
   */
  #readAgain(consumer: GroupConsumer, b: GroupBatch): void {
    if (!consumer.assignment().some((tp) => tp.topic === b.topic && tp.partition === b.partition)) return
    consumer.seek(b.topic, b.partition, b.fetchOffset)
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
    const tasks = this.#tasks
    const running = tasks.runningTasks()
    // A committed offset must not pass a record an async stage holds (its results are not out yet)...
    await whenAsyncIdle(running.map((at) => at.task))
    // ...nor one an in-process reader has not finished with.
    if (!this.#exports.empty) await this.#exports.whenDrained()
    const collector = this.#collector
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
        this.#collector.sendNow()
        await new Promise<void>((r) => setImmediate(r))
      }
      if (!running.some((at) => (at.task.asyncWork?.held ?? 0) > 0)) return
      await whenAsyncIdle(running.map((at) => at.task))
    }
  }

  /** Drops what async stages hold before a transaction is aborted (their late results must not reach the producer). */
  abandonAsync(reason: string): void {
    abandonAsync([...this.#tasks.active.values()].map((at) => at.task), reason)
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
    const tasks = this.#tasks
    const producer = this.#producer as TransactionalProducer
    this.abandonAsync('the transaction is aborted')
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
      const committed = await consumer.fetchCommitted()
      for (const c of committed) {
        const key = `${c.topic}\u0000${c.partition}`
        this.#committedPos.set(key, c.offset)
        this.#committedMeta.set(key, { offset: c.offset, metadata: c.metadata })
      }
      this.#logger.info({ partitions: committed.length }, 'transaction outcome was unknown: positions reset to what the group has committed')
    }
    this.#collector.clearError()
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
      this.#host.setState('REBALANCING')
    }
    for (const at of revoking) at.dirty = true
  }

  async #handleUncaught(err: unknown): Promise<void> {
    const error = err instanceof Error ? err : new Error(String(err))
    let response: UncaughtErrorResponse | void = 'shutdown-client'
    try {
      response = this.#host.uncaughtErrorResponse(error) ?? 'shutdown-client'
    } catch (handlerErr) {
      this.#logger.error({ err: handlerErr }, 'uncaught error handler threw')
    }
    this.#logger.error({ err: error, response }, 'uncaught error in stream processing')
    if (response === 'replace-thread' && !(error instanceof StreamsConfigError)) {
      await this.#replaceThread()
      return
    }
    this.#host.fail(error)
  }

  /** Restarts processing: drops tasks without committing, new producer and group member. */
  async #replaceThread(): Promise<void> {
    this.#loopRunning = false
    this.#dirtyTeardown = true
    this.#host.setState('REBALANCING')
    try {
      const consumer = this.#consumer
      this.#consumer = undefined
      this.abandonAsync('the stream thread is replaced')
      if (this.#eos && this.#txnOpen) await (this.#producer as TransactionalProducer).abort().catch(() => undefined)
      this.#txnOpen = false
      this.#tasks.closeAll(false)
      await consumer?.close()
      await this.#producer.close().catch(() => undefined)
      this.#collector.clearError()
      this.#committedPos.clear()
      this.#committedMeta.clear()
      this.#soughtTo.clear()
      this.#asyncPauses.clear()
      this.#lag.clear()
      this.#collector.producer = await createStreamsProducer(this.#client, this.#options, this.#eos, this.#stateDir.processId)
      this.#dirtyTeardown = false
      await this.#startConsumer()
    } catch (err) {
      this.#dirtyTeardown = false
      this.#host.fail(err)
    }
  }

  /**
   * Stops the loop and leaves the group. `clean`: commits what was processed first (skipped
   * when an in-process reader did not take its records, or when the commit fails) and closes the
   * tasks with checkpoints; otherwise drops what async stages hold and closes them dirty.
   */
  async stop(clean: boolean): Promise<void> {
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
    if (clean && consumer !== undefined) {
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
      this.abandonAsync('the application closes without committing')
    }
    if (this.#eos && this.#txnOpen) {
      await (this.#producer as TransactionalProducer).abort().catch(() => undefined)
      this.#txnOpen = false
    }
    // Leaving the group revokes everything: the callbacks close the tasks (with checkpoints when clean).
    await consumer?.close().catch((err: unknown) => this.#logger.warn({ err }, 'leaving the group failed'))
    await this.#locked(async () => this.#tasks.closeAll(clean))
    this.#dirtyTeardown = false
  }
}
