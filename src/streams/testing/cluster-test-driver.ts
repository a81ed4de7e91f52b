/**
 * ClusterTestDriver: runs a topology in-process over a simulated cluster, beyond Kafka Streams'
 * single-partition TopologyTestDriver. Topics have N partitions and records are placed by the
 * Java client's partitioner (murmur2 of the serialized key, or a given partition); there is one
 * {@link StreamTask} per (sub-topology, partition), as the broker runtime creates them, spread over
 * simulated instances; repartition topics get the partition counts the topology resolves.
 *
 * The runtime's lifecycle is simulated deterministically: which task processes next is a seeded
 * choice (a seed reproduces a run, other seeds interleave differently); commits happen where the
 * test asks; a crash loses everything an instance did since its last commit (under
 * exactly_once_v2 its open transaction is aborted: read_committed readers never see that output
 * and the tasks restore from the committed changelog records); rebalances move tasks between
 * instances with a clean handoff (commit, close, the new owner restores from the changelog).
 * Global stores: each instance has a global task that reads every partition of their topics
 * before any task processes (a crash rebuilds it from the topics). Pattern sources
 * read the topics named in the `partitions` option that they match.
 *
 * Async stages (mapValuesAsync, processAsync, ...) run for real, their calls progressing while
 * the test awaits: {@link ClusterTestDriver.commitAsync}, {@link ClusterTestDriver.rebalanceAsync}
 * and {@link ClusterTestDriver.runUntilIdleAsync} wait, as the runtime's commits do, until every
 * record a committing task's stages hold was forwarded (the synchronous ones refuse to commit past
 * such a record); a crash abandons the calls in flight (their late results are dropped) and the
 * input is read again from the last commit.
 */
import type { IsolationLevel } from '../../client/consumer/fetch-result.js'
import { partitionForKey } from '../../client/partitioner.js'
import { InvalidArgumentError } from '../../protocol/errors.js'
import { TopologyError } from '../errors.js'
import type { RecordHeaders } from '../record.js'
import type { Serde } from '../serde.js'
import type { KeyValueStore, StateStore } from '../state/store.js'
import { DEFAULT_CACHE_MAX_BYTES, RecordCache } from '../state/record-cache.js'
import type { Topology } from '../topology/topology.js'
import { throwAsyncFailure, whenAsyncIdle } from '../runtime/async-stage.js'
import type { RecordCollector, SinkPartitioner } from '../runtime/collector.js'
import type { ProcessingGuarantee } from '../runtime/streams-options.js'
import { StreamTask, type TaskConfig, type TaskMetrics } from '../runtime/task.js'
import { ClusterInputTopic, ClusterOutputTopic } from './cluster-topics.js'
import { SeededRandom } from './seeded-random.js'
import { SimulatedLog, type SimulatedRecord, type SimulatedTransaction } from './simulated-log.js'

/** Options of {@link ClusterTestDriver}. */
export interface ClusterTestDriverOptions extends Omit<Partial<TaskConfig>, 'applicationId' | 'recordCache' | 'stateDir'> {
  /** Default 'cluster-test-driver'. */
  applicationId?: string
  /** Default 'at_least_once'. Under 'exactly_once_v2' each instance writes in a transaction its commits commit. */
  processingGuarantee?: ProcessingGuarantee
  /** Number of simulated instances the tasks are spread over (named `instance-0`, ...); default 1. */
  instances?: number
  /** Partition count of external topics not listed in {@link partitions}; default 1. */
  defaultPartitions?: number
  /** Partition counts of external topics (source and sink topics), by name; pattern sources read the topics named here that they match. */
  partitions?: Readonly<globalThis.Record<string, number>>
  /** Seed of every random choice (which task processes next, null-key placement, random rebalances); default 0. */
  seed?: number
  /** Start of the mocked wall clock; default 0. */
  initialWallClockTimeMs?: number
  /** Record cache size per instance, as KafkaStreams' `cacheMaxBytes` (default 10 MiB, 0: off). Cached updates go out at commits. */
  cacheMaxBytes?: number
}

/** Counters of a {@link ClusterTestDriver} run. */
export interface ClusterTestDriverStats {
  /** Records processed by tasks (re-processing after crashes included). */
  processed: number
  commits: number
  crashes: number
  /** Tasks moved by rebalances. */
  taskMoves: number
  /** Transactions aborted (exactly_once_v2 crashes). */
  aborted: number
}

