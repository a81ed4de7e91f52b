/**
 * GroupConsumer: a member of a consumer group (classic protocol: JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup; offsets in OffsetCommit/OffsetFetch),
 * read as an AsyncIterable of per-partition batches.
 *
 * Delivery is at-least-once: a batch counts as consumed when the caller asks
 * for the next one (or calls commit()), and only consumed positions are
 * committed. Rebalances wait until the caller has finished the batch in hand,
 * like the Java consumer, where revocation happens inside poll().
 */
import { randomUUID } from 'node:crypto'
import { InvalidArgumentError, KafkaProtocolError, PeridotError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../../protocol/consumer-protocol.js'
import { ConsumerGroupHeartbeat, ConsumerGroupMemberEpoch } from '../../protocol/messages/consumer-group-heartbeat.js'
import { Fetch, type FetchRequestTopic } from '../../protocol/messages/fetch.js'
import { Heartbeat } from '../../protocol/messages/heartbeat.js'
import { JoinGroup, type JoinGroupResponse } from '../../protocol/messages/join-group.js'
import { LeaveGroup } from '../../protocol/messages/leave-group.js'
import { OffsetCommit } from '../../protocol/messages/offset-commit.js'
import { OffsetFetch } from '../../protocol/messages/offset-fetch.js'
import { SyncGroup } from '../../protocol/messages/sync-group.js'
import type { KafkaRecord } from '../../protocol/records/index.js'
import type { Cluster } from '../cluster.js'
import { ZERO_UUID } from '../cluster.js'
import type { Connection } from '../connection.js'
import { COORDINATOR_ERRORS, Coordinators } from '../coordinator.js'
import { ClientClosedError, UnsupportedVersionError } from '../errors.js'
import { PartitionClient } from '../partition-client.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import { cooperativeStickyAssignor, type Assignor, type MemberSubscription, type TopicPartition } from './assignor.js'
import { DecompressionBudget } from '../../protocol/records/index.js'
import { fetchResultOf, type FetchCursor, type IsolationLevel, type LazyFetchResult } from './fetch-result.js'

/** Options of a {@link GroupConsumer}. */
export interface GroupConsumerOptions {
  groupId: string
  /** Topics to subscribe to. */
  topics: string[]
  /** Static membership (KIP-345): a stable id that survives restarts without a rebalance. */
  groupInstanceId?: string
  /** Default 45000 ms. */
  sessionTimeoutMs?: number
  /** How long the group waits for members to rejoin (default 300000 ms). */
  rebalanceTimeoutMs?: number
  /** Default 3000 ms. */
  heartbeatIntervalMs?: number
  /** In order of preference (default: cooperative-sticky). */
  assignors?: Assignor[]
  /** Commit consumed positions periodically and before partitions move (default true). */
  autoCommit?: boolean
  /** Default 5000 ms. */
  autoCommitIntervalMs?: number
  /** Where to start without a committed offset (default 'latest', as the Java client). */
  autoOffsetReset?: 'earliest' | 'latest' | 'error'
  isolationLevel?: IsolationLevel
  /** Per-partition fetch size (default 1 MiB). */
  maxBytesPerPartition?: number
  /** Whole-response fetch size (default 16 MiB). */
  maxBytes?: number
  /** Default 500 ms. */
  maxWaitMs?: number
  /** Fetched bytes held for the caller before fetching pauses (default 32 MiB). */
  maxBufferedBytes?: number
  /**
   * Decompressed bytes allowed for the batches of one fetched partition, together (default:
   * 256 MiB, or 64 times the partition's fetched bytes when that is larger). A batch that would
   * take them past it fails with a DecodeError while it is being decompressed, so a compression
   * bomb cannot exhaust memory; each batch's output is released once its records are read.
   */
  maxDecompressedBytes?: number
  /**
   * 'classic' (JoinGroup/SyncGroup, client-side assignors; default) or
   * 'consumer' (KIP-848: ConsumerGroupHeartbeat, the broker assigns; Kafka 4.0+).
   */
  groupProtocol?: 'classic' | 'consumer'
  /** With groupProtocol 'consumer': the broker-side assignor ('uniform' or 'range'); broker default when unset. */
  serverAssignor?: string
  /** Called after partitions are assigned (before any of their records are delivered). */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>
  /** Called before partitions move away; offsets may still be committed here. */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>
  /** Called when partitions were lost (membership expired); committing is no longer possible. */
  onLost?: (partitions: TopicPartition[]) => void | Promise<void>
  /**
   * Called at the end of every completed rebalance (classic protocol), after onRevoked and
   * onAssigned, with the whole assignment and the assignor's user data for this member (the
   * streams runtime carries standby tasks and the hosts of every task there).
   */
  onAssignment?: (assignment: { generationId: number; partitions: TopicPartition[]; userData: Buffer | null }) => void | Promise<void>
}

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

/** An offset to commit: the next offset to read, as in Kafka. */
export interface OffsetToCommit {
  topic: string
  partition: number
  offset: bigint
  metadata?: string | null
}

/** The group generation a commit or transaction is tied to (KIP-447). */
export interface ConsumerGroupMetadata {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

/** A commit was refused because the group moved on (rebalanced or this member was removed). */
export class CommitFailedError extends PeridotError {
  override name = 'CommitFailedError'
}

interface PartitionState {
  topic: string
  partition: number
  /** Where the next fetch starts. */
  fetchPosition: bigint | undefined
  /** Position after the last batch the caller finished. */
  consumed: bigint | undefined
  committed: bigint | undefined
  paused: boolean
  /** Bumped on seek/revoke so that fetches in flight are discarded. */
  epoch: number
  pc: PartitionClient
}

interface Buffered {
  state: PartitionState
  epoch: number
  result: LazyFetchResult
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`

export class GroupConsumer implements AsyncIterable<GroupBatch>, AsyncDisposable {
  private readonly opts: Required<Omit<GroupConsumerOptions, 'groupInstanceId' | 'onAssigned' | 'onRevoked' | 'onLost' | 'onAssignment' | 'serverAssignor' | 'maxDecompressedBytes'>> &
    Pick<GroupConsumerOptions, 'onAssigned' | 'onRevoked' | 'onLost' | 'onAssignment' | 'serverAssignor' | 'maxDecompressedBytes'>
  private readonly coordinators: Coordinators
  private readonly groupLane: string
  private readonly fetchLane: string
  private readonly groupInstanceId: string | null
  private readonly cooperative: boolean
  private memberId = ''
  private generationId = -1
  private protocolName: string | null = null
  private readonly assigned = new Map<string, PartitionState>()
  private buffer: Buffered[] = []
  private bufferedBytes = 0
  /** The batch handed to the caller and not yet finished. */
  private outstanding: Buffered | undefined
  private rejoinNeeded = true
  private closing = false
  private closed = false
  private fatal: Error | undefined
  private started: Promise<void> | undefined
  private firstAssignment: { promise: Promise<void>; resolve: () => void }
  private wakeFetch: (() => void) | undefined
  private wakeReader: (() => void) | undefined
  private wakeGroup: (() => void) | undefined
  private idleWaiters: Array<() => void> = []
  private groupLoop: Promise<void> | undefined
  private fetchLoop: Promise<void> | undefined
  private autoCommitTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly cluster: Cluster,
    options: GroupConsumerOptions,
  ) {
    if (!options || typeof options.groupId !== 'string' || options.groupId.length === 0) throw new InvalidArgumentError('groupId must be a non-empty string')
    if (!Array.isArray(options.topics) || options.topics.length === 0 || options.topics.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw new InvalidArgumentError('topics must be a non-empty array of topic names')
    }
    const assignors = options.assignors ?? [cooperativeStickyAssignor]
    if (assignors.length === 0) throw new InvalidArgumentError('at least one assignor is required')
    if (options.groupProtocol !== undefined && options.groupProtocol !== 'classic' && options.groupProtocol !== 'consumer') {
      throw new InvalidArgumentError(`groupProtocol must be 'classic' or 'consumer', got ${String(options.groupProtocol)}`)
    }
    // Checked here rather than at the first fetch.
    if (options.maxDecompressedBytes !== undefined) new DecompressionBudget(options.maxDecompressedBytes)
    const reset = options.autoOffsetReset ?? 'latest'
    if (!['earliest', 'latest', 'error'].includes(reset)) throw new InvalidArgumentError(`autoOffsetReset must be 'earliest', 'latest' or 'error'`)
    this.opts = {
      groupId: options.groupId,
      topics: [...new Set(options.topics)].sort(),
      sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
      assignors,
      autoCommit: options.autoCommit ?? true,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5_000,
      autoOffsetReset: reset,
      isolationLevel: options.isolationLevel ?? 'read_uncommitted',
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1 << 20,
      maxBytes: options.maxBytes ?? 16 << 20,
      maxWaitMs: options.maxWaitMs ?? 500,
      maxBufferedBytes: options.maxBufferedBytes ?? 32 << 20,
      groupProtocol: options.groupProtocol ?? 'classic',
      serverAssignor: options.serverAssignor,
      maxDecompressedBytes: options.maxDecompressedBytes,
      onAssigned: options.onAssigned,
      onRevoked: options.onRevoked,
      onLost: options.onLost,
      onAssignment: options.onAssignment,
    }
    this.groupInstanceId = options.groupInstanceId ?? null
    this.cooperative = assignors.every((a) => a.protocol === 'cooperative')
    // Own connections: JoinGroup and long-poll fetches park on the broker, which
    // serves one request per connection at a time.
    this.groupLane = cluster.newLane('group')
    this.fetchLane = cluster.newLane('group-fetch')
    this.coordinators = new Coordinators(cluster, this.groupLane)
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
      this.groupLoop = this.runGroup()
      this.fetchLoop = this.runFetch()
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
    return [...this.assigned.values()].map((s) => ({ topic: s.topic, partition: s.partition }))
  }

  /** The generation this member belongs to, for transactional offset commits (KIP-447). */
  groupMetadata(): ConsumerGroupMetadata {
    return { groupId: this.opts.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId }
  }

  /** Moves the position of an assigned partition; buffered records of it are dropped. */
  seek(topic: string, partition: number, offset: bigint): void {
    const s = this.assigned.get(key(topic, partition))
    if (!s) throw new InvalidArgumentError(`${topic}-${partition} is not assigned to this consumer`)
    if (typeof offset !== 'bigint' || offset < 0n) throw new InvalidArgumentError(`offset must be a bigint >= 0n, got ${String(offset)}`)
    // The batch in hand no longer counts as consumed: the caller moved the position.
    if (this.outstanding?.state === s) this.releaseOutstanding()
    this.dropBuffered(s)
    s.fetchPosition = offset
    s.consumed = offset
    this.wakeFetch?.()
  }

  /** Stops fetching the given partitions (their buffered records are held back) until resumed. */
  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.assigned.get(key(tp.topic, tp.partition))
      if (!s) continue
      s.paused = true
      this.dropBuffered(s)
    }
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.assigned.get(key(tp.topic, tp.partition))
      if (s) s.paused = false
    }
    this.wakeFetch?.()
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
    if (offsets.length > 0 && this.generationId >= 0) await this.sendCommit(offsets)
  }

  private async sendCommit(offsets: OffsetToCommit[]): Promise<void> {
    const byTopic = new Map<string, OffsetToCommit[]>()
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
    for (let attempt = 0; ; attempt++) {
      const conn = await this.coordinators.get('group', this.opts.groupId)
      const res = await conn.request(OffsetCommit, {
        groupId: this.opts.groupId,
        generationIdOrMemberEpoch: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.groupInstanceId,
        topics: [...byTopic].map(([name, os]) => ({
          name,
          partitions: os.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: o.metadata ?? null })),
        })),
      })
      let retry: number | undefined
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === 0) continue
          if (COORDINATOR_ERRORS.has(p.errorCode) || p.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) retry = p.errorCode
          else if (p.errorCode === ErrorCode.ILLEGAL_GENERATION || p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || p.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
            this.requestRejoin()
            throw new CommitFailedError(
              `commit of ${t.name}-${p.partitionIndex} failed: ${new KafkaProtocolError(p.errorCode).message}; the group has rebalanced and the partitions may now belong to another member`,
            )
          } else if (p.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
            this.requestRejoin()
            throw new CommitFailedError(`commit of ${t.name}-${p.partitionIndex} failed: the group is rebalancing; retry after the rebalance`)
          } else throw new KafkaProtocolError(p.errorCode, `commit of ${t.name}-${p.partitionIndex} for group '${this.opts.groupId}'`)
        }
      }
      if (retry === undefined) break
      if (attempt >= this.cluster.options.retry.retries) throw new KafkaProtocolError(retry, `commit for group '${this.opts.groupId}'`)
      this.coordinators.invalidate('group', this.opts.groupId)
      await sleep(backoffDelay(attempt, this.cluster.options.retry))
    }
    for (const o of offsets) {
      const s = this.assigned.get(key(o.topic, o.partition))
      if (s) s.committed = o.offset
    }
  }

  // ---- group membership ----------------------------------------------------

  private requestRejoin(): void {
    this.rejoinNeeded = true
    this.wakeGroup?.()
  }

  private runGroup(): Promise<void> {
    return this.opts.groupProtocol === 'consumer' ? this.runConsumerProtocol() : this.runClassic()
  }

  private async runClassic(): Promise<void> {
    let attempt = 0
    while (!this.closing) {
      try {
        if (this.rejoinNeeded) {
          await this.rebalance()
          attempt = 0
        }
        await this.heartbeatOnce()
        attempt = 0
        await this.waitGroup(this.opts.heartbeatIntervalMs)
      } catch (err) {
        if (this.closing) break
        if (!this.handleGroupError(err)) {
          this.fatal = err as Error
          this.firstAssignment.resolve()
          this.wakeReader?.()
          return
        }
        await sleep(backoffDelay(Math.min(attempt++, 6), this.cluster.options.retry))
      }
    }
  }

  /** Returns true when the error is recoverable by rejoining or retrying. */
  private handleGroupError(err: unknown): boolean {
    if (err instanceof KafkaProtocolError) {
      switch (err.code) {
        case ErrorCode.REBALANCE_IN_PROGRESS:
          this.rejoinNeeded = true
          return true
        case ErrorCode.UNKNOWN_MEMBER_ID:
        case ErrorCode.ILLEGAL_GENERATION:
        case ErrorCode.FENCED_MEMBER_EPOCH:
          void this.losePartitions()
          this.memberId = this.groupInstanceId ? this.memberId : ''
          this.generationId = -1
          this.rejoinNeeded = true
          return true
        case ErrorCode.NOT_COORDINATOR:
        case ErrorCode.COORDINATOR_NOT_AVAILABLE:
          this.coordinators.invalidate('group', this.opts.groupId)
          return true
        default:
          if (err.retriable) return true
          return false
      }
    }
    return isRetriable(err)
  }

  private waitGroup(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.wakeGroup = done
    })
  }

  /**
   * KIP-848: the broker computes assignments; the member heartbeats its
   * subscription and owned partitions and reconciles to the target it is sent.
   */
  private async runConsumerProtocol(): Promise<void> {
    this.memberId = randomUUID()
    this.rejoinNeeded = false // a classic-protocol notion; the heartbeat carries every change here
    let epoch: number = ConsumerGroupMemberEpoch.JOIN
    let full = true // send the whole member state (first join, after fencing)
    let ownedChanged = false
    let interval = this.opts.heartbeatIntervalMs
    let attempt = 0
    while (!this.closing) {
      try {
        const conn = await this.coordinators.get('group', this.opts.groupId)
        const unsupported = () =>
          new UnsupportedVersionError(`broker ${conn.address} does not support the consumer group protocol (KIP-848); use groupProtocol 'classic'`)
        if (!conn.supports(ConsumerGroupHeartbeat)) throw unsupported()
        const res = await conn.request(ConsumerGroupHeartbeat, {
          groupId: this.opts.groupId,
          memberId: this.memberId,
          memberEpoch: epoch,
          instanceId: this.groupInstanceId,
          rackId: null,
          rebalanceTimeoutMs: full ? this.opts.rebalanceTimeoutMs : -1,
          subscribedTopicNames: full ? this.opts.topics : null,
          serverAssignor: full ? (this.opts.serverAssignor ?? null) : null,
          topicPartitions: full || ownedChanged ? await this.ownedByTopicId() : null,
        })
        // Kafka 3.x advertises the API but refuses it unless the new protocol is enabled.
        if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) throw unsupported()
        if (res.errorCode !== 0) {
          if (res.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
            // Fenced: give up everything without committing, rejoin with epoch 0.
            await this.losePartitions()
            if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = randomUUID()
            epoch = ConsumerGroupMemberEpoch.JOIN
            full = true
            continue
          }
          throw new KafkaProtocolError(res.errorCode, res.errorMessage ?? `heartbeat of group '${this.opts.groupId}'`)
        }
        attempt = 0
        full = false
        ownedChanged = false
        if (res.memberId) this.memberId = res.memberId
        epoch = res.memberEpoch
        this.generationId = epoch
        interval = res.heartbeatIntervalMs > 0 ? res.heartbeatIntervalMs : interval
        if (res.assignment) ownedChanged = await this.reconcile(res.assignment.topicPartitions)
        this.firstAssignment.resolve()
        // Acknowledge a changed assignment at once; otherwise wait for the interval.
        if (!ownedChanged) await this.waitGroup(interval)
      } catch (err) {
        if (this.closing) break
        if (err instanceof KafkaProtocolError && (COORDINATOR_ERRORS.has(err.code) || err.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)) {
          this.coordinators.invalidate('group', this.opts.groupId)
        } else if (!isRetriable(err)) {
          this.fatal = err as Error
          this.firstAssignment.resolve()
          this.wakeReader?.()
          return
        }
        await sleep(backoffDelay(Math.min(attempt++, 6), this.cluster.options.retry))
      }
    }
  }

  /** Owned partitions in the heartbeat's topic-id form. */
  private async ownedByTopicId(): Promise<Array<{ topicId: string; partitions: number[] }>> {
    const byTopic = new Map<string, number[]>()
    for (const s of this.assigned.values()) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition])
    const out: Array<{ topicId: string; partitions: number[] }> = []
    for (const [topic, partitions] of byTopic) out.push({ topicId: (await this.cluster.topic(topic)).topicId, partitions })
    return out
  }

  /** Moves to the broker's target assignment; returns true when what this member owns changed. */
  private async reconcile(target: Array<{ topicId: string; partitions: number[] }>): Promise<boolean> {
    const names = new Map<string, string>()
    for (const t of this.opts.topics) {
      try {
        names.set((await this.cluster.topic(t)).topicId, t)
      } catch (err) {
        if (!(err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) throw err
      }
    }
    const wanted = new Map<string, TopicPartition>()
    for (const t of target) {
      let topic = names.get(t.topicId)
      if (!topic) {
        // A topic created after our last metadata refresh.
        for (const name of this.opts.topics) {
          const info = await this.cluster.topic(name, { refresh: true }).catch(() => undefined)
          if (info?.topicId === t.topicId) topic = name
        }
      }
      if (!topic) continue
      for (const p of t.partitions) wanted.set(key(topic, p), { topic, partition: p })
    }
    const revoked = [...this.assigned.values()].filter((s) => !wanted.has(key(s.topic, s.partition)))
    await this.revoke(revoked)
    const added = this.addPartitions([...wanted.values()].filter((tp) => !this.assigned.has(key(tp.topic, tp.partition))))
    await this.initPositions(added)
    if (added.length > 0) await this.opts.onAssigned?.(added.map((s) => ({ topic: s.topic, partition: s.partition })))
    this.wakeFetch?.()
    return revoked.length > 0 || added.length > 0
  }

  private addPartitions(tps: TopicPartition[]): PartitionState[] {
    const added: PartitionState[] = []
    for (const tp of tps) {
      const s: PartitionState = {
        topic: tp.topic,
        partition: tp.partition,
        fetchPosition: undefined,
        consumed: undefined,
        committed: undefined,
        paused: false,
        epoch: 0,
        pc: new PartitionClient(this.cluster, tp.topic, tp.partition),
      }
      this.assigned.set(key(tp.topic, tp.partition), s)
      added.push(s)
    }
    return added
  }

  private async heartbeatOnce(): Promise<void> {
    if (this.rejoinNeeded || this.generationId < 0) return
    const conn = await this.coordinators.get('group', this.opts.groupId)
    const res = await conn.request(Heartbeat, {
      groupId: this.opts.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
    })
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `heartbeat of group '${this.opts.groupId}'`)
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

  private async revoke(partitions: PartitionState[]): Promise<void> {
    if (partitions.length === 0) return
    await this.awaitCallerIdle()
    if (this.opts.autoCommit && this.generationId >= 0) {
      await this.commitConsumed().catch((err: unknown) => this.log.warn({ err }, 'commit before revocation failed'))
    }
    const tps = partitions.map((s) => ({ topic: s.topic, partition: s.partition }))
    try {
      await this.opts.onRevoked?.(tps)
    } finally {
      for (const s of partitions) this.removePartition(s)
    }
  }

  private async losePartitions(): Promise<void> {
    const all = [...this.assigned.values()]
    if (all.length === 0) return
    for (const s of all) this.removePartition(s)
    await this.opts.onLost?.(all.map((s) => ({ topic: s.topic, partition: s.partition })))
  }

  private removePartition(s: PartitionState): void {
    this.dropBuffered(s)
    s.epoch++
    this.assigned.delete(key(s.topic, s.partition))
  }

  private async rebalance(): Promise<void> {
    // Eager protocol: give up everything before joining.
    if (!this.cooperative) await this.revoke([...this.assigned.values()])
    const conn = await this.coordinators.get('group', this.opts.groupId)
    const joined = await this.join(conn)
    this.generationId = joined.generationId
    this.memberId = joined.memberId
    this.protocolName = joined.protocolName
    const assignments = joined.leader === joined.memberId ? await this.assign(joined) : []
    const sync = await conn.request(SyncGroup, {
      groupId: this.opts.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: this.protocolName,
      assignments,
    })
    if (sync.errorCode !== 0) throw new KafkaProtocolError(sync.errorCode, `sync of group '${this.opts.groupId}'`)
    const decoded = sync.assignment.length > 0 ? decodeConsumerAssignment(sync.assignment) : { assignedPartitions: [], userData: null, version: 0 }
    const target = new Set<string>()
    for (const t of decoded.assignedPartitions) for (const p of t.partitions) target.add(key(t.topic, p))

    // Cooperative: revoke only what moved away, then rejoin so it can be handed over.
    const revoked = [...this.assigned.values()].filter((s) => !target.has(key(s.topic, s.partition)))
    await this.revoke(revoked)
    this.rejoinNeeded = this.cooperative && revoked.length > 0

    const added = this.addPartitions(
      decoded.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))).filter((tp) => !this.assigned.has(key(tp.topic, tp.partition))),
    )
    await this.initPositions(added)
    if (added.length > 0) await this.opts.onAssigned?.(added.map((s) => ({ topic: s.topic, partition: s.partition })))
    await this.opts.onAssignment?.({ generationId: this.generationId, partitions: this.assignment(), userData: decoded.userData })
    this.log.debug({ groupId: this.opts.groupId, generation: this.generationId, assigned: this.assigned.size }, 'joined group')
    this.firstAssignment.resolve()
    this.wakeFetch?.()
  }

  private async join(conn: Connection): Promise<JoinGroupResponse> {
    const owned = new Map<string, number[]>()
    for (const s of this.assigned.values()) owned.set(s.topic, [...(owned.get(s.topic) ?? []), s.partition])
    const protocols = this.opts.assignors.map((a) => ({
      name: a.name,
      metadata: encodeConsumerSubscription({
        topics: this.opts.topics,
        userData: a.subscriptionUserData?.(this.opts.topics) ?? null,
        ownedPartitions: [...owned].map(([topic, partitions]) => ({ topic, partitions })),
        generationId: this.generationId,
        rackId: null,
      }),
    }))
    for (let i = 0; ; i++) {
      const res = await conn.request(
        JoinGroup,
        {
          groupId: this.opts.groupId,
          sessionTimeoutMs: this.opts.sessionTimeoutMs,
          rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: this.groupInstanceId,
          protocolType: CONSUMER_PROTOCOL_TYPE,
          protocols,
          reason: null,
        },
        { timeoutMs: this.opts.rebalanceTimeoutMs + 5_000 },
      )
      // KIP-394: the first join of a dynamic member only hands out a member id.
      if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED && i === 0) {
        this.memberId = res.memberId
        continue
      }
      if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = ''
      if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `join of group '${this.opts.groupId}'`)
      return res
    }
  }

  /** Leader: runs the chosen assignor over every member's subscription. */
  private async assign(joined: JoinGroupResponse): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assignor = this.opts.assignors.find((a) => a.name === joined.protocolName)
    if (!assignor) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose assignor '${joined.protocolName}' that this member does not have`)
    const members: MemberSubscription[] = joined.members.map((m) => {
      const sub = decodeConsumerSubscription(m.metadata)
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        topics: sub.topics,
        userData: sub.userData,
        ownedPartitions: sub.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
        generationId: sub.generationId,
        rackId: sub.rackId,
      }
    })
    const topics = [...new Set(members.flatMap((m) => m.topics))]
    const partitionsPerTopic = new Map<string, number>()
    for (const t of topics) {
      try {
        const info = await this.cluster.topic(t, { refresh: true })
        partitionsPerTopic.set(t, info.partitions.length)
      } catch (err) {
        if (!(err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) throw err
        this.log.warn({ topic: t, groupId: this.opts.groupId }, 'subscribed topic does not exist')
      }
    }
    const result = assignor.assign({ members, partitionsPerTopic })
    return members.map((m) => {
      const a = result.get(m.memberId) ?? { partitions: [], userData: null }
      const byTopic = new Map<string, number[]>()
      for (const tp of a.partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
      return {
        memberId: m.memberId,
        assignment: encodeConsumerAssignment({ assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), userData: a.userData }),
      }
    })
  }

  /** Committed offsets, or the reset policy where none exists. */
  private async initPositions(states: PartitionState[]): Promise<void> {
    if (states.length === 0) return
    const byTopic = new Map<string, number[]>()
    for (const s of states) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition])
    const conn = await this.coordinators.get('group', this.opts.groupId)
    const res = await conn.request(OffsetFetch, {
      groups: [{ groupId: this.opts.groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }],
      requireStable: true,
    })
    const group = res.groups[0]
    const code = group?.errorCode ?? res.errorCode
    if (code !== 0) throw new KafkaProtocolError(code, `offset fetch of group '${this.opts.groupId}'`)
    const committed = new Map<string, bigint>()
    for (const t of group?.topics ?? res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new KafkaProtocolError(p.errorCode, `offset fetch of ${t.name}-${p.partitionIndex}`)
        if (p.committedOffset >= 0n) committed.set(key(t.name, p.partitionIndex), p.committedOffset)
      }
    }
    await Promise.all(
      states.map(async (s) => {
        const c = committed.get(key(s.topic, s.partition))
        let pos = c
        if (pos === undefined) {
          if (this.opts.autoOffsetReset === 'error') {
            throw new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `no committed offset for ${s.topic}-${s.partition} and autoOffsetReset is 'error'`)
          }
          pos = await s.pc.getOffset(this.opts.autoOffsetReset)
        }
        s.fetchPosition = pos
        s.consumed = pos
        s.committed = c
      }),
    )
  }

  // ---- fetching --------------------------------------------------------------

  private dropBuffered(s: PartitionState): void {
    const keep: Buffered[] = []
    let rewind: bigint | undefined
    for (const b of this.buffer) {
      if (b.state === s) {
        this.bufferedBytes -= b.result.sizeInBytes
        const from = b.result.fetchOffset
        if (!b.result.isEmpty && (rewind === undefined || from < rewind)) rewind = from
      } else keep.push(b)
    }
    this.buffer = keep
    s.epoch++
    if (rewind !== undefined) s.fetchPosition = rewind
    this.wakeFetch?.()
  }

  private async runFetch(): Promise<void> {
    let attempt = 0
    while (!this.closing) {
      const fetchable = [...this.assigned.values()].filter((s) => !s.paused && s.fetchPosition !== undefined)
      if (this.fatal) return
      if (fetchable.length === 0 || this.bufferedBytes >= this.opts.maxBufferedBytes || this.rejoinNeeded) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, 200)
          function done() {
            clearTimeout(t)
            resolve()
          }
          this.wakeFetch = done
        })
        continue
      }
      try {
        await this.fetchOnce(fetchable)
        attempt = 0
      } catch (err) {
        if (this.closing) return
        if (!isRetriable(err)) {
          this.fatal = err as Error
          this.wakeReader?.()
          return
        }
        this.log.debug({ err }, 'fetch failed; retrying')
        await sleep(backoffDelay(Math.min(attempt++, 6), this.cluster.options.retry))
      }
    }
  }

  /** One Fetch per leader broker covering its assigned partitions. */
  private async fetchOnce(states: PartitionState[]): Promise<void> {
    const byLeader = new Map<number, PartitionState[]>()
    for (const s of states) {
      const leader = await this.cluster.leader(s.topic, s.partition)
      byLeader.set(leader.leader, [...(byLeader.get(leader.leader) ?? []), s])
    }
    await Promise.all([...byLeader].map(([nodeId, group]) => this.fetchFromLeader(nodeId, group)))
  }

  private async fetchFromLeader(nodeId: number, states: PartitionState[]): Promise<void> {
    const conn = await this.cluster.broker(nodeId, this.fetchLane)
    const requested = states.map((s) => ({ s, epoch: s.epoch, offset: s.fetchPosition! }))
    const byTopic = new Map<string, typeof requested>()
    for (const r of requested) byTopic.set(r.s.topic, [...(byTopic.get(r.s.topic) ?? []), r])
    const topics: FetchRequestTopic[] = []
    const idToName = new Map<string, string>()
    let useIds = true
    for (const [topic, rs] of byTopic) {
      const info = await this.cluster.topic(topic)
      if (info.topicId === ZERO_UUID) useIds = false
      idToName.set(info.topicId, topic)
      topics.push({
        topic,
        topicId: info.topicId,
        partitions: rs.map((r) => ({
          partition: r.s.partition,
          currentLeaderEpoch: -1,
          fetchOffset: r.offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: this.opts.maxBytesPerPartition,
        })),
      })
    }
    const v = conn.version(Fetch)
    const res = await conn.send(
      Fetch,
      !useIds && v >= 13 ? 12 : v,
      {
        replicaId: -1,
        maxWaitMs: this.opts.maxWaitMs,
        minBytes: 1,
        maxBytes: this.opts.maxBytes,
        isolationLevel: this.opts.isolationLevel === 'read_committed' ? 1 : 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics,
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: this.cluster.options.requestTimeoutMs + this.opts.maxWaitMs },
    )
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, 'fetch')
    let added = false
    for (const t of res.responses) {
      const topic = t.topic ?? idToName.get(t.topicId) ?? ''
      for (const p of t.partitions) {
        const r = requested.find((x) => x.s.topic === topic && x.s.partition === p.partitionIndex)
        if (!r) continue
        // Discard results for partitions that were revoked, sought or paused meanwhile.
        if (r.s.epoch !== r.epoch || this.assigned.get(key(topic, p.partitionIndex)) !== r.s || r.s.fetchPosition !== r.offset) continue
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          if (this.opts.autoOffsetReset === 'error') throw new KafkaProtocolError(p.errorCode, `fetch at ${r.offset} from ${topic}-${p.partitionIndex}`)
          const reset = await r.s.pc.getOffset(this.opts.autoOffsetReset)
          this.log.warn({ topic, partition: p.partitionIndex, offset: r.offset, reset }, 'offset out of range: reset')
          r.s.fetchPosition = reset
          continue
        }
        if (p.errorCode !== 0) {
          const err = new KafkaProtocolError(p.errorCode, `fetch from ${topic}-${p.partitionIndex}`)
          if (err.retriable) {
            this.cluster.invalidate(topic)
            continue
          }
          throw err
        }
        const result = fetchResultOf(p, r.offset, this.opts.isolationLevel, this.opts.maxDecompressedBytes)
        r.s.fetchPosition = result.nextOffset
        if (result.isEmpty) continue
        this.buffer.push({ state: r.s, epoch: r.s.epoch, result })
        this.bufferedBytes += result.sizeInBytes
        added = true
      }
    }
    if (added) this.wakeReader?.()
  }

  // ---- delivery --------------------------------------------------------------

  private finishOutstanding(): void {
    const b = this.outstanding
    if (!b) return
    if (this.assigned.get(key(b.state.topic, b.state.partition)) === b.state) b.state.consumed = b.result.nextOffset
    this.releaseOutstanding()
  }

  /** Forgets the batch in hand without counting it as consumed; wakes a waiting rebalance. */
  private releaseOutstanding(): void {
    this.outstanding = undefined
    for (const w of this.idleWaiters.splice(0)) w()
  }

  /** The next batch; waits for records. Resolves undefined once closed. */
  async next(): Promise<GroupBatch | undefined> {
    this.finishOutstanding()
    await this.start()
    for (;;) {
      if (this.fatal) throw this.fatal
      if (this.closing) return undefined
      while (this.buffer.length > 0) {
        const b = this.buffer.shift()!
        this.bufferedBytes -= b.result.sizeInBytes
        this.wakeFetch?.()
        // Skip batches of partitions revoked, sought or paused since they were fetched.
        if (b.epoch !== b.state.epoch || this.assigned.get(key(b.state.topic, b.state.partition)) !== b.state) continue
        this.outstanding = b
        const result = b.result
        return {
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
      }
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

  async *[Symbol.asyncIterator](): AsyncGenerator<GroupBatch, void, undefined> {
    for (;;) {
      const b = await this.next()
      if (!b) return
      yield b
    }
  }

  /**
   * Leaves the group: commits consumed positions (with autoCommit), revokes
   * the assignment, and sends LeaveGroup (dynamic members only: a static
   * member keeps its place until the session times out, as in Java).
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.closing = true
    clearInterval(this.autoCommitTimer)
    // A batch still in hand is not counted as consumed (at-least-once): call commit() first to include it.
    this.releaseOutstanding()
    this.wakeGroup?.()
    this.wakeFetch?.()
    this.wakeReader?.()
    await this.groupLoop?.catch(() => undefined)
    await this.fetchLoop?.catch(() => undefined)
    if (this.generationId >= 0 && !this.fatal) {
      try {
        await this.revoke([...this.assigned.values()])
      } catch (err) {
        this.log.warn({ err }, 'revocation on close failed')
      }
      if (this.opts.groupProtocol === 'consumer') {
        try {
          const conn = await this.coordinators.get('group', this.opts.groupId)
          await conn.request(ConsumerGroupHeartbeat, {
            groupId: this.opts.groupId,
            memberId: this.memberId,
            memberEpoch: this.groupInstanceId ? ConsumerGroupMemberEpoch.LEAVE_STATIC : ConsumerGroupMemberEpoch.LEAVE,
            instanceId: this.groupInstanceId,
          })
        } catch (err) {
          this.log.debug({ err }, 'leave group failed')
        }
      } else if (!this.groupInstanceId && this.memberId) {
        try {
          const conn = await this.coordinators.get('group', this.opts.groupId)
          await conn.request(LeaveGroup, { groupId: this.opts.groupId, members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'consumer closed' }] })
        } catch (err) {
          this.log.debug({ err }, 'leave group failed')
        }
      }
    }
    this.buffer = []
    this.bufferedBytes = 0
    this.generationId = -1
    await this.cluster.releaseLane(this.groupLane)
    await this.cluster.releaseLane(this.fetchLane)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
