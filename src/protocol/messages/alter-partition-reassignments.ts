/*
 * AlterPartitionReassignments (API key 45), versions 0..1, flexible from 0.
 *
 * Request  => timeout_ms allow_replication_factor_change(v1+) [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index [replicas: int32](nullable: cancel the pending reassignment)
 * Response => throttle_time_ms allow_replication_factor_change(v1+) error_code error_message [responses]
 *   responses  => name [partitions]
 *   partitions => partition_index error_code error_message
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeArray, writeInt32Array, writeString, writeTags } from './flexible.js'

/** One partition's target replicas. */
export interface ReassignablePartition {
  partitionIndex: number
  /** Broker ids of the new replica set (the first is preferred leader), or null to cancel. */
  replicas: number[] | null
}

/** Partitions of one topic to reassign. */
export interface ReassignableTopic {
  name: string
  partitions: ReassignablePartition[]
}

/** AlterPartitionReassignments request body. */
export interface AlterPartitionReassignmentsRequest {
  timeoutMs: number
  /** v1+ (KIP-860): false refuses reassignments that change the replication factor; v0 allows them. */
  allowReplicationFactorChange: boolean
  topics: ReassignableTopic[]
}

/** Outcome for one partition. */
export interface ReassignablePartitionResponse {
  partitionIndex: number
  errorCode: number
  errorMessage: string | null
}

/** Outcomes for one topic. */
export interface ReassignableTopicResponse {
  name: string
  partitions: ReassignablePartitionResponse[]
}

/** AlterPartitionReassignments response body. */
export interface AlterPartitionReassignmentsResponse {
  throttleTimeMs: number
  /** Echo of the request's flag (v1+; true in v0). */
  allowReplicationFactorChange: boolean
  errorCode: number
  errorMessage: string | null
  responses: ReassignableTopicResponse[]
}

/** AlterPartitionReassignments codec. */
export const AlterPartitionReassignments: ApiDefinition<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse> = {
  apiKey: 45,
  name: 'AlterPartitionReassignments',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: AlterPartitionReassignmentsRequest): void {
    checkVersion(AlterPartitionReassignments, version)
    w.int32(req.timeoutMs)
    if (version >= 1) w.boolean(req.allowReplicationFactorChange)
    writeArray(w, true, req.topics, (t) => {
      writeString(w, true, t.name)
      writeArray(w, true, t.partitions, (p) => {
        w.int32(p.partitionIndex)
        writeInt32Array(w, true, p.replicas)
        writeTags(w, true)
      })
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): AlterPartitionReassignmentsResponse {
    checkVersion(AlterPartitionReassignments, version)
    const throttleTimeMs = r.int32()
    const allowReplicationFactorChange = version >= 1 ? r.boolean() : true
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const responses = readArray(r, true, (): ReassignableTopicResponse => {
      const name = readString(r, true)
      const partitions = readArray(r, true, (): ReassignablePartitionResponse => {
        const partitionIndex = r.int32()
        const code = r.int16()
        const message = readNullableString(r, true)
        readTags(r, true)
        return { partitionIndex, errorCode: code, errorMessage: message }
      })
      readTags(r, true)
      return { name, partitions }
    })
    readTags(r, true)
    return { throttleTimeMs, allowReplicationFactorChange, errorCode, errorMessage, responses }
  },
}
