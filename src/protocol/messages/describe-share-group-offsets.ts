/*
 * DescribeShareGroupOffsets (API key 90), versions 0..1, flexible. The start offset of each
 * share-partition of share groups (KIP-932, Kafka 4.1+).
 *
 * Request  => [groups]
 *   groups => group_id [topics](nullable: all topics of the group)
 *   topics => topic_name [partitions:int32]
 * Response => throttle_time_ms [groups]
 *   groups     => group_id [topics] error_code error_message(nullable)
 *   topics     => topic_name topic_id(uuid) [partitions]
 *   partitions => partition_index start_offset leader_epoch lag(v1+) error_code
 *                 error_message(nullable)
 *
 * v1 adds the lag (KIP-1226).
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  readArray,
  readNullableString,
  readString,
  readTags,
  writeArray,
  writeString,
  writeTags,
} from './flexible.js'

/** DescribeShareGroupOffsets request body. */
export interface DescribeShareGroupOffsetsRequest {
  groups: Array<{
    groupId: string
    /** Null for every topic the group has offsets for. */
    topics: Array<{ topicName: string; partitions: number[] }> | null
  }>
}

/** The state of one share-partition. */
export interface DescribeShareGroupOffsetsPartition {
  partitionIndex: number
  /** The share-partition start offset; -1 when not initialized. */
  startOffset: bigint
  leaderEpoch: number
  /** Records not yet delivered and acknowledged (v1+); -1 when unknown or below v1. */
  lag: bigint
  errorCode: number
  errorMessage: string | null
}

/** One group's offsets. */
export interface DescribeShareGroupOffsetsGroup {
  groupId: string
  topics: Array<{ topicName: string; topicId: string; partitions: DescribeShareGroupOffsetsPartition[] }>
  errorCode: number
  errorMessage: string | null
}

/** DescribeShareGroupOffsets response body. */
export interface DescribeShareGroupOffsetsResponse {
  throttleTimeMs: number
  groups: DescribeShareGroupOffsetsGroup[]
}

/** DescribeShareGroupOffsets codec. */
export const DescribeShareGroupOffsets: ApiDefinition<DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponse> = {
  apiKey: 90,
  name: 'DescribeShareGroupOffsets',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: DescribeShareGroupOffsetsRequest): void {
    checkVersion(DescribeShareGroupOffsets, version)
    writeArray(w, true, req.groups, (g) => {
      writeString(w, true, g.groupId)
      writeArray(w, true, g.topics, (t) => {
        writeString(w, true, t.topicName)
        writeArray(w, true, t.partitions, (p) => w.int32(p))
        writeTags(w, true)
      })
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): DescribeShareGroupOffsetsResponse {
    checkVersion(DescribeShareGroupOffsets, version)
    const throttleTimeMs = r.int32()
    const groups = readArray(r, true, (): DescribeShareGroupOffsetsGroup => {
      const groupId = readString(r, true)
      const topics = readArray(r, true, () => {
        const topicName = readString(r, true)
        const topicId = r.uuid()
        const partitions = readArray(r, true, (): DescribeShareGroupOffsetsPartition => {
          const partitionIndex = r.int32()
          const startOffset = r.int64()
          const leaderEpoch = r.int32()
          const lag = version >= 1 ? r.int64() : -1n
          const errorCode = r.int16()
          const errorMessage = readNullableString(r, true)
          readTags(r, true)
          return { partitionIndex, startOffset, leaderEpoch, lag, errorCode, errorMessage }
        })
        readTags(r, true)
        return { topicName, topicId, partitions }
      })
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, true)
      readTags(r, true)
      return { groupId, topics, errorCode, errorMessage }
    })
    readTags(r, true)
    return { throttleTimeMs, groups }
  },
}
