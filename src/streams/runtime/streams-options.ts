/**
 * The public types of {@link KafkaStreams}: options, lifecycle states, key metadata and the
 * metrics snapshot.
 */
import type { Logger } from 'pino'
import type { ClientOptions } from '../../client/client.js'
import type { ProducerOptions } from '../../client/producer/producer.js'
import type { Serde } from '../serde.js'
import type { KafkaStreams } from './kafka-streams.js'
import type { ExceptionHandlerResponse } from './task.js'
import { DEFAULT_CACHE_MAX_BYTES } from '../state/record-cache.js'
import { StreamsConfigError } from './errors.js'

/** 'at_least_once' (default) or 'exactly_once_v2' (transactions; output read with read_committed is exact). */
export type ProcessingGuarantee = 'at_least_once' | 'exactly_once_v2'

/** Lifecycle states, as in Kafka Streams. */
export type StreamsState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'PENDING_ERROR' | 'ERROR'

/**
 * What to do after an uncaught processing error: 'replace-thread' restarts processing (tasks
 * closed without committing, a new group member and producer; records since the last commit
 * are processed again), 'shutdown-client' stops this instance (state ERROR).
 */
export type UncaughtErrorResponse = 'replace-thread' | 'shutdown-client'

/** Options of {@link KafkaStreams}. */
export interface KafkaStreamsOptions {
  /** Group id, transactional id prefix and internal topic prefix. */
  applicationId: string
  brokers: string[]
  /** Default 'at_least_once'. */
  processingGuarantee?: ProcessingGuarantee
  /** Time from the end of one commit to the next (as Kafka Streams); default 100 ms under exactly_once_v2, 30000 ms otherwise. */
  commitIntervalMs?: number
  /**
   * Kafka Streams' `max.task.idle.ms`: how long a task with several input partitions waits for
   * an empty partition known to be caught up before processing the others' records without it
   * (default 0: wait only for partitions whose data is known to be on the broker or not fetched
   * yet; -1: never wait). Such a task processes its buffered records lowest timestamp first.
   */
  maxTaskIdleMs?: number
  /** Standby copies of each task's state on other instances (default 0). */
  numStandbyReplicas?: number
  /**
   * Local state: checkpoints, persistent stores, the process id. Default
   * `<os tmp>/.peridot-streams/<applicationId>`. Each instance of an application needs its own.
   */
  stateDir?: string
  /** `host:port` where this instance serves interactive queries (announced to the other instances; `startQueryServer()` listens on its port). */
  applicationServer?: string
  /** Further client options (TLS, SASL, timeouts, ...). */
  clientOptions?: Omit<ClientOptions, 'brokers'>
  /**
   * Producer tuning (linger, compression, ...). `maxBlockMs` also bounds how long a transaction's
   * commit waits for the coordinator (Kafka Streams' `producer.max.block.ms`).
   */
  producerOptions?: Pick<ProducerOptions, 'lingerMs' | 'compression' | 'maxBatchBytes' | 'maxBufferedBytes' | 'maxBlockMs'>
  /** Replication factor of internal topics (default -1: the broker's default). */
  replicationFactor?: number
  /** Group session timeout (default 45000 ms) and heartbeat interval (default 3000 ms). */
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  /** Where to start without committed offsets (default 'earliest', as Kafka Streams). */
  autoOffsetReset?: 'earliest' | 'latest'
  /** A pino logger; silent by default (or PERIDOT_LOG_LEVEL). */
  logger?: Logger
  defaultKeySerde?: Serde<unknown>
  defaultValueSerde?: Serde<unknown>
  /** Default 'fail'. */
  deserializationExceptionHandler?: ExceptionHandlerResponse
  /** Default 'fail'. */
  processingExceptionHandler?: ExceptionHandlerResponse
  /** Dead-letter topic for records that fail to deserialize or process (KIP-1034 headers). */
  deadLetterQueueTopic?: string
  /**
   * Record cache size (Kafka Streams' `statestore.cache.max.bytes`), default 10 MiB, shared by
   * the instance's tasks: cached DSL tables (`Materialized.withCachingEnabled()`, the default)
   * forward consecutive updates of a key between commits as one. 0 turns caching off.
   */
  cacheMaxBytes?: number
}

