/*
 * AlterShareGroupOffsets (API key 91), version 0, flexible. Sets the start offset of
 * share-partitions of an empty share group (KIP-932, Kafka 4.1+).
 *
 * Request  => group_id [topics]
 *   topics     => topic_name [partitions]
 *   partitions => partition_index start_offset
 * Response => throttle_time_ms error_code error_message(nullable) [responses]
 *   responses  => topic_name topic_id(uuid) [partitions]
 *   partitions => partition_index error_code error_message(nullable)
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readTags, writeArray, writeString, writeTags } from './flexible.js'
import { readShareGroupOffsetsResponse, type ShareGroupOffsetsResponse } from './group-common.js'

/** AlterShareGroupOffsets request body. */
export interface AlterShareGroupOffsetsRequest {
  groupId: string
  topics: Array<{ topicName: string; partitions: Array<{ partitionIndex: number; startOffset: bigint }> }>
}

/** AlterShareGroupOffsets response body. */
export type AlterShareGroupOffsetsResponse = ShareGroupOffsetsResponse<{
  partitions: Array<{ partitionIndex: number; errorCode: number; errorMessage: string | null }>
}>

/** AlterShareGroupOffsets codec. */
export const AlterShareGroupOffsets: ApiDefinition<AlterShareGroupOffsetsRequest, AlterShareGroupOffsetsResponse> = {
  apiKey: 91,
  name: 'AlterShareGroupOffsets',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: AlterShareGroupOffsetsRequest): void {
    checkVersion(AlterShareGroupOffsets, version)
    writeString(w, true, req.groupId)
    writeArray(w, true, req.topics, (t) => {
      writeString(w, true, t.topicName)
      writeArray(w, true, t.partitions, (p) => {
        w.int32(p.partitionIndex)
        w.int64(p.startOffset)
        writeTags(w, true)
      })
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): AlterShareGroupOffsetsResponse {
    checkVersion(AlterShareGroupOffsets, version)
    return readShareGroupOffsetsResponse(r, () => ({
      partitions: readArray(r, true, () => {
        const p = { partitionIndex: r.int32(), errorCode: r.int16(), errorMessage: readNullableString(r, true) }
        readTags(r, true)
        return p
      }),
    }))
  },
}
