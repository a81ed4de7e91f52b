/*
 * ShareGroupDescribe (API key 77), version 1, flexible. Share groups (KIP-932, Kafka 4.1+).
 *
 * Request  => [group_ids] include_authorized_operations
 * Response => throttle_time_ms [groups]
 *   groups  => error_code error_message(nullable) group_id group_state group_epoch
 *              assignment_epoch assignor_name [members] authorized_operations
 *   members => member_id rack_id(nullable) member_epoch client_id client_host
 *              [subscribed_topic_names] assignment
 *   assignment       => [topic_partitions]                    (a struct: own tagged fields)
 *   topic_partitions => topic_id(uuid) topic_name [partitions]
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags } from './flexible.js'
import { type DescribedMemberGroup, type NamedTopicIdPartitions, readDescribeResponse, readDescribedAssignment, writeDescribeRequest } from './group-common.js'

/** ShareGroupDescribe request body. */
export interface ShareGroupDescribeRequest {
  groupIds: string[]
  /** Also return the operations the caller may perform on each group (defaults to false). */
  includeAuthorizedOperations?: boolean
}

/** Partitions of one topic, by id and name. */
export type ShareGroupDescribeTopicPartitions = NamedTopicIdPartitions

/** One member of a described share group. */
export interface ShareGroupDescribeMember {
  memberId: string
  rackId: string | null
  memberEpoch: number
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  assignment: { topicPartitions: ShareGroupDescribeTopicPartitions[] }
}

/** One described share group. */
export type ShareGroupDescribeGroup = DescribedMemberGroup<ShareGroupDescribeMember>

/** ShareGroupDescribe response body. */
export interface ShareGroupDescribeResponse {
  throttleTimeMs: number
  groups: ShareGroupDescribeGroup[]
}

/** ShareGroupDescribe codec. */
export const ShareGroupDescribe: ApiDefinition<ShareGroupDescribeRequest, ShareGroupDescribeResponse> = {
  apiKey: 77,
  name: 'ShareGroupDescribe',
  minVersion: 1,
  maxVersion: 1,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: ShareGroupDescribeRequest): void {
    checkVersion(ShareGroupDescribe, version)
    writeDescribeRequest(w, req.groupIds, req.includeAuthorizedOperations)
  },

  decodeResponse(r: Reader, version: number): ShareGroupDescribeResponse {
    checkVersion(ShareGroupDescribe, version)
    return readDescribeResponse(r, (): ShareGroupDescribeMember => {
      const memberId = readString(r, true)
      const rackId = readNullableString(r, true)
      const memberEpoch = r.int32()
      const clientId = readString(r, true)
      const clientHost = readString(r, true)
      const subscribedTopicNames = readArray(r, true, () => readString(r, true))
      const assignment = readDescribedAssignment(r)
      readTags(r, true)
      return { memberId, rackId, memberEpoch, clientId, clientHost, subscribedTopicNames, assignment }
    })
  },
}