/** Where a key's data lives (interactive queries). */
export interface KeyQueryMetadata {
  /** `host:port` of the instance with the active task, or null when unknown (rebalancing, no applicationServer). */
  activeHost: string | null
  standbyHosts: string[]
  partition: number
  taskId: string
}

/** A snapshot of the instance's metrics. */
export interface StreamsMetrics {
  state: StreamsState
  /** Records processed by tasks of this instance (all time). */
  recordsProcessed: number
  /** Records skipped by exception handlers or for negative timestamps. */
  recordsSkipped: number
  /** Records windowed aggregations dropped (null keys, windows closed: later than end + grace). */
  droppedRecords: number
  punctuations: number
  commits: number
  commitLatencyAvgMs: number
  commitLatencyMaxMs: number
  /** Consumer lag per assigned input partition, as of its last fetched batch. */
  lag: Array<{ topic: string; partition: number; lag: bigint }>
  restore: {
    /** Changelog records restored into active tasks. */
    restoredRecords: number
    /** Changelog records applied to standby tasks. */
    standbyRecords: number
    /** Finished active-task restorations and the time they took. */
    restorations: number
    restoreMs: number
    /** Changelog partitions being restored or followed now. */
    inProgress: Array<{ taskId: string; role: 'restoring' | 'standby'; store: string; startOffset: bigint; position: bigint; endOffset: bigint; applied: number }>
  }
  tasks: { active: string[]; restoring: string[]; standby: string[] }
}

/** The options KafkaStreams derives from {@link KafkaStreamsOptions}, checked (StreamsConfigError naming the option). */
export interface ResolvedStreamsOptions {
  eos: boolean
  commitIntervalMs: number
  maxTaskIdleMs: number
  cacheMaxBytes: number
}

/** Checks `options` and fills in the defaults that depend on each other. */
export function resolveStreamsOptions(options: KafkaStreamsOptions): ResolvedStreamsOptions {
  if (!options || typeof options.applicationId !== 'string' || !/^[a-zA-Z0-9._-]+$/.test(options.applicationId)) {
    throw new StreamsConfigError('applicationId must be a non-empty string of letters, digits, ".", "_" and "-"')
  }
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) throw new StreamsConfigError('brokers must list at least one host:port')
  const guarantee = options.processingGuarantee ?? 'at_least_once'
  if (guarantee !== 'at_least_once' && guarantee !== 'exactly_once_v2') {
    throw new StreamsConfigError(`processingGuarantee must be 'at_least_once' or 'exactly_once_v2', got ${String(guarantee)}`)
  }
  const standbys = options.numStandbyReplicas ?? 0
  if (!Number.isInteger(standbys) || standbys < 0) throw new StreamsConfigError(`numStandbyReplicas must be an integer >= 0, got ${String(standbys)}`)
  if (options.applicationServer !== undefined && !/^[^:]+:\d+$/.test(options.applicationServer)) {
    throw new StreamsConfigError(`applicationServer must be 'host:port', got '${options.applicationServer}'`)
  }
  const eos = guarantee === 'exactly_once_v2'
  const commitIntervalMs = options.commitIntervalMs ?? (eos ? 100 : 30_000)
  if (!(commitIntervalMs >= 0)) throw new StreamsConfigError(`commitIntervalMs must be >= 0, got ${String(options.commitIntervalMs)}`)
  const maxTaskIdleMs = options.maxTaskIdleMs ?? 0
  if (!Number.isSafeInteger(maxTaskIdleMs) || maxTaskIdleMs < -1) {
    throw new StreamsConfigError(`maxTaskIdleMs must be a whole number of ms >= 0, or -1 to disable idling, got ${String(options.maxTaskIdleMs)}`)
  }
  const cacheMaxBytes = options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES
  if (!Number.isSafeInteger(cacheMaxBytes) || cacheMaxBytes < 0) throw new StreamsConfigError(`cacheMaxBytes must be an integer >= 0, got ${String(options.cacheMaxBytes)}`)
  return { eos, commitIntervalMs, maxTaskIdleMs, cacheMaxBytes }
}
