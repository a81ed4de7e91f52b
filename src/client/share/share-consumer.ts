/**
 * ShareConsumer: a member of a share group (KIP-932, Kafka's queues), read as an AsyncIterable
 * of record batches. Several members read the same partitions; the broker hands each record to
 * one member at a time under an acquisition lock, and the member acknowledges it: accepted
 * (done), released (delivered again, to any member) or rejected (never again). Records not
 * acknowledged before the lock times out, or when the member goes away, are delivered again.
 *
 * Membership runs in share-membership.ts, one share session per broker in share-session.ts, the
 * acknowledgements owed in share-record.ts. Semantics follow Java's KafkaShareConsumer: asking
 * for the next batch sends the acknowledgements of the last with the next fetch, commit() sends
 * them at once, close() sends what was acknowledged and the broker releases the rest.
 */
import { DecodeError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import type { ShareGroupTopicPartitions } from '../../protocol/messages/share-group-heartbeat.js'
import type { ShareFetchPartitionResponse, ShareFetchResponse } from '../../protocol/messages/share-fetch.js'
import type { ShareAcknowledgeResponse } from '../../protocol/messages/share-acknowledge.js'
import { decodeRecordBatches } from '../../protocol/records/index.js'
import type { Cluster } from '../cluster.js'
import { Coordinators } from '../coordinator.js'
import { ClientClosedError } from '../errors.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import { settlesWithin } from '../owned-resources.js'
import {
  resolveShareConsumerOptions,
  type AcknowledgeKind,
  type AcknowledgementCommitResult,
  type ResolvedShareConsumerOptions,
  type ShareConsumerOptions,
} from './share-consumer-options.js'
import { ShareMembership } from './share-membership.js'
import { AcknowledgementTracker, type ShareRecord } from './share-record.js'
import { ShareSession, type SessionAcks, type SessionPartition } from './share-session.js'

/** Records one fetch delivered (from every broker asked), in partition and offset order. */
export interface ShareBatch extends Iterable<ShareRecord> {
  readonly records: ShareRecord[]
  /**
   * How long the broker keeps these records locked to this member (the group's
   * `share.record.lock.duration.ms`): acknowledge them, or `renew()` them, within it.
   */
  readonly acquisitionLockTimeoutMs: number
}

/** Errors of a partition in a fetch after which its leader must be looked up again. */
const LEADER_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.LEADER_NOT_AVAILABLE,
])

/**
 * A share-group member: iterate it (`for await`) for batches of records, acknowledge them
 * (implicitly by asking for the next batch, or one by one in explicit mode), `close()` to leave.
 * Created by `Client.shareConsumer()`.
 */
export class ShareConsumer implements AsyncIterable<ShareBatch>, AsyncDisposable {
  private readonly opts: ResolvedShareConsumerOptions
  private readonly lane: string
  private readonly groupLane: string
  private readonly coordinators: Coordinators
  private readonly membership: ShareMembership
  private readonly tracker: AcknowledgementTracker
  private readonly sessions = new Map<number, ShareSession>()
  /** Topic id -> name of the subscribed topics. */
  private readonly topicNames = new Map<string, string>()
  private assigned: ShareGroupTopicPartitions[] = []
  private assignmentWaiters: Array<() => void> = []
  private joined!: { promise: Promise<void>; resolve: () => void }
  private started: Promise<void> | undefined
  private heartbeats: Promise<void> | undefined
  private closing = false
  private closePromise: Promise<void> | undefined
  private fatal: Error | undefined
  private lockTimeoutMs: number | undefined

  /** @param onClosed - @internal called once close() is done (the Client stops tracking this consumer). */
  constructor(
    private readonly cluster: Cluster,
    options: ShareConsumerOptions,
    private readonly onClosed?: (consumer: ShareConsumer) => void,
  ) {
    this.opts = resolveShareConsumerOptions(options)
    this.tracker = new AcknowledgementTracker(this.opts.acknowledgementMode)
    // Own connections: share fetches park on the broker for maxWaitMs, and a broker serves one
    // request per connection at a time; heartbeats must not wait behind them.
    this.lane = cluster.newLane('share-fetch')
    this.groupLane = cluster.newLane('share-group')
    this.coordinators = new Coordinators(cluster, this.groupLane)
    const self = this
    this.membership = new ShareMembership(cluster, this.coordinators, this.opts.groupId, this.opts.topics, this.opts.rackId, {
      get closing() {
        return self.closing
      },
      assigned: (tps) => {
        this.assigned = tps
        for (const w of this.assignmentWaiters.splice(0)) w()
      },
      joined: () => this.joined.resolve(),
      fail: (err) => this.fail(err),
    })
    let resolve!: () => void
    this.joined = { promise: new Promise<void>((r) => (resolve = r)), resolve }
  }

