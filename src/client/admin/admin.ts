/**
 * Admin: cluster, config, group, offset, producer, transaction, ACL, quota, SCRAM user, log
 * directory and feature administration, with each request sent where Kafka wants it: group
 * operations to the group's coordinator, transaction descriptions to the transaction
 * coordinator, DescribeProducers to partition leaders, broker configs and log directories to
 * that broker, listings to every broker (each knows only what it coordinates), and cluster-wide
 * metadata changes (ACLs, quotas, credentials, features) to any broker, which forwards them to
 * the KRaft controller. The larger groups of calls live in admin-*.ts files next to this one.
 */
import { CONSUMER_PROTOCOL_TYPE, decodeConsumerAssignment, decodeConsumerSubscription } from '../../protocol/consumer-protocol.js'
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { DeleteGroups } from '../../protocol/messages/delete-groups.js'
import { DescribeCluster } from '../../protocol/messages/describe-cluster.js'
import { DescribeGroups } from '../../protocol/messages/describe-groups.js'
import { DescribeProducers } from '../../protocol/messages/describe-producers.js'
import { DescribeTransactions } from '../../protocol/messages/describe-transactions.js'
import { ListGroups } from '../../protocol/messages/list-groups.js'
import { ListTransactions } from '../../protocol/messages/list-transactions.js'
import type { ApiDefinition } from '../../protocol/messages/api.js'
import type { Client } from '../client.js'
import type { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import type { TopicPartition } from '../consumer/assignor.js'
import { type CoordinatorKind, Coordinators } from '../coordinator.js'
import { UnsupportedVersionError } from '../errors.js'
import { withRetry } from '../retry.js'
import {
  alterPartitionReassignments,
  electLeaders,
  listPartitionReassignments,
  type AlterPartitionReassignmentsOptions,
  type ElectionResult,
  type ElectLeadersOptions,
  type PartitionReassignment,
  type PartitionReassignmentTarget,
} from './partition-admin.js'
import { type AclBinding, type AclDescription, type AclFilter, createAcls, deleteAcls, describeAcls } from './admin-acls.js'
import { asGroupDescription, type ConsumerGroupDescription, describeConsumerGroups } from './admin-consumer-groups.js'
import { describeFeatures, type FeatureMetadata, type FeatureUpdate, updateFeatures, type UpdateFeaturesOptions } from './admin-features.js'
import { alterReplicaLogDirs, describeLogDirs, type DescribeLogDirsOptions, type LogDirDescription, type ReplicaLogDirMove } from './admin-log-dirs.js'
import {
  alterClientQuotas,
  type ClientQuotaAlteration,
  type ClientQuotaEntry,
  describeClientQuotas,
  type DescribeClientQuotasOptions,
  type QuotaFilterComponent,
} from './admin-quotas.js'
import { alterUserScramCredentials, describeUserScramCredentials, type ScramCredentialAlteration, type UserScramCredentialsDescription } from './admin-scram.js'
import { describeConfigs, incrementalAlterConfigs } from './admin-configs.js'
import { alterGroupOffsets, deleteGroupOffsets, listGroupOffsets } from './admin-group-offsets.js'
import { checkGroupId, COORDINATOR_RETRY, type GroupCoordinatorHost } from './coordinator-host.js'
import { groupBy, partitionsByTopic } from './request-grouping.js'
import { ShareGroupAdmin, type ShareGroupDescription, type ShareGroupOffset, type ShareGroupOffsetToSet } from './share-groups.js'
import type {
  ClusterDescription,
  ConfigAlteration,
  ConfigResource,
  ConfigResourceDescription,
  DescribeConfigsOptions,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupOffset,
  GroupOffsetToSet,
  ListGroupsOptions,
  ListTransactionsOptions,
  PartitionProducers,
  TransactionDescription,
  TransactionListing,
} from './types.js'

/** Thrown inside a retried coordinator call so withRetry tries again. */
class CoordinatorMoved extends KafkaProtocolError {}

/**
 * Cluster administration; get one with `client.admin()`. It shares the client's connections
 * and needs no closing of its own.
 */
export class Admin {
  private readonly coordinators: Coordinators

  /** @internal Use `client.admin()`. */
  constructor(
    private readonly client: Client,
    private readonly cluster: Cluster,
  ) {
    this.coordinators = new Coordinators(cluster)
    this.groupHost = {
      onCoordinator: (groupId, fn) => this.onCoordinator('group', groupId, fn),
      nodeIdOf: (conn) => this.nodeIdOf(conn),
    }
    this.shareGroups = new ShareGroupAdmin(this.groupHost)
  }

  /** The group-coordinator routing lent to the group calls in admin-*.ts. */
  private readonly groupHost: GroupCoordinatorHost
  private readonly shareGroups: ShareGroupAdmin

  // ---- cluster ---------------------------------------------------------------------------

  /** Brokers, controller and cluster id (DescribeCluster; Metadata on brokers before 2.8). */
  async describeCluster(): Promise<ClusterDescription> {
    const conn = await this.cluster.anyBroker()
    if (!conn.supports(DescribeCluster as ApiDefinition<unknown, unknown>)) {
      await this.cluster.refreshMetadata([])
      return { clusterId: this.cluster.clusterId, controllerId: this.cluster.controllerId, brokers: this.cluster.knownBrokers() }
    }
    const res = await conn.request(DescribeCluster, { includeClusterAuthorizedOperations: false })
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, res.errorMessage)
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId,
      brokers: res.brokers
        .map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack }))
        .sort((a, b) => a.nodeId - b.nodeId),
    }
  }

  /** Grows a topic to `totalCount` partitions and waits for their leaders (same as `client.createPartitions`). */
  createPartitions(topic: string, totalCount: number, options: { timeoutMs?: number } = {}): Promise<void> {
    return this.client.createPartitions(topic, totalCount, options)
  }

  // ---- partitions (sent to any broker, which forwards them to the KRaft controller) --------

  /**
   * Elects leaders: by default moves leadership of each partition back to its preferred (first)
   * replica, e.g. after a restarted broker rejoined; `type: 'unclean'` elects any live replica of
   * partitions with no in-sync replica left. `partitions: null` means every partition.
   * @returns one result per partition; `error` is null when a leader was elected, else e.g.
   * ELECTION_NOT_NEEDED (the preferred replica leads already).
   */
  electLeaders(partitions: TopicPartition[] | null, options: ElectLeadersOptions = {}): Promise<ElectionResult[]> {
    return electLeaders(this.cluster, partitions, options)
  }

  /**
   * Moves partitions to new replica sets (the first replica becomes the preferred leader), or
   * cancels a reassignment in progress with `replicas: null`. Resolves once the controller
   * accepted it; replicas are copied afterwards (follow with {@link listPartitionReassignments}).
   * Throws the first partition's error, e.g. INVALID_REPLICA_ASSIGNMENT.
   */
  alterPartitionReassignments(targets: PartitionReassignmentTarget[], options: AlterPartitionReassignmentsOptions = {}): Promise<void> {
    return alterPartitionReassignments(this.cluster, targets, options)
  }

  /** Reassignments still in progress, for the given partitions or (default) the whole cluster. */
  listPartitionReassignments(partitions?: TopicPartition[], options: { timeoutMs?: number } = {}): Promise<PartitionReassignment[]> {
    return listPartitionReassignments(this.cluster, partitions, options)
  }

  /** Log directories of the given brokers (default all), with the replicas each holds and its free space. */
  describeLogDirs(options: DescribeLogDirsOptions = {}): Promise<LogDirDescription[]> {
    return describeLogDirs(this.cluster, options)
  }

  /** Moves replicas to another log directory of their broker; the copy finishes in the background. */
  alterReplicaLogDirs(moves: ReplicaLogDirMove[]): Promise<void> {
    return alterReplicaLogDirs(this.cluster, moves)
  }

  /** Finalized and supported feature levels (`metadata.version`, `group.version`, ...), from ApiVersions. */
  describeFeatures(): Promise<FeatureMetadata> {
    return describeFeatures(this.cluster)
  }

  /** Changes finalized feature levels, e.g. `{ 'transaction.version': { maxVersionLevel: 2 } }` (UpdateFeatures). */
  updateFeatures(updates: Record<string, FeatureUpdate>, options: UpdateFeaturesOptions = {}): Promise<void> {
    return updateFeatures(this.cluster, updates, options)
  }

  // ---- security: ACLs, quotas and SCRAM users (any broker; KRaft forwards to the controller) --

  /** Creates ACLs (the cluster needs an authorizer); throws the first refusal naming the ACL. */
  createAcls(bindings: AclBinding[]): Promise<void> {
    return createAcls(this.cluster, bindings)
  }

  /** ACLs matching `filter` (`{}` for all), sorted; fails with SECURITY_DISABLED without an authorizer. */
  describeAcls(filter: AclFilter = {}): Promise<AclDescription[]> {
    return describeAcls(this.cluster, filter)
  }

  /** Deletes the ACLs matching any of `filters` and returns the deleted ACLs. */
  deleteAcls(filters: AclFilter[]): Promise<AclDescription[]> {
    return deleteAcls(this.cluster, filters)
  }

  /** Client quotas of the entities matching every component (`[]`: every entity with quotas). */
  describeClientQuotas(components: QuotaFilterComponent[], options: DescribeClientQuotasOptions = {}): Promise<ClientQuotaEntry[]> {
    return describeClientQuotas(this.cluster, components, options)
  }

  /** Sets (a number) and removes (null) client quotas, e.g. `{ entity: { user: 'alice' }, ops: { producer_byte_rate: 1048576 } }`. */
  alterClientQuotas(alterations: ClientQuotaAlteration[], options: { validateOnly?: boolean } = {}): Promise<void> {
    return alterClientQuotas(this.cluster, alterations, options)
  }

  /** SCRAM credentials (mechanism and iterations; never secrets) of the given users, default all. */
  describeUserScramCredentials(users?: string[]): Promise<UserScramCredentialsDescription[]> {
    return describeUserScramCredentials(this.cluster, users)
  }

  /** Creates, replaces and deletes SCRAM credentials; passwords are salted and hashed here, never sent. */
  alterUserScramCredentials(alterations: ScramCredentialAlteration[]): Promise<void> {
    return alterUserScramCredentials(this.cluster, alterations)
  }

  // ---- configs ---------------------------------------------------------------------------

  /** Configs of topics and brokers; throws the first resource error (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
  describeConfigs(resources: ConfigResource[], options: DescribeConfigsOptions = {}): Promise<ConfigResourceDescription[]> {
    return describeConfigs(this.cluster, resources, options)
  }

  /**
   * Changes only the listed config keys of topics and brokers (IncrementalAlterConfigs).
   * Throws the first resource error, e.g. INVALID_CONFIG with the broker's explanation.
   */
  incrementalAlterConfigs(alterations: ConfigAlteration[], options: { validateOnly?: boolean } = {}): Promise<void> {
    return incrementalAlterConfigs(this.cluster, alterations, options)
  }

  // ---- groups ----------------------------------------------------------------------------

  /**
   * Runs `fn` against the coordinator of `key`, looking it up again (and retrying) when the
   * coordinator moved or is loading: `fn` returns the error codes it found.
   */
  private async onCoordinator<T>(kind: CoordinatorKind, key: string, fn: (conn: Connection) => Promise<{ value: T; errors: number[] }>): Promise<T> {
    return withRetry(
      async () => {
        const conn = await this.coordinators.get(kind, key)
        const { value, errors } = await fn(conn)
        const moved = errors.find((e) => COORDINATOR_RETRY.has(e))
        if (moved !== undefined) {
          if (moved !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) this.coordinators.invalidate(kind, key)
          throw new CoordinatorMoved(moved, `${kind} '${key}'`)
        }
        return value
      },
      this.cluster.options.retry,
    )
  }

  /** Node id of a connection's broker (coordinators are reported as connections). */
  private nodeIdOf(conn: Connection): number {
    return this.cluster.knownBrokers().find((b) => `${b.host}:${b.port}` === conn.address)?.nodeId ?? -1
  }

  /** Every group in the cluster (ListGroups to each broker), sorted by id. */
  async listGroups(options: ListGroupsOptions = {}): Promise<GroupListing[]> {
    await this.cluster.refreshMetadata([])
    const perBroker = await Promise.all(
      this.cluster.knownBrokers().map(async (b) => {
        const res = await withRetry(
          async () => {
            const conn = await this.cluster.broker(b.nodeId)
            // A filter the broker's version cannot carry is the broker's limit, not a bad argument.
            const v = conn.version(ListGroups as ApiDefinition<unknown, unknown>)
            if (options.states?.length && v < 4) throw new UnsupportedVersionError(`listGroups with states needs ListGroups v4 (Kafka 2.6+); broker ${conn.address} has v${v}`)
            if (options.types?.length && v < 5) throw new UnsupportedVersionError(`listGroups with types needs ListGroups v5 (Kafka 3.8+); broker ${conn.address} has v${v}`)
            return conn.request(ListGroups, { statesFilter: options.states ?? [], typesFilter: options.types ?? [] })
          },
          this.cluster.options.retry,
        )
        if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `listing groups on broker ${b.nodeId}`)
        return res.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType, coordinator: b.nodeId }))
      }),
    )
    return perBroker.flat().sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
  }

  /**
   * Groups with their members: classic groups through DescribeGroups (a `consumer` group's member
   * subscriptions and assignments decoded), KIP-848 consumer groups through ConsumerGroupDescribe
   * (protocol type `consumer`, the server-side assignor as protocol; {@link describeConsumerGroups}
   * gives their epochs and target assignments too). A group that does not exist is reported in
   * state `Dead`.
   */
  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    if (!Array.isArray(groupIds)) throw new InvalidArgumentError('groupIds must be an array')
    groupIds.forEach(checkGroupId)
    const classic = await this.describeClassicGroups(groupIds)
    // DescribeGroups reports a KIP-848 group as Dead (it is not a classic group), as it does a
    // group that does not exist: ConsumerGroupDescribe knows which, where the broker has it.
    return Promise.all(
      classic.map(async (g) => {
        if (g.state !== 'Dead' || g.members.length > 0) return g
        try {
          const [described] = await this.describeConsumerGroups([g.groupId])
          return asGroupDescription(described)
        } catch (err) {
          if ((err instanceof KafkaProtocolError && err.code === ErrorCode.GROUP_ID_NOT_FOUND) || err instanceof UnsupportedVersionError) return g
          throw err
        }
      }),
    )
  }

  private describeClassicGroups(groupIds: string[]): Promise<GroupDescription[]> {
    return Promise.all(
      groupIds.map((groupId) =>
        this.onCoordinator('group', groupId, async (conn) => {
          const res = await conn.request(DescribeGroups, { groups: [groupId] })
          const g = res.groups.find((x) => x.groupId === groupId) ?? res.groups[0]
          if (!g) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe groups response without group '${groupId}'`)
          if (g.errorCode !== 0 && !COORDINATOR_RETRY.has(g.errorCode)) throw new KafkaProtocolError(g.errorCode, `group '${groupId}'`)
          const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE
          const members = g.members.map((m): GroupMemberDescription => {
            let subscription: GroupMemberDescription['subscription'] = null
            let assignment: TopicPartition[] = []
            if (consumer) {
              // Bytes from other clients may not decode; the raw bytes stay available.
              try {
                if (m.memberMetadata.length > 0) subscription = decodeConsumerSubscription(m.memberMetadata)
              } catch {
                subscription = null
              }
              try {
                if (m.memberAssignment.length > 0) {
                  assignment = decodeConsumerAssignment(m.memberAssignment).assignedPartitions.flatMap((tp) =>
                    tp.partitions.map((partition) => ({ topic: tp.topic, partition })),
                  )
                }
              } catch {
                assignment = []
              }
            }
            return {
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              subscription,
              assignment,
              rawMetadata: m.memberMetadata,
              rawAssignment: m.memberAssignment,
            }
          })
          return {
            value: { groupId, state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData, members, coordinator: this.nodeIdOf(conn) },
            errors: [g.errorCode],
          }
        }),
      ),
    )
  }

  /** KIP-848 consumer groups with members and current and target assignments (ConsumerGroupDescribe, Kafka 3.7+). */
  describeConsumerGroups(groupIds: string[]): Promise<ConsumerGroupDescription[]> {
    return describeConsumerGroups(this.groupHost, groupIds)
  }

  /**
   * Deletes groups with no active members, with their committed offsets. Throws the first
   * failure (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...) naming the group.
   */
  async deleteGroups(groupIds: string[]): Promise<void> {
    if (!Array.isArray(groupIds)) throw new InvalidArgumentError('groupIds must be an array')
    groupIds.forEach(checkGroupId)
    await Promise.all(
      groupIds.map((groupId) =>
        this.onCoordinator('group', groupId, async (conn) => {
          const res = await conn.request(DeleteGroups, { groupsNames: [groupId] })
          const code = res.results.find((r) => r.groupId === groupId)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR
          if (code !== 0 && !COORDINATOR_RETRY.has(code)) throw new KafkaProtocolError(code, `group '${groupId}'`)
          return { value: undefined, errors: [code] }
        }),
      ),
    )
  }

  /** Committed offsets of a group (all of them, or of the given partitions), sorted by topic and partition. */
  listGroupOffsets(groupId: string, options: { partitions?: TopicPartition[] } = {}): Promise<GroupOffset[]> {
    return listGroupOffsets(this.groupHost, groupId, options)
  }

  /**
   * Stores offsets for a group that has no active members (like Java's AdminClient: an
   * OffsetCommit with generation -1 and no member id). A group with members refuses it with
   * UNKNOWN_MEMBER_ID; stop its consumers first.
   */
  alterGroupOffsets(groupId: string, offsets: GroupOffsetToSet[]): Promise<void> {
    return alterGroupOffsets(this.groupHost, groupId, offsets)
  }

  /**
   * Deletes committed offsets of a group for the given partitions (OffsetDelete). Refused with
   * GROUP_SUBSCRIBED_TO_TOPIC while an active member subscribes to the topic.
   */
  deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): Promise<void> {
    return deleteGroupOffsets(this.groupHost, groupId, partitions)
  }

  // ---- share groups (KIP-932) ------------------------------------------------------------------

  /** Every share group in the cluster (ListGroups filtered to type `share`), sorted by id. */
  listShareGroups(options: { states?: string[] } = {}): Promise<GroupListing[]> {
    return this.listGroups({ ...options, types: ['share'] })
  }

  /** Share groups with their members and assignments (ShareGroupDescribe). */
  describeShareGroups(groupIds: string[]): Promise<ShareGroupDescription[]> {
    return this.shareGroups.describeShareGroups(groupIds)
  }

  /** Start offsets of a share group's share-partitions, with their lag (DescribeShareGroupOffsets). */
  listShareGroupOffsets(groupId: string, options: { partitions?: TopicPartition[] } = {}): Promise<ShareGroupOffset[]> {
    return this.shareGroups.listShareGroupOffsets(groupId, options)
  }

  /** Sets start offsets of a share group with no members (AlterShareGroupOffsets). */
  alterShareGroupOffsets(groupId: string, offsets: ShareGroupOffsetToSet[]): Promise<void> {
    return this.shareGroups.alterShareGroupOffsets(groupId, offsets)
  }

  /** Removes a share group's state of whole topics; the group must have no members (DeleteShareGroupOffsets). */
  deleteShareGroupOffsets(groupId: string, topics: string[]): Promise<void> {
    return this.shareGroups.deleteShareGroupOffsets(groupId, topics)
  }

  /** Deletes share groups with no members, with their state (DeleteGroups, as for other groups). */
  deleteShareGroups(groupIds: string[]): Promise<void> {
    return this.deleteGroups(groupIds)
  }

  // ---- producers and transactions -------------------------------------------------------------

  /** Throws a clear UnsupportedVersionError when the broker lacks `api` (added in `since`). */
  private requireApi(conn: Connection, api: ApiDefinition<unknown, unknown>, what: string, since: string): void {
    if (!conn.supports(api)) throw new UnsupportedVersionError(`${what} needs ${api.name}, which broker ${conn.address} does not support (Kafka ${since}+)`)
  }

  /**
   * Idempotent and transactional producers with state on each partition (DescribeProducers,
   * Kafka 2.8+), asked of each partition's leader.
   */
  async describeProducers(partitions: TopicPartition[]): Promise<PartitionProducers[]> {
    if (!Array.isArray(partitions) || partitions.length === 0) throw new InvalidArgumentError('partitions must be a non-empty array')
    partitionsByTopic(partitions)
    const leaders = await Promise.all(partitions.map(async (tp) => ({ tp, leader: (await this.cluster.leader(tp.topic, tp.partition, { refresh: true })).leader })))
    const results = new Map<string, PartitionProducers>()
    await Promise.all(
      [...groupBy(leaders, (l) => l.leader)].map(async ([leader, list]) => {
        const conn = await this.cluster.broker(leader)
        this.requireApi(conn, DescribeProducers as ApiDefinition<unknown, unknown>, 'describeProducers', '2.8')
        const res = await conn.request(DescribeProducers, {
          topics: [...partitionsByTopic(list.map((l) => l.tp))].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        })
        for (const t of res.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) {
              if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) this.cluster.invalidate(t.name)
              throw new KafkaProtocolError(p.errorCode, p.errorMessage ?? `${t.name}-${p.partitionIndex}`)
            }
            results.set(`${t.name}\u0000${p.partitionIndex}`, {
              topic: t.name,
              partition: p.partitionIndex,
              leader,
              producers: p.activeProducers.map((s) => ({
                producerId: s.producerId,
                producerEpoch: s.producerEpoch,
                lastSequence: s.lastSequence,
                lastTimestamp: Number(s.lastTimestamp),
                coordinatorEpoch: s.coordinatorEpoch,
                currentTransactionStartOffset: s.currentTxnStartOffset,
              })),
            })
          }
        }
      }),
    )
    return partitions.map((tp) => {
      const r = results.get(`${tp.topic}\u0000${tp.partition}`)
      if (!r) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe producers response without ${tp.topic}-${tp.partition}`)
      return r
    })
  }

  /** State of transactional ids, each asked of its transaction coordinator (Kafka 3.0+). */
  async describeTransactions(transactionalIds: string[]): Promise<TransactionDescription[]> {
    if (!Array.isArray(transactionalIds) || transactionalIds.some((id) => typeof id !== 'string' || id.length === 0)) {
      throw new InvalidArgumentError('transactionalIds must be an array of non-empty strings')
    }
    return Promise.all(
      transactionalIds.map((id) =>
        this.onCoordinator('transaction', id, async (conn) => {
          this.requireApi(conn, DescribeTransactions as ApiDefinition<unknown, unknown>, 'describeTransactions', '3.0')
          const res = await conn.request(DescribeTransactions, { transactionalIds: [id] })
          const s = res.transactionStates.find((x) => x.transactionalId === id) ?? res.transactionStates[0]
          if (!s) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe transactions response without '${id}'`)
          if (s.errorCode !== 0 && !COORDINATOR_RETRY.has(s.errorCode)) throw new KafkaProtocolError(s.errorCode, `transactional id '${id}'`)
          return {
            value: {
              transactionalId: id,
              state: s.transactionState,
              timeoutMs: s.transactionTimeoutMs,
              startTimeMs: Number(s.transactionStartTimeMs),
              producerId: s.producerId,
              producerEpoch: s.producerEpoch,
              partitions: s.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
              coordinator: this.nodeIdOf(conn),
            },
            errors: [s.errorCode],
          }
        }),
      ),
    )
  }

  /** Transactions known to the cluster's transaction coordinators (ListTransactions to every broker; Kafka 3.0+). */
  async listTransactions(options: ListTransactionsOptions = {}): Promise<TransactionListing[]> {
    await this.cluster.refreshMetadata([])
    const perBroker = await Promise.all(
      this.cluster.knownBrokers().map(async (b) => {
        const conn = await this.cluster.broker(b.nodeId)
        this.requireApi(conn, ListTransactions as ApiDefinition<unknown, unknown>, 'listTransactions', '3.0')
        if (options.minDurationMs !== undefined && conn.version(ListTransactions as ApiDefinition<unknown, unknown>) < 1) {
          throw new UnsupportedVersionError(`listTransactions with minDurationMs needs ListTransactions v1 (Kafka 3.8+); broker ${conn.address} has v0`)
        }
        const res = await conn.request(ListTransactions, {
          stateFilters: options.states ?? [],
          producerIdFilters: options.producerIds ?? [],
          durationFilter: options.minDurationMs === undefined ? -1n : BigInt(options.minDurationMs),
        })
        if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `listing transactions on broker ${b.nodeId}`)
        return res.transactionStates.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState, coordinator: b.nodeId }))
      }),
    )
    return perBroker.flat().sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0))
  }
}
