/*
 * LeaveGroup (API key 13), versions 0..5, flexible from 4. Classic group protocol.
 *
 * Request  => group_id member_id(v0-2) [members](v3+)
 *   members => member_id group_instance_id(nullable) reason(v5+, nullable)
 * Response => throttle_time_ms(v1+) error_code [members](v3+)
 *   members => member_id group_instance_id(nullable) error_code
 *
 * Kafka 4.0 removed no LeaveGroup version. v3 (KIP-345) batches members so static members
 * can be removed by instance id.
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
  writeNullableString,
  writeString,
  writeTags,
} from './flexible.js'

/** One member leaving (or being removed from) the group. */
export interface LeaveGroupMember {
  /** The member id; '' to remove a static member by instance id alone. */
  memberId: string
  /** Static member id (v3+); null (the default) for a dynamic member. */
  groupInstanceId?: string | null
  /** Why the member leaves (v5+, KIP-800; informational, dropped before v5). */
  reason?: string | null
}

/** LeaveGroup request body, one shape for every version. */
export interface LeaveGroupRequest {
  groupId: string
  /** v0-2 take exactly one dynamic member; v3+ any number. */
  members: LeaveGroupMember[]
}

/** Outcome for one member (v3+). */
export interface LeaveGroupMemberResponse {
  memberId: string
  groupInstanceId: string | null
  errorCode: number
}

/** LeaveGroup response body. */
export interface LeaveGroupResponse {
  throttleTimeMs: number
  errorCode: number
  /** Per-member outcomes (v3+); empty before v3. */
  members: LeaveGroupMemberResponse[]
}

/** LeaveGroup codec. */
export const LeaveGroup: ApiDefinition<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 4,

  encodeRequest(w: Writer, version: number, req: LeaveGroupRequest): void {
    checkVersion(LeaveGroup, version)
    const flex = version >= 4
    writeString(w, flex, req.groupId)
    if (version < 3) {
      const m = req.members
      if (m.length !== 1 || (m[0].groupInstanceId ?? null) !== null) {
        throw new InvalidArgumentError(`LeaveGroup v${version} takes exactly one dynamic member (batches and static members need v3+)`)
      }
      writeString(w, flex, m[0].memberId)
    } else {
      writeArray(w, flex, req.members, (m) => {
        writeString(w, flex, m.memberId)
        writeNullableString(w, flex, m.groupInstanceId ?? null)
        if (version >= 5) writeNullableString(w, flex, m.reason ?? null)
        writeTags(w, flex)
      })
    }
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): LeaveGroupResponse {
    checkVersion(LeaveGroup, version)
    const flex = version >= 4
    const throttleTimeMs = version >= 1 ? r.int32() : 0
    const errorCode = r.int16()
    const members =
      version >= 3
        ? readArray(r, flex, (): LeaveGroupMemberResponse => {
            const m = { memberId: readString(r, flex), groupInstanceId: readNullableString(r, flex), errorCode: r.int16() }
            readTags(r, flex)
            return m
          })
        : []
    readTags(r, flex)
    return { throttleTimeMs, errorCode, members }
  },
}
