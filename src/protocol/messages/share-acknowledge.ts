/*
 * ShareAcknowledge (API key 79), versions 1..2, flexible. Acknowledges delivered records of a
 * share session without fetching more (KIP-932, Kafka 4.1+).
 *
 * Request  => group_id(nullable) member_id(nullable) share_session_epoch is_renew_ack(v2+)
 *             [topics]
 *   topics     => topic_id(uuid) [partitions]
 *   partitions => partition_index [acknowledgement_batches]
 * Response => throttle_time_ms error_code error_message(nullable)
 *             acquisition_lock_timeout_ms(v2+) [responses] [node_endpoints]
 *   responses  => topic_id(uuid) [partitions]
 *   partitions => partition_index error_code error_message(nullable) current_leader
 *
 * v2 adds renew acknowledgements (KIP-1222).
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  readArray,
  readLeaderIdAndEpoch,
  readNodeEndpoints,
  readNullableString,
  readTags,
  writeNullableString,
  writeTags,
  type LeaderIdAndEpoch,
  type NodeEndpoint,
} from './flexible.js'
import { renewFlag, writeAcknowledgeTopics, type AcknowledgementBatch } from './share-acknowledgements.js'

/** ShareAcknowledge request body. */
export interface ShareAcknowledgeRequest {
  groupId: string | null
  memberId: string | null
  shareSessionEpoch: number
  /** v2+: true when the acknowledgements include RENEW types (derived from them when omitted). */
  isRenewAck?: boolean
  topics: Array<{ topicId: string; partitions: Array<{ partitionIndex: number; acknowledgementBatches: AcknowledgementBatch[] }> }>
}

/** Result for one partition. */
export interface ShareAcknowledgePartitionResponse {
  partitionIndex: number
  errorCode: number
  errorMessage: string | null
  currentLeader: LeaderIdAndEpoch
}

/** ShareAcknowledge response body. */
export interface ShareAcknowledgeResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  /** v2+: the lock duration renewed records got; -1 below v2. */
  acquisitionLockTimeoutMs: number
  responses: Array<{ topicId: string; partitions: ShareAcknowledgePartitionResponse[] }>
  nodeEndpoints: NodeEndpoint[]
}

/** ShareAcknowledge codec. */
export const ShareAcknowledge: ApiDefinition<ShareAcknowledgeRequest, ShareAcknowledgeResponse> = {
  apiKey: 79,
  name: 'ShareAcknowledge',
  minVersion: 1,
  maxVersion: 2,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: ShareAcknowledgeRequest): void {
    checkVersion(ShareAcknowledge, version)
    const renew = renewFlag('ShareAcknowledge', version, req.isRenewAck, req.topics)
    writeNullableString(w, true, req.groupId)
    writeNullableString(w, true, req.memberId)
    w.int32(req.shareSessionEpoch)
    if (version >= 2) w.boolean(renew)
    writeAcknowledgeTopics(w, req.topics)
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): ShareAcknowledgeResponse {
    checkVersion(ShareAcknowledge, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const acquisitionLockTimeoutMs = version >= 2 ? r.int32() : -1
    const responses = readArray(r, true, () => {
      const topicId = r.uuid()
      const partitions = readArray(r, true, (): ShareAcknowledgePartitionResponse => {
        const partitionIndex = r.int32()
        const pErrorCode = r.int16()
        const pErrorMessage = readNullableString(r, true)
        const currentLeader = readLeaderIdAndEpoch(r)
        readTags(r, true)
        return { partitionIndex, errorCode: pErrorCode, errorMessage: pErrorMessage, currentLeader }
      })
      readTags(r, true)
      return { topicId, partitions }
    })
    const nodeEndpoints = readNodeEndpoints(r)
    readTags(r, true)
    return { throttleTimeMs, errorCode, errorMessage, acquisitionLockTimeoutMs, responses, nodeEndpoints }
  },
}
