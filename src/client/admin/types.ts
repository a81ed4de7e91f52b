/**
 * Public types of the Admin API: plain data, names instead of wire codes.
 */
import type { DecodedConsumerSubscription } from '../../protocol/consumer-protocol.js'
import type { BrokerAddress } from '../cluster.js'
import type { TopicPartition } from '../consumer/assignor.js'

/** The cluster as DescribeCluster (or Metadata on old brokers) reports it. */
export interface ClusterDescription {
  clusterId: string | null
  /** Node id of the active controller as reported to clients (KRaft: a random broker), -1 when unknown. */
  controllerId: number
  brokers: BrokerAddress[]
}

/** A resource whose configs are described or altered. */
export interface ConfigResource {
  /** `group`: a group's dynamic configs (Kafka 3.8+, e.g. a share group's `share.record.lock.duration.ms`). */
  type: 'topic' | 'broker' | 'group'
  /** Topic name, broker node id as a string ('' for the cluster-wide broker default), or group id. */
  name: string
}

/** Where a config value comes from, with Kafka's names. */
export type ConfigSourceName =
  | 'UNKNOWN'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'CLIENT_METRICS_CONFIG'
  | 'GROUP_CONFIG'

/** One config value. */
export interface ConfigEntry {
  name: string
  /** null when sensitive (passwords) or unset. */
  value: string | null
  source: ConfigSourceName
  /** True when the value is Kafka's built-in default (source DEFAULT_CONFIG). */
  isDefault: boolean
  readOnly: boolean
  isSensitive: boolean
  /** Values of the same config from other sources, highest precedence first (with `includeSynonyms`). */
  synonyms: Array<{ name: string; value: string | null; source: ConfigSourceName }>
  /** Kafka's type name (`INT`, `LIST`, ...), 'UNKNOWN' on old brokers. */
  type: string
  /** With `includeDocumentation`; null otherwise. */
  documentation: string | null
}

/** The configs of one resource. */
export interface ConfigResourceDescription extends ConfigResource {
  configs: ConfigEntry[]
}

/** Options of {@link Admin.describeConfigs}. */
export interface DescribeConfigsOptions {
  /** Only these keys (default: all). */
  keys?: string[]
  includeSynonyms?: boolean
  includeDocumentation?: boolean
}

/**
 * One change of {@link Admin.incrementalAlterConfigs}: `set` a value, `delete` it (back to the
 * default), or `append`/`subtract` an element of a list-typed config (e.g. `cleanup.policy`).
 */
export type ConfigOperation =
  | { op: 'set'; name: string; value: string }
  | { op: 'delete'; name: string }
  | { op: 'append' | 'subtract'; name: string; value: string }

/** Changes to one resource. */
export interface ConfigAlteration extends ConfigResource {
  ops: ConfigOperation[]
}

/** A group as ListGroups reports it. */
export interface GroupListing {
  groupId: string
  /** `consumer`, `connect`, ..., or '' for groups that only store offsets. */
  protocolType: string
  /** State (Kafka 2.6+): `Stable`, `Empty`, `PreparingRebalance`, ...; '' on older brokers. */
  state: string
  /** `classic`, `consumer` (KIP-848; Kafka 3.7+) or `share` (KIP-932; Kafka 4.1+), '' on older brokers. */
  type: string
  /** Node id of the broker that coordinates it. */
  coordinator: number
}

/** Options of {@link Admin.listGroups}. */
export interface ListGroupsOptions {
  /** Only groups in these states (e.g. ['Stable', 'Empty']). */
  states?: string[]
  /** Only groups of these types ('classic', 'consumer'). */
  types?: string[]
}

/** One member of a described group. */
export interface GroupMemberDescription {
  memberId: string
  /** Static membership id, null for dynamic members. */
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  /** Decoded subscription when the group's protocol type is `consumer` and the bytes decode; null otherwise. */
  subscription: DecodedConsumerSubscription | null
  /** Assigned partitions, decoded as for `subscription`; [] when none or not a consumer group. */
  assignment: TopicPartition[]
  /** The raw protocol metadata and assignment, for other protocol types (e.g. Connect). */
  rawMetadata: Buffer
  rawAssignment: Buffer
}

/** A described group. */
export interface GroupDescription {
  groupId: string
  /** `Stable`, `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Dead`. */
  state: string
  protocolType: string
  /** The chosen protocol (the assignor name for consumer groups), '' when none. */
  protocol: string
  members: GroupMemberDescription[]
  coordinator: number
}

/** A committed offset of a group. */
export interface GroupOffset {
  topic: string
  partition: number
  /** The next offset the group will read. */
  offset: bigint
  /** Leader epoch stored with the commit, -1 when unknown. */
  leaderEpoch: number
  metadata: string | null
}

/** An offset to store for a group with {@link Admin.alterGroupOffsets}. */
export interface GroupOffsetToSet {
  topic: string
  partition: number
  offset: bigint
  metadata?: string | null
}

/** Producer state on one partition (for finding a producer that hangs a transaction). */
export interface ProducerStateDescription {
  producerId: bigint
  producerEpoch: number
  lastSequence: number
  /** ms since the epoch of the last append, -1 when unknown. */
  lastTimestamp: number
  coordinatorEpoch: number
  /** First offset of its open transaction, -1n when none. */
  currentTransactionStartOffset: bigint
}

/** Active producers of one partition. */
export interface PartitionProducers extends TopicPartition {
  /** Node id of the leader that answered. */
  leader: number
  producers: ProducerStateDescription[]
}

/** State of one transactional id. */
export interface TransactionDescription {
  transactionalId: string
  /** `Empty`, `Ongoing`, `PrepareCommit`, `PrepareAbort`, `CompleteCommit`, `CompleteAbort`, ... */
  state: string
  timeoutMs: number
  /** ms since the epoch, -1 when no transaction is open. */
  startTimeMs: number
  producerId: bigint
  producerEpoch: number
  /** Partitions in the open transaction. */
  partitions: TopicPartition[]
  coordinator: number
}

/** A transaction as ListTransactions reports it. */
export interface TransactionListing {
  transactionalId: string
  producerId: bigint
  state: string
  coordinator: number
}

/** Options of {@link Admin.listTransactions}. */
export interface ListTransactionsOptions {
  states?: string[]
  producerIds?: bigint[]
  /** Only transactions open longer than this (Kafka 3.8+, KIP-994). */
  minDurationMs?: number
}
