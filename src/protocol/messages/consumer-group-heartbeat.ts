/*
 * ConsumerGroupHeartbeat (API key 68), versions 0..1, flexible in all versions. The KIP-848
 * consumer group protocol (Kafka 3.7+ early access, GA in 4.0; not in Redpanda).
 *
 * Request  => group_id member_id member_epoch instance_id(nullable) rack_id(nullable)
 *             rebalance_timeout_ms [subscribed_topic_names](nullable)
 *             subscribed_topic_regex(v1+, nullable) server_assignor(nullable)
 *             [topic_partitions](nullable)
 *   topic_partitions => topic_id(uuid) [partitions]
 * Response => throttle_time_ms error_code error_message(nullable) member_id(nullable)
 *             member_epoch heartbeat_interval_ms assignment(nullable struct)
 *   assignment       => [topic_partitions]
 *   topic_partitions => topic_id(uuid) [partitions]
 *
 * A nullable struct is an int8 marker on the wire: -1 for null, 1 followed by the struct.
 * v1 (regex subscriptions, KIP-848) is marked unstable in Kafka 3.x specs, so 3.x brokers
 * only advertise v0; negotiation then picks v0.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, writeArray, writeNullableString, writeString, writeTags } from './flexible.js'
import { readHeartbeatResponse, type TopicIdPartitions, writeTopicIdPartitions } from './group-common.js'

/** Member epoch values with a special meaning in a heartbeat request. */
export const ConsumerGroupMemberEpoch = {
  /** Join the group. */
  JOIN: 0,
  /** Leave the group. */
  LEAVE: -1,
  /** A static member leaves temporarily and will rejoin with the same instance id. */
  LEAVE_STATIC: -2,
} as const

/** Partitions of one topic, by topic id. */
export type ConsumerGroupTopicPartitions = TopicIdPartitions

/** ConsumerGroupHeartbeat request body. Nullable fields are null when unchanged since the last heartbeat. */
export interface ConsumerGroupHeartbeatRequest {
  groupId: string
  /** The id the coordinator assigned ('' before the first response; clients may also generate one, as Kafka 4.x clients do). */
  memberId: string
  /** Current epoch, or a {@link ConsumerGroupMemberEpoch} value. */
  memberEpoch: number
  /** Static member id; null (the default) when not used or unchanged. */
  instanceId?: string | null
  rackId?: string | null
  /** -1 (the default) when unchanged. */
  rebalanceTimeoutMs?: number
  subscribedTopicNames?: string[] | null
  /** Regex subscription (v1+, RE2/J syntax). */
  subscribedTopicRegex?: string | null
  /** `uniform` or `range`; null for the broker default or unchanged. */
  serverAssignor?: string | null
  /** Partitions the member owns; null when unchanged. */
  topicPartitions?: ConsumerGroupTopicPartitions[] | null
}

/** Assignment the coordinator hands a member. */
export interface ConsumerGroupHeartbeatAssignment {
  topicPartitions: ConsumerGroupTopicPartitions[]
}

/** ConsumerGroupHeartbeat response body. */
export interface ConsumerGroupHeartbeatResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  /** Set when the member joined with epoch 0 (the coordinator-assigned id). */
  memberId: string | null
  memberEpoch: number
  heartbeatIntervalMs: number
  /** The new target assignment; null when unchanged. */
  assignment: ConsumerGroupHeartbeatAssignment | null
}

/** ConsumerGroupHeartbeat codec. */
export const ConsumerGroupHeartbeat: ApiDefinition<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> = {
  apiKey: 68,
  name: 'ConsumerGroupHeartbeat',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: ConsumerGroupHeartbeatRequest): void {
    checkVersion(ConsumerGroupHeartbeat, version)
    const regex = req.subscribedTopicRegex ?? null
    if (regex !== null && version < 1) {
      throw new InvalidArgumentError(`ConsumerGroupHeartbeat v${version} cannot subscribe by regex (needs v1+)`)
    }
    writeString(w, true, req.groupId)
    writeString(w, true, req.memberId)
    w.int32(req.memberEpoch)
    writeNullableString(w, true, req.instanceId ?? null)
    writeNullableString(w, true, req.rackId ?? null)
    w.int32(req.rebalanceTimeoutMs ?? -1)
    writeArray(w, true, req.subscribedTopicNames ?? null, (t) => writeString(w, true, t))
    if (version >= 1) writeNullableString(w, true, regex)
    writeNullableString(w, true, req.serverAssignor ?? null)
    writeTopicIdPartitions(w, req.topicPartitions ?? null)
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): ConsumerGroupHeartbeatResponse {
    checkVersion(ConsumerGroupHeartbeat, version)
    return readHeartbeatResponse(r)
  },
}