  /** The member id this consumer generated for itself. */
  get memberId(): string {
    return this.membership.memberId
  }

  /** The acquisition lock duration the broker reported with the last fetch (undefined before it). */
  get acquisitionLockTimeoutMs(): number | undefined {
    return this.lockTimeoutMs
  }

  /**
   * Joins the share group; resolves once the coordinator accepted this member. Iterating calls
   * it. Rejects with UnsupportedVersionError when the broker has no share groups (Kafka before
   * 4.1, or the share.version feature disabled).
   */
  start(): Promise<void> {
    if (this.closing) return Promise.reject(new ClientClosedError('share consumer is closed'))
    this.started ??= (async () => {
      this.heartbeats = this.membership.run()
      await Promise.race([this.joined.promise, this.heartbeats])
      if (this.fatal) throw this.fatal
    })()
    return this.started
  }

  /** Partitions the group told this member to fetch from (shared with other members). */
  assignment(): Array<{ topic: string; partition: number }> {
    const out: Array<{ topic: string; partition: number }> = []
    for (const t of this.assigned) {
      const topic = this.topicNames.get(t.topicId)
      if (topic !== undefined) for (const partition of t.partitions) out.push({ topic, partition })
    }
    return out
  }

  /**
   * Acknowledges a record of the batch in hand (explicit mode), as `record.accept()` and its
   * siblings do. Sent with the next fetch, or at once by {@link commit}.
   */
  acknowledge(record: ShareRecord, kind: AcknowledgeKind = 'accept'): void {
    this.tracker.acknowledge(record, kind)
  }

  private fail(err: Error): void {
    this.fatal ??= err
    this.joined.resolve()
    for (const w of this.assignmentWaiters.splice(0)) w()
  }

