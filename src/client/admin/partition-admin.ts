/**
 * Partition administration: leader elections (ElectLeaders) and replica reassignments
 * (AlterPartitionReassignments, ListPartitionReassignments). Brokers forward these to the active
 * KRaft controller, so any broker takes them; they are retried on retriable errors (e.g. the
 * broker died, NOT_CONTROLLER while the quorum elects a new leader).
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { AlterPartitionReassignments } from '../../protocol/messages/alter-partition-reassignments.js'
import { ElectionType, ElectLeaders } from '../../protocol/messages/elect-leaders.js'
import { ListPartitionReassignments } from '../../protocol/messages/list-partition-reassignments.js'
import type { Cluster } from '../cluster.js'
import type { TopicPartition } from '../consumer/assignor.js'
import { checkTopicPartitions } from '../topic-partitions.js'
import { anyBrokerRequest } from './any-broker.js'

const DEFAULT_TIMEOUT_MS = 30_000

/** Options of {@link Admin.electLeaders}. */
export interface ElectLeadersOptions {
  /**
   * `preferred` (default) moves leadership to each partition's first replica; `unclean` elects
   * any live replica of a partition that has no in-sync replica left (may lose records).
   */
  type?: 'preferred' | 'unclean'
  /** How long the controller waits for the elections; default 30 s. */
  timeoutMs?: number
}

/** The outcome of an election for one partition. */
export interface ElectionResult extends TopicPartition {
  /**
   * Null when a new leader was elected; otherwise why not, e.g. ELECTION_NOT_NEEDED (the
   * preferred replica leads already) or PREFERRED_LEADER_NOT_AVAILABLE (it is down or not in sync).
   */
  error: KafkaProtocolError | null
}

/** A target replica set for {@link Admin.alterPartitionReassignments}. */
export interface PartitionReassignmentTarget extends TopicPartition {
  /** Broker ids of the new replicas, the preferred leader first; null cancels an ongoing reassignment. */
  replicas: number[] | null
}

/** Options of {@link Admin.alterPartitionReassignments}. */
export interface AlterPartitionReassignmentsOptions {
  /** How long the controller waits; default 30 s. */
  timeoutMs?: number
  /**
   * Whether a reassignment may change a partition's replication factor (default true, Kafka's
   * default). False needs Kafka 4.1+ (KIP-860).
   */
  allowReplicationFactorChange?: boolean
}

/** A reassignment in progress, from {@link Admin.listPartitionReassignments}. */
export interface PartitionReassignment extends TopicPartition {
  /** The replica set now: old and new replicas while data is copied. */
  replicas: number[]
  /** Replicas being added (catching up). */
  addingReplicas: number[]
  /** Replicas that leave once the adding ones are in sync. */
  removingReplicas: number[]
}

function checkTimeout(timeoutMs: number | undefined): number {
  const t = timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isInteger(t) || t < 0 || t > 2 ** 31 - 1) throw new InvalidArgumentError(`timeoutMs must be a non-negative integer, got ${String(timeoutMs)}`)
  return t
}

/**
 * Elects leaders for partitions (all partitions of the cluster when `partitions` is null) and
 * returns one result per partition. See {@link Admin.electLeaders}.
 */
