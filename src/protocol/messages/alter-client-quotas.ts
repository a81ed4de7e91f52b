/*
 * AlterClientQuotas (API key 49), versions 0..1, flexible from 1.
 *
 * Request  => [entries] validate_only:bool
 *   entries => [entity] [ops]
 *   entity  => entity_type entity_name(nullable: the default entity)
 *   ops     => key value:float64 remove:bool
 * Response => throttle_time_ms [entries]
 *   entries => error_code error_message(nullable) [entity]
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { type QuotaEntityData, readQuotaEntity, writeQuotaEntity } from './describe-client-quotas.js'
import { checkVersion, readArray, readNullableString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** One quota change: set `key` to `value`, or remove it. */
export interface QuotaOp {
  key: string
  /** Ignored when removing. */
  value: number
  remove: boolean
}

/** The changes for one entity. */
export interface AlterClientQuotasEntry {
  entity: QuotaEntityData[]
  ops: QuotaOp[]
}

/** AlterClientQuotas request body. */
export interface AlterClientQuotasRequest {
  entries: AlterClientQuotasEntry[]
  validateOnly: boolean
}

/** Outcome for one entity. */
export interface AlterClientQuotasEntryResult {
  errorCode: number
  errorMessage: string | null
  entity: QuotaEntityData[]
}

/** AlterClientQuotas response body. */
export interface AlterClientQuotasResponse {
  throttleTimeMs: number
  entries: AlterClientQuotasEntryResult[]
}

/** AlterClientQuotas codec. */
export const AlterClientQuotas: ApiDefinition<AlterClientQuotasRequest, AlterClientQuotasResponse> = {
  apiKey: 49,
  name: 'AlterClientQuotas',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 1,

  encodeRequest(w: Writer, version: number, req: AlterClientQuotasRequest): void {
    checkVersion(AlterClientQuotas, version)
    const flex = version >= 1
    writeArray(w, flex, req.entries, (e) => {
      writeQuotaEntity(w, flex, e.entity)
      writeArray(w, flex, e.ops, (op) => {
        writeString(w, flex, op.key)
        w.float64(op.value)
        w.boolean(op.remove)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    w.boolean(req.validateOnly)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): AlterClientQuotasResponse {
    checkVersion(AlterClientQuotas, version)
    const flex = version >= 1
    const throttleTimeMs = r.int32()
    const entries = readArray(r, flex, (): AlterClientQuotasEntryResult => {
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      const entity = readQuotaEntity(r, flex)
      readTags(r, flex)
      return { errorCode, errorMessage, entity }
    })
    readTags(r, flex)
    return { throttleTimeMs, entries }
  },
}
