/*
 * IncrementalAlterConfigs (API key 44), versions 0..1, flexible from 1.
 *
 * Request  => [resources] validate_only
 *   resources => resource_type resource_name [configs]
 *   configs   => name config_operation value(nullable)
 * Response => throttle_time_ms [responses]
 *   responses => error_code error_message(nullable) resource_type resource_name
 *
 * Unlike AlterConfigs it changes only the listed keys, so it is the one admin uses.
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
  writeNullableString,
  writeString,
  writeTags,
} from './flexible.js'

/** What to do with one config key. */
export const AlterConfigOp = {
  SET: 0,
  DELETE: 1,
  /** Add to a list-typed config. */
  APPEND: 2,
  /** Remove from a list-typed config. */
  SUBTRACT: 3,
} as const

/** One config change. */
export interface AlterableConfig {
  name: string
  /** An {@link AlterConfigOp} code. */
  configOperation: number
  /** The value; null for DELETE. */
  value: string | null
}

/** The changes to one resource. */
export interface AlterConfigsResource {
  /** A ConfigResourceType code (see DescribeConfigs). */
  resourceType: number
  resourceName: string
  configs: AlterableConfig[]
}

/** IncrementalAlterConfigs request body. */
export interface IncrementalAlterConfigsRequest {
  resources: AlterConfigsResource[]
  /** Check the changes without applying them (defaults to false). */
  validateOnly?: boolean
}

/** Outcome for one resource. */
export interface AlterConfigsResourceResponse {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
}

/** IncrementalAlterConfigs response body. */
export interface IncrementalAlterConfigsResponse {
  throttleTimeMs: number
  responses: AlterConfigsResourceResponse[]
}

/** IncrementalAlterConfigs codec. */
export const IncrementalAlterConfigs: ApiDefinition<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 1,

  encodeRequest(w: Writer, version: number, req: IncrementalAlterConfigsRequest): void {
    checkVersion(IncrementalAlterConfigs, version)
    const flex = version >= 1
    writeArray(w, flex, req.resources, (res) => {
      w.int8(res.resourceType)
      writeString(w, flex, res.resourceName)
      writeArray(w, flex, res.configs, (c) => {
        writeString(w, flex, c.name)
        w.int8(c.configOperation)
        writeNullableString(w, flex, c.value)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    w.boolean(req.validateOnly ?? false)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): IncrementalAlterConfigsResponse {
    checkVersion(IncrementalAlterConfigs, version)
    const flex = version >= 1
    const throttleTimeMs = r.int32()
    const responses = readArray(r, flex, (): AlterConfigsResourceResponse => {
      const res = {
        errorCode: r.int16(),
        errorMessage: readNullableString(r, flex),
        resourceType: r.int8(),
        resourceName: readString(r, flex),
      }
      readTags(r, flex)
      return res
    })
    readTags(r, flex)
    return { throttleTimeMs, responses }
  },
}
