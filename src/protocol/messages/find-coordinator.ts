/*
 * FindCoordinator (API key 10), versions 1..6, flexible from 3.
 *
 * Request  => key(v1-3) key_type [coordinator_keys](v4+)
 * Response => throttle_time_ms error_code(v1-3) error_message(v1-3, nullable)
 *             node_id(v1-3) host(v1-3) port(v1-3) [coordinators](v4+)
 *   coordinators => key node_id host port error_code error_message(nullable)
 *
 * v0 (no key_type) was removed in Kafka 4.0. v4 (KIP-699) batches keys; v5 only adds the
 * TRANSACTION_ABORTABLE error and v6 the share-group key type (KIP-932).
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

/** Kind of coordinator looked up. */
export const CoordinatorKeyType = {
  GROUP: 0,
  TRANSACTION: 1,
  /** Share groups (v6+, KIP-932). */
  SHARE: 2,
} as const

/** FindCoordinator request body, one shape for every version. */
export interface FindCoordinatorRequest {
  /** A {@link CoordinatorKeyType}; defaults to GROUP. */
  keyType?: number
  /** Group ids or transactional ids; v1-3 carry exactly one key. */
  keys: string[]
}

/** The coordinator of one key. */
export interface FindCoordinatorCoordinator {
  /** The key; '' for v1-3, whose response does not repeat it (it is the one key asked for). */
  key: string
  nodeId: number
  host: string
  port: number
  errorCode: number
  errorMessage: string | null
}

/** FindCoordinator response body. */
export interface FindCoordinatorResponse {
  throttleTimeMs: number
  /**
   * One entry per requested key in every version: v4+ as sent by the broker, v1-3 built
   * from the single-key fields below so callers need not care about the version.
   */
  coordinators: FindCoordinatorCoordinator[]
  /** Single-key fields as on the wire in v1-3; 0 / null / -1 / '' / -1 in v4+. */
  errorCode: number
  errorMessage: string | null
  nodeId: number
  host: string
  port: number
}

/** FindCoordinator codec. */
export const FindCoordinator: ApiDefinition<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 1,
  maxVersion: 6,
  firstFlexibleVersion: 3,

  encodeRequest(w: Writer, version: number, req: FindCoordinatorRequest): void {
    checkVersion(FindCoordinator, version)
    const flex = version >= 3
    const keyType = req.keyType ?? CoordinatorKeyType.GROUP
    if (keyType === CoordinatorKeyType.SHARE && version < 6) {
      throw new InvalidArgumentError(`FindCoordinator v${version} cannot look up share-group coordinators (needs v6+)`)
    }
    if (version < 4) {
      if (req.keys.length !== 1) {
        throw new InvalidArgumentError(`FindCoordinator v${version} takes exactly one key, got ${req.keys.length} (batching needs v4+)`)
      }
      writeString(w, flex, req.keys[0])
      w.int8(keyType)
    } else {
      w.int8(keyType)
      writeArray(w, flex, req.keys, (k) => writeString(w, flex, k))
    }
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): FindCoordinatorResponse {
    checkVersion(FindCoordinator, version)
    const flex = version >= 3
    const throttleTimeMs = r.int32()
    if (version < 4) {
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      const nodeId = r.int32()
      const host = readString(r, flex)
      const port = r.int32()
      readTags(r, flex)
      return {
        throttleTimeMs,
        coordinators: [{ key: '', nodeId, host, port, errorCode, errorMessage }],
        errorCode,
        errorMessage,
        nodeId,
        host,
        port,
      }
    }
    const coordinators = readArray(r, flex, (): FindCoordinatorCoordinator => {
      const key = readString(r, flex)
      const nodeId = r.int32()
      const host = readString(r, flex)
      const port = r.int32()
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      readTags(r, flex)
      return { key, nodeId, host, port, errorCode, errorMessage }
    })
    readTags(r, flex)
    return { throttleTimeMs, coordinators, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1 }
  },
}
