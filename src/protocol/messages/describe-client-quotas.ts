/*
 * DescribeClientQuotas (API key 48), versions 0..1, flexible from 1.
 *
 * Request  => [components] strict:bool
 *   components => entity_type match_type:int8 match(nullable)
 * Response => throttle_time_ms error_code error_message(nullable) [entries](nullable)
 *   entries => [entity] [values]
 *   entity  => entity_type entity_name(nullable: the default entity)
 *   values  => key value:float64
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableArray, readNullableString, readString, readTags, writeArray, writeNullableString, writeString, writeTags } from './flexible.js'

/** `match_type` codes: a named entity, the default entity, or any named entity. */
export const QuotaMatchType = { EXACT: 0, DEFAULT: 1, ANY: 2 } as const

/** A filter component on one entity type. */
export interface QuotaFilterComponent {
  entityType: string
  matchType: number
  /** The name for EXACT; null otherwise. */
  match: string | null
}

/** DescribeClientQuotas request body. */
export interface DescribeClientQuotasRequest {
  components: QuotaFilterComponent[]
  /** Exclude entities with entity types the components do not name. */
  strict: boolean
}

/** One part of a quota entity: its type (`user`, `client-id`, `ip`) and name (null: the default). */
export interface QuotaEntityData {
  entityType: string
  entityName: string | null
}

/** A quota entity with its values. */
export interface QuotaEntry {
  entity: QuotaEntityData[]
  values: Array<{ key: string; value: number }>
}

/** DescribeClientQuotas response body. */
export interface DescribeClientQuotasResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  /** Null on error. */
  entries: QuotaEntry[] | null
}

/** Reads a quota entity (shared with AlterClientQuotas). */
export function readQuotaEntity(r: Reader, flex: boolean): QuotaEntityData[] {
  return readArray(r, flex, (): QuotaEntityData => {
    const entityType = readString(r, flex)
    const entityName = readNullableString(r, flex)
    readTags(r, flex)
    return { entityType, entityName }
  })
}

/** Writes a quota entity (shared with AlterClientQuotas). */
export function writeQuotaEntity(w: Writer, flex: boolean, entity: readonly QuotaEntityData[]): void {
  writeArray(w, flex, entity, (e) => {
    writeString(w, flex, e.entityType)
    writeNullableString(w, flex, e.entityName)
    writeTags(w, flex)
  })
}

/** DescribeClientQuotas codec. */
export const DescribeClientQuotas: ApiDefinition<DescribeClientQuotasRequest, DescribeClientQuotasResponse> = {
  apiKey: 48,
  name: 'DescribeClientQuotas',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 1,

  encodeRequest(w: Writer, version: number, req: DescribeClientQuotasRequest): void {
    checkVersion(DescribeClientQuotas, version)
    const flex = version >= 1
    writeArray(w, flex, req.components, (c) => {
      writeString(w, flex, c.entityType)
      w.int8(c.matchType)
      writeNullableString(w, flex, c.match)
      writeTags(w, flex)
    })
    w.boolean(req.strict)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DescribeClientQuotasResponse {
    checkVersion(DescribeClientQuotas, version)
    const flex = version >= 1
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, flex)
    const entries = readNullableArray(r, flex, (): QuotaEntry => {
      const entity = readQuotaEntity(r, flex)
      const values = readArray(r, flex, () => {
        const key = readString(r, flex)
        const value = r.float64()
        readTags(r, flex)
        return { key, value }
      })
      readTags(r, flex)
      return { entity, values }
    })
    readTags(r, flex)
    return { throttleTimeMs, errorCode, errorMessage, entries }
  },
}
