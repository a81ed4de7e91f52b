/**
 * Share-group administration (KIP-932): list, describe, the start offsets of their
 * share-partitions (describe, alter, delete) and deletion, each sent to the group's coordinator.
 * Reached through the Admin methods of the same names.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { AlterShareGroupOffsets } from '../../protocol/messages/alter-share-group-offsets.js'
import type { ApiDefinition } from '../../protocol/messages/api.js'
import { DeleteShareGroupOffsets } from '../../protocol/messages/delete-share-group-offsets.js'
import { DescribeShareGroupOffsets } from '../../protocol/messages/describe-share-group-offsets.js'
import { ShareGroupDescribe } from '../../protocol/messages/share-group-describe.js'
import type { Connection } from '../connection.js'
import type { TopicPartition } from '../consumer/assignor.js'
import { UnsupportedVersionError } from '../errors.js'
import { checkGroupId, COORDINATOR_RETRY as RETRY, type GroupCoordinatorHost } from './coordinator-host.js'
import { partitionsByTopic } from './request-grouping.js'

/** One member of a share group. */
export interface ShareGroupMemberDescription {
  memberId: string
  clientId: string
  clientHost: string
  rackId: string | null
  memberEpoch: number
  subscribedTopics: string[]
  /** Partitions it fetches from (shared with other members). */
  assignment: TopicPartition[]
}

/** A described share group. */
export interface ShareGroupDescription {
  groupId: string
  /** `Empty`, `Stable`, `Dead`, ... */
  state: string
  groupEpoch: number
  assignmentEpoch: number
  /** The server-side assignor (`simple`). */
  assignor: string
  members: ShareGroupMemberDescription[]
  /** Node id of the coordinator. */
  coordinator: number
}

/** The start offset of one share-partition: records before it are done (acknowledged or archived). */
export interface ShareGroupOffset {
  topic: string
  partition: number
  /** The share-partition start offset. */
  offset: bigint
  leaderEpoch: number
  /** Records at or after the start offset not yet acknowledged (Kafka 4.2+; -1n when unknown). */
  lag: bigint
}

/** A start offset to set for a share-partition. */
export interface ShareGroupOffsetToSet {
  topic: string
  partition: number
  offset: bigint
}

function requireShareApi(conn: Connection, api: ApiDefinition<unknown, unknown>): void {
  if (!conn.supports(api)) throw new UnsupportedVersionError(`broker ${conn.address} does not support ${api.name}: share groups need Kafka 4.1+ with the share.version feature enabled`)
}

function fail(code: number, message: string | null, what: string): never {
  throw new KafkaProtocolError(code, message ?? what)
}

/** The share-group calls of `Admin`, routed to the group's coordinator. */
export class ShareGroupAdmin {
  constructor(private readonly host: GroupCoordinatorHost) {}