interface Instance {
  readonly name: string
  config: TaskConfig
  txn: SimulatedTransaction | null
  readonly collector: RecordCollector
  /** The instance's global-store updater (a global task reading every partition of the global topics). */
  global: GlobalUpdater | null
}

interface GlobalUpdater {
  readonly task: StreamTask
  readonly stores: ReadonlyMap<string, StateStore>
  /** Next offset to read, per global topic and partition. */
  readonly positions: Map<string, number[]>
}

interface TaskDef {
  readonly id: string
  readonly subtopology: number
  readonly partition: number
  /** Full names of the input topics that have this partition. */
  readonly inputs: readonly string[]
}

interface RunningTask {
  readonly def: TaskDef
  readonly owner: Instance
  readonly task: StreamTask
  /** Consumer positions (next offset to read), per input topic. */
  readonly positions: Map<string, number>
}

const positionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/** Runs a {@link Topology} over simulated partitions, instances, commits, crashes and rebalances. */
export class ClusterTestDriver {
  /** The application id (prefix of internal topics). */
  readonly applicationId: string
  /** The processing guarantee the run simulates. */
  readonly processingGuarantee: ProcessingGuarantee
  /** Counters of the run so far. */
  readonly stats: ClusterTestDriverStats = { processed: 0, commits: 0, crashes: 0, taskMoves: 0, aborted: 0 }
  readonly #topology: Topology
  readonly #log = new SimulatedLog()
  readonly #rng: SeededRandom
  readonly #instances: Instance[] = []
  readonly #defs: TaskDef[] = []
  /** Running tasks by id, in task-definition order. */
  readonly #tasks = new Map<string, RunningTask>()
  /** The group's committed input positions and their metadata. */
  readonly #committed = new Map<string, { offset: bigint; metadata: string | null }>()
  readonly #partitionsOf: (topic: string) => number
  readonly #baseConfig: TaskConfig
  readonly #cacheMaxBytes: number
  readonly #isolation: IsolationLevel
  /** Source topics of global stores. */
  readonly #globalTopics: string[]
  #now: number
  #closed = false

