/**
 * GroupConsumer: a member of a consumer group, read as an AsyncIterable of
 * per-partition batches. Membership runs in classic-membership.ts (JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup) or consumer-protocol-membership.ts
 * (KIP-848), fetching in group-fetcher.ts, offsets in group-offsets.ts.
 *
 * Delivery is at-least-once: a batch counts as consumed when the caller asks
 * for the next one (or calls commit()), and only consumed positions are
 * committed. Rebalances wait until the caller has finished the batch in hand,
 * like the Java consumer, where revocation happens inside poll().
 */
import type { Readable } from 'node:stream'
import { consumerReadable, type ConsumerReadableOptions } from './consumer-readable.js'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { KafkaRecord } from '../../protocol/records/index.js'
import type { Cluster } from '../cluster.js'
import { Coordinators } from '../coordinator.js'
import { ClientClosedError } from '../errors.js'
import { checkTopicPartitions } from '../topic-partitions.js'
import type { TopicPartition } from './assignor.js'
import { ClassicMembership } from './classic-membership.js'
import { ConsumerProtocolMembership } from './consumer-protocol-membership.js'
import type { FetchCursor } from './fetch-result.js'
import { resolveGroupConsumerOptions, type GroupConsumerOptions, type ResolvedGroupConsumerOptions } from './group-consumer-options.js'
import { GroupFetcher, type Buffered } from './group-fetcher.js'
import { GroupOffsets, type CommittedOffset, type OffsetToCommit } from './group-offsets.js'
import { FailureTracker } from './failure-tracker.js'
import { PollIntervalExceededError } from './consumer-errors.js'
import type { Membership, MembershipHost } from './membership.js'
import { newPartitionState, toTopicPartition, tpKey, type PartitionState } from './partition-state.js'
import { channels, type ConsumerReceiveEvent, type GroupPartitionsEvent } from '../telemetry/channels.js'
import type { Channel } from 'node:diagnostics_channel'

export type { GroupConsumerOptions } from './group-consumer-options.js'
export { CommitFailedError, RebalanceInProgressError, type CommittedOffset, type OffsetToCommit } from './group-offsets.js'

/** Records of one partition, in offset order. */
export interface GroupBatch extends Iterable<KafkaRecord> {
  topic: string
  partition: number
  /** The records, decoded on first access. Iterating the batch instead decodes one record at a time. */
  readonly records: KafkaRecord[]
  highWatermark: bigint
  /** Position this batch was fetched from (at or before its first record). */
  fetchOffset: bigint
  /** The records read in place, one at a time (keys and values as positions: see {@link FetchCursor}). */
  cursor(): FetchCursor
  /** Position after this batch. */
  nextOffset: bigint
}

/** The group generation a commit or transaction is tied to (KIP-447). */
export interface ConsumerGroupMetadata {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

/**
 * A consumer group member: iterate it (`for await`) for per-partition batches, `commit()` what
 * was processed, `close()` to leave the group. Created by `Client.groupConsumer()`.
 */
export class GroupConsumer implements AsyncIterable<GroupBatch>, AsyncDisposable {
  private readonly opts: ResolvedGroupConsumerOptions
  private readonly coordinators: Coordinators
  private readonly groupLane: string
  private readonly fetchLane: string
  private readonly groupInstanceId: string | null
  private readonly membership: Membership
  private readonly fetcher: GroupFetcher
  private readonly offsets: GroupOffsets
  private readonly failures: FailureTracker
  /** Ends the caller's time for the batch in hand (maxPollIntervalMs). */
  private pollTimer: NodeJS.Timeout | undefined
  /** The member left the group on poll timeout: next() throws PollIntervalExceededError once. */
  private pollExpired: PollIntervalExceededError | undefined
  private readonly assigned = new Map<string, PartitionState>()
  /** The batch handed to the caller and not yet finished. */
  private outstanding: Buffered | undefined
  private closing = false
  private closed = false
  private fatal: Error | undefined
  private started: Promise<void> | undefined
  private closePromise: Promise<void> | undefined
  private firstAssignment: { promise: Promise<void>; resolve: () => void }
  private wakeReader: (() => void) | undefined
  private idleWaiters: Array<() => void> = []
  private groupLoop: Promise<void> | undefined
  private fetchLoop: Promise<void> | undefined
  private autoCommitTimer: NodeJS.Timeout | undefined

