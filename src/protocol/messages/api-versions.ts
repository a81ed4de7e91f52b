/*
 * ApiVersions (API key 18), versions 0-4, flexible from 3.
 *
 * Request  => client_software_name(v3+) client_software_version(v3+) TAG_BUFFER(v3+)
 * Response => error_code [api_keys] throttle_time_ms(v1+) TAG_BUFFER(v3+)
 *   api_keys => api_key:int16 min_version:int16 max_version:int16 TAG_BUFFER(v3+)
 *   tagged (v3+): 0 supported_features [name min_version max_version]
 *                 1 finalized_features_epoch:int64
 *                 2 finalized_features [name max_version_level min_version_level]
 *                 3 zk_migration_ready:bool
 *
 * A broker that does not support the requested version answers UNSUPPORTED_VERSION with a
 * v0 body (listing its ApiVersions range, KIP-511), so decodeResponse falls back to v0 then.
 * Response header is always v0 for this API (see header.ts).
 */
import { DecodeError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readTags, writeString, writeTags } from './flexible.js'

const UNSUPPORTED_VERSION = 35

/** ApiVersions request. The client software fields are sent from v3 on (KIP-511). */
export interface ApiVersionsRequest {
  /** Client library name (v3+); letters, digits, `.` and `-` only, or the broker rejects it. Defaults to `peridot`. */
  clientSoftwareName?: string
  /** Client library version (v3+); same character rules. Defaults to `unknown`. */
  clientSoftwareVersion?: string
}

/** Version range of one API supported by the broker. */
export interface ApiVersionRange {
  apiKey: number
  minVersion: number
  maxVersion: number
}

/** A feature the broker supports (KIP-584). */
export interface SupportedFeature {
  name: string
  minVersion: number
  maxVersion: number
}

/** A cluster-wide finalized feature level (KIP-584). */
export interface FinalizedFeature {
  name: string
  maxVersionLevel: number
  minVersionLevel: number
}

/** ApiVersions response. Fields absent from the decoded version hold their Kafka defaults. */
export interface ApiVersionsResponse {
  errorCode: number
  apiKeys: ApiVersionRange[]
  /** 0 before v1. */
  throttleTimeMs: number
  /** Tagged (v3+); empty when absent. */
  supportedFeatures: SupportedFeature[]
  /** Tagged (v3+); -1 when absent or unknown. */
  finalizedFeaturesEpoch: bigint
  /** Tagged (v3+); valid only when finalizedFeaturesEpoch >= 0. */
  finalizedFeatures: FinalizedFeature[]
  /** Tagged (v3+), set by KRaft controllers only. */
  zkMigrationReady: boolean
  /** The version the body was decoded as: 0 when the broker fell back to a v0 error answer. */
  decodedVersion: number
}

const FIRST_FLEXIBLE = 3

function decodeBody(r: Reader, version: number): ApiVersionsResponse {
  const flex = version >= FIRST_FLEXIBLE
  const errorCode = r.int16()
  const apiKeys = readArray(r, flex, () => {
    const apiKey = r.int16()
    const minVersion = r.int16()
    const maxVersion = r.int16()
    readTags(r, flex)
    return { apiKey, minVersion, maxVersion }
  })
  const res: ApiVersionsResponse = {
    errorCode,
    apiKeys,
    throttleTimeMs: version >= 1 ? r.int32() : 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
    decodedVersion: version,
  }
  readTags(r, flex, (tag, r) => {
    switch (tag) {
      case 0:
        res.supportedFeatures = r.compactArray((r) => {
          const name = r.compactString()
          const minVersion = r.int16()
          const maxVersion = r.int16()
          r.taggedFields()
          return { name, minVersion, maxVersion }
        })
        return true
      case 1:
        res.finalizedFeaturesEpoch = r.int64()
        return true
      case 2:
        res.finalizedFeatures = r.compactArray((r) => {
          const name = r.compactString()
          const maxVersionLevel = r.int16()
          const minVersionLevel = r.int16()
          r.taggedFields()
          return { name, maxVersionLevel, minVersionLevel }
        })
        return true
      case 3:
        res.zkMigrationReady = r.boolean()
        return true
      default:
        return false
    }
  })
  return res
}

/** ApiVersions codec. */
export const ApiVersions: ApiDefinition<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, version: number, req: ApiVersionsRequest): void {
    checkVersion(ApiVersions, version)
    if (version < FIRST_FLEXIBLE) return
    writeString(w, true, req.clientSoftwareName ?? 'peridot')
    writeString(w, true, req.clientSoftwareVersion ?? 'unknown')
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): ApiVersionsResponse {
    checkVersion(ApiVersions, version)
    const start = r.offset
    // UNSUPPORTED_VERSION may come as a v0 body whatever we asked for: try v0 first, and
    // accept it only if it spans the whole frame (otherwise it really was `version`).
    if (version > 0 && r.remaining >= 2 && r.buf.readInt16BE(start) === UNSUPPORTED_VERSION) {
      try {
        const res = decodeBody(r, 0)
        if (r.offset === r.end) return res
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e
      }
      r.offset = start
    }
    return decodeBody(r, version)
  },
}
