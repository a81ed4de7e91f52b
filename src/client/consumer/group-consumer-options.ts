/**
 * Options of a GroupConsumer and their defaults.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { cooperativeStickyAssignor, type Assignor, type TopicPartition } from './assignor.js'
import type { IsolationLevel } from './fetch-result.js'
import type { ConsumerRetryError } from './consumer-errors.js'

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
   * Incremental fetch sessions (KIP-227, default true): after the first Fetch to a broker, only
   * the partitions whose position moved are listed. False sends every partition every time.
   */
  fetchSessions?: boolean
  /**
   * Decompressed bytes allowed for the batches of one fetched partition, together (default:
   * 256 MiB, or 64 times the partition's fetched bytes when that is larger). A batch that would
   * take them past it fails with a DecodeError while it is being decompressed, so a compression
   * bomb cannot exhaust memory; each batch's output is released once its records are read.
   */
  maxDecompressedBytes?: number
  /**
   * 'classic' (JoinGroup/SyncGroup, client-side assignors; default) or
   * 'consumer' (KIP-848: ConsumerGroupHeartbeat, the broker assigns; Kafka 4.0+).
   */
  groupProtocol?: 'classic' | 'consumer'
  /** With groupProtocol 'consumer': the broker-side assignor ('uniform' or 'range'); broker default when unset. */
  serverAssignor?: string
  /**
   * Called after partitions are assigned and their start positions read (committed offsets, or
   * `autoOffsetReset`); none of their records is fetched or delivered before it returns, so a
   * seek or pause here applies to every record of them (Java's onPartitionsAssigned contract).
   */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>
  /**
   * Called before partitions move away, once the caller has finished the batch in hand (as the
   * Java ConsumerRebalanceListener's onPartitionsRevoked); offsets may still be committed here.
   * Never called for partitions already lost (those go to onLost).
   */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>
  /**
   * Called when partitions were lost: the membership expired or was fenced, or the member left
   * after maxPollIntervalMs. They may already belong to another member; committing is no longer
   * possible.
   */
  onLost?: (partitions: TopicPartition[]) => void | Promise<void>
  /**
   * Longest time the caller may take between two calls of `next()` (one batch's processing),
   * Java's `max.poll.interval.ms` (default 300000 ms). Heartbeats go on while the caller
   * processes, so a slow batch does not cost the membership; past this bound the member leaves
   * the group (its partitions are lost to other members) and the next call of `next()` throws
   * {@link PollIntervalExceededError}; the call after that joins again.
   */
  maxPollIntervalMs?: number
  /**
   * Called for every failure the consumer retries by itself (coordinator or partition leaders
   * unreachable, a fetch answer that cannot be read): the consumer keeps retrying, as Kafka
   * clients do, and logs one warning per kind of failure until it recovers.
   */
  onError?: (error: ConsumerRetryError) => void
  /**
   * How long one kind of failure may go on, without a success in between, before `next()`
   * throws {@link ConsumerUnavailableError} (the consumer keeps retrying behind it, and a later
   * `next()` returns records again once it recovers). Default: unset, the consumer retries
   * for ever and only reports through the log and `onError`.
   */
  unavailableTimeoutMs?: number
  /**
   * Called at the end of every completed rebalance (classic protocol), after onRevoked and
   * onAssigned, with the whole assignment and the assignor's user data for this member (the
   * streams runtime carries standby tasks and the hosts of every task there).
   */
  onAssignment?: (assignment: { generationId: number; partitions: TopicPartition[]; userData: Buffer | null }) => void | Promise<void>
}

type Callbacks = 'onAssigned' | 'onRevoked' | 'onLost' | 'onAssignment' | 'onError'

/** Options with every default filled in. */
export type ResolvedGroupConsumerOptions = Required<Omit<GroupConsumerOptions, 'groupInstanceId' | Callbacks | 'serverAssignor' | 'unavailableTimeoutMs' | 'maxDecompressedBytes'>> &
  Pick<GroupConsumerOptions, Callbacks | 'serverAssignor' | 'unavailableTimeoutMs' | 'maxDecompressedBytes'>

const INT32_MAX = 0x7fffffff

