/**
 * TransactionManager: the coordinator side of a transactional producer (the Java client's
 * TransactionManager): InitProducerId with the transactional id (fencing older instances),
 * AddPartitionsToTxn before a partition's first batch in a transaction, AddOffsetsToTxn +
 * TxnOffsetCommit (with the consumer's group metadata, KIP-447), EndTxn, and the state machine.
 */
import { KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { AddOffsetsToTxn } from '../../protocol/messages/add-offsets-to-txn.js'
import { AddPartitionsToTxn } from '../../protocol/messages/add-partitions-to-txn.js'
import { EndTxn } from '../../protocol/messages/end-txn.js'
import { InitProducerId } from '../../protocol/messages/init-producer-id.js'
import { TxnOffsetCommit, type TxnOffsetCommitRequestTopic } from '../../protocol/messages/txn-offset-commit.js'
import type { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import { CommitFailedError, type ConsumerGroupMetadata, type OffsetToCommit } from '../consumer/group-consumer.js'
import { Coordinators, type CoordinatorKind } from '../coordinator.js'
import { ConnectionError, TimeoutError } from '../errors.js'
import { backoffDelay, sleep } from '../retry.js'
import type { PartitionQueue, RecordAccumulator } from './accumulator.js'
import { ProducerFencedError, TransactionAbortableError, TransactionOutcomeUnknownError, TransactionStateError } from './errors.js'
import type { Sender, TransactionHooks } from './sender.js'
import { incrementSequence, transactionalVersion, TransactionStateMachine, type TransactionState } from './txn-state.js'

/** Coordinator errors that a new attempt (after a new lookup for the first two) may cure. */
const COORDINATOR_MOVED = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE])
const RETRY_LATER = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.REQUEST_TIMED_OUT])
const FENCED = new Set<number>([ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH])
const GROUP_FENCED = new Set<number>([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.FENCED_INSTANCE_ID, ErrorCode.REBALANCE_IN_PROGRESS])

/** Backoff of coordinator retries (CONCURRENT_TRANSACTIONS clears within tens of ms). */
const BACKOFF = { retries: 0, initialBackoffMs: 20, maxBackoffMs: 1000 }

/** Thrown by a coordinator call whose request may have been applied without us knowing. */
class AmbiguousError extends Error {}

export class TransactionManager implements TransactionHooks {
  private readonly sm = new TransactionStateMachine()
  fatalError: Error | undefined
  private abortableError: Error | undefined
  /** The epoch must be bumped (InitProducerId with the current id and epoch) when the transaction aborts. */
  private bumpEpochOnAbort = false
  /** Partitions or offsets were added on the coordinator: EndTxn is needed. */
  private started = false
  /** The coordinator offers transaction version 2 (checked whenever it answers; used from the next begin()). */
  private v2Offered = false
  /** The current transaction uses transaction version 2 (KIP-890 part 2): see {@link transactionV2}. */
  private v2 = false
  /** Counts transactions; records admitted late check they still belong to the one they were sent in. */
  generation = 0
  private pendingAdds = new Set<Promise<void>>()
  private readonly coordinators: Coordinators
  private readonly lane: string
  private sender!: Sender
  private acc!: RecordAccumulator
  /** The producer's flush: also waits for sends still resolving metadata. */
  private flush!: () => Promise<void>

  constructor(
    private readonly cluster: Cluster,
    readonly transactionalId: string,
    private readonly transactionTimeoutMs: number,
    /** How long coordinator calls are retried before giving up. */
    private readonly maxBlockMs: number,
  ) {
    this.lane = cluster.newLane('txn')
    this.coordinators = new Coordinators(cluster, this.lane)
  }

  attach(sender: Sender, acc: RecordAccumulator, flush: () => Promise<void>): void {
    this.sender = sender
    this.acc = acc
    this.flush = flush
  }

  get state(): TransactionState {
    return this.sm.state
  }

  /** Why a record sent now cannot join the transaction (undefined when it can). */
  sendError(generation = this.generation): Error | undefined {
    if (this.fatalError) return this.fatalError
    if (generation !== this.generation) return new TransactionAbortableError('the transaction the record was sent in has ended')
    const s = this.sm.state
    if (s === 'in_transaction' || s === 'committing') return undefined
    if (s === 'abortable_error') return new TransactionAbortableError(`the transaction failed, call abort(): ${this.abortableError?.message}`, { cause: this.abortableError })
    return new TransactionStateError(`send() is not allowed in transaction state '${s}'${s === 'ready' ? ': call begin() first' : ''}`)
  }

