/*
 * AlterReplicaLogDirs (API key 34), versions 1..2, flexible from 2. Sent to the broker that
 * holds the replicas (it moves them between its own disks).
 *
 * Request  => [dirs]
 *   dirs   => path [topics]
 *   topics => name [partitions: int32]
 * Response => throttle_time_ms [results]
 *   results    => topic_name [partitions]
 *   partitions => partition_index error_code
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeInt32Array, writeString, writeTags } from './flexible.js'

/** Replicas to move into one log directory. */
export interface AlterReplicaLogDir {
  /** Absolute path of the destination directory on the broker. */
  path: string
  topics: Array<{ name: string; partitions: number[] }>
}

/** AlterReplicaLogDirs request body. */
export interface AlterReplicaLogDirsRequest {
  dirs: AlterReplicaLogDir[]
}

/** Outcome for one partition. */
export interface AlterReplicaLogDirPartitionResult {
  partitionIndex: number
  /** 0, or e.g. LOG_DIR_NOT_FOUND, REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR. */
  errorCode: number
}

/** Outcomes for one topic. */
export interface AlterReplicaLogDirTopicResult {
  topicName: string
  partitions: AlterReplicaLogDirPartitionResult[]
}

/** AlterReplicaLogDirs response body. */
export interface AlterReplicaLogDirsResponse {
  throttleTimeMs: number
  results: AlterReplicaLogDirTopicResult[]
}

/** AlterReplicaLogDirs codec. */
export const AlterReplicaLogDirs: ApiDefinition<AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse> = {
  apiKey: 34,
  name: 'AlterReplicaLogDirs',
  minVersion: 1,
  maxVersion: 2,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: AlterReplicaLogDirsRequest): void {
    checkVersion(AlterReplicaLogDirs, version)
    const flex = version >= 2
    writeArray(w, flex, req.dirs, (d) => {
      writeString(w, flex, d.path)
      writeArray(w, flex, d.topics, (t) => {
        writeString(w, flex, t.name)
        writeInt32Array(w, flex, t.partitions)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): AlterReplicaLogDirsResponse {
    checkVersion(AlterReplicaLogDirs, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const results = readArray(r, flex, (): AlterReplicaLogDirTopicResult => {
      const topicName = readString(r, flex)
      const partitions = readArray(r, flex, (): AlterReplicaLogDirPartitionResult => {
        const p = { partitionIndex: r.int32(), errorCode: r.int16() }
        readTags(r, flex)
        return p
      })
      readTags(r, flex)
      return { topicName, partitions }
    })
    readTags(r, flex)
    return { throttleTimeMs, results }
  },
}
