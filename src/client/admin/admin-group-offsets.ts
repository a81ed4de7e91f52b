/**
 * Committed offsets of (classic and KIP-848) consumer groups: read (OffsetFetch), stored for a
 * group with no active members (OffsetCommit as Java's AdminClient sends it) and deleted
 * (OffsetDelete), each sent to the group's coordinator. Reached through the Admin methods of the
 * same names.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { OffsetCommit } from '../../protocol/messages/offset-commit.js'
import { OffsetDelete } from '../../protocol/messages/offset-delete.js'
import { OffsetFetch } from '../../protocol/messages/offset-fetch.js'
import type { TopicPartition } from '../consumer/assignor.js'
import { checkGroupId, COORDINATOR_RETRY, type GroupCoordinatorHost } from './coordinator-host.js'
import { groupBy, partitionsByTopic } from './request-grouping.js'
import type { GroupOffset, GroupOffsetToSet } from './types.js'

/** Committed offsets of a group, sorted by topic and partition. See {@link Admin.listGroupOffsets}. */
export async function listGroupOffsets(host: GroupCoordinatorHost, groupId: string, options: { partitions?: TopicPartition[] } = {}): Promise<GroupOffset[]> {
  checkGroupId(groupId)
  const topics = options.partitions ? [...partitionsByTopic(options.partitions)].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) : null
  return host.onCoordinator(groupId, async (conn) => {
    const res = await conn.request(OffsetFetch, { groups: [{ groupId, topics }], requireStable: true })
    const g = res.groups[0]
    if (!g) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `offset fetch response without group '${groupId}'`)
    const errors = [g.errorCode, ...g.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))]
    if (g.errorCode !== 0 && !COORDINATOR_RETRY.has(g.errorCode)) throw new KafkaProtocolError(g.errorCode, `group '${groupId}'`)
    const out: GroupOffset[] = []
    for (const t of g.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0 && !COORDINATOR_RETRY.has(p.errorCode)) throw new KafkaProtocolError(p.errorCode, `group '${groupId}', ${t.name}-${p.partitionIndex}`)
        if (p.committedOffset < 0n) continue // nothing committed
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata })
      }
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    return { value: out, errors }
  })
}

/** Stores offsets for a group with no active members. See {@link Admin.alterGroupOffsets}. */
export async function alterGroupOffsets(host: GroupCoordinatorHost, groupId: string, offsets: GroupOffsetToSet[]): Promise<void> {
  checkGroupId(groupId)
  if (!Array.isArray(offsets) || offsets.length === 0) throw new InvalidArgumentError('offsets must be a non-empty array')
  for (const o of offsets) {
    if (typeof o.offset !== 'bigint' || o.offset < 0n) throw new InvalidArgumentError(`offset for ${o.topic}-${o.partition} must be a non-negative bigint`)
  }
  partitionsByTopic(offsets)
  const topics = [...groupBy(offsets, (o) => o.topic)].map(([name, list]) => ({
    name,
    partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? null })),
  }))
  await host.onCoordinator(groupId, async (conn) => {
    const res = await conn.request(OffsetCommit, { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics })
    const errors: number[] = []
    for (const t of res.topics) {
      for (const p of t.partitions) {
        errors.push(p.errorCode)
        if (p.errorCode === 0 || COORDINATOR_RETRY.has(p.errorCode)) continue
        const active = p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || p.errorCode === ErrorCode.ILLEGAL_GENERATION
        throw new KafkaProtocolError(p.errorCode, `group '${groupId}', ${t.name}-${p.partitionIndex}${active ? ': the group has active members; stop them first' : ''}`)
      }
    }
    return { value: undefined, errors }
  })
}

/** Deletes committed offsets of a group for the given partitions. See {@link Admin.deleteGroupOffsets}. */
export async function deleteGroupOffsets(host: GroupCoordinatorHost, groupId: string, partitions: TopicPartition[]): Promise<void> {
  checkGroupId(groupId)
  if (!Array.isArray(partitions) || partitions.length === 0) throw new InvalidArgumentError('partitions must be a non-empty array')
  const topics = [...partitionsByTopic(partitions)].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) }))
  await host.onCoordinator(groupId, async (conn) => {
    const res = await conn.request(OffsetDelete, { groupId, topics })
    if (res.errorCode !== 0 && !COORDINATOR_RETRY.has(res.errorCode)) throw new KafkaProtocolError(res.errorCode, `group '${groupId}'`)
    const errors = [res.errorCode]
    for (const t of res.topics) {
      for (const p of t.partitions) {
        errors.push(p.errorCode)
        if (p.errorCode !== 0 && !COORDINATOR_RETRY.has(p.errorCode)) throw new KafkaProtocolError(p.errorCode, `group '${groupId}', ${t.name}-${p.partitionIndex}`)
      }
    }
    return { value: undefined, errors }
  })
}