  /** @param onClosed - @internal called once close() is done (the Client stops tracking this consumer). */
  constructor(
    private readonly cluster: Cluster,
    options: GroupConsumerOptions,
    private readonly onClosed?: (consumer: GroupConsumer) => void,
  ) {
    this.opts = resolveGroupConsumerOptions(options)
    this.groupInstanceId = options.groupInstanceId ?? null
    // Own connections: JoinGroup and long-poll fetches park on the broker, which
    // serves one request per connection at a time.
    this.groupLane = cluster.newLane('group')
    this.fetchLane = cluster.newLane('group-fetch')
    this.coordinators = new Coordinators(cluster, this.groupLane)
    this.offsets = new GroupOffsets(cluster, this.coordinators, this.opts)
    this.failures = new FailureTracker(cluster.logger, this.opts.groupId, this.opts.onError, this.opts.unavailableTimeoutMs)
    const self = this
    this.fetcher = new GroupFetcher(cluster, this.opts, this.fetchLane, {
      assigned: this.assigned,
      get stopped() {
        return self.closing || self.fatal !== undefined
      },
      get held() {
        return self.membership.rejoinNeeded
      },
      fail: (err) => this.fail(err),
      failing: (kind, err) => this.failures.failing(kind, err),
      recovered: () => {
        this.failures.recovered('fetch')
        this.failures.recovered('corrupt-fetch')
      },
      delivered: () => this.wakeReader?.(),
    })
    const host: MembershipHost = {
      cluster,
      opts: this.opts,
      coordinators: this.coordinators,
      groupInstanceId: this.groupInstanceId,
      get closing() {
        return self.closing
      },
      assigned: this.assigned,
      revoke: (partitions) => this.revoke(partitions),
      lose: () => this.losePartitions(),
      assign: (tps) => this.addPartitions(tps),
      ready: () => {
        this.firstAssignment.resolve()
        this.fetcher.wake()
      },
      fail: (err) => this.fail(err),
      failing: (err) => this.failures.failing('coordinator', err),
      recovered: () => this.failures.recovered('coordinator'),
    }
    this.membership = this.opts.groupProtocol === 'consumer' ? new ConsumerProtocolMembership(host) : new ClassicMembership(host)
    let resolve!: () => void
    this.firstAssignment = { promise: new Promise<void>((r) => (resolve = r)), resolve }
  }

  private get log() {
    return this.cluster.logger
  }

  /** Joins the group; resolves once the first assignment is in place. */
  start(): Promise<void> {
    if (this.closed || this.closing) return Promise.reject(new ClientClosedError('consumer is closed'))
    this.started ??= (async () => {
      this.groupLoop = this.membership.run()
      this.fetchLoop = this.fetcher.run()
      if (this.opts.autoCommit) {
        this.autoCommitTimer = setInterval(() => {
          this.commitConsumed().catch((err: unknown) => this.log.warn({ err, groupId: this.opts.groupId }, 'auto-commit failed'))
        }, this.opts.autoCommitIntervalMs)
        this.autoCommitTimer.unref()
      }
      await Promise.race([this.firstAssignment.promise, this.groupLoop])
      if (this.fatal) throw this.fatal
    })()
    return this.started
  }

  /** Partitions assigned to this member now. */
  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map(toTopicPartition)
  }

  /**
   * The committed offset of an assigned partition and its metadata string, as read when the
   * partition was assigned (before `onAssigned`) or committed by this member since; undefined for
   * a partition not assigned or without a committed offset. {@link fetchCommitted} asks the
   * coordinator instead.
   */
  committed(topic: string, partition: number): { offset: bigint; metadata: string | null } | undefined {
    const s = this.assigned.get(tpKey(topic, partition))
    return s === undefined || s.committed === undefined ? undefined : { offset: s.committed, metadata: s.committedMetadata }
  }

