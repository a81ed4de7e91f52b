/**
 * Describing KIP-848 consumer groups (ConsumerGroupDescribe, Kafka 3.7+), asked of each group's
 * coordinator: members with their epochs, subscriptions, and current and target assignments, as
 * the broker's group coordinator computes them. Classic groups are described by DescribeGroups
 * (`Admin.describeGroups`); asked about one, this call fails with GROUP_ID_NOT_FOUND.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import type { ApiDefinition } from '../../protocol/messages/api.js'
import { ConsumerGroupDescribe, ConsumerGroupMemberType, type ConsumerGroupDescribeAssignment } from '../../protocol/messages/consumer-group-describe.js'
import type { TopicPartition } from '../consumer/assignor.js'
import { UnsupportedVersionError } from '../errors.js'
import { checkGroupId, COORDINATOR_RETRY as RETRY, type GroupCoordinatorHost } from './coordinator-host.js'
import type { GroupDescription } from './types.js'

/** One member of a consumer group. */
export interface ConsumerGroupMemberDescription {
  memberId: string
  /** The static membership id, or null. */
  instanceId: string | null
  rackId: string | null
  memberEpoch: number
  clientId: string
  clientHost: string
  subscribedTopics: string[]
  subscribedTopicRegex: string | null
  /** Partitions it owns now. */
  assignment: TopicPartition[]
  /** Partitions the coordinator wants it to own (differs while partitions move). */
  targetAssignment: TopicPartition[]
  /** `classic` for a member still on the classic protocol (mixed group); `unknown` before Kafka 4.0. */
  memberType: 'classic' | 'consumer' | 'unknown'
}

/** A described KIP-848 consumer group. */
export interface ConsumerGroupDescription {
  groupId: string
  /** `Empty`, `Assigning`, `Reconciling`, `Stable`, `Dead`. */
  state: string
  groupEpoch: number
  assignmentEpoch: number
  /** The server-side assignor (`uniform`, `range`). */
  assignor: string
  members: ConsumerGroupMemberDescription[]
  /** Node id of the group's coordinator. */
  coordinator: number
}

function partitionsOf(a: ConsumerGroupDescribeAssignment): TopicPartition[] {
  return a.topicPartitions
    .flatMap((t) => t.partitions.map((partition) => ({ topic: t.topicName, partition })))
    .sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition))
}

const MEMBER_TYPES = new Map<number, 'classic' | 'consumer'>([
  [ConsumerGroupMemberType.CLASSIC, 'classic'],
  [ConsumerGroupMemberType.CONSUMER, 'consumer'],
])

/** KIP-848 consumer groups with their members, each asked of its coordinator. */
export async function describeConsumerGroups(host: GroupCoordinatorHost, groupIds: readonly string[]): Promise<ConsumerGroupDescription[]> {
  if (!Array.isArray(groupIds)) throw new InvalidArgumentError('groupIds must be an array')
  groupIds.forEach(checkGroupId)
  return Promise.all(
    groupIds.map((groupId) =>
      host.onCoordinator(groupId, async (conn) => {
        if (!conn.supports(ConsumerGroupDescribe as ApiDefinition<unknown, unknown>)) {
          throw new UnsupportedVersionError(`describeConsumerGroups needs ConsumerGroupDescribe, which broker ${conn.address} does not support (Kafka 3.7+ with the consumer group protocol)`)
        }
        const res = await conn.request(ConsumerGroupDescribe, { groupIds: [groupId] })
        const g = res.groups.find((x) => x.groupId === groupId) ?? res.groups[0]
        if (!g) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `consumer group describe response without group '${groupId}'`)
        if (g.errorCode !== 0 && !RETRY.has(g.errorCode)) throw new KafkaProtocolError(g.errorCode, g.errorMessage ?? `consumer group '${groupId}'`)
        const members = g.members
          .map(
            (m): ConsumerGroupMemberDescription => ({
              memberId: m.memberId,
              instanceId: m.instanceId,
              rackId: m.rackId,
              memberEpoch: m.memberEpoch,
              clientId: m.clientId,
              clientHost: m.clientHost,
              subscribedTopics: [...m.subscribedTopicNames].sort(),
              subscribedTopicRegex: m.subscribedTopicRegex,
              assignment: partitionsOf(m.assignment),
              targetAssignment: partitionsOf(m.targetAssignment),
              memberType: MEMBER_TYPES.get(m.memberType) ?? 'unknown',
            }),
          )
          .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
        return {
          value: { groupId, state: g.groupState, groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, assignor: g.assignorName, members, coordinator: host.nodeIdOf(conn) },
          errors: [g.errorCode],
        }
      }),
    ),
  )
}

/**
 * A KIP-848 group in the shape `Admin.describeGroups` returns: protocol type `consumer`, the
 * server-side assignor as the protocol, members with their subscribed topics and owned
 * partitions (there are no protocol bytes to show).
 */
export function asGroupDescription(g: ConsumerGroupDescription): GroupDescription {
  return {
    groupId: g.groupId,
    state: g.state,
    protocolType: 'consumer',
    protocol: g.assignor,
    coordinator: g.coordinator,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscription: { version: -1, topics: m.subscribedTopics, userData: null, ownedPartitions: [], generationId: m.memberEpoch, rackId: m.rackId },
      assignment: m.assignment,
      rawMetadata: Buffer.alloc(0),
      rawAssignment: Buffer.alloc(0),
    })),
  }
}
