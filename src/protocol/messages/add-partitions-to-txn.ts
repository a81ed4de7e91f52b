/*
 * AddPartitionsToTxn (API key 24), versions 0..3 (the client form), flexible from 3.
 *
 * Request  => v3_and_below_transactional_id v3_and_below_producer_id
 *             v3_and_below_producer_epoch [v3_and_below_topics]
 *   topics  => name [partitions]
 * Response => throttle_time_ms [results_by_topic_v3_and_below]
 *   results_by_topic => name [results_by_partition]
 *   results_by_partition => partition_index partition_error_code
 *
 * v4+ is the broker-to-broker batched form (`transactions`, verify_only, a top-level error
 * code) that brokers refuse from clients without CLUSTER_ACTION, so maxVersion is 3: a client
 * must never negotiate above it.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** Partitions of one topic to add to the transaction. */
export interface AddPartitionsToTxnTopic {
  name: string
  partitions: number[]
}

/** AddPartitionsToTxn request body. */
export interface AddPartitionsToTxnRequest {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
  topics: AddPartitionsToTxnTopic[]
}

/** Outcome for one partition. */
export interface AddPartitionsToTxnPartitionResult {
  partitionIndex: number
  partitionErrorCode: number
}

/** Outcomes for the partitions of one topic. */
export interface AddPartitionsToTxnTopicResult {
  name: string
  resultsByPartition: AddPartitionsToTxnPartitionResult[]
}

/** AddPartitionsToTxn response body. */
export interface AddPartitionsToTxnResponse {
  throttleTimeMs: number
  /** Per-topic results (Kafka's `ResultsByTopicV3AndBelow`). */
  results: AddPartitionsToTxnTopicResult[]
}

/** AddPartitionsToTxn codec (client versions only). */
export const AddPartitionsToTxn: ApiDefinition<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 3,
  firstFlexibleVersion: 3,

  encodeRequest(w: Writer, version: number, req: AddPartitionsToTxnRequest): void {
    checkVersion(AddPartitionsToTxn, version)
    const flex = version >= 3
    writeString(w, flex, req.transactionalId)
    w.int64(req.producerId)
    w.int16(req.producerEpoch)
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      writeArray(w, flex, t.partitions, (p) => w.int32(p))
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): AddPartitionsToTxnResponse {
    checkVersion(AddPartitionsToTxn, version)
    const flex = version >= 3
    const throttleTimeMs = r.int32()
    const results = readArray(r, flex, (): AddPartitionsToTxnTopicResult => {
      const name = readString(r, flex)
      const resultsByPartition = readArray(r, flex, (): AddPartitionsToTxnPartitionResult => {
        const p = { partitionIndex: r.int32(), partitionErrorCode: r.int16() }
        readTags(r, flex)
        return p
      })
      readTags(r, flex)
      return { name, resultsByPartition }
    })
    readTags(r, flex)
    return { throttleTimeMs, results }
  },
}