  /** The generation this member belongs to, for transactional offset commits (KIP-447). */
  groupMetadata(): ConsumerGroupMetadata {
    return { groupId: this.opts.groupId, generationId: this.membership.generationId, memberId: this.membership.memberId, groupInstanceId: this.groupInstanceId }
  }

  /**
   * How far an assigned partition is from caught up, as of its last fetch response (as Java's
   * `currentLag`, but in batches where fetched): what the broker holds beyond the fetch position
   * (records), plus one per batch fetched and not yet finished by the caller (waiting in the
   * buffer, or handed out by {@link next} and not followed by another `next()` yet). 0n: caught
   * up. Undefined when not assigned or no fetch has answered yet.
   */
  currentLag(topic: string, partition: number): bigint | undefined {
    const s = this.assigned.get(tpKey(topic, partition))
    if (!s || s.fetchedEnd === undefined || s.fetchPosition === undefined) return undefined
    const onBroker = s.fetchedEnd > s.fetchPosition ? s.fetchedEnd - s.fetchPosition : 0n
    const inHand = this.outstanding?.state === s ? 1 : 0
    return onBroker + BigInt(this.fetcher.bufferedOf(s) + inHand)
  }

  /** Moves the position of an assigned partition; buffered records of it are dropped. */
  seek(topic: string, partition: number, offset: bigint): void {
    const s = this.assigned.get(tpKey(topic, partition))
    if (!s) throw new InvalidArgumentError(`${topic}-${partition} is not assigned to this consumer`)
    if (typeof offset !== 'bigint' || offset < 0n) throw new InvalidArgumentError(`offset must be a bigint >= 0n, got ${String(offset)}`)
    // The batch in hand no longer counts as consumed: the caller moved the position.
    if (this.outstanding?.state === s) this.releaseOutstanding()
    this.fetcher.drop(s)
    s.fetchPosition = offset
    s.consumed = offset
    this.fetcher.wake()
  }

  /**
   * What the group has committed for `partitions` (default: the assigned ones), read from the
   * coordinator now, as Java's `KafkaConsumer.committed()`: per partition that has a committed
   * offset, that offset (the next to read) and its metadata string, in the order asked; the
   * others are left out. Offsets an open transaction sent are waited for (UNSTABLE_OFFSET_COMMIT,
   * as on assignment) until it commits or aborts, so the answer is what the group will resume
   * from. Positions do not move ({@link seekToCommitted} moves them); the partitions need not be
   * assigned to this member. Rejects with a ClientClosedError on a closed consumer, and with the
   * UNSTABLE_OFFSET_COMMIT KafkaProtocolError if the consumer closes or fails while waiting.
   */
  async fetchCommitted(partitions?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    if (this.closed || this.closing) throw new ClientClosedError('consumer is closed')
    if (partitions !== undefined) checkTopicPartitions(partitions, 'fetchCommitted partitions')
    const asked = partitions ?? this.assignment()
    const committed = await this.offsets.fetchCommitted(asked, () => this.closing || this.fatal !== undefined)
    const out: CommittedOffset[] = []
    for (const tp of asked) {
      const c = committed.get(tpKey(tp.topic, tp.partition))
      if (c !== undefined) out.push({ ...c })
    }
    return out
  }

  /**
   * Moves assigned partitions (default: all of them) back to what the group has committed, read
   * again from the coordinator ({@link fetchCommitted}: waiting for offsets an open transaction sent),
   * or to `autoOffsetReset` where nothing is committed; buffered records of them are dropped. For
   * consume-transform-produce after a `TransactionOutcomeUnknownError`: once `abort()` has
   * re-initialized the producer, that transaction is committed or aborted, and the group's
   * offsets say which, so the input is neither skipped nor processed twice.
   */
  async seekToCommitted(partitions?: TopicPartition[]): Promise<void> {
    const states = (partitions ?? this.assignment()).map((tp) => {
      const s = this.assigned.get(tpKey(tp.topic, tp.partition))
      if (!s) throw new InvalidArgumentError(`${tp.topic}-${tp.partition} is not assigned to this consumer`)
      return s
    })
    const drop = (): void => {
      for (const s of states) {
        if (this.outstanding?.state === s) this.releaseOutstanding()
        this.fetcher.drop(s)
      }
    }
    drop()
    await this.offsets.initPositions(states, () => this.closing || this.fatal !== undefined)
    // A fetch from the old position may have answered meanwhile.
    drop()
    this.fetcher.wake()
  }

