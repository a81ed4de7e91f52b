/*
 * DescribeLogDirs (API key 35), versions 1..5, flexible from 2.
 *
 * Request  => [topics](nullable: every topic)
 *   topics => topic [partitions: int32]
 * Response => throttle_time_ms error_code(v3+) [results]
 *   results    => error_code log_dir [topics] total_bytes:int64(v4+) usable_bytes:int64(v4+)
 *                 is_cordoned:bool(v5+)
 *   topics     => name [partitions]
 *   partitions => partition_index partition_size:int64 offset_lag:int64 is_future_key:bool
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeInt32Array, writeString, writeTags } from './flexible.js'

/** Partitions of one topic to describe. */
export interface DescribableLogDirTopic {
  topic: string
  partitions: number[]
}

/** DescribeLogDirs request body. */
export interface DescribeLogDirsRequest {
  /** The partitions, or null for every partition the broker hosts. */
  topics: DescribableLogDirTopic[] | null
}

/** A partition replica (or future replica) in a log directory. */
export interface DescribeLogDirsPartition {
  partitionIndex: number
  partitionSize: bigint
  offsetLag: bigint
  isFutureKey: boolean
}

/** A topic's replicas in a log directory. */
export interface DescribeLogDirsTopic {
  name: string
  partitions: DescribeLogDirsPartition[]
}

/** One log directory of the broker. */
export interface DescribeLogDirsResult {
  /** 0, or e.g. KAFKA_STORAGE_ERROR for an offline directory. */
  errorCode: number
  logDir: string
  topics: DescribeLogDirsTopic[]
  /** Volume size (v4+; -1 when unknown). */
  totalBytes: bigint
  /** Usable space left on the volume (v4+; -1 when unknown). */
  usableBytes: bigint
  /** Whether new replicas are kept off this directory (v5+, KIP-1066; false before). */
  isCordoned: boolean
}

/** DescribeLogDirs response body. */
export interface DescribeLogDirsResponse {
  throttleTimeMs: number
  /** Top-level error (v3+; 0 before), e.g. CLUSTER_AUTHORIZATION_FAILED. */
  errorCode: number
  results: DescribeLogDirsResult[]
}

/** DescribeLogDirs codec. */
export const DescribeLogDirs: ApiDefinition<DescribeLogDirsRequest, DescribeLogDirsResponse> = {
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 1,
  maxVersion: 5,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: DescribeLogDirsRequest): void {
    checkVersion(DescribeLogDirs, version)
    const flex = version >= 2
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.topic)
      writeInt32Array(w, flex, t.partitions)
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DescribeLogDirsResponse {
    checkVersion(DescribeLogDirs, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const errorCode = version >= 3 ? r.int16() : 0
    const results = readArray(r, flex, (): DescribeLogDirsResult => {
      const code = r.int16()
      const logDir = readString(r, flex)
      const topics = readArray(r, flex, (): DescribeLogDirsTopic => {
        const name = readString(r, flex)
        const partitions = readArray(r, flex, (): DescribeLogDirsPartition => {
          const p = { partitionIndex: r.int32(), partitionSize: r.int64(), offsetLag: r.int64(), isFutureKey: r.boolean() }
          readTags(r, flex)
          return p
        })
        readTags(r, flex)
        return { name, partitions }
      })
      const totalBytes = version >= 4 ? r.int64() : -1n
      const usableBytes = version >= 4 ? r.int64() : -1n
      const isCordoned = version >= 5 ? r.boolean() : false
      readTags(r, flex)
      return { errorCode: code, logDir, topics, totalBytes, usableBytes, isCordoned }
    })
    readTags(r, flex)
    return { throttleTimeMs, errorCode, results }
  },
}
