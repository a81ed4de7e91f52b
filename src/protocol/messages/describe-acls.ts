/*
 * DescribeAcls (API key 29), versions 1..3, flexible from 2. (v0, without pattern types, is
 * gone from Kafka 4; every broker since 2.0 has v1.)
 *
 * Request  => resource_type_filter:int8 resource_name_filter(nullable) pattern_type_filter:int8
 *             principal_filter(nullable) host_filter(nullable) operation:int8 permission_type:int8
 * Response => throttle_time_ms error_code error_message(nullable) [resources]
 *   resources => resource_type:int8 resource_name pattern_type:int8 [acls]
 *   acls      => principal host operation:int8 permission_type:int8
 *
 * The int8 codes (resource type, pattern type, operation, permission type) are shared by
 * CreateAcls and DeleteAcls and defined here.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeArray, writeNullableString, writeTags } from './flexible.js'

/** `resource_type` codes (Java's `ResourceType`); ANY only in filters. */
export const AclResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const

/** `pattern_type` codes (Java's `PatternType`); ANY and MATCH only in filters. */
export const AclPatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const

/** `operation` codes (Java's `AclOperation`); ANY only in filters. */
export const AclOperationCode = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
  TWO_PHASE_COMMIT: 15,
} as const

/** `permission_type` codes (Java's `AclPermissionType`); ANY only in filters. */
export const AclPermissionCode = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const

/** An ACL filter as DescribeAcls and DeleteAcls carry it: null strings match anything. */
export interface AclFilterData {
  resourceTypeFilter: number
  resourceNameFilter: string | null
  patternTypeFilter: number
  principalFilter: string | null
  hostFilter: string | null
  operation: number
  permissionType: number
}

/** DescribeAcls request body: one filter. */
export type DescribeAclsRequest = AclFilterData

/** One ACL on a resource. */
export interface AclDescription {
  principal: string
  host: string
  operation: number
  permissionType: number
}

/** A resource pattern with its matching ACLs. */
export interface DescribeAclsResource {
  resourceType: number
  resourceName: string
  patternType: number
  acls: AclDescription[]
}

/** DescribeAcls response body. */
export interface DescribeAclsResponse {
  throttleTimeMs: number
  /** e.g. SECURITY_DISABLED (no authorizer) or CLUSTER_AUTHORIZATION_FAILED. */
  errorCode: number
  errorMessage: string | null
  resources: DescribeAclsResource[]
}

/** Writes an ACL filter (shared with DeleteAcls). */
export function writeAclFilter(w: Writer, flex: boolean, f: AclFilterData): void {
  w.int8(f.resourceTypeFilter)
  writeNullableString(w, flex, f.resourceNameFilter)
  w.int8(f.patternTypeFilter)
  writeNullableString(w, flex, f.principalFilter)
  writeNullableString(w, flex, f.hostFilter)
  w.int8(f.operation)
  w.int8(f.permissionType)
}

/** DescribeAcls codec. */
export const DescribeAcls: ApiDefinition<DescribeAclsRequest, DescribeAclsResponse> = {
  apiKey: 29,
  name: 'DescribeAcls',
  minVersion: 1,
  maxVersion: 3,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: DescribeAclsRequest): void {
    checkVersion(DescribeAcls, version)
    const flex = version >= 2
    writeAclFilter(w, flex, req)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DescribeAclsResponse {
    checkVersion(DescribeAcls, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, flex)
    const resources = readArray(r, flex, (): DescribeAclsResource => {
      const resourceType = r.int8()
      const resourceName = readString(r, flex)
      const patternType = r.int8()
      const acls = readArray(r, flex, (): AclDescription => {
        const principal = readString(r, flex)
        const host = readString(r, flex)
        const operation = r.int8()
        const permissionType = r.int8()
        readTags(r, flex)
        return { principal, host, operation, permissionType }
      })
      readTags(r, flex)
      return { resourceType, resourceName, patternType, acls }
    })
    readTags(r, flex)
    return { throttleTimeMs, errorCode, errorMessage, resources }
  },
}

