/*
 * UpdateFeatures (API key 57), versions 0..2, flexible (KIP-584, KIP-778).
 *
 * Request  => timeout_ms [feature_updates] validate_only:bool(v1+)
 *   feature_updates => feature max_version_level:int16 allow_downgrade:bool(v0 only)
 *                      upgrade_type:int8(v1+)
 * Response => throttle_time_ms error_code error_message(nullable) [results](v0-1)
 *   results => feature error_code error_message(nullable)
 * From v2 the broker answers with the top-level error alone.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** `upgrade_type` codes (v1+). */
export const FeatureUpgradeType = { UPGRADE: 1, SAFE_DOWNGRADE: 2, UNSAFE_DOWNGRADE: 3 } as const

/** One feature to change. */
export interface FeatureUpdateData {
  feature: string
  /** The new level; below 1 deletes the finalized feature. */
  maxVersionLevel: number
  /** {@link FeatureUpgradeType}; in v0 anything but UPGRADE sends allow_downgrade = true. */
  upgradeType: number
}

/** UpdateFeatures request body. */
export interface UpdateFeaturesRequest {
  timeoutMs: number
  featureUpdates: FeatureUpdateData[]
  /** v1+; v0 cannot validate only. */
  validateOnly: boolean
}

/** Outcome for one feature (v0-1). */
export interface UpdatableFeatureResult {
  feature: string
  errorCode: number
  errorMessage: string | null
}

/** UpdateFeatures response body. */
export interface UpdateFeaturesResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  /** Per-feature outcomes (v0-1; empty from v2). */
  results: UpdatableFeatureResult[]
}

/** UpdateFeatures codec. */
export const UpdateFeatures: ApiDefinition<UpdateFeaturesRequest, UpdateFeaturesResponse> = {
  apiKey: 57,
  name: 'UpdateFeatures',
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: UpdateFeaturesRequest): void {
    checkVersion(UpdateFeatures, version)
    w.int32(req.timeoutMs)
    writeArray(w, true, req.featureUpdates, (u) => {
      writeString(w, true, u.feature)
      w.int16(u.maxVersionLevel)
      if (version === 0) w.boolean(u.upgradeType !== FeatureUpgradeType.UPGRADE)
      else w.int8(u.upgradeType)
      writeTags(w, true)
    })
    if (version >= 1) w.boolean(req.validateOnly)
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): UpdateFeaturesResponse {
    checkVersion(UpdateFeatures, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const results =
      version <= 1
        ? readArray(r, true, (): UpdatableFeatureResult => {
            const feature = readString(r, true)
            const code = r.int16()
            const message = readNullableString(r, true)
            readTags(r, true)
            return { feature, errorCode: code, errorMessage: message }
          })
        : []
    readTags(r, true)
    return { throttleTimeMs, errorCode, errorMessage, results }
  },
}