  /** The sender must not send produce requests now (the transaction failed). */
  get sendBlockedError(): Error | undefined {
    return this.fatalError ?? (this.sm.state === 'abortable_error' || this.sm.state === 'aborting' ? this.abortableError : undefined)
  }

  private checkFatal(): void {
    if (this.fatalError) throw this.fatalError
  }

  onFatalError(err: Error): void {
    if (this.fatalError) return
    this.fatalError = err
    this.sm.transition('fatal_error', 'fatal error')
    this.acc.failUnsent(err)
  }

  onAbortableError(err: Error, bumpEpoch: boolean): void {
    if (this.fatalError) return
    this.bumpEpochOnAbort ||= bumpEpoch
    this.abortableError ??= err
    if (this.sm.state === 'in_transaction') this.sm.transition('abortable_error', 'abortable error')
    // Batches waiting to be sent must now fail (the sender does that when it runs).
    this.sender.wake()
  }

  private fenced(err: Error): ProducerFencedError {
    const e = err instanceof ProducerFencedError ? err : new ProducerFencedError(`transactional producer '${this.transactionalId}' was fenced by a newer instance: ${err.message}`, { cause: err })
    this.onFatalError(e)
    return e
  }

  /**
   * Whether the current transaction uses transaction version 2 (KIP-890 part 2, Kafka 4.0+):
   * Produce v12 and TxnOffsetCommit v5 enrol partitions and offsets themselves (no
   * AddPartitionsToTxn or AddOffsetsToTxn round trips), and EndTxn v5 bumps the epoch, which
   * the producer adopts (so every transaction starts its partitions' sequences at 0). Decided at
   * begin() from what the transaction coordinator offered, as the Java client does: the
   * `transaction.version` feature finalized at 2 and EndTxn v5.
   */
  get transactionV2(): boolean {
    return this.v2
  }

  enrolledByProduce(): void {
    this.started = true
  }

  /** Notes whether the transaction coordinator's broker offers transaction version 2. */
  private noteCoordinator(conn: Connection): void {
    this.v2Offered = conn.featureLevel('transaction.version') >= 2 && conn.supports(EndTxn) && conn.version(EndTxn) >= 5
  }

