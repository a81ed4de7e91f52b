/*
 * ListPartitionReassignments (API key 46), version 0, flexible.
 *
 * Request  => timeout_ms [topics](nullable: every ongoing reassignment)
 *   topics => name [partition_indexes: int32]
 * Response => throttle_time_ms error_code error_message [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index [replicas] [adding_replicas] [removing_replicas]
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readInt32Array, readNullableString, readString, readTags, writeArray, writeInt32Array, writeString, writeTags } from './flexible.js'

/** Partitions of one topic to list. */
export interface ListPartitionReassignmentsTopic {
  name: string
  partitionIndexes: number[]
}

/** ListPartitionReassignments request body. */
export interface ListPartitionReassignmentsRequest {
  timeoutMs: number
  /** The partitions to look at, or null for every ongoing reassignment. */
  topics: ListPartitionReassignmentsTopic[] | null
}

/** One partition being reassigned. */
export interface OngoingPartitionReassignment {
  partitionIndex: number
  /** The current replica set (old and new replicas while moving). */
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

/** Ongoing reassignments of one topic. */
export interface OngoingTopicReassignment {
  name: string
  partitions: OngoingPartitionReassignment[]
}

/** ListPartitionReassignments response body. */
export interface ListPartitionReassignmentsResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  topics: OngoingTopicReassignment[]
}

/** ListPartitionReassignments codec. */
export const ListPartitionReassignments: ApiDefinition<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse> = {
  apiKey: 46,
  name: 'ListPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: ListPartitionReassignmentsRequest): void {
    checkVersion(ListPartitionReassignments, version)
    w.int32(req.timeoutMs)
    writeArray(w, true, req.topics, (t) => {
      writeString(w, true, t.name)
      writeInt32Array(w, true, t.partitionIndexes)
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): ListPartitionReassignmentsResponse {
    checkVersion(ListPartitionReassignments, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const topics = readArray(r, true, (): OngoingTopicReassignment => {
      const name = readString(r, true)
      const partitions = readArray(r, true, (): OngoingPartitionReassignment => {
        const partitionIndex = r.int32()
        const replicas = readInt32Array(r, true)
        const addingReplicas = readInt32Array(r, true)
        const removingReplicas = readInt32Array(r, true)
        readTags(r, true)
        return { partitionIndex, replicas, addingReplicas, removingReplicas }
      })
      readTags(r, true)
      return { name, partitions }
    })
    readTags(r, true)
    return { throttleTimeMs, errorCode, errorMessage, topics }
  },
}
