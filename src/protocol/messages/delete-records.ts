/*
 * DeleteRecords (API key 21), versions 0..2, flexible from 2.
 *
 * Request  => [topics] timeout_ms
 *   topics     => name [partitions]
 *   partitions => partition_index offset
 * Response => throttle_time_ms [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index low_watermark error_code
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** One partition to truncate from the start. */
export interface DeleteRecordsPartition {
  partitionIndex: number
  /** Records below this offset are deleted; -1 means the high watermark. */
  offset: bigint
}

/** One topic of a DeleteRecords request. */
export interface DeleteRecordsTopic {
  name: string
  partitions: DeleteRecordsPartition[]
}

/** DeleteRecords request body. */
export interface DeleteRecordsRequest {
  topics: DeleteRecordsTopic[]
  /** How long to wait for the deletion to be replicated. */
  timeoutMs: number
}

/** Outcome for one partition of a DeleteRecords request. */
export interface DeleteRecordsPartitionResult {
  partitionIndex: number
  /** The new log start offset of the partition. */
  lowWatermark: bigint
  errorCode: number
}

/** One topic of a DeleteRecords response. */
export interface DeleteRecordsTopicResult {
  name: string
  partitions: DeleteRecordsPartitionResult[]
}

/** DeleteRecords response body. */
export interface DeleteRecordsResponse {
  throttleTimeMs: number
  topics: DeleteRecordsTopicResult[]
}

/** DeleteRecords codec. */
export const DeleteRecords: ApiDefinition<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: DeleteRecordsRequest): void {
    checkVersion(DeleteRecords, version)
    const flex = version >= 2
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      writeArray(w, flex, t.partitions, (p) => {
        w.int32(p.partitionIndex)
        w.int64(p.offset)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    w.int32(req.timeoutMs)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DeleteRecordsResponse {
    checkVersion(DeleteRecords, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const topics = readArray(r, flex, (): DeleteRecordsTopicResult => {
      const name = readString(r, flex)
      const partitions = readArray(r, flex, (): DeleteRecordsPartitionResult => {
        const partitionIndex = r.int32()
        const lowWatermark = r.int64()
        const errorCode = r.int16()
        readTags(r, flex)
        return { partitionIndex, lowWatermark, errorCode }
      })
      readTags(r, flex)
      return { name, partitions }
    })
    readTags(r, flex)
    return { throttleTimeMs, topics }
  },
}
