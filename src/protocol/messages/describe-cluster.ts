/*
 * DescribeCluster (API key 60), versions 0..1, flexible in all versions.
 *
 * Request  => include_cluster_authorized_operations endpoint_type(v1+)
 * Response => throttle_time_ms error_code error_message(nullable) endpoint_type(v1+)
 *             cluster_id controller_id [brokers] cluster_authorized_operations
 *   brokers => broker_id host port rack(nullable)
 *
 * v1 (KIP-919) can ask for the controllers' endpoints instead of the brokers'.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeTags } from './flexible.js'

/** Which endpoints DescribeCluster reports (v1+). */
export const EndpointType = {
  UNKNOWN: 0,
  BROKER: 1,
  CONTROLLER: 2,
} as const

/** DescribeCluster request body. */
export interface DescribeClusterRequest {
  /** Also return the operations the caller may perform on the cluster. */
  includeClusterAuthorizedOperations: boolean
  /** An {@link EndpointType} (v1+); BROKER (the default) is all v0 can ask for. */
  endpointType?: number
}

/** One broker (or controller, for endpoint type CONTROLLER). */
export interface DescribeClusterBroker {
  brokerId: number
  host: string
  port: number
  rack: string | null
}

/** DescribeCluster response body. */
export interface DescribeClusterResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  /** The {@link EndpointType} reported (v1+); BROKER before v1. */
  endpointType: number
  clusterId: string
  /** Controller broker id, -1 when unknown. */
  controllerId: number
  brokers: DescribeClusterBroker[]
  /** Bit field of ACL operations, -2^31 when not requested. */
  clusterAuthorizedOperations: number
}

/** DescribeCluster codec. */
export const DescribeCluster: ApiDefinition<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: DescribeClusterRequest): void {
    checkVersion(DescribeCluster, version)
    const endpointType = req.endpointType ?? EndpointType.BROKER
    // v0 always describes brokers; answering a controller query with brokers would mislead.
    if (version < 1 && endpointType !== EndpointType.BROKER) {
      throw new InvalidArgumentError(`DescribeCluster v${version} can only describe brokers (endpoint type needs v1+)`)
    }
    w.boolean(req.includeClusterAuthorizedOperations)
    if (version >= 1) w.int8(endpointType)
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): DescribeClusterResponse {
    checkVersion(DescribeCluster, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const endpointType = version >= 1 ? r.int8() : EndpointType.BROKER
    const clusterId = readString(r, true)
    const controllerId = r.int32()
    const brokers = readArray(r, true, (): DescribeClusterBroker => {
      const b = { brokerId: r.int32(), host: readString(r, true), port: r.int32(), rack: readNullableString(r, true) }
      readTags(r, true)
      return b
    })
    const clusterAuthorizedOperations = r.int32()
    readTags(r, true)
    return {
      throttleTimeMs,
      errorCode,
      errorMessage,
      endpointType,
      clusterId,
      controllerId,
      brokers,
      clusterAuthorizedOperations,
    }
  },
}
