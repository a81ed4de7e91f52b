/*
 * CreateAcls (API key 30), versions 1..3, flexible from 2.
 *
 * Request  => [creations]
 *   creations => resource_type:int8 resource_name resource_pattern_type:int8 principal host
 *                operation:int8 permission_type:int8
 * Response => throttle_time_ms [results]
 *   results => error_code error_message(nullable)
 * One result per creation, in request order.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** One ACL to create (codes from describe-acls.ts). */
export interface AclCreation {
  resourceType: number
  resourceName: string
  /** LITERAL or PREFIXED. */
  resourcePatternType: number
  principal: string
  host: string
  operation: number
  permissionType: number
}

/** CreateAcls request body. */
export interface CreateAclsRequest {
  creations: AclCreation[]
}

/** Outcome of one creation. */
export interface AclCreationResult {
  errorCode: number
  errorMessage: string | null
}

/** CreateAcls response body. */
export interface CreateAclsResponse {
  throttleTimeMs: number
  results: AclCreationResult[]
}

/** CreateAcls codec. */
export const CreateAcls: ApiDefinition<CreateAclsRequest, CreateAclsResponse> = {
  apiKey: 30,
  name: 'CreateAcls',
  minVersion: 1,
  maxVersion: 3,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: CreateAclsRequest): void {
    checkVersion(CreateAcls, version)
    const flex = version >= 2
    writeArray(w, flex, req.creations, (c) => {
      w.int8(c.resourceType)
      writeString(w, flex, c.resourceName)
      w.int8(c.resourcePatternType)
      writeString(w, flex, c.principal)
      writeString(w, flex, c.host)
      w.int8(c.operation)
      w.int8(c.permissionType)
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): CreateAclsResponse {
    checkVersion(CreateAcls, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const results = readArray(r, flex, (): AclCreationResult => {
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      readTags(r, flex)
      return { errorCode, errorMessage }
    })
    readTags(r, flex)
    return { throttleTimeMs, results }
  },
}
