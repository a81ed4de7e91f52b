/*
 * SyncGroup (API key 14), versions 0..5, flexible from 4. Classic group protocol.
 *
 * Request  => group_id generation_id member_id group_instance_id(v3+, nullable)
 *             protocol_type(v5+, nullable) protocol_name(v5+, nullable) [assignments]
 *   assignments => member_id assignment(bytes)
 * Response => throttle_time_ms(v1+) error_code protocol_type(v5+, nullable)
 *             protocol_name(v5+, nullable) assignment(bytes)
 *
 * Kafka 4.0 removed no SyncGroup version. For the "consumer" protocol type the assignment
 * bytes are a ConsumerProtocolAssignment (see ../consumer-protocol.ts).
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  readNullableString,
  readTags,
  writeArray,
  writeBytes,
  writeNullableString,
  writeString,
  writeTags,
} from './flexible.js'

/** The assignment the leader computed for one member. */
export interface SyncGroupRequestAssignment {
  memberId: string
  assignment: Uint8Array
}

/** SyncGroup request body. */
export interface SyncGroupRequest {
  groupId: string
  generationId: number
  memberId: string
  /** Static member id (v3+, KIP-345); null (the default) for a dynamic member. */
  groupInstanceId?: string | null
  /** Protocol type from JoinGroup, checked by the broker (v5+; dropped before). */
  protocolType?: string | null
  /** Protocol name from JoinGroup, checked by the broker (v5+; dropped before). */
  protocolName?: string | null
  /** The leader sends every member's assignment; followers send none. */
  assignments: SyncGroupRequestAssignment[]
}

/** SyncGroup response body. */
export interface SyncGroupResponse {
  throttleTimeMs: number
  errorCode: number
  /** v5+; null before. */
  protocolType: string | null
  /** v5+; null before. */
  protocolName: string | null
  /** This member's assignment (empty on error). */
  assignment: Buffer
}

/** SyncGroup codec. */
export const SyncGroup: ApiDefinition<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 4,

  encodeRequest(w: Writer, version: number, req: SyncGroupRequest): void {
    checkVersion(SyncGroup, version)
    const flex = version >= 4
    const groupInstanceId = req.groupInstanceId ?? null
    if (groupInstanceId !== null && version < 3) {
      throw new InvalidArgumentError(`SyncGroup v${version} cannot carry a group instance id (needs v3+)`)
    }
    writeString(w, flex, req.groupId)
    w.int32(req.generationId)
    writeString(w, flex, req.memberId)
    if (version >= 3) writeNullableString(w, flex, groupInstanceId)
    // Protocol type and name only let the broker double-check; older versions go without.
    if (version >= 5) {
      writeNullableString(w, flex, req.protocolType ?? null)
      writeNullableString(w, flex, req.protocolName ?? null)
    }
    writeArray(w, flex, req.assignments, (a) => {
      writeString(w, flex, a.memberId)
      writeBytes(w, flex, a.assignment)
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): SyncGroupResponse {
    checkVersion(SyncGroup, version)
    const flex = version >= 4
    const throttleTimeMs = version >= 1 ? r.int32() : 0
    const errorCode = r.int16()
    const protocolType = version >= 5 ? readNullableString(r, flex) : null
    const protocolName = version >= 5 ? readNullableString(r, flex) : null
    const assignment = flex ? r.compactBytes() : r.bytes()
    readTags(r, flex)
    return { throttleTimeMs, errorCode, protocolType, protocolName, assignment }
  },
}