  constructor(topology: Topology, options: ClusterTestDriverOptions = {}) {
    const { applicationId, processingGuarantee, instances, defaultPartitions, partitions, seed, initialWallClockTimeMs, cacheMaxBytes, ...taskOptions } = options
    this.#topology = topology
    this.applicationId = applicationId ?? 'cluster-test-driver'
    this.processingGuarantee = processingGuarantee ?? 'at_least_once'
    if (this.processingGuarantee !== 'at_least_once' && this.processingGuarantee !== 'exactly_once_v2') {
      throw new InvalidArgumentError(`processingGuarantee must be 'at_least_once' or 'exactly_once_v2', got '${String(processingGuarantee)}'`)
    }
    this.#isolation = this.processingGuarantee === 'exactly_once_v2' ? 'read_committed' : 'read_uncommitted'
    this.#rng = new SeededRandom(seed ?? 0)
    this.#now = initialWallClockTimeMs ?? 0
    this.#cacheMaxBytes = cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES
    if (!Number.isSafeInteger(this.#cacheMaxBytes) || this.#cacheMaxBytes < 0) throw new InvalidArgumentError(`cacheMaxBytes must be an integer >= 0, got ${String(cacheMaxBytes)}`)
    const instanceCount = instances ?? 1
    if (!Number.isSafeInteger(instanceCount) || instanceCount < 1) throw new InvalidArgumentError(`instances must be an integer >= 1, got ${String(instances)}`)
    const fallback = defaultPartitions ?? 1
    if (!Number.isSafeInteger(fallback) || fallback < 1) throw new InvalidArgumentError(`defaultPartitions must be an integer >= 1, got ${String(defaultPartitions)}`)
    this.#partitionsOf = (topic) => partitions?.[topic] ?? fallback

    // Pattern sources read the topics they match, as the runtime binds them at start: here the
    // topics named in `partitions`.
    if (topology.subtopologies().some((s) => s.sourcePatterns.length > 0)) {
      const unmatched = topology.resolvePatternSources(Object.keys(partitions ?? {}))
      if (unmatched.length > 0) throw new TopologyError(`source pattern(s) ${unmatched.map(String).join(', ')} match no topic of the partitions option; name the topics to read there`)
    }
    const subs = topology.subtopologies()

    // Partition counts as the broker runtime resolves them: external topics as configured,
    // repartition topics from the topology, one changelog partition per task.
    const resolved = topology.resolveInternalTopics(this.applicationId, (t) => this.#partitionsOf(t))
    for (const it of resolved.internalTopics) this.#log.create(it.name, it.partitions)
    for (const s of subs) {
      for (const t of [...s.sourceTopics, ...s.sinkTopics]) {
        const name = topology.topicName(this.applicationId, t)
        if (!this.#log.has(name)) this.#log.create(name, this.#partitionsOf(name))
      }
    }
    this.#globalTopics = subs.filter((s) => s.global).flatMap((s) => s.sourceTopics)
    for (const s of subs) {
      if (s.global) continue
      const topics = s.sourceTopics.map((t) => topology.topicName(this.applicationId, t))
      const n = resolved.tasksPerSubtopology.get(s.id) ?? 1
      for (let p = 0; p < n; p++) this.#defs.push({ id: `${s.id}_${p}`, subtopology: s.id, partition: p, inputs: topics.filter((t) => this.#log.partitions(t) > p) })
    }

    this.#baseConfig = {
      ...taskOptions,
      applicationId: this.applicationId,
      // As TopologyTestDriver: windows and outer joins look for closed windows on every record.
      windowedEmitIntervalMs: taskOptions.windowedEmitIntervalMs ?? 0,
      outerJoinEmitIntervalMs: taskOptions.outerJoinEmitIntervalMs ?? 0,
    }
    for (let i = 0; i < instanceCount; i++) {
      const inst: Instance = {
        name: `instance-${i}`,
        config: this.#instanceConfig(),
        txn: null,
        collector: { send: (topic, key, value, headers, timestamp, partition) => this.#send(inst, topic, key, value, headers, timestamp, partition) },
        global: null,
      }
      inst.global = this.#startGlobal(inst)
      this.#instances.push(inst)
    }
    // Tasks spread round-robin, in task-id order.
    this.#defs.forEach((def, i) => this.#tasks.set(def.id, this.#startTask(def, this.#instances[i % instanceCount])))
    for (const e of topology.exports) e.attach()
  }

  /** Input topic handle with the serdes used to write its records. */
  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, options: { startTimestampMs?: number; autoAdvanceMs?: number } = {}): ClusterInputTopic<K, V> {
    this.#checkOpen()
    if (!this.#defs.some((d) => d.inputs.includes(topic)) && !this.#globalTopics.includes(topic)) throw new TopologyError(`topic '${topic}' is not an input topic of this topology`)
    return new ClusterInputTopic(this, topic, keySerde, valueSerde, options.startTimestampMs ?? this.#now, options.autoAdvanceMs ?? 0)
  }

  /**
   * Output topic handle reading every partition. `isolation` defaults to 'read_committed' (what
   * a downstream exactly-once consumer sees); 'read_uncommitted' also shows open and aborted
   * transactions' records.
   */
  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, options: { isolation?: IsolationLevel } = {}): ClusterOutputTopic<K, V> {
    if (!this.#log.has(topic)) this.#log.create(topic, this.#partitionsOf(topic))
    return new ClusterOutputTopic(this.#log, topic, keySerde, valueSerde, options.isolation ?? 'read_committed')
  }

  /** Partition count of a topic (internal topics by their full name). */
  partitionCount(topic: string): number {
    return this.#log.partitions(topic)
  }

  /** Names of the simulated instances. */
  instanceNames(): string[] {
    return this.#instances.map((i) => i.name)
  }

  /** Which instance runs each task, by task id (`<subtopology>_<partition>`). */
  assignment(): Map<string, string> {
    return new Map([...this.#tasks].map(([id, t]) => [id, t.owner.name]))
  }

  /** Metrics of the running tasks by task id (counters restart when a task is re-created). */
  metrics(): Map<string, TaskMetrics> {
    return new Map([...this.#tasks].map(([id, t]) => [id, t.task.metrics]))
  }

  /** The committed offset (next offset to read) of an input partition, if any. */
  committedOffset(topic: string, partition: number): bigint | undefined {
    return this.#committed.get(positionKey(topic, partition))?.offset
  }

  /**
   * A key-value store of the task of `partition`, with plain values (timestamped stores too, as
   * {@link TopologyTestDriver.getKeyValueStore} reads them). Throws when no such task has that store.
   */
  getKeyValueStore<K, V>(name: string, partition: number): KeyValueStore<K, V> {
    for (const t of this.#tasks.values()) {
      if (t.def.partition !== partition) continue
      const s = t.task.store(name)
      if (s !== undefined) return s as unknown as KeyValueStore<K, V>
    }
    throw new TopologyError(`no task of partition ${partition} has a state store named '${name}'`)
  }

  /**
   * Processes up to `maxRecords` records (default: until no task has a readable record), one
   * at a time: a seeded choice among the tasks with input picks the next one, which processes
   * the head with the lowest timestamp of its input partitions. Nothing is committed. A task
   * whose async stage is full takes no input (as the runtime pauses it). Returns the number
   * processed; throws the failure of an async stage.
   */
  process(maxRecords = Infinity): number {
    this.#checkOpen()
    throwAsyncFailure(this.#runningTasks())
    let n = 0
    while (n < maxRecords) {
      // Global stores keep up with their topics before any task processes (as after the runtime's bootstrap).
      for (const inst of this.#instances) this.#catchUpGlobal(inst)
      const ready: Array<{ t: RunningTask; topic: string; r: SimulatedRecord }> = []
      for (const t of this.#tasks.values()) {
        if (t.task.asyncWork?.full() === true) continue
        let best: { topic: string; r: SimulatedRecord } | undefined
        for (const [topic, pos] of t.positions) {
          const r = this.#log.next(topic, t.def.partition, pos, this.#isolation)
          if (r !== undefined && (best === undefined || r.timestamp < best.r.timestamp)) best = { topic, r }
        }
        if (best !== undefined) ready.push({ t, ...best })
      }
      if (ready.length === 0) break
      const { t, topic, r } = ready[this.#rng.int(ready.length)]
      t.positions.set(topic, r.offset + 1)
      t.task.process(topic, t.def.partition, BigInt(r.offset), r.key, r.value, r.timestamp, r.headers)
      t.task.maybePunctuateStreamTime()
      this.stats.processed++
      n++
    }
    return n
  }

  /**
   * Processes and commits every instance until nothing is left to process (under
   * exactly_once_v2, repartitioned records become readable downstream only once committed).
   * Returns the number of records processed. With async stages use {@link runUntilIdleAsync}.
   */
  runUntilIdle(): number {
    let n = 0
    for (;;) {
      n += this.process()
      this.commit()
      const more = this.process(1)
      if (more === 0) return n
      n += more
    }
  }

  /** {@link runUntilIdle} for topologies with async stages: each commit waits for their calls in flight ({@link commitAsync}). */
  async runUntilIdleAsync(): Promise<number> {
    let n = 0
    for (;;) {
      n += this.process()
      await this.commitAsync()
      const more = this.process(1)
      if (more === 0) return n
      n += more
    }
  }

  /**
   * Waits until the async stages of every task have forwarded the results of the records they
   * hold (nothing is committed), as TopologyTestDriver.settle() does; rejects with the
   * failure of a stage.
   */
  async settle(): Promise<void> {
    this.#checkOpen()
    await whenAsyncIdle(this.#runningTasks())
  }

  /** Records held by the tasks' async stages (waiting, in flight, or results waiting for their turn). */
  asyncHeld(): number {
    let n = 0
    for (const t of this.#tasks.values()) n += t.task.asyncWork?.held ?? 0
    return n
  }

  /**
   * Commits as the runtime does: stores and the record cache flush, then the input offsets are
   * committed (under exactly_once_v2 with the instance's transaction, which then commits).
   * `target`: an instance name, a task id, or every instance when omitted. Under
   * exactly_once_v2 a task id commits its instance (one transaction covers all its tasks, as
   * in Kafka Streams' exactly_once_v2); under at_least_once only that task.
   */
  commit(target?: string): void {
    this.#checkOpen()
    for (const [inst, tasks] of this.#commitTargets(target)) this.#commitTasks(inst, tasks)
  }

  /**
   * {@link commit} that first waits, as the runtime's commits do, until the committing tasks'
   * async stages have forwarded every record they hold (and what flushing the stores and caches
   * forwards into them): a committed offset never passes a record whose results are not out.
   */
  async commitAsync(target?: string): Promise<void> {
    this.#checkOpen()
    for (const [inst, tasks] of this.#commitTargets(target)) await this.#commitTasksAsync(inst, tasks)
  }

  /** The instances a commit of `target` commits, each with its tasks to commit. */
  #commitTargets(target: string | undefined): Array<[Instance, RunningTask[]]> {
    const all = (inst: Instance): [Instance, RunningTask[]] => [inst, [...this.#tasks.values()].filter((t) => t.owner === inst)]
    if (target === undefined) return this.#instances.map(all)
    const inst = this.#instances.find((i) => i.name === target)
    if (inst !== undefined) return [all(inst)]
    const t = this.#tasks.get(target)
    if (t === undefined) throw new InvalidArgumentError(`commit: '${target}' is neither an instance (${this.instanceNames().join(', ')}) nor a task (${[...this.#tasks.keys()].join(', ')})`)
    return this.processingGuarantee === 'exactly_once_v2' ? [all(t.owner)] : [[t.owner, [t]]]
  }

  /**
   * Simulates a crash of `instance` and its restart: everything since its last commit is lost.
   * Under exactly_once_v2 its open transaction aborts (read_committed readers never see that
   * output); under at_least_once what it wrote stays. Its tasks are re-created: stores restore
   * from the changelog (what a restoring consumer reads at the guarantee's isolation level) and
   * input is re-read from the committed offsets. Calls of its async stages in flight are
   * abandoned: their signals fire and their results are dropped.
   */
  crash(instance: string): void {
    this.#checkOpen()
    const inst = this.#instance(instance)
    const lost = [...this.#tasks.values()].filter((t) => t.owner === inst)
    // Calls in flight die with the process: their late results are dropped, their signals fire.
    for (const t of lost) t.task.asyncWork?.abandon(`instance ${inst.name} crashed`)
    if (inst.txn !== null) {
      inst.txn.state = 'aborted'
      inst.txn = null
      this.stats.aborted++
    }
    for (const t of lost) closeQuietly(t.task)
    // The record cache and the global stores died with the process.
    inst.config = this.#instanceConfig()
    if (inst.global !== null) closeQuietly(inst.global.task)
    inst.global = this.#startGlobal(inst)
    for (const t of lost) this.#tasks.set(t.def.id, this.#startTask(t.def, inst))
    this.stats.crashes++
  }

  /**
   * Moves tasks between instances with a clean handoff: each instance losing a task commits,
   * closes it, and the new owner restores it from the changelog and reads on from the committed
   * offsets. `assignment`: task id to instance name for the tasks to move (others stay); when
   * omitted, every task goes to a seeded random instance. Returns the ids of the moved tasks.
   */
  rebalance(assignment?: ReadonlyMap<string, string> | Readonly<globalThis.Record<string, string>>): string[] {
    this.#checkOpen()
    const { moving, target } = this.#planMoves(assignment)
    for (const inst of new Set(moving.map((t) => t.owner))) this.#commitInstance(inst)
    return this.#move(moving, target)
  }

  /** {@link rebalance} whose handoff commits wait for the async stages' calls in flight ({@link commitAsync}). */
  async rebalanceAsync(assignment?: ReadonlyMap<string, string> | Readonly<globalThis.Record<string, string>>): Promise<string[]> {
    this.#checkOpen()
    const { moving, target } = this.#planMoves(assignment)
    for (const inst of new Set(moving.map((t) => t.owner))) await this.#commitTasksAsync(inst, [...this.#tasks.values()].filter((t) => t.owner === inst))
    return this.#move(moving, target)
  }

  #planMoves(assignment: ReadonlyMap<string, string> | Readonly<globalThis.Record<string, string>> | undefined): { moving: RunningTask[]; target: Map<string, Instance> } {
    const target = new Map<string, Instance>()
    if (assignment === undefined) {
      for (const id of this.#tasks.keys()) target.set(id, this.#instances[this.#rng.int(this.#instances.length)])
    } else {
      const entries = assignment instanceof Map ? [...assignment] : Object.entries(assignment as Readonly<globalThis.Record<string, string>>)
      for (const [id, name] of entries) {
        if (!this.#tasks.has(id)) throw new InvalidArgumentError(`rebalance: no task '${id}' (tasks: ${[...this.#tasks.keys()].join(', ')})`)
        target.set(id, this.#instance(name))
      }
    }
    return { moving: [...this.#tasks.values()].filter((t) => target.has(t.def.id) && target.get(t.def.id) !== t.owner), target }
  }

  #move(moving: RunningTask[], target: Map<string, Instance>): string[] {
    for (const t of moving) {
      t.task.close()
      this.#tasks.set(t.def.id, this.#startTask(t.def, target.get(t.def.id) as Instance))
    }
    this.stats.taskMoves += moving.length
    return moving.map((t) => t.def.id)
  }

  /** Moves one task to `instance` ({@link rebalance} with one entry). */
  moveTask(taskId: string, instance: string): void {
    this.rebalance(new Map([[taskId, instance]]))
  }

  /** Moves the mocked wall clock and runs due wall-clock punctuators of every task. */
  advanceWallClockTime(ms: number): void {
    this.#checkOpen()
    if (!(ms >= 0)) throw new InvalidArgumentError(`advanceWallClockTime: ms must be >= 0, got ${ms}`)
    this.#now += ms
    for (const t of this.#tasks.values()) t.task.maybePunctuateSystemTime()
  }

  /** The mocked wall-clock time. */
  wallClockTimeMs(): number {
    return this.#now
  }

  /** Closes every task (nothing is committed). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const t of this.#tasks.values()) closeQuietly(t.task)
    for (const inst of this.#instances) if (inst.global !== null) closeQuietly(inst.global.task)
    for (const e of this.#topology.exports) e.detach(true)
  }

  [Symbol.dispose](): void {
    this.close()
  }

  /** @internal Appends one serialized input record; returns its partition. */
  pipeRaw(topic: string, key: Buffer | null, value: Buffer | null, headers: RecordHeaders, timestamp: number, partition?: number): number {
    this.#checkOpen()
    const n = this.#log.partitions(topic)
    const p = partition ?? (key === null ? this.#rng.int(n) : partitionForKey(key, n))
    this.#log.append(topic, p, { key, value, headers: [...headers], timestamp }, null)
    return p
  }

  #instanceConfig(): TaskConfig {
    return { ...this.#baseConfig, recordCache: new RecordCache(this.#cacheMaxBytes) }
  }

  #instance(name: string): Instance {
    const inst = this.#instances.find((i) => i.name === name)
    if (inst === undefined) throw new InvalidArgumentError(`no instance '${name}' (instances: ${this.instanceNames().join(', ')})`)
    return inst
  }

  /** A global task for the instance, its stores filled from the start of the global topics. */
  #startGlobal(inst: Instance): GlobalUpdater | null {
    if (this.#globalTopics.length === 0) return null
    const task = new StreamTask({ topology: this.#topology, subtopology: 'global', partition: 0, config: inst.config, collector: inst.collector, clock: () => this.#now })
    const stores = new Map<string, StateStore>()
    for (const name of task.storeNames()) stores.set(name, task.store(name) as StateStore)
    task.init()
    const updater: GlobalUpdater = { task, stores, positions: new Map(this.#globalTopics.map((t) => [t, new Array<number>(this.#log.partitions(t)).fill(0)])) }
    inst.global = updater
    this.#catchUpGlobal(inst)
    return updater
  }

  #catchUpGlobal(inst: Instance): void {
    const g = inst.global
    if (g === null) return
    for (const [topic, positions] of g.positions) {
      for (let p = 0; p < positions.length; p++) {
        for (let r = this.#log.next(topic, p, positions[p], this.#isolation); r !== undefined; r = this.#log.next(topic, p, positions[p], this.#isolation)) {
          positions[p] = r.offset + 1
          g.task.process(topic, p, BigInt(r.offset), r.key, r.value, r.timestamp, r.headers)
        }
      }
    }
  }

  /** A task as a new owner starts it: stores restored from the changelog, positions from the committed offsets. */
  #startTask(def: TaskDef, owner: Instance): RunningTask {
    this.#catchUpGlobal(owner)
    const task = new StreamTask({
      topology: this.#topology,
      subtopology: def.subtopology,
      partition: def.partition,
      config: owner.config,
      collector: owner.collector,
      globalStores: owner.global?.stores,
      clock: () => this.#now,
    })
    for (const c of task.changelogPartitions()) task.restore(c.storeName, this.#log.readFrom(c.topic, c.partition, 0, this.#isolation))
    const positions = new Map<string, number>()
    const committed = def.inputs.map((topic) => {
      const c = this.#committed.get(positionKey(topic, def.partition))
      positions.set(topic, c === undefined ? 0 : Number(c.offset))
      return { topic, partition: def.partition, offset: c?.offset, metadata: c?.metadata }
    })
    task.initializeMetadata(committed)
    task.init()
    return { def, owner, task, positions }
  }

  #commitInstance(inst: Instance): void {
    this.#commitTasks(inst, [...this.#tasks.values()].filter((t) => t.owner === inst))
  }

  #commitTasks(inst: Instance, tasks: RunningTask[]): void {
    this.#refuseHeld(tasks)
    // Flushing forwards cached updates: their output belongs to this commit.
    for (const t of tasks) t.task.flush()
    this.#refuseHeld(tasks)
    this.#completeCommit(inst, tasks)
  }

  /** A commit must not pass a record an async stage holds: the synchronous commits cannot wait for it. */
  #refuseHeld(tasks: RunningTask[]): void {
    throwAsyncFailure(tasks.map((t) => t.task))
    const t = tasks.find((x) => (x.task.asyncWork?.held ?? 0) > 0)
    if (t === undefined) return
    throw new TopologyError(
      `task ${t.def.id} has ${t.task.asyncWork?.held} record(s) in async stages whose results are not forwarded yet: ` +
        'await commitAsync(), rebalanceAsync() or runUntilIdleAsync() (they wait for them), or settle() first',
    )
  }

  /** The commit of #commitTasks waiting for the async stages, as the runtime does: what a flush forwards into a stage is waited for, then flushed in turn. */
  async #commitTasksAsync(inst: Instance, tasks: RunningTask[]): Promise<void> {
    const running = tasks.map((t) => t.task)
    for (;;) {
      await whenAsyncIdle(running)
      for (const t of running) t.flush()
      if (!running.some((t) => (t.asyncWork?.held ?? 0) > 0)) break
    }
    this.#completeCommit(inst, tasks)
  }

  /** Commits the tasks' input offsets (with the instance's transaction under exactly_once_v2). */
  #completeCommit(inst: Instance, tasks: RunningTask[]): void {
    const offsets = tasks.flatMap((t) => t.task.committableOffsets())
    if (inst.txn !== null) {
      inst.txn.state = 'committed'
      inst.txn = null
    }
    for (const o of offsets) this.#committed.set(positionKey(o.topic, o.partition), { offset: o.offset, metadata: o.metadata ?? null })
    for (const t of tasks) t.task.markCommitted()
    this.stats.commits++
  }

  #runningTasks(): StreamTask[] {
    return [...this.#tasks.values()].map((t) => t.task)
  }

  /** The instance's collector: output goes to the log, in the open transaction under exactly_once_v2. */
  #send(inst: Instance, topic: string, key: Buffer | string | null, value: Buffer | string | null, headers: RecordHeaders, timestamp: number, partition?: number | SinkPartitioner): void {
    if (!this.#log.has(topic)) this.#log.create(topic, this.#partitionsOf(topic))
    const n = this.#log.partitions(topic)
    let p: number | undefined = typeof partition === 'number' ? partition : partition?.partition(topic, key, value, n)
    p ??= key === null ? this.#rng.int(n) : partitionForKey(key, n)
    const txn = this.processingGuarantee === 'exactly_once_v2' ? (inst.txn ??= { state: 'open' }) : null
    // Text from serializeText stands for its UTF-8 bytes; the task may reuse its headers array.
    const bytes = (b: Buffer | string | null): Buffer | null => (typeof b === 'string' ? Buffer.from(b) : b)
    this.#log.append(topic, p, { key: bytes(key), value: bytes(value), headers: [...headers], timestamp }, txn)
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('ClusterTestDriver is closed')
  }
}

function closeQuietly(task: StreamTask): void {
  try {
    task.close()
  } catch {
    // A crashed task's processors may fail to close; the simulated process is gone anyway.
  }
}
