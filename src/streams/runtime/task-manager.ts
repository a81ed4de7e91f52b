/**
 * The tasks of one instance: active tasks (restoring, then running) by task id and by input
 * partition, and standby tasks (kept warm by the {@link StateUpdater}). It creates, promotes,
 * resets and closes tasks and writes their checkpoints; the {@link StreamThread} loop decides
 * when (rebalance callbacks, commits).
 */
import type { Logger } from 'pino'
import type { TopicPartition } from '../../client/consumer/assignor.js'
import type { StateStore } from '../state/store.js'
import type { Topology } from '../topology/topology.js'
import type { ProducerCollector } from './producer-collector.js'
import { initialProgress, type StateUpdater, type UpdaterEntry } from './restore.js'
import { checkpointKey, type Checkpoint, type StateDirectory } from './state-directory.js'
import { StreamTask, type TaskConfig } from './task.js'

/** An active task of this instance. */
export interface ActiveTask {
  readonly id: string
  task: StreamTask
  partitions: TopicPartition[]
  state: 'restoring' | 'running'
  /** Processed records since the last commit (EOS: state beyond what is committed). */
  dirty: boolean
  /** Changelog positions the stores reflect (restore end, then what this task wrote). */
  changelogPositions: Checkpoint
}

/** A committed input offset and its metadata string. */
export interface CommittedPosition {
  readonly offset: bigint
  readonly metadata: string | null
}

/** Counters of tasks that were closed (so metrics survive task moves). */
interface ClosedTotals {
  processed: number
  skipped: number
  punctuations: number
  droppedRecords: number
}

export class TaskManager {
  readonly active = new Map<string, ActiveTask>()
  readonly #byPartition = new Map<string, ActiveTask>()
  readonly closedTotals: ClosedTotals = { processed: 0, skipped: 0, punctuations: 0, droppedRecords: 0 }
  readonly #topology: Topology
  readonly #config: TaskConfig
  readonly #collector: ProducerCollector
  readonly #updater: StateUpdater
  readonly #stateDir: StateDirectory
  readonly #eos: boolean
  readonly #logger: Logger
  readonly #subOfTopic = new Map<string, number>()
  readonly #globalStores: ReadonlyMap<string, StateStore> | undefined
  readonly #committed: (topic: string, partition: number) => CommittedPosition | undefined
  /** Called when an active task finished restoring and runs. */
  onRunning: (t: ActiveTask) => void = () => {}

  constructor(options: {
    topology: Topology
    config: TaskConfig
    collector: ProducerCollector
    updater: StateUpdater
    stateDir: StateDirectory
    eos: boolean
    logger: Logger
    globalStores?: ReadonlyMap<string, StateStore>
    /** The committed offset and metadata of an input partition: a new active task reads its metadata. */
    committed?: (topic: string, partition: number) => CommittedPosition | undefined
  }) {
    this.#topology = options.topology
    this.#config = options.config
    this.#collector = options.collector
    this.#updater = options.updater
    this.#stateDir = options.stateDir
    this.#eos = options.eos
    this.#logger = options.logger
    this.#globalStores = options.globalStores
    this.#committed = options.committed ?? (() => undefined)
    for (const s of this.#topology.subtopologies()) {
      if (s.global) continue
      for (const t of s.sourceTopics) this.#subOfTopic.set(this.#topology.topicName(this.#config.applicationId, t), s.id)
    }
  }

  /** The task id a source partition belongs to. */
  taskIdOf(topic: string, partition: number): string | undefined {
    const sub = this.#subOfTopic.get(topic)
    return sub === undefined ? undefined : `${sub}_${partition}`
  }

  byPartition(topic: string, partition: number): ActiveTask | undefined {
    return this.#byPartition.get(`${topic}\u0000${partition}`)
  }

  /** Records processed, skipped, punctuations and dropped records of every task this manager ran, closed or not. */
  processingTotals(): ClosedTotals {
    const t = { ...this.closedTotals }
    for (const at of this.active.values()) {
      const m = at.task.metrics
      t.processed += m.processed
      t.skipped += m.skippedDeserialization + m.skippedProcessing + m.skippedNegativeTimestamp
      t.punctuations += m.punctuations
      t.droppedRecords += m.droppedRecords
    }
    return t
  }

