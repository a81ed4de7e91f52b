/*
 * JoinGroup (API key 11), versions 2..9, flexible from 6. Classic group protocol.
 *
 * Request  => group_id session_timeout_ms rebalance_timeout_ms member_id
 *             group_instance_id(v5+, nullable) protocol_type [protocols] reason(v8+, nullable)
 *   protocols => name metadata(bytes)
 * Response => throttle_time_ms error_code generation_id protocol_type(v7+, nullable)
 *             protocol_name(nullable v7+) leader skip_assignment(v9+) member_id [members]
 *   members  => member_id group_instance_id(v5+, nullable) metadata(bytes)
 *
 * v0-1 were removed in Kafka 4.0 (KIP-896); v2 is the oldest every Kafka 3.x/4.x and
 * Redpanda understands. From v4 a member without id first gets MEMBER_ID_REQUIRED with its
 * new id and must join again (KIP-394). For the "consumer" protocol type the metadata
 * bytes are a ConsumerProtocolSubscription (see ../consumer-protocol.ts).
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
  writeBytes,
  writeNullableString,
  writeString,
  writeTags,
} from './flexible.js'

/** One protocol (assignor) the member supports, with its metadata. */
export interface JoinGroupRequestProtocol {
  /** e.g. `range`, `cooperative-sticky`. */
  name: string
  /** Protocol-specific metadata; a consumer subscription for protocol type `consumer`. */
  metadata: Uint8Array
}

/** JoinGroup request body. */
export interface JoinGroupRequest {
  groupId: string
  /** No heartbeat for this long and the coordinator evicts the member. */
  sessionTimeoutMs: number
  /** How long the coordinator waits for members to rejoin during a rebalance. */
  rebalanceTimeoutMs: number
  /** '' on the first join. */
  memberId: string
  /** Static member id (v5+, KIP-345); null (the default) for a dynamic member. */
  groupInstanceId?: string | null
  /** `consumer` for consumers, `connect` for Connect workers. */
  protocolType: string
  /** Supported protocols, in order of preference. */
  protocols: JoinGroupRequestProtocol[]
  /** Why the member (re)joins (v8+, KIP-800; informational, dropped before v8). */
  reason?: string | null
}

/** One member of the group, as sent to the leader. */
export interface JoinGroupResponseMember {
  memberId: string
  /** v5+; null before v5 or for a dynamic member. */
  groupInstanceId: string | null
  metadata: Buffer
}

/** JoinGroup response body. */
export interface JoinGroupResponse {
  throttleTimeMs: number
  errorCode: number
  generationId: number
  /** Protocol type chosen (v7+); null before v7. */
  protocolType: string | null
  /** Protocol chosen by the coordinator; may be null in v7+ on error. */
  protocolName: string | null
  /** Member id of the leader. */
  leader: string
  /** The leader must not run the assignment (v9+, KIP-814); false before v9. */
  skipAssignment: boolean
  /** This member's id. */
  memberId: string
  /** All members with their metadata when this member is the leader; empty otherwise. */
  members: JoinGroupResponseMember[]
}

/** JoinGroup codec. */
export const JoinGroup: ApiDefinition<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 2,
  maxVersion: 9,
  firstFlexibleVersion: 6,

  encodeRequest(w: Writer, version: number, req: JoinGroupRequest): void {
    checkVersion(JoinGroup, version)
    const flex = version >= 6
    const groupInstanceId = req.groupInstanceId ?? null
    // Dropping the instance id would silently turn a static member into a dynamic one.
    if (groupInstanceId !== null && version < 5) {
      throw new InvalidArgumentError(`JoinGroup v${version} cannot carry a group instance id (needs v5+)`)
    }
    writeString(w, flex, req.groupId)
    w.int32(req.sessionTimeoutMs)
    w.int32(req.rebalanceTimeoutMs)
    writeString(w, flex, req.memberId)
    if (version >= 5) writeNullableString(w, flex, groupInstanceId)
    writeString(w, flex, req.protocolType)
    writeArray(w, flex, req.protocols, (p) => {
      writeString(w, flex, p.name)
      writeBytes(w, flex, p.metadata)
      writeTags(w, flex)
    })
    if (version >= 8) writeNullableString(w, flex, req.reason ?? null)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): JoinGroupResponse {
    checkVersion(JoinGroup, version)
    const flex = version >= 6
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const generationId = r.int32()
    const protocolType = version >= 7 ? readNullableString(r, flex) : null
    const protocolName = version >= 7 ? readNullableString(r, flex) : readString(r, flex)
    const leader = readString(r, flex)
    const skipAssignment = version >= 9 ? r.boolean() : false
    const memberId = readString(r, flex)
    const members = readArray(r, flex, (): JoinGroupResponseMember => {
      const id = readString(r, flex)
      const groupInstanceId = version >= 5 ? readNullableString(r, flex) : null
      const metadata = flex ? r.compactBytes() : r.bytes()
      readTags(r, flex)
      return { memberId: id, groupInstanceId, metadata }
    })
    readTags(r, flex)
    return { throttleTimeMs, errorCode, generationId, protocolType, protocolName, leader, skipAssignment, memberId, members }
  },
}
