// The Kafka APIs a Redpanda broker advertises, and their version ranges, for the fault proxy's
// ApiVersions profile: a Kafka broker behind the proxy then negotiates like Redpanda (Redpanda
// itself has no binary these machines can install). Taken from the handler declarations in
// Redpanda's source, src/v/kafka/server/handlers/*.h (`single_stage_handler<api, min, max>` /
// `two_phase_handler<...>`), at commit 1c6cff34ea (2024-12-20, the v25.1 development line:
// `git describe` v25.1.0-dev-811). Redpanda closes the connection on a request for an API or
// version it does not declare (requests.cc: "Unsupported API" / "Unsupported version").
// Later releases add DescribeCluster v0 and ConsumerGroupHeartbeat v0-1; this profile is the
// older, smaller set, which is what exercises Peridot's fallbacks.
import type { AdvertisedApi } from './fault-proxy.js'

const RANGES: [name: string, apiKey: number, min: number, max: number][] = [
  ['Produce', 0, 0, 7],
  ['Fetch', 1, 4, 11],
  ['ListOffsets', 2, 0, 4],
  ['Metadata', 3, 0, 8],
  ['OffsetCommit', 8, 1, 8],
  ['OffsetFetch', 9, 1, 7],
  ['FindCoordinator', 10, 0, 3],
  ['JoinGroup', 11, 0, 6],
  ['Heartbeat', 12, 0, 4],
  ['LeaveGroup', 13, 0, 4],
  ['SyncGroup', 14, 0, 4],
  ['DescribeGroups', 15, 0, 5],
  ['ListGroups', 16, 0, 4],
  ['SaslHandshake', 17, 0, 1],
  ['ApiVersions', 18, 0, 3],
  ['CreateTopics', 19, 0, 6],
  ['DeleteTopics', 20, 0, 5],
  ['DeleteRecords', 21, 0, 2],
  ['InitProducerId', 22, 0, 3],
  ['OffsetForLeaderEpoch', 23, 0, 4],
  ['AddPartitionsToTxn', 24, 0, 3],
  ['AddOffsetsToTxn', 25, 0, 1],
  ['EndTxn', 26, 0, 3],
  ['TxnOffsetCommit', 28, 0, 3],
  ['DescribeAcls', 29, 0, 2],
  ['CreateAcls', 30, 0, 2],
  ['DeleteAcls', 31, 0, 2],
  ['DescribeConfigs', 32, 0, 4],
  ['AlterConfigs', 33, 0, 2],
  ['DescribeLogDirs', 35, 0, 2],
  ['SaslAuthenticate', 36, 0, 2],
  ['CreatePartitions', 37, 0, 3],
  ['DeleteGroups', 42, 0, 2],
  ['IncrementalAlterConfigs', 44, 0, 1],
  ['AlterPartitionReassignments', 45, 0, 0],
  ['ListPartitionReassignments', 46, 0, 0],
  ['OffsetDelete', 47, 0, 0],
  ['DescribeClientQuotas', 48, 0, 1],
  ['AlterClientQuotas', 49, 0, 1],
  ['DescribeProducers', 61, 0, 0],
  ['DescribeTransactions', 65, 0, 0],
  ['ListTransactions', 66, 0, 0],
]

/** Redpanda's advertised APIs (see the file comment for the source). */
export const REDPANDA_APIS: readonly AdvertisedApi[] = RANGES.map(([, apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion }))
