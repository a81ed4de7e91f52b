/*
 * ElectLeaders (API key 43), versions 0..2, flexible from 2.
 *
 * Request  => election_type(v1+) [topic_partitions](nullable: all partitions) timeout_ms
 *   topic_partitions => topic [partitions: int32]
 * Response => throttle_time_ms error_code(v1+) [replica_election_results]
 *   replica_election_results => topic [partition_result]
 *   partition_result         => partition_id error_code error_message(nullable)
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeArray, writeInt32Array, writeString, writeTags } from './flexible.js'

/** `election_type` values: the preferred (first) replica, or any live replica when no in-sync one is left. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const

/** Partitions of one topic to elect leaders for. */
export interface ElectLeadersTopicPartitions {
  topic: string
  partitions: number[]
}

/** ElectLeaders request body. */
export interface ElectLeadersRequest {
  /** {@link ElectionType}; v0 always elects the preferred replica. */
  electionType: number
  /** The partitions, or null for every partition of the cluster. */
  topicPartitions: ElectLeadersTopicPartitions[] | null
  /** How long the broker waits for the elections. */
  timeoutMs: number
}

/** Outcome for one partition. */
export interface ElectLeadersPartitionResult {
  partitionId: number
  /** 0, or e.g. ELECTION_NOT_NEEDED when the preferred replica already leads. */
  errorCode: number
  errorMessage: string | null
}

/** Outcomes for one topic. */
export interface ElectLeadersTopicResult {
  topic: string
  partitionResult: ElectLeadersPartitionResult[]
}

/** ElectLeaders response body. */
export interface ElectLeadersResponse {
  throttleTimeMs: number
  /** Top-level error (v1+; 0 in v0). */
  errorCode: number
  replicaElectionResults: ElectLeadersTopicResult[]
}

/** ElectLeaders codec. */
export const ElectLeaders: ApiDefinition<ElectLeadersRequest, ElectLeadersResponse> = {
  apiKey: 43,
  name: 'ElectLeaders',
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: ElectLeadersRequest): void {
    checkVersion(ElectLeaders, version)
    const flex = version >= 2
    if (version >= 1) w.int8(req.electionType)
    writeArray(w, flex, req.topicPartitions, (t) => {
      writeString(w, flex, t.topic)
      writeInt32Array(w, flex, t.partitions)
      writeTags(w, flex)
    })
    w.int32(req.timeoutMs)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): ElectLeadersResponse {
    checkVersion(ElectLeaders, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const errorCode = version >= 1 ? r.int16() : 0
    const replicaElectionResults = readArray(r, flex, (): ElectLeadersTopicResult => {
      const topic = readString(r, flex)
      const partitionResult = readArray(r, flex, (): ElectLeadersPartitionResult => {
        const partitionId = r.int32()
        const code = r.int16()
        const errorMessage = readNullableString(r, flex)
        readTags(r, flex)
        return { partitionId, errorCode: code, errorMessage }
      })
      readTags(r, flex)
      return { topic, partitionResult }
    })
    readTags(r, flex)
    return { throttleTimeMs, errorCode, replicaElectionResults }
  },
}