export async function electLeaders(cluster: Cluster, partitions: readonly TopicPartition[] | null, options: ElectLeadersOptions = {}): Promise<ElectionResult[]> {
  const byTopic = partitions === null ? null : checkTopicPartitions(partitions, 'electLeaders partitions')
  const type = options.type ?? 'preferred'
  if (type !== 'preferred' && type !== 'unclean') throw new InvalidArgumentError(`electLeaders type must be 'preferred' or 'unclean', got ${JSON.stringify(String(type))}`)
  const timeoutMs = checkTimeout(options.timeoutMs)
  const res = await anyBrokerRequest(
    cluster,
    ElectLeaders,
    {
      electionType: type === 'preferred' ? ElectionType.PREFERRED : ElectionType.UNCLEAN,
      topicPartitions: byTopic === null ? null : [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
      timeoutMs,
    },
    '2.2',
    (r) => ({ errorCode: r.errorCode, errorMessage: null }),
    // v0 has no election type: it would silently run a preferred election instead of an unclean one.
    type === 'unclean' ? 1 : 0,
  )
  const out: ElectionResult[] = []
  for (const t of res.replicaElectionResults) {
    for (const p of t.partitionResult) {
      out.push({
        topic: t.topic,
        partition: p.partitionId,
        error: p.errorCode === 0 ? null : new KafkaProtocolError(p.errorCode, p.errorMessage ?? `${t.topic}-${p.partitionId}`),
      })
    }
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}

/**
 * Starts (or, with `replicas: null`, cancels) replica reassignments. Resolves once the
 * controller accepted them; the data moves afterwards (see {@link listPartitionReassignments}).
 * Throws the first partition's error, e.g. INVALID_REPLICA_ASSIGNMENT or NO_REASSIGNMENT_IN_PROGRESS.
 */
export async function alterPartitionReassignments(
  cluster: Cluster,
  targets: readonly PartitionReassignmentTarget[],
  options: AlterPartitionReassignmentsOptions = {},
): Promise<void> {
  checkTopicPartitions(targets, 'alterPartitionReassignments targets')
  const topics = new Map<string, Array<{ partitionIndex: number; replicas: number[] | null }>>()
  for (const t of targets) {
    if (t.replicas !== null && (!Array.isArray(t.replicas) || t.replicas.length === 0 || t.replicas.some((id) => !Number.isInteger(id) || id < 0))) {
      throw new InvalidArgumentError(`replicas of ${t.topic}-${t.partition} must be a non-empty array of broker ids, or null to cancel`)
    }
    if (t.replicas !== null && new Set(t.replicas).size !== t.replicas.length) {
      throw new InvalidArgumentError(`replicas of ${t.topic}-${t.partition} name a broker twice: ${t.replicas.join(',')}`)
    }
    const list = topics.get(t.topic) ?? []
    list.push({ partitionIndex: t.partition, replicas: t.replicas === null ? null : [...t.replicas] })
    topics.set(t.topic, list)
  }
  const allow = options.allowReplicationFactorChange ?? true
  if (typeof allow !== 'boolean') throw new InvalidArgumentError('allowReplicationFactorChange must be a boolean')
  const req = { timeoutMs: checkTimeout(options.timeoutMs), allowReplicationFactorChange: allow, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) }
  // v0 cannot refuse replication factor changes: false needs v1 (Kafka 4.1+, KIP-860).
  const res = await anyBrokerRequest(cluster, AlterPartitionReassignments, req, allow ? '2.4' : '4.1', (r) => r, allow ? 0 : 1)
  for (const t of res.responses) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) throw new KafkaProtocolError(p.errorCode, `${t.name}-${p.partitionIndex}: ${p.errorMessage ?? 'reassignment refused'}`)
    }
  }
}

/** Reassignments in progress, for the given partitions or (default) the whole cluster. */
export async function listPartitionReassignments(
  cluster: Cluster,
  partitions?: readonly TopicPartition[],
  options: { timeoutMs?: number } = {},
): Promise<PartitionReassignment[]> {
  const byTopic = partitions === undefined ? null : checkTopicPartitions(partitions, 'listPartitionReassignments partitions')
  const timeoutMs = checkTimeout(options.timeoutMs)
  const res = await anyBrokerRequest(
    cluster,
    ListPartitionReassignments,
    { timeoutMs, topics: byTopic === null ? null : [...byTopic].map(([name, ps]) => ({ name, partitionIndexes: ps })) },
    '2.4',
    (r) => r,
  )
  return res.topics
    .flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        replicas: p.replicas,
        addingReplicas: p.addingReplicas,
        removingReplicas: p.removingReplicas,
      })),
    )
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}

