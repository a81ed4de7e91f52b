/**
 * What configures a {@link StreamTask}: the settings shared by all tasks of an application, the
 * constructor options, the counters a task keeps, and how a task picks a serde (the given one or
 * the application default).
 */
import type { Logger } from 'pino'
import { TopologyError } from '../errors.js'
import type { Serde } from '../serde.js'
import type { RecordCache } from '../state/record-cache.js'
import type { ChangelogSink, StateStore } from '../state/store.js'
import type { Topology } from '../topology/topology.js'
import { isDeferredSerde } from '../dsl/change-serde.js'
import type { RecordCollector } from './collector.js'
import type { StreamTask } from './task.js'

/** What to do with a record that cannot be deserialized or whose processing throws. */
export type ExceptionHandlerResponse = 'fail' | 'log-and-continue'

/** Task configuration shared by all tasks of an application. */
export interface TaskConfig {
  applicationId: string
  /** Serde for keys wherever none is given or inherited. */
  defaultKeySerde?: Serde<unknown>
  /** Serde for values wherever none is given or inherited. */
  defaultValueSerde?: Serde<unknown>
  /** Default 'fail': the task throws. 'log-and-continue' skips the record (counted in metrics). */
  deserializationExceptionHandler?: ExceptionHandlerResponse
  /** Default 'fail'. 'log-and-continue' skips a record whose processing throws. */
  processingExceptionHandler?: ExceptionHandlerResponse
  /**
   * Dead-letter topic: a record that fails to deserialize or to process is written there first
   * (original key/value bytes and headers, plus `__streams.errors.*` headers: exception, message,
   * stacktrace, topic, partition, offset — Kafka's KIP-1034 names); the handler then decides
   * whether the task fails or continues.
   */
  deadLetterQueueTopic?: string
  logger?: Logger
  /** State directory of the application: persistent stores go to `<stateDir>/<taskId>/<store>`. */
  stateDir?: string
  /**
   * The record cache shared by the tasks of an instance: cached DSL tables forward their updates
   * collapsed per key at each commit (see state/record-cache.ts). None: every update at once.
   * @internal
   */
  recordCache?: RecordCache
  /**
   * How often (ms of wall-clock time) an `EmitStrategy.onWindowClose()` aggregation looks for
   * closed windows, on a record's arrival. Default 1000 (Kafka Streams' internal
   * `__emit.interval.ms.kstreams.windowed.aggregation__`); 0 looks on every record, as Kafka
   * Streams' own tests set it.
   */
  windowedEmitIntervalMs?: number
  /**
   * How often (ms of wall-clock time) a left or outer stream-stream join looks for unmatched
   * records whose windows have closed, on a record that advances its stream time. Default 1000
   * (Kafka Streams' internal `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`);
   * 0 looks on every such record (the TopologyTestDriver's default, as in Kafka Streams' driver).
   */
  outerJoinEmitIntervalMs?: number
}

/** Counters a task keeps. */
export interface TaskMetrics {
  processed: number
  skippedDeserialization: number
  skippedProcessing: number
  skippedNegativeTimestamp: number
  deadLettered: number
  punctuations: number
  /**
   * Records windowed aggregations dropped: null keys, and records whose windows had closed
   * (later than window end + grace). Kafka Streams' `dropped-records` task metric.
   */
  droppedRecords: number
}

/** Constructor options of {@link StreamTask}. */
export interface StreamTaskOptions {
  topology: Topology
  /** Sub-topology id, or 'global' for the global-store updater (all global sub-topologies). */
  subtopology: number | 'global'
  partition: number
  config: TaskConfig
  collector: RecordCollector
  /** Receives store changes; defaults to sending them through the collector to the changelog topic. */
  changelogSink?: ChangelogSink
  /** Global stores by name (from the global task), readable by every processor. */
  globalStores?: ReadonlyMap<string, StateStore>
  /** Wall-clock time source (ms); defaults to Date.now. */
  clock?: () => number
}

/**
 * The serde a task uses: a DSL change serde bound to the defaults, the given one, or the
 * application default for keys or values. `where` names the node or store in the error.
 */
export function resolveTaskSerde(config: TaskConfig, serde: Serde<unknown> | undefined, which: 'key' | 'value', where: string): Serde<unknown> {
  if (isDeferredSerde(serde)) return serde.resolveDefaults(config.defaultKeySerde, config.defaultValueSerde)
  const s = serde ?? (which === 'key' ? config.defaultKeySerde : config.defaultValueSerde)
  if (s === undefined) {
    throw new TopologyError(
      `no ${which} serde for ${where}: pass one in the DSL (Consumed/Produced/Grouped/Materialized) or set default${which === 'key' ? 'Key' : 'Value'}Serde`,
    )
  }
  return s
}
