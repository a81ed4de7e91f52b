/**
 * The KIP-848 consumer group protocol: the broker computes assignments; the
 * member heartbeats its subscription and owned partitions and reconciles to
 * the target it is sent.
 */
import { randomUUID } from 'node:crypto'
import { KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ConsumerGroupHeartbeat, ConsumerGroupMemberEpoch } from '../../protocol/messages/consumer-group-heartbeat.js'
import { COORDINATOR_ERRORS } from '../coordinator.js'
import { UnsupportedVersionError } from '../errors.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import type { TopicPartition } from './assignor.js'
import { isCoordinatorUnavailable, Membership, type MembershipHost } from './membership.js'
import { byTopic, tpKey } from './partition-state.js'

export class ConsumerProtocolMembership extends Membership {
  private epoch: number = ConsumerGroupMemberEpoch.JOIN
  /** Send the whole member state (first join, after fencing or leaving). */
  private full = true
  /** What this member owns changed since the last heartbeat: report it. */
  private ownedChanged = false
  /** The latest assignment the broker sent and this member has not moved to yet. */
  private target: Array<{ topicId: string; partitions: number[] }> | undefined
  private reconciling: Promise<void> | undefined
  /** Bumped when the member is fenced or leaves: a reconciliation in progress is stale. */
  private incarnation = 0

  constructor(host: MembershipHost) {
    super(host)
    this.rejoinNeeded = false // the heartbeat carries every change here
    this.memberId = randomUUID()
  }