  /**
   * The next batch of records, after acknowledging the last: in implicit mode every record of it
   * not acknowledged is accepted; in explicit mode each must have been accepted, released or
   * rejected (else ShareAcknowledgementError). Undefined once the consumer is closed.
   */
  async next(): Promise<ShareBatch | undefined> {
    if (this.closing) return undefined
    if (this.fatal) throw this.fatal
    this.tracker.finishBatch()
    await this.start()
    let attempt = 0
    while (!this.closing) {
      if (this.fatal) throw this.fatal
      try {
        const batch = await this.fetchOnce()
        attempt = 0
        // Closed meanwhile: closing the share sessions releases these records.
        if (this.closing) return undefined
        if (batch) return batch
      } catch (err) {
        if (this.closing) break
        if (!isRetriable(err)) throw err
        this.cluster.logger.debug({ err, groupId: this.opts.groupId }, 'share fetch failed; retrying')
        await sleep(backoffDelay(Math.min(attempt++, 6), this.cluster.options.retry))
      }
    }
    return undefined
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ShareBatch, void, undefined> {
    for (;;) {
      const b = await this.next()
      if (!b) return
      yield b
    }
  }

  /** The partitions to fetch, by leader broker. */
  private async wantedByLeader(): Promise<Map<number, SessionPartition[]>> {
    await this.learnTopicIds()
    const out = new Map<number, SessionPartition[]>()
    for (const t of this.assigned) {
      const topic = this.topicNames.get(t.topicId)
      if (topic === undefined) continue
      for (const partition of t.partitions) {
        const leader = (await this.cluster.leader(topic, partition)).leader
        let list = out.get(leader)
        if (!list) out.set(leader, (list = []))
        list.push({ topic, topicId: t.topicId, partition })
      }
    }
    return out
  }

  /** Maps the assignment's topic ids to names (a topic created after the last metadata refresh needs one). */
  private async learnTopicIds(): Promise<void> {
    const unknown = this.assigned.some((t) => !this.topicNames.has(t.topicId))
    if (!unknown) return
    for (const name of this.opts.topics) {
      const info = await this.cluster.topic(name, { refresh: true }).catch(() => undefined)
      if (info) this.topicNames.set(info.topicId, name)
    }
  }

  private session(nodeId: number): ShareSession {
    let s = this.sessions.get(nodeId)
    if (!s) this.sessions.set(nodeId, (s = new ShareSession(this.cluster, nodeId, this.lane, this.opts.groupId, this.memberId)))
    return s
  }

  /**
   * Takes the acknowledgements waiting and groups them by leader, with topic ids. When a leader
   * cannot be found they stay waiting (for the next round), not lost.
   */
  private async takeAcksByLeader(): Promise<Map<number, Array<SessionAcks & { offsets: bigint[] }>>> {
    const acks = this.tracker.take()
    const out = new Map<number, Array<SessionAcks & { offsets: bigint[] }>>()
    try {
      for (const a of acks) {
        const info = await this.cluster.topic(a.topic)
        const leader = (await this.cluster.leader(a.topic, a.partition)).leader
        let list = out.get(leader)
        if (!list) out.set(leader, (list = []))
        list.push({ ...a, topicId: info.topicId })
      }
    } catch (err) {
      this.tracker.restore(acks)
      throw err
    }
    return out
  }

  /** One round: acknowledgements out, records in. Undefined when nothing was delivered. */
  private async fetchOnce(): Promise<ShareBatch | undefined> {
    const wanted = await this.wantedByLeader()
    if (wanted.size === 0) {
      await this.flushAcknowledgements()
      await this.assignmentChangeOrTimeout(this.opts.maxWaitMs)
      return undefined
    }
    const acks = await this.takeAcksByLeader()
    const rounds: Array<Promise<unknown>> = []
    const fetched: Array<{ res: ShareFetchResponse; acks: Map<string, bigint[]> }> = []
    for (const [nodeId, partitions] of wanted) {
      const wantedKeys = new Set(partitions.map((p) => `${p.topicId}:${p.partition}`))
      const mine = acks.get(nodeId) ?? []
      acks.delete(nodeId)
      // Renewals go by ShareAcknowledge (a fetch carrying them returns no records); so do acks of partitions no longer fetched.
      const piggyback = mine.filter((a) => !a.renew && wantedKeys.has(`${a.topicId}:${a.partition}`))
      const separate = mine.filter((a) => !piggyback.includes(a))
      if (separate.length > 0) rounds.push(this.sendAcknowledgements(nodeId, separate))
      rounds.push(
        this.session(nodeId)
          .fetch(partitions, piggyback, this.opts)
          .then(
            (res) => fetched.push({ res, acks: new Map(piggyback.map((a) => [`${a.topicId}:${a.partition}`, a.offsets])) }),
            (err: unknown) => {
              this.report(piggyback.map((a) => ({ topic: a.topic, partition: a.partition, offsets: a.offsets, error: err as Error })))
              throw err
            },
          ),
      )
    }
    for (const [nodeId, rest] of acks) rounds.push(this.sendAcknowledgements(nodeId, rest))
    const settled = await Promise.allSettled(rounds)
    const records: ShareRecord[] = []
    let lockMs = this.lockTimeoutMs ?? -1
    for (const { res, acks: sent } of fetched) {
      if (res.acquisitionLockTimeoutMs > 0) lockMs = this.lockTimeoutMs = res.acquisitionLockTimeoutMs
      const results: AcknowledgementCommitResult[] = []
      for (const t of res.responses) {
        const topic = this.topicNames.get(t.topicId)
        if (topic === undefined) continue
        for (const p of t.partitions) {
          const offsets = sent.get(`${t.topicId}:${p.partitionIndex}`)
          if (offsets) results.push({ topic, partition: p.partitionIndex, offsets, error: p.acknowledgeErrorCode === 0 ? null : new KafkaProtocolError(p.acknowledgeErrorCode, p.acknowledgeErrorMessage ?? `acknowledging ${topic}-${p.partitionIndex}`) })
          this.deliver(topic, p, records)
        }
      }
      this.report(results)
    }
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (records.length > 0) return { records, acquisitionLockTimeoutMs: lockMs, [Symbol.iterator]: () => records[Symbol.iterator]() }
    if (failed) throw failed.reason
    return undefined
  }

  /** Turns a partition's acquired records into delivered records; acquired offsets without one are gaps. */
  private deliver(topic: string, p: ShareFetchPartitionResponse, out: ShareRecord[]): void {
    if (p.errorCode !== 0) {
      if (LEADER_ERRORS.has(p.errorCode)) this.cluster.invalidate(topic)
      this.cluster.logger.debug({ topic, partition: p.partitionIndex, errorCode: p.errorCode, message: p.errorMessage }, 'share fetch partition error')
      return
    }
    if (p.acquiredRecords.length === 0) return
    const acquired = new Map<bigint, number>()
    for (const a of p.acquiredRecords) for (let o = a.firstOffset; o <= a.lastOffset; o++) acquired.set(o, a.deliveryCount)
    try {
      const delivered: ShareRecord[] = []
      for (const batch of decodeRecordBatches(p.records ?? Buffer.alloc(0))) {
        if (batch.isControl) continue
        for (const r of batch) {
          const count = acquired.get(r.offset)
          if (count === undefined) continue
          acquired.delete(r.offset)
          delivered.push(this.tracker.deliver(topic, p.partitionIndex, count, r))
        }
      }
      out.push(...delivered)
      for (const o of acquired.keys()) this.tracker.gap(topic, p.partitionIndex, o)
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      this.cluster.logger.warn({ err, topic, partition: p.partitionIndex }, 'share fetch: undecodable records released')
      for (const o of acquired.keys()) this.tracker.releaseUndeliverable(topic, p.partitionIndex, o)
    }
  }

  private async assignmentChangeOrTimeout(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms)
      const self = this
      function done(): void {
        clearTimeout(t)
        self.assignmentWaiters = self.assignmentWaiters.filter((w) => w !== done)
        resolve()
      }
      this.assignmentWaiters.push(done)
    })
  }

  /** Sends acknowledgements by ShareAcknowledge to one broker and reports their outcome. */
  private async sendAcknowledgements(nodeId: number, acks: Array<SessionAcks & { offsets: bigint[] }>, close = false): Promise<AcknowledgementCommitResult[]> {
    let res: ShareAcknowledgeResponse | undefined
    try {
      res = await this.session(nodeId).acknowledge(acks, close)
    } catch (err) {
      const results = acks.map((a) => ({ topic: a.topic, partition: a.partition, offsets: a.offsets, error: err as Error }))
      this.report(results)
      if (!(err instanceof KafkaProtocolError)) throw err
      return results
    }
    const errors = new Map<string, KafkaProtocolError>()
    for (const t of res?.responses ?? []) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) errors.set(`${t.topicId}:${p.partitionIndex}`, new KafkaProtocolError(p.errorCode, p.errorMessage ?? `acknowledging partition ${p.partitionIndex}`))
      }
    }
    const results = acks.map((a) => ({ topic: a.topic, partition: a.partition, offsets: a.offsets, error: errors.get(`${a.topicId}:${a.partition}`) ?? null }))
    this.report(results)
    return results
  }

  private report(results: AcknowledgementCommitResult[]): void {
    if (results.length === 0) return
    for (const r of results) {
      if (r.error) this.cluster.logger.debug({ err: r.error, topic: r.topic, partition: r.partition }, 'share acknowledgement failed')
    }
    try {
      this.opts.onAcknowledgementCommit?.(results)
    } catch (err) {
      this.cluster.logger.warn({ err }, 'onAcknowledgementCommit threw')
    }
  }

  /** Sends every acknowledgement waiting, by ShareAcknowledge. */
  private async flushAcknowledgements(close = false): Promise<AcknowledgementCommitResult[]> {
    const byLeader = await this.takeAcksByLeader()
    if (close) for (const nodeId of this.sessions.keys()) if (!byLeader.has(nodeId)) byLeader.set(nodeId, [])
    const all = await Promise.all([...byLeader].map(([nodeId, acks]) => this.sendAcknowledgements(nodeId, acks, close)))
    return all.flat()
  }

  /**
   * Sends the acknowledgements given so far now, instead of with the next fetch (Java's
   * commitSync), and resolves with their outcome per partition; renewals take effect only once
   * sent. In implicit mode the records of the batch in hand are accepted first. A partition
   * whose acknowledgement failed carries its error (e.g. INVALID_RECORD_STATE: the lock had
   * expired and the record went to another member); the promise rejects only when the consumer
   * is closed or a broker cannot be reached.
   */
  async commit(): Promise<AcknowledgementCommitResult[]> {
    if (this.closing) throw new ClientClosedError('share consumer is closed')
    this.tracker.acceptAllIfImplicit()
    if (!this.tracker.hasPending) return []
    return this.flushAcknowledgements()
  }

  /** {@link commit} without waiting (Java's commitAsync): outcomes go to `onAcknowledgementCommit`, failures to the log. */
  commitAsync(): void {
    this.commit().catch((err: unknown) => this.cluster.logger.warn({ err, groupId: this.opts.groupId }, 'share acknowledgement commit failed'))
  }

  /**
   * Leaves the share group: sends the acknowledgements given (records of the batch in hand not
   * acknowledged are not accepted, even in implicit mode, as in Java: call `commit()` first for
   * that), closes the share sessions, whereupon the brokers release every record still acquired
   * by this member to the other members, and leaves the group. Waits at most `timeoutMs`
   * (default 5000 ms) for the brokers. Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closing = true
    this.assigned = []
    this.membership.wake()
    for (const w of this.assignmentWaiters.splice(0)) w()
    this.closePromise ??= (async () => {
      const timeoutMs = options.timeoutMs ?? 5_000
      const done = (async () => {
        if (this.started) {
          await this.flushAcknowledgements(true).catch((err: unknown) => this.cluster.logger.debug({ err }, 'closing share sessions failed'))
          await this.heartbeats?.catch(() => undefined)
          await this.membership.leave()
        }
      })()
      await settlesWithin(done, timeoutMs)
      await this.cluster.releaseLane(this.lane)
      await this.cluster.releaseLane(this.groupLane)
      this.onClosed?.(this)
    })()
    return this.closePromise
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