  /**
   * Runs `fn` against the coordinator of `kind`/`key` until it answers with an error code
   * other than a retriable coordinator error, or `maxBlockMs` passes. `codeOf` extracts the
   * code to act on. `ambiguousIsUnknown`: a lost request ends as AmbiguousError when time runs out.
   */
  private async onCoordinator<T>(
    kind: CoordinatorKind,
    key: string,
    what: string,
    fn: (conn: Connection) => Promise<T>,
    codeOf: (res: T) => number,
  ): Promise<T> {
    const deadline = Date.now() + this.maxBlockMs
    let ambiguous = false
    for (let attempt = 0; ; attempt++) {
      let res: T
      try {
        const conn = await this.coordinators.get(kind, key)
        res = await fn(conn)
      } catch (err) {
        if (!(err instanceof ConnectionError || err instanceof TimeoutError || (err instanceof KafkaProtocolError && err.retriable))) throw err
        if (err instanceof TimeoutError || (err instanceof ConnectionError && err.requestMayHaveBeenSent)) ambiguous = true
        this.coordinators.invalidate(kind, key)
        if (Date.now() >= deadline) {
          if (ambiguous) throw new AmbiguousError(`${what}: ${(err as Error).message}`, { cause: err })
          throw err
        }
        await sleep(backoffDelay(Math.min(attempt, 10), BACKOFF), this.cluster.options.retry.signal)
        continue
      }
      const code = codeOf(res)
      if (code === 0) return res
      if (FENCED.has(code)) throw this.fenced(new KafkaProtocolError(code, what))
      if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
        const e = new KafkaProtocolError(code, what)
        this.onFatalError(e)
        throw e
      }
      if ((COORDINATOR_MOVED.has(code) || RETRY_LATER.has(code)) && Date.now() < deadline) {
        if (COORDINATOR_MOVED.has(code)) this.coordinators.invalidate(kind, key)
        await sleep(backoffDelay(Math.min(attempt, 10), BACKOFF), this.cluster.options.retry.signal)
        continue
      }
      // An earlier attempt may have been applied; its retry's error does not say otherwise.
      if (ambiguous && COORDINATOR_MOVED.has(code)) throw new AmbiguousError(`${what}: ${new KafkaProtocolError(code).message}`)
      return res
    }
  }

  /** InitProducerId with the transactional id; with `resume`, the current id and epoch (KIP-360 epoch bump). */
  private async initProducerId(resume: boolean): Promise<void> {
    const res = await this.onCoordinator(
      'transaction',
      this.transactionalId,
      `InitProducerId of '${this.transactionalId}'`,
      async (conn) => {
        this.noteCoordinator(conn)
        const canResume = conn.version(InitProducerId) >= 3
        return conn.request(InitProducerId, {
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.transactionTimeoutMs,
          ...(resume && canResume ? { producerId: this.sender.producerId, producerEpoch: this.sender.producerEpoch } : {}),
        })
      },
      (r) => r.errorCode,
    )
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `InitProducerId of '${this.transactionalId}'`)
    this.sender.setProducerIdAndEpoch(res.producerId, res.producerEpoch)
    this.cluster.logger.debug({ transactionalId: this.transactionalId, producerId: res.producerId, epoch: res.producerEpoch }, 'transactional producer initialised')
  }

  async init(): Promise<void> {
    this.checkFatal()
    const resume = this.sm.state === 'outcome_unknown'
    this.sm.require(['uninitialized', 'outcome_unknown'], 'init()')
    this.sm.transition('initializing', 'init()')
    try {
      // After an unknown EndTxn outcome the transaction may still be open on the coordinator,
      // which then aborts it and bumps the epoch itself: a request naming the old epoch would be
      // refused as fenced (Kafka 3.x), so re-register as a new instance, as a restart would.
      await this.initProducerId(false)
    } catch (err) {
      if (!this.fatalError) this.sm.transition(resume ? 'outcome_unknown' : 'uninitialized', 'init()')
      throw err instanceof AmbiguousError ? new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, err.message) : err
    }
    this.resetTransaction()
    this.sm.transition('ready', 'init()')
  }

  private resetTransaction(): void {
    this.started = false
    this.abortableError = undefined
    this.bumpEpochOnAbort = false
    for (const q of this.acc.queues.values()) q.inTransaction = false
  }

  begin(): void {
    this.checkFatal()
    this.sm.transition('in_transaction', 'begin()')
    this.generation++
    this.resetTransaction()
    this.v2 = this.v2Offered
  }

  /** AddPartitionsToTxn for partitions about to get their first batch of this transaction. */
  addPartitions(queues: PartitionQueue[]): Promise<void> {
    const p = this.doAddPartitions(queues)
    this.pendingAdds.add(p)
    const done = () => this.pendingAdds.delete(p)
    p.then(done, done)
    return p
  }

  private async doAddPartitions(queues: PartitionQueue[]): Promise<void> {
    const err = this.sendBlockedError
    if (err) throw err
    const topics = new Map<string, number[]>()
    for (const q of queues) {
      const list = topics.get(q.topic)
      if (list) list.push(q.partition)
      else topics.set(q.topic, [q.partition])
    }
    const what = `AddPartitionsToTxn of '${this.transactionalId}'`
    // Per-partition codes; the worst one decides (a retriable one retries the whole request).
    const worst = (codes: number[]): number => codes.find((c) => c !== 0 && c !== ErrorCode.OPERATION_NOT_ATTEMPTED) ?? codes.find((c) => c !== 0) ?? 0
    let res
    try {
      res = await this.onCoordinator(
        'transaction',
        this.transactionalId,
        what,
        (conn) =>
          conn.request(AddPartitionsToTxn, {
            transactionalId: this.transactionalId,
            producerId: this.sender.producerId,
            producerEpoch: this.sender.producerEpoch,
            topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
          }),
        (r) => worst(r.results.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode))),
      )
    } catch (e) {
      if (!this.fatalError) this.onAbortableError(e as Error, false)
      throw e
    }
    const code = worst(res.results.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode)))
    if (code !== 0) {
      const e = new KafkaProtocolError(code, what)
      this.onAbortableError(e, false)
      throw e
    }
    this.started = true
    for (const q of queues) q.inTransaction = true
  }

  /**
   * Adds consumed offsets to the transaction (AddOffsetsToTxn, then TxnOffsetCommit to the
   * group coordinator with the consumer's generation, member and instance id, so a zombie
   * consumer's producer is fenced, KIP-447). They are committed only if the transaction commits.
   */
  async sendOffsets(offsets: readonly OffsetToCommit[], group: ConsumerGroupMetadata): Promise<void> {
    this.checkFatal()
    this.sm.require(['in_transaction'], 'sendOffsets()')
    const v2 = this.v2
    try {
      // Transaction version 2: TxnOffsetCommit v5 enrols the group's offsets partition itself.
      if (!v2) {
        await this.onCoordinator(
          'transaction',
          this.transactionalId,
          `AddOffsetsToTxn of '${this.transactionalId}'`,
          (conn) =>
            conn.request(AddOffsetsToTxn, {
              transactionalId: this.transactionalId,
              producerId: this.sender.producerId,
              producerEpoch: this.sender.producerEpoch,
              groupId: group.groupId,
            }),
          (r) => r.errorCode,
        ).then((r) => {
          if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `AddOffsetsToTxn of '${this.transactionalId}'`)
        })
      }
      this.started = true
      let pending = offsets.slice()
      // Partitions answered with a retriable error are sent again, for at most maxBlockMs (as
      // Java's sendOffsetsToTransaction blocks at most max.block.ms), never forever.
      const deadline = Date.now() + this.maxBlockMs
      while (pending.length > 0) {
        const byTopic = new Map<string, TxnOffsetCommitRequestTopic>()
        for (const o of pending) {
          let t = byTopic.get(o.topic)
          if (!t) byTopic.set(o.topic, (t = { name: o.topic, partitions: [] }))
          t.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? null })
        }
        const res = await this.onCoordinator(
          'group',
          group.groupId,
          `TxnOffsetCommit of '${this.transactionalId}' for group '${group.groupId}'`,
          (conn) =>
            conn.send(TxnOffsetCommit, transactionalVersion(conn, TxnOffsetCommit, v2, 5), {
              transactionalId: this.transactionalId,
              groupId: group.groupId,
              producerId: this.sender.producerId,
              producerEpoch: this.sender.producerEpoch,
              generationId: group.generationId,
              memberId: group.memberId,
              groupInstanceId: group.groupInstanceId,
              topics: [...byTopic.values()],
            }),
          () => 0,
        )
        const retry: OffsetToCommit[] = []
        for (const t of res.topics) {
          for (const p of t.partitions) {
            const code = p.errorCode
            if (code === 0) continue
            const o = pending.find((x) => x.topic === t.name && x.partition === p.partitionIndex)
            if (FENCED.has(code)) throw this.fenced(new KafkaProtocolError(code, 'TxnOffsetCommit'))
            if (GROUP_FENCED.has(code)) throw new CommitFailedError(`transactional offset commit refused: ${new KafkaProtocolError(code).message}`)
            if ((COORDINATOR_MOVED.has(code) || RETRY_LATER.has(code) || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) && o && Date.now() < deadline) {
              if (COORDINATOR_MOVED.has(code)) this.coordinators.invalidate('group', group.groupId)
              retry.push(o)
              continue
            }
            throw new KafkaProtocolError(code, `TxnOffsetCommit of ${t.name}-${p.partitionIndex}`)
          }
        }
        pending = retry
        if (pending.length > 0) await sleep(BACKOFF.initialBackoffMs)
      }
    } catch (err) {
      if (!this.fatalError) this.onAbortableError(err as Error, false)
      throw err
    }
  }

  /** EndTxn; an unknown outcome moves to 'outcome_unknown' and throws TransactionOutcomeUnknownError. */
  private async endTxn(committed: boolean): Promise<void> {
    const verb = committed ? 'commit' : 'abort'
    const v2 = this.v2
    let res
    try {
      res = await this.onCoordinator(
        'transaction',
        this.transactionalId,
        `EndTxn (${verb}) of '${this.transactionalId}'`,
        (conn) => {
          this.noteCoordinator(conn)
          // Version 2 ends with EndTxn v5 (the epoch bump).
          return conn.send(EndTxn, transactionalVersion(conn, EndTxn, v2, 5), {
            transactionalId: this.transactionalId,
            producerId: this.sender.producerId,
            producerEpoch: this.sender.producerEpoch,
            committed,
          })
        },
        (r) => r.errorCode,
      )
    } catch (err) {
      if (this.fatalError) throw err
      if (err instanceof AmbiguousError || err instanceof TimeoutError || (err instanceof ConnectionError && err.requestMayHaveBeenSent)) {
        this.sm.transition('outcome_unknown', verb)
        throw new TransactionOutcomeUnknownError(
          `${verb} of transaction '${this.transactionalId}' has an unknown outcome (no answer from the coordinator): call abort() or init() before going on`,
          { cause: err },
        )
      }
      throw err
    }
    if (res.errorCode === ErrorCode.TRANSACTION_ABORTABLE && committed) {
      const e = new KafkaProtocolError(res.errorCode, `EndTxn of '${this.transactionalId}'`)
      this.abortableError = e
      this.sm.transition('abortable_error', verb)
      throw new TransactionAbortableError(`commit refused, call abort(): ${e.message}`, { cause: e })
    }
    if (res.errorCode !== 0) {
      const e = new KafkaProtocolError(res.errorCode, `EndTxn (${verb}) of '${this.transactionalId}'`)
      this.onFatalError(e)
      throw e
    }
    // Version 2: the coordinator bumped the epoch (or, once it ran out, gave a new producer id).
    if (v2 && res.producerId >= 0n) this.sender.setProducerIdAndEpoch(res.producerId, res.producerEpoch)
  }

  private async settlePendingAdds(): Promise<void> {
    while (this.pendingAdds.size > 0) await Promise.allSettled([...this.pendingAdds])
  }

  async commit(): Promise<void> {
    this.checkFatal()
    if (this.sm.state === 'abortable_error') {
      throw new TransactionAbortableError(`the transaction cannot commit, call abort(): ${this.abortableError?.message}`, { cause: this.abortableError })
    }
    this.sm.transition('committing', 'commit()')
    await this.flush()
    await this.settlePendingAdds()
    this.checkFatal()
    if (this.abortableError) {
      this.sm.transition('abortable_error', 'commit()')
      throw new TransactionAbortableError(`the transaction cannot commit, call abort(): ${this.abortableError.message}`, { cause: this.abortableError })
    }
    if (this.started) await this.endTxn(true)
    this.sm.transition('ready', 'commit()')
  }

  async abort(): Promise<void> {
    this.checkFatal()
    if (this.sm.state === 'outcome_unknown') {
      // Whatever became of the last EndTxn, re-initialising completes or aborts it on the coordinator.
      await this.init()
      return
    }
    this.sm.require(['in_transaction', 'abortable_error'], 'abort()')
    this.abortableError ??= new TransactionAbortableError('the transaction was aborted')
    this.sm.transition('aborting', 'abort()')
    this.generation++
    // Batches not sent yet are dropped; a dropped retry leaves a sequence gap only a new epoch fixes.
    for (const q of this.acc.queues.values()) if (q.ready.some((b) => b.hasSequence)) this.bumpEpochOnAbort = true
    const aborted = new TransactionAbortableError('the transaction was aborted')
    this.acc.failUnsent(aborted)
    // Batches in flight complete on the broker, but their records are aborted: never report them as written.
    for (const q of this.acc.queues.values()) for (const b of q.inFlight) b.abortedWith = aborted
    await this.settlePendingAdds()
    // In-flight produce requests must finish before the abort markers are written.
    await this.sender.whenQuiet()
    this.checkFatal()
    const ended = this.started
    if (ended) await this.endTxn(false)
    // A version 2 EndTxn has bumped the epoch already, which is what a sequence gap needs.
    if (!(ended && this.v2) && (this.bumpEpochOnAbort || this.hasSequenceGap())) {
      this.sm.transition('initializing', 'abort()')
      try {
        await this.initProducerId(true)
      } catch (err) {
        if (!this.fatalError) this.onFatalError(err as Error)
        throw err
      }
    }
    this.resetTransaction()
    this.sm.transition('ready', 'abort()')
  }

  /** True when a partition's next sequence does not follow its last acknowledged one (a batch failed). */
  private hasSequenceGap(): boolean {
    for (const q of this.acc.queues.values()) {
      if (q.producerEpoch !== this.sender.producerEpoch || q.producerId !== this.sender.producerId) continue
      if (q.nextSequence !== incrementSequence(q.lastAckedSequence, 1)) return true
    }
    return false
  }

  async close(): Promise<void> {
    for (const q of this.acc.queues.values()) q.inTransaction = false
    await this.cluster.releaseLane(this.lane)
  }
}
