/*
 * TxnOffsetCommit (API key 28), versions 0..5, flexible from 3.
 *
 * Request  => transactional_id group_id producer_id producer_epoch
 *             generation_id(v3+) member_id(v3+) group_instance_id(v3+, nullable) [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index committed_offset committed_leader_epoch(v2+)
 *                 committed_metadata(nullable)
 * Response => throttle_time_ms [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index error_code
 *
 * v3 carries the consumer's group metadata so the coordinator can fence zombie
 * producers by generation (KIP-447, exactly_once_v2); v4 only adds TRANSACTION_ABORTABLE.
 * v5 has v4's layout; sent inside a transaction it also adds the group's offsets partition to
 * it (transaction version 2, KIP-890 part 2, Kafka 4.0+), so AddOffsetsToTxn is not sent. A
 * producer of transaction version 1 must stay at v4 (see TransactionManager). The reference
 * specs stop at v4; v5 is from Kafka 4.x's message definitions.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readTags, writeArray, writeNullableString, writeString, writeTags } from './flexible.js'
import { type PartitionErrorCode, readTopicPartitionErrors } from './group-common.js'

/** One partition offset committed within the transaction. */
export interface TxnOffsetCommitRequestPartition {
  partitionIndex: number
  /** The next offset to consume. */
  committedOffset: bigint
  /** Leader epoch of the last consumed record (v2+); -1 (the default) when unknown. */
  committedLeaderEpoch?: number
  /** Free-form metadata stored with the offset, or null. */
  committedMetadata: string | null
}

/** Offsets of one topic. */
export interface TxnOffsetCommitRequestTopic {
  name: string
  partitions: TxnOffsetCommitRequestPartition[]
}

/** TxnOffsetCommit request body. */
export interface TxnOffsetCommitRequest {
  transactionalId: string
  groupId: string
  producerId: bigint
  producerEpoch: number
  /** Consumer group generation (v3+); -1 (the default) when not fencing by group metadata. */
  generationId?: number
  /** Consumer member id (v3+); "" (the default) when not fencing by group metadata. */
  memberId?: string
  /** Static member id (v3+), or null (the default). */
  groupInstanceId?: string | null
  topics: TxnOffsetCommitRequestTopic[]
}

/** Outcome for one partition. */
export type TxnOffsetCommitResponsePartition = PartitionErrorCode

/** Outcomes for the partitions of one topic. */
export interface TxnOffsetCommitResponseTopic {
  name: string
  partitions: TxnOffsetCommitResponsePartition[]
}

/** TxnOffsetCommit response body. */
export interface TxnOffsetCommitResponse {
  throttleTimeMs: number
  topics: TxnOffsetCommitResponseTopic[]
}

/** TxnOffsetCommit codec. */
export const TxnOffsetCommit: ApiDefinition<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
  apiKey: 28,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 3,

  encodeRequest(w: Writer, version: number, req: TxnOffsetCommitRequest): void {
    checkVersion(TxnOffsetCommit, version)
    const flex = version >= 3
    const generationId = req.generationId ?? -1
    const memberId = req.memberId ?? ''
    const groupInstanceId = req.groupInstanceId ?? null
    // Without v3 the coordinator cannot fence by generation; dropping the metadata silently
    // would weaken exactly-once, so refuse as the Java client does.
    if (version < 3 && (generationId !== -1 || memberId !== '' || groupInstanceId !== null)) {
      throw new InvalidArgumentError(`TxnOffsetCommit v${version} cannot carry consumer group metadata (needs v3+)`)
    }
    writeString(w, flex, req.transactionalId)
    writeString(w, flex, req.groupId)
    w.int64(req.producerId)
    w.int16(req.producerEpoch)
    if (version >= 3) {
      w.int32(generationId)
      writeString(w, flex, memberId)
      writeNullableString(w, flex, groupInstanceId)
    }
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      writeArray(w, flex, t.partitions, (p) => {
        w.int32(p.partitionIndex)
        w.int64(p.committedOffset)
        // The leader epoch is an optional fencing hint; older versions simply lack it.
        if (version >= 2) w.int32(p.committedLeaderEpoch ?? -1)
        writeNullableString(w, flex, p.committedMetadata)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): TxnOffsetCommitResponse {
    checkVersion(TxnOffsetCommit, version)
    const flex = version >= 3
    const throttleTimeMs = r.int32()
    const topics = readTopicPartitionErrors(r, flex)
    readTags(r, flex)
    return { throttleTimeMs, topics }
  },
}
