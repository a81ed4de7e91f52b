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
  type LeaderIdAndEpoch,
  type NodeEndpoint,
  requestHeaderVersion,
  responseHeaderVersion,
  encodeRequestHeader,
  decodeResponseHeader,
  encodeRequestFrame,
  NULL_TOPIC_ID,
} from './header.js'
export * from './api-versions.js'
export * from './metadata.js'
export * from './produce.js'
export * from './fetch.js'
