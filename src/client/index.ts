export { Client, type ClientOptions, type CreateTopicOptions } from './client.js'
export { Admin } from './admin/admin.js'
export type {
  ClusterDescription,
  ConfigResource,
  ConfigSourceName,
  ConfigEntry,
  ConfigResourceDescription,
  DescribeConfigsOptions,
  ConfigOperation,
  ConfigAlteration,
  GroupListing,
  ListGroupsOptions,
  GroupMemberDescription,
  GroupDescription,
  GroupOffset,
  GroupOffsetToSet,
  ProducerStateDescription,
  PartitionProducers,
  TransactionDescription,
  TransactionListing,
  ListTransactionsOptions,
} from './admin/types.js'
export type {
  ElectLeadersOptions,
  ElectionResult,
  PartitionReassignmentTarget,
  AlterPartitionReassignmentsOptions,
  PartitionReassignment,
} from './admin/partition-admin.js'
export type { AclBinding, AclDescription, AclFilter, AclOperation, AclPatternType, AclPermission, AclResourceType } from './admin/admin-acls.js'
export type { ConsumerGroupDescription, ConsumerGroupMemberDescription } from './admin/admin-consumer-groups.js'
export type { FeatureMetadata, FeatureUpdate, FeatureUpgradeKind, UpdateFeaturesOptions } from './admin/admin-features.js'
export type { DescribeLogDirsOptions, LogDirDescription, ReplicaLogDirMove, ReplicaLogInfo } from './admin/admin-log-dirs.js'
export type { ClientQuotaAlteration, ClientQuotaEntry, DescribeClientQuotasOptions, QuotaEntity, QuotaEntityType, QuotaFilterComponent } from './admin/admin-quotas.js'
export type {
  ScramCredentialAlteration,
  ScramCredentialDelete,
  ScramCredentialInfo,
  ScramCredentialUpsert,
  UserScramCredentialsDescription,
} from './admin/admin-scram.js'
export type {
  SaslMechanism,
  PasswordSaslMechanism,
  SaslOptions,
  PasswordSaslOptions,
  OAuthBearerSaslOptions,
  OAuthBearerToken,
  OAuthBearerTokenProvider,
  TlsOptions,
} from './security.js'
export { oidcTokenProvider, type OidcTokenProviderOptions } from './oidc-token-provider.js'
export type { JwtAlgorithm } from './jwt.js'
export {
  PartitionClient,
  type ProduceOptions,
  type FetchOptions,
  type FetchResult,
  type OffsetSpec,
  type IsolationLevel,
  type ConsumeOptions,
} from './partition-client.js'
export {
  Fetcher,
  type FetchManyPartition,
  type FetchManyOptions,
  type FetcherOptions,
  type PartitionFetch,
  type PartitionFetchResult,
  type PartitionFetchError,
} from './consumer/fetcher.js'
export { BatchProducer, type BatchProducerOptions } from './producer/batch-producer.js'
export { TransactionalProducer } from './producer/transactional-producer.js'
export {
  Producer,
  type TransactionalProducerOptions,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
  type Partitioner,
} from './producer/producer.js'
export {
  ProducerFencedError,
  TransactionStateError,
  TransactionAbortableError,
  TransactionOutcomeUnknownError,
  BufferExhaustedError,
  RecordTooLargeError,
} from './producer/errors.js'
export { ProducerWritable, type ProducerWritableOptions, type WritableRecord } from './producer/producer-writable.js'
export type { TransactionState } from './producer/txn-state.js'
export type { BrokerResolver } from './cluster.js'
export type { TopicInfo, PartitionInfo, BrokerAddress } from './cluster.js'
export { murmur2, partitionForKey } from './partitioner.js'
export type { RetryOptions } from './retry.js'
export {
  ConnectionError,
  TimeoutError,
  AuthenticationError,
  UnsupportedVersionError,
  AbortError,
  ClientClosedError,
  ProduceOutcomeUnknownError,
  BootstrapError,
  type BootstrapAttempt,
} from './errors.js'
export {
  GroupConsumer,
  CommitFailedError,
  RebalanceInProgressError,
  type GroupConsumerOptions,
  type GroupBatch,
  type OffsetToCommit,
  type CommittedOffset,
  type ConsumerGroupMetadata,
} from './consumer/group-consumer.js'
export {
  ShareConsumer,
  type ShareBatch,
} from './share/share-consumer.js'
export type { ShareRecord } from './share/share-record.js'
export type {
  ShareConsumerOptions,
  AcknowledgementMode,
  AcknowledgeKind,
  AcknowledgementCommitResult,
} from './share/share-consumer-options.js'
export { ShareAcknowledgementError } from './share/share-errors.js'
export type {
  ShareGroupDescription,
  ShareGroupMemberDescription,
  ShareGroupOffset,
  ShareGroupOffsetToSet,
} from './admin/share-groups.js'
export {
  ConsumerFailureError,
  ConsumerRetryError,
  ConsumerUnavailableError,
  PollIntervalExceededError,
  type ConsumerFailureKind,
} from './consumer/consumer-errors.js'
export type { FetchCursor } from './consumer/fetch-result.js'
export type { ConsumedRecord, ConsumerReadableOptions } from './consumer/consumer-readable.js'
export {
  rangeAssignor,
  roundRobinAssignor,
  cooperativeStickyAssignor,
  type Assignor,
  type AssignmentContext,
  type MemberAssignment,
  type MemberSubscription,
  type TopicPartition,
} from './consumer/assignor.js'
export * from './telemetry/index.js'
