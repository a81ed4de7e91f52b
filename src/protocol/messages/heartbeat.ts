/*
 * Heartbeat (API key 12), versions 0..4, flexible from 4. Classic group protocol.
 *
 * Request  => group_id generation_id member_id group_instance_id(v3+, nullable)
 * Response => throttle_time_ms(v1+) error_code
 *
 * Kafka 4.0 removed no Heartbeat version.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readTags, writeNullableString, writeString, writeTags } from './flexible.js'

/** Heartbeat request body. */
export interface HeartbeatRequest {
  groupId: string
  generationId: number
  memberId: string
  /** Static member id (v3+, KIP-345); null (the default) for a dynamic member. */
  groupInstanceId?: string | null
}

/** Heartbeat response body. */
export interface HeartbeatResponse {
  /** 0 in v0, which had no throttling field. */
  throttleTimeMs: number
  /** REBALANCE_IN_PROGRESS (27) asks the member to rejoin. */
  errorCode: number
}

/** Heartbeat codec. */
export const Heartbeat: ApiDefinition<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: 4,

  encodeRequest(w: Writer, version: number, req: HeartbeatRequest): void {
    checkVersion(Heartbeat, version)
    const flex = version >= 4
    const groupInstanceId = req.groupInstanceId ?? null
    // Dropping the instance id would turn a static member into an unknown dynamic one.
    if (groupInstanceId !== null && version < 3) {
      throw new InvalidArgumentError(`Heartbeat v${version} cannot carry a group instance id (needs v3+)`)
    }
    writeString(w, flex, req.groupId)
    w.int32(req.generationId)
    writeString(w, flex, req.memberId)
    if (version >= 3) writeNullableString(w, flex, groupInstanceId)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): HeartbeatResponse {
    checkVersion(Heartbeat, version)
    const flex = version >= 4
    const throttleTimeMs = version >= 1 ? r.int32() : 0
    const errorCode = r.int16()
    readTags(r, flex)
    return { throttleTimeMs, errorCode }
  },
}