  /** Share groups with their members and assignments; a group that does not exist fails with GROUP_ID_NOT_FOUND. */
  async describeShareGroups(groupIds: string[]): Promise<ShareGroupDescription[]> {
    if (!Array.isArray(groupIds)) throw new InvalidArgumentError('groupIds must be an array')
    groupIds.forEach(checkGroupId)
    return Promise.all(
      groupIds.map((groupId) =>
        this.host.onCoordinator(groupId, async (conn) => {
          requireShareApi(conn, ShareGroupDescribe)
          const res = await conn.request(ShareGroupDescribe, { groupIds: [groupId] })
          const g = res.groups.find((x) => x.groupId === groupId) ?? res.groups[0]
          if (!g) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `share group describe response without group '${groupId}'`)
          if (g.errorCode !== 0 && !RETRY.has(g.errorCode)) fail(g.errorCode, g.errorMessage, `share group '${groupId}'`)
          const members = g.members.map((m): ShareGroupMemberDescription => ({
            memberId: m.memberId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            subscribedTopics: m.subscribedTopicNames,
            assignment: m.assignment.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topicName, partition }))),
          }))
          return {
            value: { groupId, state: g.groupState, groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, assignor: g.assignorName, members, coordinator: this.host.nodeIdOf(conn) },
            errors: [g.errorCode],
          }
        }),
      ),
    )
  }

  /**
   * Start offsets of a share group's share-partitions (of every topic it consumed, or of the
   * given partitions), sorted by topic and partition. Partitions not initialized yet are left out.
   */
  async listShareGroupOffsets(groupId: string, options: { partitions?: TopicPartition[] } = {}): Promise<ShareGroupOffset[]> {
    checkGroupId(groupId)
    let topics: Array<{ topicName: string; partitions: number[] }> | null = null
    if (options.partitions !== undefined) {
      if (!Array.isArray(options.partitions)) throw new InvalidArgumentError('partitions must be an array of { topic, partition }')
      topics = [...partitionsByTopic(options.partitions)].map(([topicName, partitions]) => ({ topicName, partitions }))
    }
    return this.host.onCoordinator(groupId, async (conn) => {
      requireShareApi(conn, DescribeShareGroupOffsets)
      const res = await conn.request(DescribeShareGroupOffsets, { groups: [{ groupId, topics }] })
      const g = res.groups[0]
      if (!g) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `share group offsets response without group '${groupId}'`)
      if (g.errorCode !== 0 && !RETRY.has(g.errorCode)) fail(g.errorCode, g.errorMessage, `share group '${groupId}'`)
      const errors = [g.errorCode]
      const out: ShareGroupOffset[] = []
      for (const t of g.topics) {
        for (const p of t.partitions) {
          errors.push(p.errorCode)
          if (p.errorCode !== 0 && !RETRY.has(p.errorCode)) fail(p.errorCode, p.errorMessage, `share group '${groupId}', ${t.topicName}-${p.partitionIndex}`)
          if (p.startOffset < 0n) continue
          out.push({ topic: t.topicName, partition: p.partitionIndex, offset: p.startOffset, leaderEpoch: p.leaderEpoch, lag: p.lag })
        }
      }
      out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
      return { value: out, errors }
    })
  }

  /**
   * Sets the start offsets of share-partitions: records before an offset count as done, the
   * ones from it on are delivered (again). The group must have no members (stop its consumers).
   */
  async alterShareGroupOffsets(groupId: string, offsets: ShareGroupOffsetToSet[]): Promise<void> {
    checkGroupId(groupId)
    if (!Array.isArray(offsets) || offsets.length === 0) throw new InvalidArgumentError('offsets must be a non-empty array of { topic, partition, offset }')
    const byTopic = new Map<string, Array<{ partitionIndex: number; startOffset: bigint }>>()
    for (const o of offsets) {
      if (!o || typeof o.topic !== 'string' || !Number.isInteger(o.partition) || o.partition < 0) throw new InvalidArgumentError('offsets must be { topic, partition, offset } with a non-negative integer partition')
      if (typeof o.offset !== 'bigint' || o.offset < 0n) throw new InvalidArgumentError(`offset for ${o.topic}-${o.partition} must be a non-negative bigint`)
      byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partitionIndex: o.partition, startOffset: o.offset }])
    }
    await this.host.onCoordinator(groupId, async (conn) => {
      requireShareApi(conn, AlterShareGroupOffsets)
      const res = await conn.request(AlterShareGroupOffsets, { groupId, topics: [...byTopic].map(([topicName, partitions]) => ({ topicName, partitions })) })
      if (res.errorCode !== 0 && !RETRY.has(res.errorCode)) fail(res.errorCode, res.errorMessage, `share group '${groupId}'`)
      const errors = [res.errorCode]
      for (const t of res.responses) {
        for (const p of t.partitions) {
          errors.push(p.errorCode)
          if (p.errorCode !== 0 && !RETRY.has(p.errorCode)) fail(p.errorCode, p.errorMessage, `share group '${groupId}', ${t.topicName}-${p.partitionIndex}`)
        }
      }
      return { value: undefined, errors }
    })
  }

  /** Removes a share group's state of whole topics (the group must have no members). */
  async deleteShareGroupOffsets(groupId: string, topics: string[]): Promise<void> {
    checkGroupId(groupId)
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === '')) throw new InvalidArgumentError('topics must be a non-empty array of topic names')
    await this.host.onCoordinator(groupId, async (conn) => {
      requireShareApi(conn, DeleteShareGroupOffsets)
      const res = await conn.request(DeleteShareGroupOffsets, { groupId, topics: topics.map((topicName) => ({ topicName })) })
      if (res.errorCode !== 0 && !RETRY.has(res.errorCode)) fail(res.errorCode, res.errorMessage, `share group '${groupId}'`)
      const errors = [res.errorCode]
      for (const t of res.responses) {
        errors.push(t.errorCode)
        if (t.errorCode !== 0 && !RETRY.has(t.errorCode)) fail(t.errorCode, t.errorMessage, `share group '${groupId}', topic '${t.topicName}'`)
      }
      return { value: undefined, errors }
    })
  }
}
