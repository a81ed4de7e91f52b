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
export * from './init-producer-id.js'
export * from './add-partitions-to-txn.js'
export * from './add-offsets-to-txn.js'
export * from './end-txn.js'
export * from './txn-offset-commit.js'
export * from './sasl-handshake.js'
export * from './sasl-authenticate.js'
export * from './describe-cluster.js'
export * from './incremental-alter-configs.js'
export * from './describe-producers.js'
export * from './describe-transactions.js'
export * from './list-transactions.js'
export * from './find-coordinator.js'
export * from './join-group.js'
export * from './sync-group.js'
export * from './heartbeat.js'
export * from './leave-group.js'
export * from './offset-commit.js'
export * from './offset-fetch.js'
export * from './list-groups.js'
export * from './describe-groups.js'
export * from './delete-groups.js'
export * from './offset-delete.js'
export * from './consumer-group-heartbeat.js'
export * from './consumer-group-describe.js'
// The classic consumer protocol carried inside JoinGroup/SyncGroup bytes.
export * from '../consumer-protocol.js'
export * from './elect-leaders.js'
export * from './alter-partition-reassignments.js'
export * from './list-partition-reassignments.js'
