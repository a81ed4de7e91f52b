/*
 * DeleteGroups (API key 42), versions 1..2, flexible from 2.
 *
 * Request  => [groups_names]
 * Response => throttle_time_ms [results]
 *   results => group_id error_code
 *
 * v0 was removed in Kafka 4.0 (KIP-896); v1 has the same body, so every Kafka 3.x/4.x and
 * Redpanda broker answers it.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** DeleteGroups request body. */
export interface DeleteGroupsRequest {
  /** Groups to delete; each must be empty (no active members). */
  groupsNames: string[]
}

/** Outcome for one group. */
export interface DeletableGroupResult {
  groupId: string
  errorCode: number
}

/** DeleteGroups response body. */
export interface DeleteGroupsResponse {
  throttleTimeMs: number
  results: DeletableGroupResult[]
}

/** DeleteGroups codec. */
export const DeleteGroups: ApiDefinition<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 1,
  maxVersion: 2,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: DeleteGroupsRequest): void {
    checkVersion(DeleteGroups, version)
    const flex = version >= 2
    writeArray(w, flex, req.groupsNames, (g) => writeString(w, flex, g))
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DeleteGroupsResponse {
    checkVersion(DeleteGroups, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const results = readArray(r, flex, (): DeletableGroupResult => {
      const res = { groupId: readString(r, flex), errorCode: r.int16() }
      readTags(r, flex)
      return res
    })
    readTags(r, flex)
    return { throttleTimeMs, results }
  },
}
