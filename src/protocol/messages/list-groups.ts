/*
 * ListGroups (API key 16), versions 0..5, flexible from 3.
 *
 * Request  => [states_filter](v4+) [types_filter](v5+)
 * Response => throttle_time_ms(v1+) error_code [groups]
 *   groups => group_id protocol_type group_state(v4+) group_type(v5+)
 *
 * Kafka 4.0 removed no ListGroups version.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** ListGroups request body. */
export interface ListGroupsRequest {
  /** Only groups in these states, e.g. `Stable`, `Empty` (v4+, KIP-518); empty (the default) for all. */
  statesFilter?: string[]
  /** Only groups of these types, `classic` or `consumer` (v5+, KIP-848); empty (the default) for all. */
  typesFilter?: string[]
}

/** One group known to the broker. */
export interface ListedGroup {
  groupId: string
  /** `consumer`, `connect`, ..., or '' for groups that only commit offsets. */
  protocolType: string
  /** State name (v4+); '' before. */
  groupState: string
  /** `classic` or `consumer` (v5+); '' before. */
  groupType: string
}

/** ListGroups response body. */
export interface ListGroupsResponse {
  throttleTimeMs: number
  errorCode: number
  groups: ListedGroup[]
}

/** ListGroups codec. */
export const ListGroups: ApiDefinition<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 3,

  encodeRequest(w: Writer, version: number, req: ListGroupsRequest): void {
    checkVersion(ListGroups, version)
    const flex = version >= 3
    const states = req.statesFilter ?? []
    const types = req.typesFilter ?? []
    // An old broker would ignore a dropped filter and list more groups than asked for.
    if (states.length > 0 && version < 4) throw new InvalidArgumentError(`ListGroups v${version} cannot filter by state (needs v4+)`)
    if (types.length > 0 && version < 5) throw new InvalidArgumentError(`ListGroups v${version} cannot filter by type (needs v5+)`)
    if (version >= 4) writeArray(w, flex, states, (s) => writeString(w, flex, s))
    if (version >= 5) writeArray(w, flex, types, (s) => writeString(w, flex, s))
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): ListGroupsResponse {
    checkVersion(ListGroups, version)
    const flex = version >= 3
    const throttleTimeMs = version >= 1 ? r.int32() : 0
    const errorCode = r.int16()
    const groups = readArray(r, flex, (): ListedGroup => {
      const groupId = readString(r, flex)
      const protocolType = readString(r, flex)
      const groupState = version >= 4 ? readString(r, flex) : ''
      const groupType = version >= 5 ? readString(r, flex) : ''
      readTags(r, flex)
      return { groupId, protocolType, groupState, groupType }
    })
    readTags(r, flex)
    return { throttleTimeMs, errorCode, groups }
  },
}
