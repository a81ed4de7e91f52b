export type { ApiDefinition, RequestOf, ResponseOf } from './api.js'
export * from './list-offsets.js'
export * from './create-topics.js'
export * from './delete-topics.js'
export * from './create-partitions.js'
export * from './delete-records.js'
export * from './describe-configs.js'
export {
  type RequestHeader,
  type ResponseHeader,
  type HeaderVersionSource,
  requestHeaderVersion,
  responseHeaderVersion,
  encodeRequestHeader,
  decodeResponseHeader,
  encodeRequestFrame,
} from './header.js'
export { type LeaderIdAndEpoch, type NodeEndpoint, ZERO_UUID } from './flexible.js'
export * from './api-versions.js'
export * from './metadata.js'
export * from './produce.js'
export * from './fetch.js'