  /**
   * Heartbeats at the interval the broker asks for. Moving to a new assignment runs beside
   * them (revoking waits for the caller to finish its batch), so heartbeats go on meanwhile.
   */
  async run(): Promise<void> {
    const host = this.host
    const opts = host.opts
    let interval = opts.heartbeatIntervalMs
    let attempt = 0
    while (!host.closing) {
      let reportOwned = false
      if (this.suspended) {
        await this.waitGroup(interval)
        continue
      }
      try {
        const conn = await host.coordinators.get('group', this.groupId)
        const unsupported = () =>
          new UnsupportedVersionError(`broker ${conn.address} does not support the consumer group protocol (KIP-848); use groupProtocol 'classic'`)
        if (!conn.supports(ConsumerGroupHeartbeat)) throw unsupported()
        const full = this.full
        reportOwned = full || this.ownedChanged
        this.ownedChanged = false
        const incarnation = this.incarnation
        const res = await conn.request(ConsumerGroupHeartbeat, {
          groupId: this.groupId,
          memberId: this.memberId,
          memberEpoch: this.epoch,
          instanceId: host.groupInstanceId,
          rackId: null,
          rebalanceTimeoutMs: full ? opts.rebalanceTimeoutMs : -1,
          subscribedTopicNames: full ? opts.topics : null,
          serverAssignor: full ? (opts.serverAssignor ?? null) : null,
          topicPartitions: reportOwned ? await this.ownedByTopicId() : null,
        })
        if (host.closing) break
        // Left on poll timeout while this heartbeat was out: its answer is stale.
        if (this.suspended || incarnation !== this.incarnation) continue
        // Kafka 3.x advertises the API but refuses it unless the new protocol is enabled.
        if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) throw unsupported()
        if (res.errorCode !== 0) {
          if (reportOwned && !full) this.ownedChanged = true // not delivered: report it again
          if (res.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
            // Fenced: give up everything without committing (onLost), rejoin with epoch 0.
            if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = randomUUID()
            this.forgetMembership()
            await host.lose()
            continue
          }
          throw new KafkaProtocolError(res.errorCode, res.errorMessage ?? `heartbeat of group '${this.groupId}'`)
        }
        attempt = 0
        host.recovered()
        this.full = false
        if (res.memberId) this.memberId = res.memberId
        this.epoch = res.memberEpoch
        this.generationId = this.epoch
        interval = res.heartbeatIntervalMs > 0 ? res.heartbeatIntervalMs : interval
        if (res.assignment) {
          this.target = res.assignment.topicPartitions
          this.reconciling ??= this.reconcileLoop().finally(() => (this.reconciling = undefined))
        } else if (!this.reconciling) host.ready()
        // Acknowledge a changed assignment at once (reconciliation wakes this wait); otherwise wait for the interval.
        if (!this.ownedChanged) await this.waitGroup(interval)
      } catch (err) {
        if (host.closing) break
        if (reportOwned) this.ownedChanged = true // not delivered: report it again
        if (err instanceof KafkaProtocolError && (COORDINATOR_ERRORS.has(err.code) || err.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)) {
          host.coordinators.invalidate('group', this.groupId)
        } else if (!isRetriable(err)) {
          host.fail(err as Error)
          break
        }
        if (isCoordinatorUnavailable(err)) host.failing(err)
        await this.waitGroup(backoffDelay(Math.min(attempt++, 6), host.cluster.options.retry))
      }
    }
    await this.reconciling?.catch(() => undefined)
  }

  protected forgetMembership(): void {
    this.incarnation++
    this.target = undefined
    this.epoch = ConsumerGroupMemberEpoch.JOIN
    this.generationId = -1
    this.full = true
  }

  /** Moves to the latest target until there is no newer one; retries what fails on the way. */
  private async reconcileLoop(): Promise<void> {
    let attempt = 0
    while (this.target && !this.host.closing) {
      const target = this.target
      const incarnation = this.incarnation
      try {
        const changed = await this.reconcile(target, incarnation)
        attempt = 0
        if (this.target === target) this.target = undefined
        if (changed && incarnation === this.incarnation) {
          this.ownedChanged = true
          this.wake()
        }
        this.host.ready()
      } catch (err) {
        if (this.host.closing) return
        if (!isRetriable(err)) {
          this.host.fail(err as Error)
          return
        }
        if (isCoordinatorUnavailable(err)) this.host.failing(err)
        await this.pause(backoffDelay(Math.min(attempt++, 6), this.host.cluster.options.retry))
      }
    }
  }

  /** A heartbeat with epoch -1 (-2 for a static member, which keeps its place). */
  async leave(): Promise<void> {
    try {
      const conn = await this.host.coordinators.get('group', this.groupId)
      await conn.request(ConsumerGroupHeartbeat, {
        groupId: this.groupId,
        memberId: this.memberId,
        memberEpoch: this.host.groupInstanceId ? ConsumerGroupMemberEpoch.LEAVE_STATIC : ConsumerGroupMemberEpoch.LEAVE,
        instanceId: this.host.groupInstanceId,
      })
    } catch (err) {
      this.log.debug({ err }, 'leave group failed')
    }
  }

  /** Owned partitions in the heartbeat's topic-id form. */
  private async ownedByTopicId(): Promise<Array<{ topicId: string; partitions: number[] }>> {
    const out: Array<{ topicId: string; partitions: number[] }> = []
    for (const [topic, partitions] of byTopic(this.host.assigned.values(), (s) => s.partition)) {
      out.push({ topicId: (await this.host.cluster.topic(topic)).topicId, partitions })
    }
    return out
  }

  /** Moves to the broker's target assignment; returns true when what this member owns changed. */
  private async reconcile(target: Array<{ topicId: string; partitions: number[] }>, incarnation: number): Promise<boolean> {
    const { cluster, opts, assigned } = this.host
    const names = new Map<string, string>()
    for (const t of opts.topics) {
      try {
        names.set((await cluster.topic(t)).topicId, t)
      } catch (err) {
        if (!(err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) throw err
      }
    }
    const wanted = new Map<string, TopicPartition>()
    for (const t of target) {
      let topic = names.get(t.topicId)
      if (!topic) {
        // A topic created after our last metadata refresh.
        for (const name of opts.topics) {
          const info = await cluster.topic(name, { refresh: true }).catch(() => undefined)
          if (info?.topicId === t.topicId) topic = name
        }
      }
      if (!topic) continue
      for (const p of t.partitions) wanted.set(tpKey(topic, p), { topic, partition: p })
    }
    const revoked = [...assigned.values()].filter((s) => !wanted.has(tpKey(s.topic, s.partition)))
    await this.host.revoke(revoked)
    // Fenced, or gone on poll timeout, while revoking (which waits for the caller): the target is stale.
    if (incarnation !== this.incarnation) return false
    const added = await this.host.assign([...wanted.values()].filter((tp) => !assigned.has(tpKey(tp.topic, tp.partition))))
    return revoked.length > 0 || added.length > 0
  }
}
