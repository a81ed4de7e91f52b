/*
 * DescribeGroups (API key 15), versions 0..5, flexible from 5. Classic groups.
 *
 * Request  => [groups] include_authorized_operations(v3+)
 * Response => throttle_time_ms(v1+) [groups]
 *   groups  => error_code group_id group_state protocol_type protocol_data [members]
 *              authorized_operations(v3+)
 *   members => member_id group_instance_id(v4+, nullable) client_id client_host
 *              member_metadata(bytes) member_assignment(bytes)
 *
 * Kafka 4.0 removed no DescribeGroups version.
 */
import { InvalidArgumentError } from '../errors.js'
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

/** `authorizedOperations` when the broker did not compute it. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648

/** DescribeGroups request body. */
export interface DescribeGroupsRequest {
  groups: string[]
  /** Also return the operations the caller may perform on each group (v3+; defaults to false). */
  includeAuthorizedOperations?: boolean
}

/** One member of a described group. */
export interface DescribedGroupMember {
  memberId: string
  /** Static member id (v4+); null before v4 or for a dynamic member. */
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  /** Protocol metadata of the member (a consumer subscription for `consumer` groups). */
  memberMetadata: Buffer
  /** Current assignment of the member (a consumer assignment for `consumer` groups). */
  memberAssignment: Buffer
}

/** One described group. */
export interface DescribedGroup {
  errorCode: number
  groupId: string
  /** e.g. `Stable`, `PreparingRebalance`, `Empty`, `Dead`. */
  groupState: string
  protocolType: string
  /** The chosen protocol (assignor name for consumers). */
  protocolData: string
  members: DescribedGroupMember[]
  /** Bit field of ACL operations (v3+); {@link AUTHORIZED_OPERATIONS_OMITTED} when not asked or before v3. */
  authorizedOperations: number
}

/** DescribeGroups response body. */
export interface DescribeGroupsResponse {
  throttleTimeMs: number
  groups: DescribedGroup[]
}

/** DescribeGroups codec. */
export const DescribeGroups: ApiDefinition<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 5,

  encodeRequest(w: Writer, version: number, req: DescribeGroupsRequest): void {
    checkVersion(DescribeGroups, version)
    const flex = version >= 5
    const include = req.includeAuthorizedOperations ?? false
    if (include && version < 3) {
      throw new InvalidArgumentError(`DescribeGroups v${version} cannot include authorized operations (needs v3+)`)
    }
    writeArray(w, flex, req.groups, (g) => writeString(w, flex, g))
    if (version >= 3) w.boolean(include)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DescribeGroupsResponse {
    checkVersion(DescribeGroups, version)
    const flex = version >= 5
    const throttleTimeMs = version >= 1 ? r.int32() : 0
    const groups = readArray(r, flex, (): DescribedGroup => {
      const errorCode = r.int16()
      const groupId = readString(r, flex)
      const groupState = readString(r, flex)
      const protocolType = readString(r, flex)
      const protocolData = readString(r, flex)
      const members = readArray(r, flex, (): DescribedGroupMember => {
        const memberId = readString(r, flex)
        const groupInstanceId = version >= 4 ? readNullableString(r, flex) : null
        const clientId = readString(r, flex)
        const clientHost = readString(r, flex)
        const memberMetadata = flex ? r.compactBytes() : r.bytes()
        const memberAssignment = flex ? r.compactBytes() : r.bytes()
        readTags(r, flex)
        return { memberId, groupInstanceId, clientId, clientHost, memberMetadata, memberAssignment }
      })
      const authorizedOperations = version >= 3 ? r.int32() : AUTHORIZED_OPERATIONS_OMITTED
      readTags(r, flex)
      return { errorCode, groupId, groupState, protocolType, protocolData, members, authorizedOperations }
    })
    readTags(r, flex)
    return { throttleTimeMs, groups }
  },
}