function integer(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`
    throw new InvalidArgumentError(`${name} must be an integer ${range} (got ${String(value)})`)
  }
}

function oneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new InvalidArgumentError(`${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got ${String(value)})`)
  }
}

function callback(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new InvalidArgumentError(`${name} must be a function (got ${typeof value})`)
}

/** Checks every option (InvalidArgumentError naming the first bad one) and fills in the defaults. */
export function resolveGroupConsumerOptions(options: GroupConsumerOptions): ResolvedGroupConsumerOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('group consumer options must be an object')
  if (typeof options.groupId !== 'string' || options.groupId.length === 0) throw new InvalidArgumentError('groupId must be a non-empty string')
  if (!Array.isArray(options.topics) || options.topics.length === 0 || options.topics.some((t) => typeof t !== 'string' || t.length === 0)) {
    throw new InvalidArgumentError('topics must be a non-empty array of topic names')
  }
  if (options.groupInstanceId !== undefined && (typeof options.groupInstanceId !== 'string' || options.groupInstanceId.length === 0)) {
    throw new InvalidArgumentError('groupInstanceId must be a non-empty string when set')
  }
  const assignors = options.assignors ?? [cooperativeStickyAssignor]
  if (!Array.isArray(assignors) || assignors.length === 0) throw new InvalidArgumentError('assignors must be a non-empty array: at least one assignor is required')
  for (const a of assignors) {
    if (a === null || typeof a !== 'object' || typeof a.name !== 'string' || a.name.length === 0 || typeof a.assign !== 'function') {
      throw new InvalidArgumentError('assignors: each assignor must have a name and an assign() function')
    }
  }
  oneOf('groupProtocol', options.groupProtocol, ['classic', 'consumer'])
  oneOf('autoOffsetReset', options.autoOffsetReset, ['earliest', 'latest', 'error'])
  oneOf('isolationLevel', options.isolationLevel, ['read_uncommitted', 'read_committed'])
  // Timeouts and sizes travel as int32 where the protocol carries them.
  integer('sessionTimeoutMs', options.sessionTimeoutMs, 1, INT32_MAX)
  integer('rebalanceTimeoutMs', options.rebalanceTimeoutMs, 1, INT32_MAX)
  integer('heartbeatIntervalMs', options.heartbeatIntervalMs, 1, INT32_MAX)
  integer('autoCommitIntervalMs', options.autoCommitIntervalMs, 1, INT32_MAX)
  integer('maxBytesPerPartition', options.maxBytesPerPartition, 1, INT32_MAX)
  integer('maxBytes', options.maxBytes, 1, INT32_MAX)
  integer('maxWaitMs', options.maxWaitMs, 0, INT32_MAX)
  integer('maxBufferedBytes', options.maxBufferedBytes, 1)
  integer('maxDecompressedBytes', options.maxDecompressedBytes, 0)
  integer('maxPollIntervalMs', options.maxPollIntervalMs, 1, INT32_MAX)
  integer('unavailableTimeoutMs', options.unavailableTimeoutMs, 1, INT32_MAX)
  for (const name of ['autoCommit', 'fetchSessions'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new InvalidArgumentError(`${name} must be a boolean (got ${typeof options[name]})`)
  }
  if (options.serverAssignor !== undefined && (typeof options.serverAssignor !== 'string' || options.serverAssignor.length === 0)) {
    throw new InvalidArgumentError('serverAssignor must be a non-empty string when set')
  }
  for (const name of ['onAssigned', 'onRevoked', 'onLost', 'onAssignment', 'onError'] as const) callback(name, options[name])
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000
  // As the Java client: a member that heartbeats less often than its session lasts is evicted.
  if (options.groupProtocol !== 'consumer' && heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new InvalidArgumentError(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be lower than sessionTimeoutMs (${sessionTimeoutMs})`)
  }
  return {
    groupId: options.groupId,
    topics: [...new Set(options.topics)].sort(),
    sessionTimeoutMs,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300_000,
    heartbeatIntervalMs,
    assignors,
    autoCommit: options.autoCommit ?? true,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5_000,
    autoOffsetReset: options.autoOffsetReset ?? 'latest',
    isolationLevel: options.isolationLevel ?? 'read_uncommitted',
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1 << 20,
    maxBytes: options.maxBytes ?? 16 << 20,
    maxWaitMs: options.maxWaitMs ?? 500,
    maxBufferedBytes: options.maxBufferedBytes ?? 32 << 20,
    fetchSessions: options.fetchSessions ?? true,
    groupProtocol: options.groupProtocol ?? 'classic',
    maxPollIntervalMs: options.maxPollIntervalMs ?? 300_000,
    unavailableTimeoutMs: options.unavailableTimeoutMs,
    maxDecompressedBytes: options.maxDecompressedBytes,
    serverAssignor: options.serverAssignor,
    onAssigned: options.onAssigned,
    onRevoked: options.onRevoked,
    onLost: options.onLost,
    onAssignment: options.onAssignment,
    onError: options.onError,
  }
}
