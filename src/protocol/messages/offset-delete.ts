/*
 * OffsetDelete (API key 47), version 0, never flexible.
 *
 * Request  => group_id [topics]
 *   topics => name [partitions]
 *   partitions => partition_index
 * Response => error_code throttle_time_ms [topics]
 *   topics => name [partitions]
 *   partitions => partition_index error_code
 *
 * Only v0 exists (Kafka 2.4+, KIP-496), in 3.x, 4.x and Redpanda alike.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, writeArray, writeString } from './flexible.js'

/** Partitions of one topic whose committed offsets are deleted. */
export interface OffsetDeleteRequestTopic {
  name: string
  partitions: { partitionIndex: number }[]
}

/** OffsetDelete request body. */
export interface OffsetDeleteRequest {
  groupId: string
  topics: OffsetDeleteRequestTopic[]
}

/** Outcome for one partition. */
export interface OffsetDeleteResponsePartition {
  partitionIndex: number
  /** GROUP_SUBSCRIBED_TO_TOPIC (86) when an active member still consumes the topic. */
  errorCode: number
}

/** Outcomes for one topic. */
export interface OffsetDeleteResponseTopic {
  name: string
  partitions: OffsetDeleteResponsePartition[]
}

/** OffsetDelete response body. */
export interface OffsetDeleteResponse {
  /** Group-level error. */
  errorCode: number
  throttleTimeMs: number
  topics: OffsetDeleteResponseTopic[]
}

/** OffsetDelete codec. */
export const OffsetDelete: ApiDefinition<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: Number.POSITIVE_INFINITY,

  encodeRequest(w: Writer, version: number, req: OffsetDeleteRequest): void {
    checkVersion(OffsetDelete, version)
    writeString(w, false, req.groupId)
    writeArray(w, false, req.topics, (t) => {
      writeString(w, false, t.name)
      writeArray(w, false, t.partitions, (p) => w.int32(p.partitionIndex))
    })
  },

  decodeResponse(r: Reader, version: number): OffsetDeleteResponse {
    checkVersion(OffsetDelete, version)
    const errorCode = r.int16()
    const throttleTimeMs = r.int32()
    const topics = readArray(r, false, (): OffsetDeleteResponseTopic => ({
      name: readString(r, false),
      partitions: readArray(r, false, (): OffsetDeleteResponsePartition => ({ partitionIndex: r.int32(), errorCode: r.int16() })),
    }))
    return { errorCode, throttleTimeMs, topics }
  },
}
