/*
 * DescribeConfigs (API key 32), versions 1..4, flexible from 4.
 *
 * Request  => [resources] include_synonyms include_documentation(v3+)
 *   resources => resource_type resource_name [configuration_keys](nullable)
 * Response => throttle_time_ms [results]
 *   results  => error_code error_message(nullable) resource_type resource_name [configs]
 *   configs  => name value(nullable) read_only config_source is_sensitive [synonyms]
 *               config_type(v3+) documentation(v3+, nullable)
 *   synonyms => name value(nullable) source
 *
 * v0 (is_default instead of config_source, no synonyms) was removed in Kafka 4.0.
 */
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
  writeStringArray,
  writeTags,
} from './flexible.js'

/** Kafka's config resource types. */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const

/** Where a config value comes from. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const

/** Data type of a config value (v3+). */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const

/** One resource whose configs are requested. */
export interface DescribeConfigsResource {
  /** A {@link ConfigResourceType} code. */
  resourceType: number
  /** Topic name, broker id as a decimal string, or "" for the cluster-wide broker default. */
  resourceName: string
  /** Keys to describe, or null for all of them. */
  configurationKeys: string[] | null
}

/** DescribeConfigs request body. */
export interface DescribeConfigsRequest {
  resources: DescribeConfigsResource[]
  /** Also return the synonyms of each config (defaults to false). */
  includeSynonyms?: boolean
  /** Also return documentation (v3+; ignored by older versions; defaults to false). */
  includeDocumentation?: boolean
}

/** A value of the same config from another source, highest precedence first. */
export interface DescribeConfigsSynonym {
  name: string
  value: string | null
  /** A {@link ConfigSource} code. */
  source: number
}

/** One config of a described resource. */
export interface DescribeConfigsResourceResult {
  name: string
  /** The value; null when sensitive or unset. */
  value: string | null
  readOnly: boolean
  /** A {@link ConfigSource} code. */
  configSource: number
  isSensitive: boolean
  synonyms: DescribeConfigsSynonym[]
  /** A {@link ConfigType} code (v3+), 0 when unknown. */
  configType: number
  /** Documentation (v3+ when asked for), null otherwise. */
  documentation: string | null
}

/** Outcome for one resource of a DescribeConfigs request. */
export interface DescribeConfigsResult {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
  configs: DescribeConfigsResourceResult[]
}

/** DescribeConfigs response body. */
export interface DescribeConfigsResponse {
  throttleTimeMs: number
  results: DescribeConfigsResult[]
}

/** DescribeConfigs codec. */
export const DescribeConfigs: ApiDefinition<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 1,
  maxVersion: 4,
  firstFlexibleVersion: 4,

  encodeRequest(w: Writer, version: number, req: DescribeConfigsRequest): void {
    checkVersion(DescribeConfigs, version)
    const flex = version >= 4
    writeArray(w, flex, req.resources, (res) => {
      w.int8(res.resourceType)
      writeString(w, flex, res.resourceName)
      writeStringArray(w, flex, res.configurationKeys)
      writeTags(w, flex)
    })
    w.boolean(req.includeSynonyms ?? false)
    // Documentation is optional extra output, so dropping the flag before v3 is harmless.
    if (version >= 3) w.boolean(req.includeDocumentation ?? false)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DescribeConfigsResponse {
    checkVersion(DescribeConfigs, version)
    const flex = version >= 4
    const throttleTimeMs = r.int32()
    const results = readArray(r, flex, (): DescribeConfigsResult => {
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      const resourceType = r.int8()
      const resourceName = readString(r, flex)
      const configs = readArray(r, flex, (): DescribeConfigsResourceResult => {
        const name = readString(r, flex)
        const value = readNullableString(r, flex)
        const readOnly = r.boolean()
        const configSource = r.int8()
        const isSensitive = r.boolean()
        const synonyms = readArray(r, flex, (): DescribeConfigsSynonym => {
          const s = { name: readString(r, flex), value: readNullableString(r, flex), source: r.int8() }
          readTags(r, flex)
          return s
        })
        const configType = version >= 3 ? r.int8() : 0
        const documentation = version >= 3 ? readNullableString(r, flex) : null
        readTags(r, flex)
        return { name, value, readOnly, configSource, isSensitive, synonyms, configType, documentation }
      })
      readTags(r, flex)
      return { errorCode, errorMessage, resourceType, resourceName, configs }
    })
    readTags(r, flex)
    return { throttleTimeMs, results }
  },
}
