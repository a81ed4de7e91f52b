/*
 * DeleteAcls (API key 31), versions 1..3, flexible from 2.
 *
 * Request  => [filters] (each as in DescribeAcls)
 * Response => throttle_time_ms [filter_results]
 *   filter_results => error_code error_message(nullable) [matching_acls]
 *   matching_acls  => error_code error_message(nullable) resource_type:int8 resource_name
 *                     pattern_type:int8 principal host operation:int8 permission_type:int8
 * One filter result per filter, in request order.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { type AclFilterData, writeAclFilter } from './describe-acls.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeArray, writeTags } from './flexible.js'

/** DeleteAcls request body. */
export interface DeleteAclsRequest {
  filters: AclFilterData[]
}

/** An ACL a filter matched (and deleted, unless errorCode says otherwise). */
export interface DeleteAclsMatchingAcl {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
  patternType: number
  principal: string
  host: string
  operation: number
  permissionType: number
}

/** Outcome of one filter. */
export interface DeleteAclsFilterResult {
  errorCode: number
  errorMessage: string | null
  matchingAcls: DeleteAclsMatchingAcl[]
}

/** DeleteAcls response body. */
export interface DeleteAclsResponse {
  throttleTimeMs: number
  filterResults: DeleteAclsFilterResult[]
}

/** DeleteAcls codec. */
export const DeleteAcls: ApiDefinition<DeleteAclsRequest, DeleteAclsResponse> = {
  apiKey: 31,
  name: 'DeleteAcls',
  minVersion: 1,
  maxVersion: 3,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: DeleteAclsRequest): void {
    checkVersion(DeleteAcls, version)
    const flex = version >= 2
    writeArray(w, flex, req.filters, (f) => {
      writeAclFilter(w, flex, f)
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DeleteAclsResponse {
    checkVersion(DeleteAcls, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const filterResults = readArray(r, flex, (): DeleteAclsFilterResult => {
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      const matchingAcls = readArray(r, flex, (): DeleteAclsMatchingAcl => {
        const acl: DeleteAclsMatchingAcl = {
          errorCode: r.int16(),
          errorMessage: readNullableString(r, flex),
          resourceType: r.int8(),
          resourceName: readString(r, flex),
          patternType: r.int8(),
          principal: readString(r, flex),
          host: readString(r, flex),
          operation: r.int8(),
          permissionType: r.int8(),
        }
        readTags(r, flex)
        return acl
      })
      readTags(r, flex)
      return { errorCode, errorMessage, matchingAcls }
    })
    readTags(r, flex)
    return { throttleTimeMs, filterResults }
  },
}
