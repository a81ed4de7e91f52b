/*
 * DeleteShareGroupOffsets (API key 92), version 0, flexible. Removes the share-partition state
 * of topics from an empty share group (KIP-932, Kafka 4.1+).
 *
 * Request  => group_id [topics]
 *   topics    => topic_name
 * Response => throttle_time_ms error_code error_message(nullable) [responses]
 *   responses => topic_name topic_id(uuid) error_code error_message(nullable)
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

/** DeleteShareGroupOffsets request body. */
export interface DeleteShareGroupOffsetsRequest {
  groupId: string
  topics: Array<{ topicName: string }>
}

/** DeleteShareGroupOffsets response body. */
export interface DeleteShareGroupOffsetsResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  responses: Array<{ topicName: string; topicId: string; errorCode: number; errorMessage: string | null }>
}

/** DeleteShareGroupOffsets codec. */
export const DeleteShareGroupOffsets: ApiDefinition<DeleteShareGroupOffsetsRequest, DeleteShareGroupOffsetsResponse> = {
  apiKey: 92,
  name: 'DeleteShareGroupOffsets',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: DeleteShareGroupOffsetsRequest): void {
    checkVersion(DeleteShareGroupOffsets, version)
    writeString(w, true, req.groupId)
    writeArray(w, true, req.topics, (t) => {
      writeString(w, true, t.topicName)
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): DeleteShareGroupOffsetsResponse {
    checkVersion(DeleteShareGroupOffsets, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const responses = readArray(r, true, () => {
      const t = { topicName: readString(r, true), topicId: r.uuid(), errorCode: r.int16(), errorMessage: readNullableString(r, true) }
      readTags(r, true)
      return t
    })
    readTags(r, true)
    return { throttleTimeMs, errorCode, errorMessage, responses }
  },
}
