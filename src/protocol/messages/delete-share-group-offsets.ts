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
import { checkVersion, readNullableString, writeArray, writeString, writeTags } from './flexible.js'
import { readShareGroupOffsetsResponse, type ShareGroupOffsetsResponse } from './group-common.js'

/** DeleteShareGroupOffsets request body. */
export interface DeleteShareGroupOffsetsRequest {
  groupId: string
  topics: Array<{ topicName: string }>
}

/** DeleteShareGroupOffsets response body. */
export type DeleteShareGroupOffsetsResponse = ShareGroupOffsetsResponse<{ errorCode: number; errorMessage: string | null }>

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
    return readShareGroupOffsetsResponse(r, () => ({ errorCode: r.int16(), errorMessage: readNullableString(r, true) }))
  },
}
