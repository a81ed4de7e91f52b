/*
 * ConsumerGroupDescribe (API key 69), versions 0..1, flexible. KIP-848 consumer groups
 * (Kafka 3.7+; not in Redpanda).
 *
 * Request  => [group_ids] include_authorized_operations
 * Response => throttle_time_ms [groups]
 *   groups  => error_code error_message(nullable) group_id group_state group_epoch
 *              assignment_epoch assignor_name [members] authorized_operations
 *   members => member_id instance_id(nullable) rack_id(nullable) member_epoch client_id
 *              client_host [subscribed_topic_names] subscribed_topic_regex(nullable)
 *              assignment target_assignment member_type:int8(v1+)
 *   assignment, target_assignment => [topic_partitions]      (a struct: own tagged fields)
 *   topic_partitions => topic_id(uuid) topic_name [partitions]
 *
 * v1 (Kafka 4.0+, KIP-1099) adds member_type: whether the member speaks the classic or the
 * consumer protocol (a classic member in a consumer group during an upgrade).
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags } from './flexible.js'
import { type DescribedMemberGroup, type NamedTopicIdPartitions, readDescribeResponse, readDescribedAssignment, writeDescribeRequest } from './group-common.js'

/** `member_type` codes (v1+). */
export const ConsumerGroupMemberType = { UNKNOWN: -1, CLASSIC: 0, CONSUMER: 1 } as const

/** ConsumerGroupDescribe request body. */
export interface ConsumerGroupDescribeRequest {
  groupIds: string[]
  /** Also return the operations the caller may perform on each group (defaults to false). */
  includeAuthorizedOperations?: boolean
}

/** Partitions of one topic, by id and name. */
export type ConsumerGroupDescribeTopicPartitions = NamedTopicIdPartitions

/** A member's current or target assignment. */
export interface ConsumerGroupDescribeAssignment {
  topicPartitions: ConsumerGroupDescribeTopicPartitions[]
}

/** One member of a described consumer group. */
export interface ConsumerGroupDescribeMember {
  memberId: string
  instanceId: string | null
  rackId: string | null
  memberEpoch: number
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  subscribedTopicRegex: string | null
  assignment: ConsumerGroupDescribeAssignment
  targetAssignment: ConsumerGroupDescribeAssignment
  /** {@link ConsumerGroupMemberType} (v1+); -1 (unknown) in v0. */
  memberType: number
}

/** One described consumer group. */
export type ConsumerGroupDescribeGroup = DescribedMemberGroup<ConsumerGroupDescribeMember>

/** ConsumerGroupDescribe response body. */
export interface ConsumerGroupDescribeResponse {
  throttleTimeMs: number
  groups: ConsumerGroupDescribeGroup[]
}

/** ConsumerGroupDescribe codec. */
export const ConsumerGroupDescribe: ApiDefinition<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> = {
  apiKey: 69,
  name: 'ConsumerGroupDescribe',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: ConsumerGroupDescribeRequest): void {
    checkVersion(ConsumerGroupDescribe, version)
    writeDescribeRequest(w, req.groupIds, req.includeAuthorizedOperations)
  },

  decodeResponse(r: Reader, version: number): ConsumerGroupDescribeResponse {
    checkVersion(ConsumerGroupDescribe, version)
    return readDescribeResponse(r, (): ConsumerGroupDescribeMember => {
      const memberId = readString(r, true)
      const instanceId = readNullableString(r, true)
      const rackId = readNullableString(r, true)
      const memberEpoch = r.int32()
      const clientId = readString(r, true)
      const clientHost = readString(r, true)
      const subscribedTopicNames = readArray(r, true, () => readString(r, true))
      const subscribedTopicRegex = readNullableString(r, true)
      const assignment = readDescribedAssignment(r)
      const targetAssignment = readDescribedAssignment(r)
      const memberType = version >= 1 ? r.int8() : ConsumerGroupMemberType.UNKNOWN
      readTags(r, true)
      return {
        memberId, instanceId, rackId, memberEpoch, clientId, clientHost,
        subscribedTopicNames, subscribedTopicRegex, assignment, targetAssignment, memberType,
      }
    })
  },
}