  /** Ids of the running, restoring and standby tasks. */
  taskIds(): { active: string[]; restoring: string[]; standby: string[] } {
    const all = [...this.active.values()]
    return {
      active: all.filter((t) => t.state === 'running').map((t) => t.id),
      restoring: all.filter((t) => t.state === 'restoring').map((t) => t.id),
      standby: this.standbyIds(),
    }
  }

  standbyIds(): string[] {
    return this.#updater
      .entries()
      .filter((e) => e.role === 'standby')
      .map((e) => e.task.id)
  }

  runningTasks(): ActiveTask[] {
    return [...this.active.values()].filter((t) => t.state === 'running')
  }

  #newTask(id: string): StreamTask {
    const [sub, partition] = id.split('_').map(Number)
    return new StreamTask({
      topology: this.#topology,
      subtopology: sub,
      partition,
      config: this.#config,
      collector: this.#collector,
      globalStores: this.#globalStores,
    })
  }

  /**
   * New partitions: their tasks start restoring (a standby of the task is promoted and only
   * reads the changelog tail). Returns the partitions to pause until the tasks run.
   */
  addPartitions(partitions: TopicPartition[]): TopicPartition[] {
    const byTask = new Map<string, TopicPartition[]>()
    for (const tp of partitions) {
      const id = this.taskIdOf(tp.topic, tp.partition)
      if (id === undefined) continue
      byTask.set(id, [...(byTask.get(id) ?? []), tp])
    }
    const pause: TopicPartition[] = []
    for (const [id, tps] of byTask) {
      let at = this.active.get(id)
      if (at !== undefined) {
        at.partitions.push(...tps)
      } else {
        const standby = this.#updater.get(id)
        let entry: UpdaterEntry
        if (standby !== undefined && standby.role === 'standby') {
          entry = standby
          entry.role = 'restoring'
          entry.startedAt = Date.now()
          this.#logger.info({ task: id }, 'promoting standby task to active')
        } else {
          if (standby !== undefined) this.#updater.remove(id)
          const task = this.#newTask(id)
          entry = { task, role: 'restoring', changelogs: initialProgress(task, this.#stateDir.readCheckpoint(id)), startedAt: Date.now() }
        }
        // Partition times and processor metadata committed by the task's previous owner.
        entry.task.initializeMetadata(tps.map((tp) => ({ topic: tp.topic, partition: tp.partition, ...this.#committed(tp.topic, tp.partition) })))
        at = { id, task: entry.task, partitions: [...tps], state: 'restoring', dirty: false, changelogPositions: new Map() }
        this.active.set(id, at)
        const created = at
        entry.onRestored = (e) => this.#restored(created, e)
        this.#updater.add(entry)
      }
      for (const tp of tps) this.#byPartition.set(`${tp.topic}\u0000${tp.partition}`, at)
      if (at.state === 'restoring') pause.push(...tps)
    }
    return pause
  }

  #restored(at: ActiveTask, entry: UpdaterEntry): void {
    if (this.active.get(at.id) !== at) return
    for (const c of entry.changelogs) at.changelogPositions.set(checkpointKey(c.topic, c.partition), c.position)
    at.task.init()
    at.state = 'running'
    // Under EOS the stores now run ahead of what is committed: a crash must not trust them.
    if (this.#eos) this.#stateDir.deleteCheckpoint(at.id)
    this.onRunning(at)
  }

  /** Active tasks owning any of these partitions. */
  tasksOf(partitions: TopicPartition[]): ActiveTask[] {
    const out = new Set<ActiveTask>()
    for (const tp of partitions) {
      const at = this.byPartition(tp.topic, tp.partition)
      if (at !== undefined) out.add(at)
    }
    return [...out]
  }

  /**
   * Closes an active task. `clean`: its state matches what is committed, so a checkpoint is
   * written (persistent stores restore only the tail next time); otherwise none is.
   */
  closeActive(at: ActiveTask, clean: boolean): void {
    if (this.active.get(at.id) !== at) return
    this.active.delete(at.id)
    for (const tp of at.partitions) this.#byPartition.delete(`${tp.topic}\u0000${tp.partition}`)
    this.#updater.remove(at.id)
    if (clean && at.state === 'running') {
      at.task.flush()
      this.#checkpoint(at)
    }
    this.#count(at.task)
    this.#closeTask(at.task)
  }

  /**
   * Discards a task's uncommitted state (EOS abort): a fresh task restores from the changelog
   * (read_committed) while its partitions are paused. Returns the task's partitions.
   */
  reset(at: ActiveTask): TopicPartition[] {
    const partitions = at.partitions
    this.closeActive(at, false)
    this.#stateDir.deleteCheckpoint(at.id)
    return this.addPartitions(partitions)
  }

  /** After a commit: the changelog positions now include what the tasks wrote. */
  committed(tasks: ActiveTask[], writeCheckpoints: boolean): void {
    const ends = this.#collector.changelogEnds
    for (const at of tasks) {
      at.task.markCommitted()
      at.dirty = false
      for (const c of at.task.changelogPartitions()) {
        const k = checkpointKey(c.topic, c.partition)
        const end = ends.get(k)
        if (end !== undefined && end > (at.changelogPositions.get(k) ?? -1n)) at.changelogPositions.set(k, end)
      }
      if (writeCheckpoints) this.#checkpoint(at)
    }
  }

  #checkpoint(at: ActiveTask): void {
    if (at.changelogPositions.size === 0) return
    try {
      this.#stateDir.writeCheckpoint(at.id, at.changelogPositions)
    } catch (err) {
      this.#logger.warn({ err, task: at.id }, 'writing the checkpoint failed')
    }
  }

  /** Makes the standby set match the assignment (tasks active here are never standbys). */
  setStandbys(ids: readonly string[]): void {
    const want = new Set(ids.filter((id) => !this.active.has(id)))
    for (const e of this.#updater.entries()) {
      if (e.role !== 'standby' || want.has(e.task.id)) continue
      this.#updater.remove(e.task.id)
      this.#checkpointStandby(e)
      this.#closeTask(e.task)
    }
    for (const id of want) {
      if (this.#updater.get(id) !== undefined) continue
      const task = this.#newTask(id)
      this.#updater.add({ task, role: 'standby', changelogs: initialProgress(task, this.#stateDir.readCheckpoint(id)), startedAt: Date.now() })
      this.#logger.info({ task: id }, 'standby task created')
    }
  }

  #checkpointStandby(e: UpdaterEntry): void {
    if (e.changelogs.length === 0) return
    e.task.flush()
    try {
      this.#stateDir.writeCheckpoint(e.task.id, new Map(e.changelogs.map((c) => [checkpointKey(c.topic, c.partition), c.position])))
    } catch (err) {
      this.#logger.warn({ err, task: e.task.id }, 'writing the standby checkpoint failed')
    }
  }

  /** Closes every task; `clean` writes checkpoints of running and standby tasks. */
  closeAll(clean: boolean): void {
    for (const at of [...this.active.values()]) this.closeActive(at, clean)
    for (const e of this.#updater.entries()) {
      this.#updater.remove(e.task.id)
      if (clean && e.role === 'standby') this.#checkpointStandby(e)
      this.#closeTask(e.task)
    }
  }

  #count(task: StreamTask): void {
    const m = task.metrics
    this.closedTotals.processed += m.processed
    this.closedTotals.skipped += m.skippedDeserialization + m.skippedProcessing + m.skippedNegativeTimestamp
    this.closedTotals.punctuations += m.punctuations
    this.closedTotals.droppedRecords += m.droppedRecords
  }

  #closeTask(task: StreamTask): void {
    try {
      task.close()
    } catch (err) {
      // Standby tasks never ran init(): a processor's close() may trip over that.
      this.#logger.debug({ err, task: task.id }, 'closing a task failed')
    }
  }
}
