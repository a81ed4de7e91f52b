/*
 * Request and response headers, and which header version an API version uses.
 *
 * RequestHeader v1  => request_api_key:int16 request_api_version:int16 correlation_id:int32
 *                      client_id:NULLABLE_STRING
 * RequestHeader v2  => v1 + TAG_BUFFER   (client_id keeps its int16 length: brokers must read it
 *                                         before they know whether they support the version)
 * ResponseHeader v0 => correlation_id:int32
 * ResponseHeader v1 => correlation_id:int32 TAG_BUFFER
 *
 * Flexible API versions use request header 2 and response header 1, except that ApiVersions
 * responses always use response header 0, so a client can read the answer to a version the
 * broker does not support.
 *
 * Codec helpers shared by the API modules (classic vs compact encodings, shared structs)
 * live in flexible.ts.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'

/** API key of ApiVersions, whose responses always use response header v0. */
const API_VERSIONS_KEY = 18

/** Fields of a request header (v1 and v2 carry the same fields; v2 adds an empty tag buffer). */
export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  /** Client id, or null to send none. */
  clientId: string | null
}

/** Fields of a response header. */
export interface ResponseHeader {
  correlationId: number
}

/** The parts of an API module that decide its header versions. */
export type HeaderVersionSource = Pick<ApiDefinition<unknown, unknown>, 'apiKey' | 'firstFlexibleVersion'>

/** Request header version for `version` of `api`: 2 for flexible versions, else 1. */
export function requestHeaderVersion(api: HeaderVersionSource, version: number): 1 | 2 {
  return version >= api.firstFlexibleVersion ? 2 : 1
}

/** Response header version for `version` of `api`: 1 for flexible versions (never for ApiVersions), else 0. */
export function responseHeaderVersion(api: HeaderVersionSource, version: number): 0 | 1 {
  if (api.apiKey === API_VERSIONS_KEY) return 0
  return version >= api.firstFlexibleVersion ? 1 : 0
}

/** Writes a request header of `headerVersion` (1 or 2). */
export function encodeRequestHeader(w: Writer, headerVersion: 1 | 2, header: RequestHeader): void {
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId).string(header.clientId)
  if (headerVersion >= 2) w.uint8(0)
}

/** Reads a response header of `headerVersion` (0 or 1); unknown tagged fields are skipped. */
export function decodeResponseHeader(r: Reader, headerVersion: 0 | 1): ResponseHeader {
  const correlationId = r.int32()
  if (headerVersion >= 1) r.taggedFields()
  return { correlationId }
}

/**
 * Writes header and body of one request (without the int32 size prefix, which framing adds).
 * Picks the header version from the API and version.
 */
export function encodeRequestFrame<Req>(
  w: Writer,
  api: ApiDefinition<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: Req,
): void {
  encodeRequestHeader(w, requestHeaderVersion(api, version), { apiKey: api.apiKey, apiVersion: version, correlationId, clientId })
  api.encodeRequest(w, version, request)
}
