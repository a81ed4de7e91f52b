/**
 * Sender: drains sealed batches from the RecordAccumulator, one batch per partition and all
 * partitions led by the same broker in one Produce request (as the Java client's Sender),
 * with up to `maxInFlight` requests per broker and per partition.
 *
 * Idempotence (the Java client's semantics): the producer id and epoch come from
 * InitProducerId; each partition numbers its batches with sequences assigned when a batch is
 * first drained; a retry keeps its sequence so the broker de-duplicates it, which makes
 * timeouts and lost connections safe to retry. Retries go out alone and in sequence order.
 * A known sequence gap (OUT_OF_ORDER_SEQUENCE_NUMBER for the next expected batch,
 * UNKNOWN_PRODUCER_ID) or a batch that failed for good bumps the epoch locally once the
 * partition has nothing in flight, and the partition's sequences restart at 0. Other
 * partitions restart at 0 on the new epoch once their own old-epoch batches are settled.
 * The first batch of an epoch on a partition is sent alone (see sequencesAllowSend).
 */
import { KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { InitProducerId } from '../../protocol/messages/init-producer-id.js'
import { Produce, type ProduceResponse, type ProduceTopicData } from '../../protocol/messages/produce.js'
import type { CompressionCodec } from '../../protocol/records/compression/index.js'
import type { Cluster } from '../cluster.js'
import { ClientClosedError, closedWithUnknownOutcome, ConnectionError, ProduceOutcomeUnknownError, TimeoutError } from '../errors.js'
import { isSafeProduceRetry, LEADER_ERRORS, produceErrorOf, undecodableProduceAnswer } from '../partition-client.js'
import { backoffDelay, withRetry } from '../retry.js'
import type { PartitionQueue, ProducerBatch, RecordAccumulator } from './accumulator.js'
import { ProducerFencedError } from './errors.js'
import { brokerSizeError } from './record-size.js'
import { incrementSequence, lastSequence, MAX_EPOCH, transactionalVersion } from './txn-state.js'

/** Settings of the sender (resolved producer options). */
export interface SenderOptions {
  acks: -1 | 1
  /** Broker-side produce timeout. */
  timeoutMs: number
  compression: CompressionCodec
  /** Requests in flight per broker connection, and batches in flight per partition. */
  maxInFlight: number
  retries: number
  /** A record fails once this long has passed since its batch was created and an attempt failed. */
  deliveryTimeoutMs: number
  /** One Produce request carries at most this many batch bytes (at least one batch). */
  maxRequestBytes: number
  idempotent: boolean
}

/** What the sender needs from a transactional producer. */
export interface TransactionHooks {
  readonly transactionalId: string
  /** Adds the partitions to the transaction (AddPartitionsToTxn); marks them `inTransaction`. */
  addPartitions(queues: PartitionQueue[]): Promise<void>
  /**
   * The current transaction uses transaction version 2 (KIP-890 part 2): a Produce at v12 enrols
   * its partitions itself, so no AddPartitionsToTxn is sent; below v12 a transactional Produce
   * must not be sent at all.
   */
  readonly transactionV2: boolean
  /** A Produce of the current transaction version 2 transaction is being sent: the transaction has started. */
  enrolledByProduce(): void
  /** A produce failed inside the transaction: it can no longer commit. `bumpEpoch`: abort must re-init the epoch. */
  onAbortableError(err: Error, bumpEpoch: boolean): void
  /** The producer is fenced (or otherwise unusable). */
  onFatalError(err: Error): void
  /** Set when produce requests must not go out (fenced, or the transaction failed and must abort). */
  readonly sendBlockedError: Error | undefined
}

const RETRY_BACKOFF = { retries: 0, initialBackoffMs: 100, maxBackoffMs: 1000 }

/** The request may have reached the broker and no answer says what became of it. */
function isAmbiguous(err: Error): boolean {
  return (
    err instanceof TimeoutError ||
    ((err instanceof ConnectionError || err instanceof ClientClosedError) && err.requestMayHaveBeenSent) ||
    err instanceof ProduceOutcomeUnknownError
  )
}

export class Sender {
  /** Producer id and epoch (-1 until known). */
  producerId = -1n
  producerEpoch = -1
  private initializing: Promise<void> | undefined
  private fatal: Error | undefined
  private readonly lane: string
  private readonly nodeInFlight = new Map<number, number>()
  private scheduled = false
  private draining = false
  private again = false
  private wakeTimer: NodeJS.Timeout | undefined
  private wakeAt = Infinity
  private closed = false
  /** Waiters for "nothing in flight" (abort waits for this before EndTxn). */
  private readonly quietWaiters: Array<() => void> = []

  constructor(
    private readonly cluster: Cluster,
    private readonly acc: RecordAccumulator,
    private readonly opts: SenderOptions,
    private readonly txn?: TransactionHooks,
  ) {
    this.lane = cluster.newLane('produce')
  }

  /** Schedules a drain (coalesced: at most one pending). */
  wake(): void {
    if (this.scheduled || this.closed) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.run()
    })
  }

  private wakeLater(at: number): void {
    if (at >= this.wakeAt) return
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.wakeAt = at
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined
        this.wakeAt = Infinity
        this.wake()
      },
      Math.max(0, at - Date.now()),
    )
  }

  private async run(): Promise<void> {
    if (this.draining) {
      this.again = true
      return
    }
    this.draining = true
    try {
      do {
        this.again = false
        await this.drainOnce()
      } while (this.again)
    } catch (err) {
      // A bug here must not leave records hanging forever: fail what is unsent.
      this.cluster.logger.error({ err }, 'producer sender failed')
      this.acc.failUnsent(err as Error)
    } finally {
      this.draining = false
      this.checkQuiet()
    }
  }

  /** Batches in flight across all partitions. */
  get inFlightBatches(): number {
    let n = 0
    for (const q of this.acc.queues.values()) n += q.inFlight.size
    return n
  }

  /** Resolves once no request is in flight. */
  whenQuiet(): Promise<void> {
    if (this.inFlightBatches === 0) return Promise.resolve()
    return new Promise((r) => this.quietWaiters.push(r))
  }

  private checkQuiet(): void {
    if (this.quietWaiters.length > 0 && this.inFlightBatches === 0) while (this.quietWaiters.length > 0) this.quietWaiters.shift()!()
  }

  /** Sets the producer id and epoch (InitProducerId of a transactional producer). */
  setProducerIdAndEpoch(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId
    this.producerEpoch = producerEpoch
    this.wake()
  }

  /** The idempotent producer's InitProducerId (no transactional id), shared by concurrent callers. */
  private initProducerId(): Promise<void> {
    this.initializing ??= withRetry(async () => {
      const conn = await this.cluster.anyBroker()
      const res = await conn.request(InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000 })
      if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, 'InitProducerId')
      return res
    }, this.cluster.options.retry)
      .then(
        (res) => {
          this.cluster.logger.debug({ producerId: res.producerId, epoch: res.producerEpoch }, 'idempotent producer id')
          this.producerId = res.producerId
          this.producerEpoch = res.producerEpoch
        },
        (err: Error) => {
          // Without a producer id nothing can be sent idempotently: fail what waits, stay usable for a later try.
          this.acc.failUnsent(err)
        },
      )
      .finally(() => {
        this.initializing = undefined
        this.wake()
      })
    return this.initializing
  }

  /**
   * Bumps the epoch of an idempotent producer locally (the broker accepts a higher epoch
   * starting at sequence 0), or asks for a new producer id when the epoch is exhausted.
   */
  private bumpEpoch(): boolean {
    if (this.producerEpoch >= MAX_EPOCH) {
      this.producerId = -1n
      this.producerEpoch = -1
      void this.initProducerId()
      return false
    }
    this.producerEpoch++
    this.cluster.logger.debug({ producerId: this.producerId, epoch: this.producerEpoch }, 'idempotent producer epoch bumped')
    return true
  }

  /** Restarts a partition's sequences at 0 on the current epoch, renumbering its retries. */
  private restartSequences(q: PartitionQueue): void {
    q.producerId = this.producerId
    q.producerEpoch = this.producerEpoch
    q.nextSequence = 0
    q.lastAckedSequence = -1
    q.resetPending = false
    q.unresolvedSequence = -1
    for (const b of q.ready) {
      if (!b.hasSequence) continue
      this.assignSequence(q, b)
    }
  }

  private assignSequence(q: PartitionQueue, b: ProducerBatch): void {
    b.baseSequence = q.nextSequence
    b.producerId = q.producerId
    b.producerEpoch = q.producerEpoch
    b.encoded = undefined
    q.nextSequence = incrementSequence(q.nextSequence, b.items.length)
  }

  /**
   * Whether the partition may send its next batch now, for idempotent producers; settles
   * pending sequence resets first. False means: wait (a later response wakes the sender).
   */
  private sequencesAllowSend(q: PartitionQueue, head: ProducerBatch): boolean {
    if (q.unresolvedSequence >= 0 && !q.resetPending && q.inFlight.size === 0 && q.outstandingSequenced === 0) {
      // Every batch that could fill the gap is settled: if the broker acknowledged past it the
      // failed batch was in fact written; otherwise the gap is real and needs a new epoch.
      if (q.lastAckedSequence >= q.unresolvedSequence) q.unresolvedSequence = -1
      else q.resetPending = true
    }
    if (q.resetPending) {
      if (q.inFlight.size > 0) return false
      if (q.producerId === this.producerId && q.producerEpoch === this.producerEpoch && !this.bumpEpoch()) return false
      this.restartSequences(q)
    }
    if (q.unresolvedSequence >= 0 && !head.hasSequence) return false
    if (!head.hasSequence && (q.producerId !== this.producerId || q.producerEpoch !== this.producerEpoch)) {
      // A new epoch: old-epoch batches of this partition must settle before sequence 0 is used.
      if (q.outstandingSequenced > 0) return false
      q.producerId = this.producerId
      q.producerEpoch = this.producerEpoch
      q.nextSequence = 0
      q.lastAckedSequence = -1
    }
    // A broker with no state for this producer on the partition accepts any sequence as the
    // first batch: were the first batch refused (say NOT_LEADER_OR_FOLLOWER on a new topic)
    // while the second went through, the first could never be written. So the first batch of
    // an epoch goes alone, and the rest follow once it is acknowledged.
    if (q.lastAckedSequence < 0 && q.inFlight.size > 0) return false
    return true
  }

  private async drainOnce(): Promise<void> {
    const blocked = this.txn?.sendBlockedError ?? this.fatal
    if (blocked) {
      this.acc.failUnsent(blocked)
      return
    }
    const now = Date.now()
    // Expire batches that waited longer than the delivery timeout without being sent again.
    const waiting: PartitionQueue[] = []
    for (const q of this.acc.queues.values()) {
      while (q.ready.length > 0 && now - q.ready[0].createdAt >= this.opts.deliveryTimeoutMs) {
        const b = q.ready.shift()!
        this.failBatch(b, b.lastError ?? new TimeoutError(`records for ${q.topic}-${q.partition} expired after ${this.opts.deliveryTimeoutMs} ms waiting to be sent`))
      }
      if (q.ready.length > 0) waiting.push(q)
    }
    if (waiting.length === 0) return
    if (this.opts.idempotent && this.producerId < 0n) {
      if (!this.txn) void this.initProducerId()
      return
    }
    if (this.txn && !this.txn.transactionV2) {
      const toAdd = waiting.filter((q) => !q.inTransaction && !q.adding)
      if (toAdd.length > 0) {
        for (const q of toAdd) q.adding = true
        void this.txn
          .addPartitions(toAdd)
          .catch((err: Error) => {
            // The transaction manager already recorded the error; fail the batches that waited for it.
            for (const q of toAdd) while (q.ready.length > 0) this.failBatch(q.ready.shift()!, err)
          })
          .finally(() => {
            for (const q of toAdd) q.adding = false
            this.wake()
          })
      }
    }
    // Leaders (usually cached; a lookup that fails leaves those partitions for a later drain).
    const leaders = new Map<string, Map<number, number>>()
    for (const topic of new Set(waiting.map((q) => q.topic))) {
      try {
        const t = await this.cluster.topic(topic)
        leaders.set(topic, new Map(t.partitions.map((p) => [p.partition, p.leader])))
      } catch (err) {
        this.cluster.logger.debug({ topic, err }, 'producer: no metadata yet')
        this.wakeLater(Date.now() + RETRY_BACKOFF.initialBackoffMs)
      }
    }
    // Responses may have changed the queues while awaiting: everything below is synchronous.
    const byNode = new Map<number, { batches: ProducerBatch[]; bytes: number }>()
    const t = Date.now()
    for (const q of waiting) {
      const head = q.ready[0]
      if (!head) continue
      if (head.retryAt > t) {
        this.wakeLater(head.retryAt)
        continue
      }
      if (q.inFlight.size >= this.opts.maxInFlight) continue
      // A retry goes alone: everything before it must be settled so the broker sees sequences in order.
      if (head.attempts > 0 && q.inFlight.size > 0) continue
      if (this.txn && !q.inTransaction && !this.txn.transactionV2) continue
      const leader = leaders.get(q.topic)?.get(q.partition)
      if (leader === undefined || leader < 0) {
        if (leaders.has(q.topic)) {
          this.cluster.invalidate(q.topic)
          this.wakeLater(t + RETRY_BACKOFF.initialBackoffMs)
        }
        continue
      }
      const inFlightToNode = this.nodeInFlight.get(leader) ?? 0
      if (inFlightToNode >= this.opts.maxInFlight) continue
      let group = byNode.get(leader)
      if (group && group.bytes + head.bytes > this.opts.maxRequestBytes) continue
      if (this.opts.idempotent && !this.sequencesAllowSend(q, head)) continue
      const b = q.ready[0]
      if (this.opts.idempotent && !b.hasSequence) this.assignSequence(q, b)
      if (!b.encoded) {
        try {
          b.encoded = b.builder.build({
            compression: this.opts.compression,
            producerId: b.producerId,
            producerEpoch: b.producerEpoch,
            baseSequence: b.baseSequence,
            transactional: this.txn !== undefined,
          })
        } catch (err) {
          // Nothing was sent: give the sequence back (it was the last one assigned).
          if (b.hasSequence && b.attempts === 0) q.nextSequence = b.baseSequence
          q.ready.shift()
          this.acc.complete(b, { error: err as Error })
          continue
        }
      }
      q.ready.shift()
      q.inFlight.add(b)
      b.attempts++
      if (!group) byNode.set(leader, (group = { batches: [], bytes: 0 }))
      group.batches.push(b)
      group.bytes += b.encoded.length
    }
    for (const [node, group] of byNode) void this.sendRequest(node, group.batches)
  }

  private async sendRequest(node: number, batches: ProducerBatch[]): Promise<void> {
    this.nodeInFlight.set(node, (this.nodeInFlight.get(node) ?? 0) + 1)
    const topics = new Map<string, ProduceTopicData>()
    for (const b of batches) {
      let t = topics.get(b.queue.topic)
      if (!t) topics.set(b.queue.topic, (t = { name: b.queue.topic, partitions: [] }))
      t.partitions.push({ index: b.queue.partition, records: b.encoded! })
    }
    let res: ProduceResponse
    const txn = this.txn
    try {
      const conn = await this.cluster.broker(node, this.lane)
      // A transactional Produce from v12 enrols its partitions (transaction version 2): only then.
      const version = txn === undefined ? conn.version(Produce) : transactionalVersion(conn, Produce, txn.transactionV2, 12)
      if (txn?.transactionV2) txn.enrolledByProduce()
      res = await conn.send(
        Produce,
        version,
        { transactionalId: this.txn?.transactionalId ?? null, acks: this.opts.acks, timeoutMs: this.opts.timeoutMs, topics: [...topics.values()] },
        { timeoutMs: this.cluster.options.requestTimeoutMs + this.opts.timeoutMs },
      )
    } catch (err) {
      this.nodeInFlight.set(node, this.nodeInFlight.get(node)! - 1)
      for (const b of batches) this.onBatchError(b, undecodableProduceAnswer(err) as Error)
      this.afterResponse()
      return
    }
    this.nodeInFlight.set(node, this.nodeInFlight.get(node)! - 1)
    const results = new Map<string, { errorCode: number; baseOffset: bigint; errorMessage: string | null }>()
    for (const t of res.responses) for (const p of t.partitionResponses) results.set(`${t.name}\u0000${p.index}`, p)
    for (const b of batches) {
      const r = results.get(b.queue.key)
      if (!r) this.onBatchError(b, new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `produce response without ${b.queue.topic}-${b.queue.partition}`))
      else if (r.errorCode === 0) this.onBatchSuccess(b, r.baseOffset)
      // An older broker's answer to a batch it already has: a success (offsets unknown).
      else if (r.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && b.hasSequence) this.onBatchSuccess(b, -1n)
      else {
        if (LEADER_ERRORS.has(r.errorCode)) this.cluster.invalidate(b.queue.topic)
        const err = new KafkaProtocolError(r.errorCode, r.errorMessage ?? `produce to ${b.queue.topic}-${b.queue.partition}`)
        const tooLarge = brokerSizeError(err, b.encoded!.length, b.items.length)
        // Sequence numbers make every retry safe; without them a leader error after an acks=all append is not.
        this.onBatchError(b, tooLarge !== err || this.opts.idempotent ? tooLarge : produceErrorOf(err, this.opts.acks))
      }
    }
    this.afterResponse()
  }

  private afterResponse(): void {
    this.checkQuiet()
    this.wake()
  }

  private onBatchSuccess(b: ProducerBatch, baseOffset: bigint): void {
    const q = b.queue
    q.inFlight.delete(b)
    if (b.hasSequence && b.producerId === q.producerId && b.producerEpoch === q.producerEpoch) {
      q.lastAckedSequence = lastSequence(b.baseSequence, b.items.length)
    }
    this.acc.complete(b, b.abortedWith ? { error: b.abortedWith } : { baseOffset })
  }

  private onBatchError(b: ProducerBatch, err: Error): void {
    const q = b.queue
    q.inFlight.delete(b)
    b.lastError = err
    const code = err instanceof KafkaProtocolError ? err.code : undefined
    if (err instanceof ConnectionError || err instanceof TimeoutError) this.cluster.invalidate(q.topic)
    if (this.txn && (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED)) {
      const fenced = new ProducerFencedError(`producer '${this.txn.transactionalId}' was fenced by a newer instance: ${err.message}`, { cause: err })
      this.txn.onFatalError(fenced)
      this.acc.complete(b, { error: fenced })
      return
    }
    if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
      if (this.txn) this.txn.onFatalError(err)
      else this.fatal = err
      this.acc.complete(b, { error: err })
      return
    }
    let retriable: boolean
    if (this.opts.idempotent && (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID)) {
      if (this.txn) {
        // Inside a transaction a gap cannot be repaired: the transaction aborts and the epoch is bumped.
        this.txn.onAbortableError(err, true)
        this.acc.complete(b, { error: err })
        return
      }
      // Only the batch right after the last acknowledged one (or after an unresolved one)
      // proves a gap; a later batch fails because an earlier one is being retried.
      const next = incrementSequence(q.lastAckedSequence, 1)
      const isNext = b.baseSequence === next || (q.unresolvedSequence >= 0 && b.baseSequence === incrementSequence(q.unresolvedSequence, 1))
      if (isNext && b.producerEpoch === q.producerEpoch && b.producerId === q.producerId) q.resetPending = true
      retriable = true
    } else if (this.opts.idempotent) {
      retriable = err instanceof ConnectionError || err instanceof TimeoutError || (err instanceof KafkaProtocolError && err.retriable)
    } else {
      retriable = isSafeProduceRetry(err)
    }
    const expired = Date.now() - b.createdAt >= this.opts.deliveryTimeoutMs
    if (retriable && b.attempts <= this.opts.retries && !expired && !this.closed) {
      b.retryAt = Date.now() + backoffDelay(b.attempts - 1, RETRY_BACKOFF)
      q.requeue(b)
      this.cluster.logger.debug({ topic: q.topic, partition: q.partition, attempt: b.attempts, sequence: b.baseSequence, err }, 'producer: retrying batch')
      return
    }
    this.failBatch(b, err)
  }

  /** Fails a batch for good, keeping the sequence bookkeeping right. */
  private failBatch(b: ProducerBatch, err: Error): void {
    const q = b.queue
    let error = err
    if (err instanceof ClientClosedError && err.requestMayHaveBeenSent && !(err.cause instanceof ProduceOutcomeUnknownError)) {
      error = closedWithUnknownOutcome(`produce to ${q.topic}-${q.partition}`, err)
    } else if (isAmbiguous(err) && b.attempts > 0 && !(err instanceof ProduceOutcomeUnknownError && !this.opts.idempotent)) {
      error = new ProduceOutcomeUnknownError(
        `produce to ${q.topic}-${q.partition} has an unknown outcome${this.opts.idempotent ? ' (retries or delivery timeout exhausted)' : ''}: ${err.message}`,
        { cause: err },
      )
    }
    if (b.hasSequence && this.opts.idempotent && !this.txn) {
      // A hole in the sequences: with an unknown outcome wait for the batches after it to tell;
      // a definite rejection means a gap for sure.
      if (isAmbiguous(err)) q.unresolvedSequence = Math.max(q.unresolvedSequence, lastSequence(b.baseSequence, b.items.length))
      else q.resetPending = true
    }
    if (this.txn && b.attempts > 0) this.txn.onAbortableError(error, b.hasSequence)
    this.acc.complete(b, { error })
  }

  /**
   * Gives up on everything pending (the producer's close timeout passed): records not sent fail
   * with `err`; records in flight fail with `err` too, with a ProduceOutcomeUnknownError as its
   * cause since they may have been written. Later responses no longer change their outcome.
   */
  abandon(err: ClientClosedError): void {
    this.closed = true
    this.fatal ??= err
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.wakeTimer = undefined
    this.acc.failUnsent(err)
    for (const q of this.acc.queues.values()) {
      for (const b of q.inFlight) this.acc.complete(b, { error: closedWithUnknownOutcome(`produce to ${q.topic}-${q.partition}`, err) })
    }
  }

  /** Stops draining and closes the producer's connections (after the caller flushed). */
  async close(): Promise<void> {
    this.closed = true
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    await this.cluster.releaseLane(this.lane)
  }
}
