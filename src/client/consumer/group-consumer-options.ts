/**
 * Options of a GroupConsumer and their defaults.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { cooperativeStickyAssignor, type Assignor, type TopicPartition } from './assignor.js'
import type { IsolationLevel } from './fetch-result.js'

/** Options of a {@link GroupConsumer}. */
export interface GroupConsumerOptions {
  groupId: string
  /** Topics to subscribe to. */
  topics: string[]
  /** Static membership (KIP-345): a stable id that survives restarts without a rebalance. */
  groupInstanceId?: string
  /** Default 45000 ms. */
  sessionTimeoutMs?: number
  /** How long the group waits for members to rejoin (default 300000 ms). */
  rebalanceTimeoutMs?: number
  /** Default 3000 ms. */
  heartbeatIntervalMs?: number
  /** In order of preference (default: cooperative-sticky). */
  assignors?: Assignor[]
  /** Commit consumed positions periodically and before partitions move (default true). */
  autoCommit?: boolean
  /** Default 5000 ms. */
  autoCommitIntervalMs?: number
  /** Where to start without a committed offset (default 'latest', as the Java client). */
  autoOffsetReset?: 'earliest' | 'latest' | 'error'
  isolationLevel?: IsolationLevel
  /** Per-partition fetch size (default 1 MiB). */
  maxBytesPerPartition?: number
  /** Whole-response fetch size (default 16 MiB). */
  maxBytes?: number
  /** Default 500 ms. */
  maxWaitMs?: number
  /** Fetched bytes held for the caller before fetching pauses (default 32 MiB). */
  maxBufferedBytes?: number
  /**
   * 'classic' (JoinGroup/SyncGroup, client-side assignors; default) or
   * 'consumer' (KIP-848: ConsumerGroupHeartbeat, the broker assigns; Kafka 4.0+).
   */
  groupProtocol?: 'classic' | 'consumer'
  /** With groupProtocol 'consumer': the broker-side assignor ('uniform' or 'range'); broker default when unset. */
  serverAssignor?: string
  /** Called after partitions are assigned (before any of their records are delivered). */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>
  /** Called before partitions move away; offsets may still be committed here. */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>
  /** Called when partitions were lost (membership expired); committing is no longer possible. */
  onLost?: (partitions: TopicPartition[]) => void | Promise<void>
  /**
   * Called at the end of every completed rebalance (classic protocol), after onRevoked and
   * onAssigned, with the whole assignment and the assignor's user data for this member (the
   * streams runtime carries standby tasks and the hosts of every task there).
   */
  onAssignment?: (assignment: { generationId: number; partitions: TopicPartition[]; userData: Buffer | null }) => void | Promise<void>
}

type Callbacks = 'onAssigned' | 'onRevoked' | 'onLost' | 'onAssignment'

/** Options with every default filled in. */
export type ResolvedGroupConsumerOptions = Required<Omit<GroupConsumerOptions, 'groupInstanceId' | Callbacks | 'serverAssignor'>> &
  Pick<GroupConsumerOptions, Callbacks | 'serverAssignor'>

/** Checks `options` and fills in the defaults. */
export function resolveGroupConsumerOptions(options: GroupConsumerOptions): ResolvedGroupConsumerOptions {
  if (!options || typeof options.groupId !== 'string' || options.groupId.length === 0) throw new InvalidArgumentError('groupId must be a non-empty string')
  if (!Array.isArray(options.topics) || options.topics.length === 0 || options.topics.some((t) => typeof t !== 'string' || t.length === 0)) {
    throw new InvalidArgumentError('topics must be a non-empty array of topic names')
  }
  const assignors = options.assignors ?? [cooperativeStickyAssignor]
  if (assignors.length === 0) throw new InvalidArgumentError('at least one assignor is required')
  if (options.groupProtocol !== undefined && options.groupProtocol !== 'classic' && options.groupProtocol !== 'consumer') {
    throw new InvalidArgumentError(`groupProtocol must be 'classic' or 'consumer', got ${String(options.groupProtocol)}`)
  }
  const reset = options.autoOffsetReset ?? 'latest'
  if (!['earliest', 'latest', 'error'].includes(reset)) throw new InvalidArgumentError(`autoOffsetReset must be 'earliest', 'latest' or 'error'`)
  return {
    groupId: options.groupId,
    topics: [...new Set(options.topics)].sort(),
    sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
    assignors,
    autoCommit: options.autoCommit ?? true,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5_000,
    autoOffsetReset: reset,
    isolationLevel: options.isolationLevel ?? 'read_uncommitted',
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1 << 20,
    maxBytes: options.maxBytes ?? 16 << 20,
    maxWaitMs: options.maxWaitMs ?? 500,
    maxBufferedBytes: options.maxBufferedBytes ?? 32 << 20,
    groupProtocol: options.groupProtocol ?? 'classic',
    serverAssignor: options.serverAssignor,
    onAssigned: options.onAssigned,
    onRevoked: options.onRevoked,
    onLost: options.onLost,
    onAssignment: options.onAssignment,
  }
}