  /** Stops fetching the given partitions (their buffered records are held back) until resumed. */
  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.assigned.get(tpKey(tp.topic, tp.partition))
      if (!s) continue
      s.paused = true
      this.fetcher.drop(s)
    }
  }

  /** Fetches the given partitions again after pause(). */
  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.assigned.get(tpKey(tp.topic, tp.partition))
      if (s) s.paused = false
    }
    this.fetcher.wake()
  }

  /**
   * Commits offsets. Without arguments: the positions after every batch
   * delivered so far, including the one in hand (call it after processing).
   */
  async commit(offsets?: OffsetToCommit[]): Promise<void> {
    if (offsets === undefined) {
      this.finishOutstanding()
      await this.commitConsumed()
      return
    }
    for (const o of offsets) {
      if (typeof o.offset !== 'bigint' || o.offset < 0n) throw new InvalidArgumentError(`offset for ${o.topic}-${o.partition} must be a bigint >= 0n`)
    }
    await this.sendCommit(offsets)
  }

  private async commitConsumed(): Promise<void> {
    const offsets: OffsetToCommit[] = []
    for (const s of this.assigned.values()) {
      if (s.consumed !== undefined && s.consumed !== s.committed) offsets.push({ topic: s.topic, partition: s.partition, offset: s.consumed })
    }
    if (offsets.length > 0 && this.membership.generationId >= 0) await this.sendCommit(offsets)
  }

  private async sendCommit(offsets: OffsetToCommit[]): Promise<void> {
    await this.membership.settled()
    await this.offsets.commit(offsets, this.groupMetadata(), () => this.membership.requestRejoin())
    for (const o of offsets) {
      const s = this.assigned.get(tpKey(o.topic, o.partition))
      if (s) {
        s.committed = o.offset
        s.committedMetadata = o.metadata ?? null
      }
    }
  }

  private fail(err: Error): void {
    this.fatal = err
    this.firstAssignment.resolve()
    this.wakeReader?.()
  }

  // ---- assignment ------------------------------------------------------------

  private async addPartitions(tps: TopicPartition[]): Promise<PartitionState[]> {
    const added: PartitionState[] = []
    for (const tp of tps) {
      const s = newPartitionState(this.cluster, tp)
      this.assigned.set(tpKey(tp.topic, tp.partition), s)
      added.push(s)
    }
    try {
      await this.offsets.initPositions(added, () => this.closing || this.fatal !== undefined)
    } catch (err) {
      // Without positions they would stay assigned and never fetched (a later assignment skips
      // partitions already held): drop them, so that the next assignment adds them afresh (a
      // rejoin for the classic protocol; KIP-848 reconciliation retries its target itself).
      for (const s of added) if (this.assigned.get(tpKey(s.topic, s.partition)) === s) this.removePartition(s)
      if (this.opts.groupProtocol !== 'consumer') this.membership.requestRejoin()
      throw err
    }
    if (added.length > 0 && channels.groupAssigned.hasSubscribers) this.publishGroupEvent(channels.groupAssigned, added)
    try {
      if (added.length > 0) await this.opts.onAssigned?.(added.map(toTopicPartition))
    } finally {
      // Fetched from here on (from where onAssigned left them), also when it threw: the error
      // goes to onError/the caller as before, and the partitions stay assigned.
      for (const s of added) s.assigning = false
      this.fetcher.wake()
    }
    return added
  }

  /** Waits until the caller is not holding a batch (or the rebalance timeout passes). */
  private awaitCallerIdle(): Promise<void> {
    if (!this.outstanding) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, this.opts.rebalanceTimeoutMs)
      this.idleWaiters.push(() => {
        clearTimeout(t)
        resolve()
      })
    })
  }

  private async revoke(revoking: PartitionState[]): Promise<void> {
    if (revoking.length === 0) return
    await this.awaitCallerIdle()
    // Partitions lost meanwhile (evicted, or left on poll timeout) went to onLost: never onRevoked too.
    const partitions = revoking.filter((s) => this.assigned.get(tpKey(s.topic, s.partition)) === s)
    if (partitions.length === 0) return
    // From here on no batch of these partitions goes to the caller (as in Java, where revocation
    // happens inside poll()): one delivered while the commit below is out would be read twice.
    for (const s of partitions) this.fetcher.drop(s)
    if (this.opts.autoCommit && this.membership.generationId >= 0) {
      await this.commitConsumed().catch((err: unknown) => this.log.warn({ err }, 'commit before revocation failed'))
    }
    if (channels.groupRevoked.hasSubscribers) this.publishGroupEvent(channels.groupRevoked, partitions)
    try {
      await this.opts.onRevoked?.(partitions.map(toTopicPartition))
    } finally {
      for (const s of partitions) this.removePartition(s)
    }
  }

  /** Publishes a `peridot:group:assigned` / `revoked` / `lost` event. */
  private publishGroupEvent(channel: Channel, states: PartitionState[]): void {
    const event: GroupPartitionsEvent = { clientId: this.cluster.options.clientId, groupId: this.opts.groupId, partitions: states.map(toTopicPartition) }
    channel.publish(event)
  }

  private async losePartitions(): Promise<void> {
    const all = [...this.assigned.values()]
    if (all.length === 0) return
    for (const s of all) this.removePartition(s)
    if (channels.groupLost.hasSubscribers) this.publishGroupEvent(channels.groupLost, all)
    // A revocation waiting for the caller has nothing left to revoke.
    for (const w of this.idleWaiters.splice(0)) w()
    await this.opts.onLost?.(all.map(toTopicPartition))
  }

  private removePartition(s: PartitionState): void {
    this.fetcher.drop(s)
    s.epoch++
    this.assigned.delete(tpKey(s.topic, s.partition))
  }

  // ---- delivery --------------------------------------------------------------

  private finishOutstanding(): void {
    const b = this.outstanding
    if (!b) return
    if (this.assigned.get(tpKey(b.state.topic, b.state.partition)) === b.state) b.state.consumed = b.result.nextOffset
    this.releaseOutstanding()
  }

  /** Forgets the batch in hand without counting it as consumed; wakes a waiting rebalance. */
  private releaseOutstanding(): void {
    this.outstanding = undefined
    for (const w of this.idleWaiters.splice(0)) w()
  }

  /**
   * The next batch; waits for records. Resolves undefined once closed. Asking for it finishes
   * the batch in hand (it counts as consumed). Throws {@link PollIntervalExceededError} once
   * after the caller held a batch longer than `maxPollIntervalMs` (the call after that joins the
   * group again), and {@link ConsumerUnavailableError} while a failure has lasted longer than
   * `unavailableTimeoutMs` (when set) and no records are buffered.
   */
  async next(): Promise<GroupBatch | undefined> {
    clearTimeout(this.pollTimer)
    this.finishOutstanding()
    // After close() (from the loop body or elsewhere) the iteration ends; it never throws ClientClosedError.
    if (this.closing) return undefined
    if (this.pollExpired) {
      const err = this.pollExpired
      this.pollExpired = undefined
      throw err
    }
    this.membership.resume()
    this.start().catch(() => undefined) // its failure is this.fatal, thrown below
    let waited = false
    for (;;) {
      if (this.fatal) throw this.fatal
      if (this.closing) return undefined
      for (let b = this.fetcher.take(); b; b = this.fetcher.take()) {
        // Skip batches of partitions revoked, sought or paused since they were fetched.
        if (b.epoch !== b.state.epoch || this.assigned.get(tpKey(b.state.topic, b.state.partition)) !== b.state) continue
        this.outstanding = b
        this.pollTimer = setTimeout(() => this.pollIntervalExceeded(), this.opts.maxPollIntervalMs)
        this.pollTimer.unref()
        const result = b.result
        const batch: GroupBatch = {
          topic: b.state.topic,
          partition: b.state.partition,
          get records() {
            return result.records
          },
          [Symbol.iterator]: () => result[Symbol.iterator](),
          cursor: () => result.cursor(),
          highWatermark: result.highWatermark,
          fetchOffset: result.fetchOffset,
          nextOffset: result.nextOffset,
        }
        if (channels.consumerReceive.hasSubscribers) channels.consumerReceive.publish({ clientId: this.cluster.options.clientId, groupId: this.opts.groupId, batch } satisfies ConsumerReceiveEvent)
        return batch
      }
      // Only after a wait: a caller that retries next() at once must not spin without I/O.
      const overdue = waited ? this.failures.overdue() : undefined
      if (overdue) throw overdue
      waited = true
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 1000)
        function done() {
          clearTimeout(t)
          resolve()
        }
        this.wakeReader = done
      })
    }
  }

  /** The caller held a batch for maxPollIntervalMs without asking for the next: leave, as the Java client. */
  private pollIntervalExceeded(): void {
    if (this.closing) return
    const ms = this.opts.maxPollIntervalMs
    this.log.warn(
      { groupId: this.opts.groupId, maxPollIntervalMs: ms },
      'group consumer: the batch in hand took longer than maxPollIntervalMs; leaving the group (its partitions go to other members)',
    )
    this.pollExpired = new PollIntervalExceededError(
      `group '${this.opts.groupId}': more than maxPollIntervalMs (${ms} ms) passed between two next() calls, so this member left the group and lost its partitions; ` +
        'process batches faster, or raise maxPollIntervalMs. The next call joins the group again.',
    )
    this.membership.expirePoll().catch((err: unknown) => this.log.warn({ err }, 'leaving the group on poll timeout failed'))
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<GroupBatch, void, undefined> {
    for (;;) {
      const b = await this.next()
      if (!b) return
      yield b
    }
  }

  /**
   * The records as an object-mode Node `Readable` ({@link ConsumedRecord}s), for
   * `stream.pipeline(consumer.readable(), transform, sink)`. A batch counts as consumed (and,
   * with autoCommit, becomes committable) when the Readable fetches the next one, which happens
   * once its buffer (`highWaterMark` records, default 16) has room: records still in its buffer
   * or in the buffers of the streams after it can be committed before they are handled, so a
   * crash can skip up to those buffers' worth. For at-least-once, set `autoCommit: false` and
   * commit from the last stage (`consumer.commit([...])`). Ending or destroying the Readable
   * stops reading (it does not close the consumer); the batch it was reading is not counted as
   * consumed: call `consumer.commit()` once the last stage has handled its records.
   */
  readable(options: ConsumerReadableOptions = {}): Readable {
    return consumerReadable(this, options)
  }

  /**
   * Leaves the group and releases the consumer's connections. With autoCommit, commits the
   * consumed positions first (the batch in hand, if any, does not count: call commit() first to
   * include it), then revokes the assignment (onRevoked) and tells the group this member leaves:
   * LeaveGroup (classic; dynamic members only: a static member keeps its place until the session
   * times out, as in Java) or a heartbeat with member epoch -1 (KIP-848). A join parked on the
   * broker is abandoned at once. A `for await` loop over the consumer, or a `next()` waiting, ends
   * normally (never with ClientClosedError), whether close() is called from the loop body or
   * elsewhere. Idempotent: every call resolves when the first one is done.
   */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown()
    return this.closePromise
  }

  private async shutdown(): Promise<void> {
    this.closed = true
    this.closing = true
    clearInterval(this.autoCommitTimer)
    clearTimeout(this.pollTimer)
    this.releaseOutstanding()
    this.membership.interrupt()
    this.fetcher.wake()
    this.wakeReader?.()
    await this.groupLoop?.catch(() => undefined)
    await this.fetchLoop?.catch(() => undefined)
    if (!this.fatal) {
      if (this.membership.generationId >= 0) {
        try {
          await this.revoke([...this.assigned.values()])
        } catch (err) {
          this.log.warn({ err }, 'revocation on close failed')
        }
      }
      await this.membership.leave()
    }
    this.fetcher.clear()
    this.membership.generationId = -1
    await this.cluster.releaseLane(this.groupLane)
    await this.cluster.releaseLane(this.fetchLane)
    this.onClosed?.(this)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
