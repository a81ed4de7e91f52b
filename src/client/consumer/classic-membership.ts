/**
 * The classic group protocol: JoinGroup, SyncGroup (the leader runs the
 * client-side assignor), Heartbeat, LeaveGroup.
 */
import { KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../../protocol/consumer-protocol.js'
import { Heartbeat } from '../../protocol/messages/heartbeat.js'
import { JoinGroup, type JoinGroupResponse } from '../../protocol/messages/join-group.js'
import { LeaveGroup } from '../../protocol/messages/leave-group.js'
import { SyncGroup, type SyncGroupResponse } from '../../protocol/messages/sync-group.js'
import type { Connection } from '../connection.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import type { MemberSubscription } from './assignor.js'
import { isCoordinatorUnavailable, Membership, type MembershipHost } from './membership.js'
import { byTopic, tpKey } from './partition-state.js'

export class ClassicMembership extends Membership {
  private protocolName: string | null = null
  /** The coordinator connection while a JoinGroup or SyncGroup is parked on it. */
  private joining: Connection | undefined
  /** Settles when the join in flight (JoinGroup and SyncGroup) is done. */
  private joined: Promise<void> | undefined
  private readonly cooperative: boolean
  /** A heartbeat failed for good: the rebalance loop ends too. */
  private failed = false

  constructor(host: MembershipHost) {
    super(host)
    this.cooperative = host.opts.assignors.every((a) => a.protocol === 'cooperative')
  }

  /**
   * Two loops: the rebalances (which may wait for the caller to finish a batch) and the
   * heartbeats, which go on meanwhile (except while a join is parked on the broker, which keeps
   * the member alive itself), so a slow batch during a rebalance does not cost the membership.
   */
  async run(): Promise<void> {
    const heartbeats = this.runHeartbeats()
    let attempt = 0
    while (!this.host.closing && !this.failed) {
      try {
        if (this.rejoinNeeded && !this.suspended) {
          await this.rebalance()
          attempt = 0
          this.host.recovered()
        } else await this.waitGroup(this.host.opts.heartbeatIntervalMs)
      } catch (err) {
        if (this.host.closing) break
        if (!this.handleGroupError(err)) {
          this.host.fail(err as Error)
          break
        }
        if (isCoordinatorUnavailable(err)) this.host.failing(err)
        await this.waitGroup(backoffDelay(Math.min(attempt++, 6), this.host.cluster.options.retry))
      }
    }
    this.interrupt()
    await heartbeats
  }

  private async runHeartbeats(): Promise<void> {
    let failures = 0
    while (!this.host.closing) {
      await this.pause(failures === 0 ? this.host.opts.heartbeatIntervalMs : backoffDelay(Math.min(failures - 1, 6), this.host.cluster.options.retry))
      if (this.host.closing) return
      if (this.generationId < 0 || this.joining || this.suspended) continue
      const generation = this.generationId
      try {
        await this.heartbeatOnce()
        failures = 0
        this.host.recovered()
      } catch (err) {
        if (this.host.closing) return
        // An answer about a generation this member already left (a rebalance completed meanwhile) is stale.
        if (this.generationId !== generation || this.joining) continue
        if (!this.handleGroupError(err)) {
          this.failed = true
          this.host.fail(err as Error)
          this.wake()
          return
        }
        if (isCoordinatorUnavailable(err)) {
          failures++
          this.host.failing(err)
        }
        this.wake()
      }
    }
  }

  protected forgetMembership(): void {
    if (!this.host.groupInstanceId) this.memberId = ''
    this.generationId = -1
  }

  override settled(): Promise<void> {
    return this.joined ?? Promise.resolve()
  }

  override interrupt(): void {
    super.interrupt()
    // A JoinGroup waits on the broker for every member (up to the rebalance timeout): closing its
    // connection ends it now; LeaveGroup then goes out on a fresh one.
    this.joining?.close()
  }

  /** LeaveGroup, for dynamic members only: a static member keeps its place until the session times out, as in Java. */
  async leave(): Promise<void> {
    if (this.host.groupInstanceId || !this.memberId) return
    try {
      const conn = await this.host.coordinators.get('group', this.groupId)
      await conn.request(LeaveGroup, { groupId: this.groupId, members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'consumer closed' }] })
    } catch (err) {
      this.log.debug({ err }, 'leave group failed')
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
          // Evicted: the partitions are lost (onLost, never onRevoked), nothing can be committed.
          this.forgetMembership()
          this.rejoinNeeded = true
          void this.host.lose()
          return true
        case ErrorCode.NOT_COORDINATOR:
        case ErrorCode.COORDINATOR_NOT_AVAILABLE:
          this.host.coordinators.invalidate('group', this.groupId)
          return true
        default:
          if (err.retriable) return true
          return false
      }
    }
    return isRetriable(err)
  }

  private async heartbeatOnce(): Promise<void> {
    const conn = await this.host.coordinators.get('group', this.groupId)
    const res = await conn.request(Heartbeat, {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.host.groupInstanceId,
    })
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `heartbeat of group '${this.groupId}'`)
  }

  private async rebalance(): Promise<void> {
    const host = this.host
    // Eager protocol: give up everything before joining.
    if (!this.cooperative) await host.revoke([...host.assigned.values()])
    if (host.closing) return
    const conn = await host.coordinators.get('group', this.groupId)
    this.joining = conn
    const joinAndSync = this.joinAndSync(conn).finally(() => {
      this.joining = undefined
      this.joined = undefined
    })
    this.joined = joinAndSync.then(
      () => undefined,
      () => undefined,
    )
    const { sync } = await joinAndSync
    // Heartbeats flag rebalances that start from here on.
    this.rejoinNeeded = false
    const generation = this.generationId
    const decoded = sync.assignment.length > 0 ? decodeConsumerAssignment(sync.assignment) : { assignedPartitions: [], userData: null, version: 0 }
    const target = new Set<string>()
    for (const t of decoded.assignedPartitions) for (const p of t.partitions) target.add(tpKey(t.topic, p))

    // Cooperative: revoke only what moved away, then rejoin so it can be handed over.
    const revoked = [...host.assigned.values()].filter((s) => !target.has(tpKey(s.topic, s.partition)))
    await host.revoke(revoked)
    // Evicted, or gone on poll timeout, while revoking (which waits for the caller): this assignment is stale.
    if (this.generationId !== generation) return
    if (this.cooperative && revoked.length > 0) this.rejoinNeeded = true

    await host.assign(
      decoded.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))).filter((tp) => !host.assigned.has(tpKey(tp.topic, tp.partition))),
    )
    await host.opts.onAssignment?.({
      generationId: this.generationId,
      partitions: [...host.assigned.values()].map((s) => ({ topic: s.topic, partition: s.partition })),
      userData: decoded.userData,
    })
    this.log.debug({ groupId: this.groupId, generation: this.generationId, assigned: host.assigned.size }, 'joined group')
    host.ready()
  }

  /** JoinGroup, then SyncGroup (as the leader: with every member's assignment). */
  private async joinAndSync(conn: Connection): Promise<{ joined: JoinGroupResponse; sync: SyncGroupResponse }> {
    const joined = await this.join(conn)
    this.generationId = joined.generationId
    this.memberId = joined.memberId
    this.protocolName = joined.protocolName
    const assignments = joined.leader === joined.memberId ? await this.assign(joined) : []
    const sync = await conn.request(SyncGroup, {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.host.groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: this.protocolName,
      assignments,
    })
    if (sync.errorCode !== 0) throw new KafkaProtocolError(sync.errorCode, `sync of group '${this.groupId}'`)
    return { joined, sync }
  }

  private async join(conn: Connection): Promise<JoinGroupResponse> {
    const opts = this.host.opts
    const owned = byTopic(this.host.assigned.values(), (s) => s.partition)
    const protocols = opts.assignors.map((a) => ({
      name: a.name,
      metadata: encodeConsumerSubscription({
        topics: opts.topics,
        userData: a.subscriptionUserData?.(opts.topics) ?? null,
        ownedPartitions: [...owned].map(([topic, partitions]) => ({ topic, partitions })),
        generationId: this.generationId,
        rackId: null,
      }),
    }))
    for (let i = 0; ; i++) {
      const res = await conn.request(
        JoinGroup,
        {
          groupId: this.groupId,
          sessionTimeoutMs: opts.sessionTimeoutMs,
          rebalanceTimeoutMs: opts.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: this.host.groupInstanceId,
          protocolType: CONSUMER_PROTOCOL_TYPE,
          protocols,
          reason: null,
        },
        { timeoutMs: opts.rebalanceTimeoutMs + 5_000 },
      )
      // KIP-394: the first join of a dynamic member only hands out a member id.
      if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED && i === 0) {
        this.memberId = res.memberId
        continue
      }
      if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = ''
      if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `join of group '${this.groupId}'`)
      return res
    }
  }

  /** Leader: runs the chosen assignor over every member's subscription. */
  private async assign(joined: JoinGroupResponse): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assignor = this.host.opts.assignors.find((a) => a.name === joined.protocolName)
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
        const info = await this.host.cluster.topic(t, { refresh: true })
        partitionsPerTopic.set(t, info.partitions.length)
      } catch (err) {
        if (!(err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) throw err
        this.log.warn({ topic: t, groupId: this.groupId }, 'subscribed topic does not exist')
      }
    }
    const result = assignor.assign({ members, partitionsPerTopic })
    return members.map((m) => {
      const a = result.get(m.memberId) ?? { partitions: [], userData: null }
      const partitions = byTopic(a.partitions, (tp) => tp.partition)
      return {
        memberId: m.memberId,
        assignment: encodeConsumerAssignment({ assignedPartitions: [...partitions].map(([topic, ps]) => ({ topic, partitions: ps })), userData: a.userData }),
      }
    })
  }
}
