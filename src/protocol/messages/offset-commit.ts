/*
 * OffsetCommit (API key 8), versions 2..9, flexible from 8.
 *
 * Request  => group_id generation_id_or_member_epoch member_id group_instance_id(v7+, nullable)
 *             retention_time_ms(v2-4) [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index committed_offset committed_leader_epoch(v6+)
 *                 committed_metadata(nullable)
 * Response => throttle_time_ms(v3+) [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index error_code
 *
 * v0-1 were removed in Kafka 4.0 (KIP-896). v9 is the first version a KIP-848 (consumer
 * protocol) member may use; its body equals v8.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readTags, writeArray, writeNullableString, writeString, writeTags } from './flexible.js'
import { type PartitionErrorCode, readTopicPartitionErrors } from './group-common.js'

/** One partition offset to commit. */
export interface OffsetCommitRequestPartition {
  partitionIndex: number
  /** The next offset to consume. */
  committedOffset: bigint
  /** Leader epoch of the last consumed record (v6+, for fencing); -1 (the default) if unknown. */
  committedLeaderEpoch?: number
  /** Free-form metadata stored with the offset; null (the default) for none. */
  committedMetadata?: string | null
}

/** One topic of an OffsetCommit request. */
export interface OffsetCommitRequestTopic {
  name: string
  partitions: OffsetCommitRequestPartition[]
}

/** OffsetCommit request body. */
export interface OffsetCommitRequest {
  groupId: string
  /** Generation (classic protocol) or member epoch (KIP-848); -1 (the default) for a simple commit outside a group. */
  generationIdOrMemberEpoch?: number
  /** '' (the default) for a simple commit outside a group. */
  memberId?: string
  /** Static member id (v7+); null (the default) for a dynamic member. */
  groupInstanceId?: string | null
  /** Offset retention in ms (v2-4 only; -1, the default, for the broker setting). */
  retentionTimeMs?: bigint
  topics: OffsetCommitRequestTopic[]
}

/** Outcome for one partition. */
export type OffsetCommitResponsePartition = PartitionErrorCode

/** Outcomes for one topic. */
export interface OffsetCommitResponseTopic {
  name: string
  partitions: OffsetCommitResponsePartition[]
}

/** OffsetCommit response body. */
export interface OffsetCommitResponse {
  /** 0 before v3, which had no throttling field. */
  throttleTimeMs: number
  topics: OffsetCommitResponseTopic[]
}

/** OffsetCommit codec. */
export const OffsetCommit: ApiDefinition<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 9,
  firstFlexibleVersion: 8,

  encodeRequest(w: Writer, version: number, req: OffsetCommitRequest): void {
    checkVersion(OffsetCommit, version)
    const flex = version >= 8
    const groupInstanceId = req.groupInstanceId ?? null
    // Without the instance id a static member's commit would be fenced or misattributed.
    if (groupInstanceId !== null && version < 7) {
      throw new InvalidArgumentError(`OffsetCommit v${version} cannot carry a group instance id (needs v7+)`)
    }
    writeString(w, flex, req.groupId)
    w.int32(req.generationIdOrMemberEpoch ?? -1)
    writeString(w, flex, req.memberId ?? '')
    if (version >= 7) writeNullableString(w, flex, groupInstanceId)
    // Retention became a broker-only setting in v5; like the Java client, drop it elsewhere.
    if (version <= 4) w.int64(req.retentionTimeMs ?? -1n)
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      writeArray(w, flex, t.partitions, (p) => {
        w.int32(p.partitionIndex)
        w.int64(p.committedOffset)
        // The leader epoch only sharpens truncation detection, so older versions go without.
        if (version >= 6) w.int32(p.committedLeaderEpoch ?? -1)
        writeNullableString(w, flex, p.committedMetadata ?? null)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): OffsetCommitResponse {
    checkVersion(OffsetCommit, version)
    const flex = version >= 8
    const throttleTimeMs = version >= 3 ? r.int32() : 0
    const topics = readTopicPartitionErrors(r, flex)
    readTags(r, flex)
    return { throttleTimeMs, topics }
  },
}
