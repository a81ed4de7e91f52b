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
 * The second half of this file holds small codec helpers shared by this folder's modules
 * (classic vs compact strings/arrays, tagged-field writing, shared structs).
 */
import { DecodeError, InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'
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

// ---------------------------------------------------------------------------------------------
// Shared by the API modules of this folder.

/** The all-zero UUID, Kafka's "no topic id". */
export const NULL_TOPIC_ID = '00000000-0000-0000-0000-000000000000'

/** Current leader of a partition, sent with NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH (KIP-951). */
export interface LeaderIdAndEpoch {
  /** Leader broker id, -1 if unknown. */
  leaderId: number
  /** Leader epoch, -1 if unknown. */
  leaderEpoch: number
}

/** A broker endpoint sent with leader-change errors (KIP-951), so no metadata round trip is needed. */
export interface NodeEndpoint {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** @internal Throws unless `version` is within the module's range. */
export function assertVersion(api: { name: string; minVersion: number; maxVersion: number }, version: number): void {
  if (!Number.isInteger(version) || version < api.minVersion || version > api.maxVersion) {
    throw new InvalidArgumentError(`${api.name} v${version} is not supported (supported: v${api.minVersion}-v${api.maxVersion})`)
  }
}

/** @internal STRING / NULLABLE_STRING, compact in flexible versions. */
export function wString(w: Writer, flex: boolean, v: string | null): void {
  if (flex) w.compactString(v)
  else w.string(v)
}

/** @internal Non-null STRING, compact in flexible versions. */
export function rString(r: Reader, flex: boolean): string {
  return flex ? r.compactString() : r.string()
}

/** @internal NULLABLE_STRING, compact in flexible versions. */
export function rNullableString(r: Reader, flex: boolean): string | null {
  return flex ? r.compactNullableString() : r.nullableString()
}

/** @internal ARRAY (null allowed), compact in flexible versions. */
export function wArray<T>(w: Writer, flex: boolean, items: readonly T[] | null, write: (w: Writer, item: T) => void): void {
  if (flex) w.compactArray(items, write)
  else w.array(items, write)
}

/** @internal Non-null ARRAY, compact in flexible versions: null on the wire is a DecodeError. */
export function rArray<T>(r: Reader, flex: boolean, read: (r: Reader) => T): T[] {
  const items = flex ? r.compactNullableArray(read) : r.nullableArray(read)
  if (items === null) throw new DecodeError('null for a non-nullable array')
  return items
}

/** @internal Nullable ARRAY, compact in flexible versions. */
export function rNullableArray<T>(r: Reader, flex: boolean, read: (r: Reader) => T): T[] | null {
  return flex ? r.compactNullableArray(read) : r.nullableArray(read)
}

/** @internal []int32. */
export function rInt32Array(r: Reader, flex: boolean): number[] {
  return rArray(r, flex, (r) => r.int32())
}

/** @internal NULLABLE_BYTES / RECORDS, compact in flexible versions; zero-copy. */
export function rNullableBytes(r: Reader, flex: boolean): Buffer | null {
  return flex ? r.compactNullableBytes() : r.nullableBytes()
}

/** @internal NULLABLE_BYTES / RECORDS, compact in flexible versions. */
export function wBytes(w: Writer, flex: boolean, v: Uint8Array | null): void {
  if (flex) w.compactBytes(v)
  else w.bytes(v)
}

/** @internal A tagged field to write: tag and a writer of its value. */
export type TagWrite = readonly [tag: number, write: (w: Writer) => void]

/**
 * @internal Writes a tagged-field section (flexible versions only). `tags` must be in ascending
 * tag order. Values go through a scratch Writer to learn their size: tagged values are rare and small.
 */
export function wTags(w: Writer, flex: boolean, tags: readonly TagWrite[] = []): void {
  if (!flex) return
  w.unsignedVarint(tags.length)
  for (const [tag, write] of tags) {
    const scratch = new Writer(32)
    write(scratch)
    const value = scratch.finish()
    w.unsignedVarint(tag).unsignedVarint(value.length).raw(value)
  }
}

/**
 * @internal Reads a tagged-field section (flexible versions only). `onTag` decodes the tags it
 * knows and returns true; all other tags are skipped.
 */
export function rTags(r: Reader, flex: boolean, onTag?: (tag: number, r: Reader) => boolean): void {
  if (flex) r.taggedFields(onTag)
}

/** @internal LeaderIdAndEpoch struct (flexible only). */
export function rLeaderIdAndEpoch(r: Reader): LeaderIdAndEpoch {
  const leaderId = r.int32()
  const leaderEpoch = r.int32()
  r.taggedFields()
  return { leaderId, leaderEpoch }
}

/** @internal []NodeEndpoint (flexible only). */
export function rNodeEndpoints(r: Reader): NodeEndpoint[] {
  return r.compactArray((r) => {
    const nodeId = r.int32()
    const host = r.compactString()
    const port = r.int32()
    const rack = r.compactNullableString()
    r.taggedFields()
    return { nodeId, host, port, rack }
  })
}
