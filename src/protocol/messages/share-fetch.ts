/*
 * ShareFetch (API key 78), versions 1..2, flexible. Fetches records for a share-group member
 * and acknowledges earlier deliveries in the same round trip (KIP-932, Kafka 4.1+).
 *
 * Request  => group_id(nullable) member_id(nullable) share_session_epoch max_wait_ms min_bytes
 *             max_bytes max_records batch_size share_acquire_mode(v2+, int8) is_renew_ack(v2+)
 *             [topics] [forgotten_topics_data]
 *   topics                  => topic_id(uuid) [partitions]
 *   partitions              => partition_index [acknowledgement_batches]
 *   forgotten_topics_data   => topic_id(uuid) [partitions:int32]
 * Response => throttle_time_ms error_code error_message(nullable) acquisition_lock_timeout_ms
 *             [responses] [node_endpoints]
 *   responses  => topic_id(uuid) [partitions]
 *   partitions => partition_index error_code error_message(nullable) acknowledge_error_code
 *                 acknowledge_error_message(nullable) current_leader records [acquired_records]
 *   current_leader   => leader_id leader_epoch            (a struct: own tagged fields)
 *   acquired_records => first_offset last_offset delivery_count:int16
 *
 * v2 (KIP-1206, KIP-1222) adds the acquire mode and renew acknowledgements. v0 (early access,
 * with partition_max_bytes) is no longer served by any broker and is not implemented.
 * Records are handed over as zero-copy views of the response buffer, undecoded.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  readArray,
  readLeaderIdAndEpoch,
  readNodeEndpoints,
  readNullableBytes,
  readNullableString,
  readTags,
  writeArray,
  writeNullableString,
  writeTags,
  type LeaderIdAndEpoch,
  type NodeEndpoint,
} from './flexible.js'
import { renewFlag, writeAcknowledgeTopics, type AcknowledgementBatch } from './share-acknowledgements.js'

/** Share session epochs with a special meaning. */
export const ShareSessionEpoch = {
  /** Opens a new share session. */
  OPEN: 0,
  /** Closes the share session (acknowledgements are still applied). */
  CLOSE: -1,
} as const

/** Partitions of one topic to fetch from, with acknowledgements of earlier deliveries. */
export interface ShareFetchTopic {
  topicId: string
  partitions: Array<{ partitionIndex: number; acknowledgementBatches?: AcknowledgementBatch[] }>
}

/** ShareFetch request body. */
export interface ShareFetchRequest {
  groupId: string | null
  memberId: string | null
  /** {@link ShareSessionEpoch} values, or the next epoch of the open session. */
  shareSessionEpoch: number
  maxWaitMs: number
  minBytes: number
  /** Default 0x7fffffff. */
  maxBytes?: number
  maxRecords: number
  /** Preferred number of records per acquired batch. */
  batchSize: number
  /** v2+: 0 batch-optimized (default), 1 record-limit (maxRecords is strict). */
  shareAcquireMode?: number
  /** v2+: true when the acknowledgements include RENEW types (required then). */
  isRenewAck?: boolean
  topics: ShareFetchTopic[]
  /** Partitions to remove from the share session. */
  forgottenTopicsData?: Array<{ topicId: string; partitions: number[] }>
}

/** A range of records acquired (locked) for this member. */
export interface AcquiredRecords {
  firstOffset: bigint
  lastOffset: bigint
  /** How many times these records have been delivered (1 on first delivery). */
  deliveryCount: number
}

/** Result for one partition. */
export interface ShareFetchPartitionResponse {
  partitionIndex: number
  errorCode: number
  errorMessage: string | null
  acknowledgeErrorCode: number
  acknowledgeErrorMessage: string | null
  currentLeader: LeaderIdAndEpoch
  /** Raw record batches (RECORDS), or null when none. */
  records: Buffer | null
  acquiredRecords: AcquiredRecords[]
}

/** ShareFetch response body. */
export interface ShareFetchResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  /** How long the acquired records stay locked for this member (v1+). */
  acquisitionLockTimeoutMs: number
  responses: Array<{ topicId: string; partitions: ShareFetchPartitionResponse[] }>
  nodeEndpoints: NodeEndpoint[]
}

/** ShareFetch codec. */
export const ShareFetch: ApiDefinition<ShareFetchRequest, ShareFetchResponse> = {
  apiKey: 78,
  name: 'ShareFetch',
  minVersion: 1,
  maxVersion: 2,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: ShareFetchRequest): void {
    checkVersion(ShareFetch, version)
    const renew = renewFlag('ShareFetch', version, req.isRenewAck, req.topics)
    writeNullableString(w, true, req.groupId)
    writeNullableString(w, true, req.memberId)
    w.int32(req.shareSessionEpoch)
    w.int32(req.maxWaitMs)
    w.int32(req.minBytes)
    w.int32(req.maxBytes ?? 0x7fffffff)
    w.int32(req.maxRecords)
    w.int32(req.batchSize)
    if (version >= 2) {
      w.int8(req.shareAcquireMode ?? 0)
      w.boolean(renew)
    }
    writeAcknowledgeTopics(w, req.topics)
    writeArray(w, true, req.forgottenTopicsData ?? [], (t) => {
      w.uuid(t.topicId)
      writeArray(w, true, t.partitions, (p) => w.int32(p))
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): ShareFetchResponse {
    checkVersion(ShareFetch, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const acquisitionLockTimeoutMs = r.int32()
    const responses = readArray(r, true, () => {
      const topicId = r.uuid()
      const partitions = readArray(r, true, (): ShareFetchPartitionResponse => {
        const partitionIndex = r.int32()
        const pErrorCode = r.int16()
        const pErrorMessage = readNullableString(r, true)
        const acknowledgeErrorCode = r.int16()
        const acknowledgeErrorMessage = readNullableString(r, true)
        const currentLeader = readLeaderIdAndEpoch(r)
        const records = readNullableBytes(r, true)
        const acquiredRecords = readArray(r, true, (): AcquiredRecords => {
          const a = { firstOffset: r.int64(), lastOffset: r.int64(), deliveryCount: r.int16() }
          readTags(r, true)
          return a
        })
        readTags(r, true)
        return {
          partitionIndex, errorCode: pErrorCode, errorMessage: pErrorMessage, acknowledgeErrorCode,
          acknowledgeErrorMessage, currentLeader, records, acquiredRecords,
        }
      })
      readTags(r, true)
      return { topicId, partitions }
    })
    const nodeEndpoints = readNodeEndpoints(r)
    readTags(r, true)
    return { throttleTimeMs, errorCode, errorMessage, acquisitionLockTimeoutMs, responses, nodeEndpoints }
  },
}
