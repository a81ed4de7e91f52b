/**
 * `peridot-kafka/streams`: Kafka Streams-style processing in TypeScript.
 *
 * ```ts
 * import { StreamsBuilder, Serdes, TopologyTestDriver } from 'peridot-kafka/streams'
 * const b = new StreamsBuilder()
 * b.stream('text-lines', { key: Serdes.string(), value: Serdes.string() })
 *   .flatMapValues((line) => line.toLowerCase().split(/\W+/))
 *   .groupBy((_k, word) => word, { key: Serdes.string() })
 *   .count({ name: 'word-counts' })
 *   .toStream()
 *   .to('word-counts-out', { value: Serdes.int64() })
 * const driver = new TopologyTestDriver(b.build())
 * ```
 */
export { Serdes, type Serde } from './serde.js'
export { SerializationError, TopologyError, StreamsProcessingError, SuppressionBufferFullError, AsyncTimeoutError, AsyncAbandonedError } from './errors.js'
export type { AsyncCallContext, AsyncOptions, AsyncProcessorContext, ProcessAsyncOptions } from './dsl/async-operators.js'
export type { AsyncWork } from './runtime/async-stage.js'
export { StreamExport, type StreamExportOptions } from './stream-export.js'
export type { ImportOptions, ImportRecord } from './runtime/stream-import.js'
export { keyValue, type Record, type RecordHeaders, type RecordMetadata, type KeyValue, type Change } from './record.js'
export type { Processor, ProcessorContext, ProcessorSupplier, Cancellable, PunctuationType, Punctuator } from './processor.js'
export type {
  StateStore,
  BytesStore,
  KeyValueStore,
  ReadOnlyKeyValueStore,
  ChangelogSink,
  KeyValueBytesStoreSupplier,
  StoreContext,
} from './state/store.js'
export { InMemoryKeyValueStore, inMemoryKeyValueStore } from './state/in-memory.js'
export { LmdbKeyValueStore, lmdbKeyValueStore, taskDirectory, storeDirectory, LMDB_MAX_KEY_BYTES, type LmdbStoreOptions } from './state/lmdb.js'
export { writeCheckpoint, readCheckpoint, deleteCheckpoint, checkpointPath, CHECKPOINT_FILE, CheckpointError, type CheckpointEntry } from './state/checkpoint.js'
export { LoggingBytesStore, type TimestampSource } from './state/logging.js'
export { SerdeKeyValueStore } from './state/typed.js'
export { timestampedSerde, TimestampedBytesView, LoggingTimestampedBytesStore, NO_TIMESTAMP, type TimestampedKeyValueStore } from './state/timestamped.js'
export { StoreBuilder, Stores, Materialized, type MaterializedOptions, type DslStoreSupplier } from './state/stores.js'
export type { Window, Windowed } from './windowed.js'
export { windowed } from './windowed.js'
export { WindowedSerdes, type WindowedSerde } from './windowed-serdes.js'
export { valueAndTimestamp, type ValueAndTimestamp } from './state/value-and-timestamp.js'
export type {
  WindowStore,
  ReadOnlyWindowStore,
  TimestampedWindowStore,
  ReadOnlyTimestampedWindowStore,
  WindowBytesStore,
  WindowBytesStoreSupplier,
} from './state/window-store.js'
export type { SessionStore, ReadOnlySessionStore, SessionBytesStore, SessionBytesStoreSupplier } from './state/session-store.js'
export {
  WindowStoreBuilder,
  SessionStoreBuilder,
  WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS,
  type WindowEndFn,
} from './state/window-store-builders.js'
export {
  inMemoryWindowStore,
  persistentWindowStore,
  inMemorySessionStore,
  persistentSessionStore,
  type PersistentWindowStoreOptions,
  type WindowedStoreOptions,
} from './state/window-store-suppliers.js'
export { SerdeWindowStore, timestampedValueSerde } from './state/typed-window.js'
export { SerdeSessionStore } from './state/typed-session.js'
export { LoggingWindowBytesStore, LoggingSessionBytesStore } from './state/logging-window.js'
export { readOnlyWindowView, readOnlySessionView, plainWindowFacade, type QueryableStoreType } from './state/read-only-views.js'
export {
  BytesVersionedStore,
  inMemoryVersionedKeyValueStore,
  persistentVersionedKeyValueStore,
  isVersionedBytesStoreSupplier,
  PUT_RETURN_CODE_NOT_PUT,
  PUT_RETURN_CODE_VALID_TO_UNDEFINED,
  type VersionedRecord,
  type VersionedKeyValueStore,
  type ReadOnlyVersionedKeyValueStore,
  type VersionedBytesStore,
  type VersionedBytesStoreSupplier,
} from './state/versioned-store.js'
export { SerdeVersionedKeyValueStore, VersionedStoreBuilder, VERSIONED_CHANGELOG_ADDITIONAL_COMPACTION_LAG_MS } from './state/versioned-store-builder.js'
export type { VersionedChange } from './dsl/versioned-table.js'
export {
  Topology,
  type Subtopology,
  type InternalTopic,
  type ResolvedTopics,
  type SourceOptions,
  type SinkOptions,
  type TimestampExtractor,
  type ConsumedRecordInfo,
  type TopicNameExtractor,
  type StreamPartitioner,
  type RecordContext,
} from './topology/topology.js'
export type { TopologyDescription, SubtopologyDescription, NodeDescription } from './topology/describe.js'
export { changelogTopic } from './topology/naming.js'
export { StreamsBuilder } from './dsl/builder.js'
export { KStream, BranchedKStream, Branched } from './dsl/kstream.js'
export { KTable } from './dsl/ktable.js'
export { Suppressed, BufferConfig, StrictBufferConfig, EagerBufferConfig, type BufferFullStrategy } from './dsl/suppressed.js'
export type { SuppressedChange } from './dsl/suppress-processor.js'
export { SUPPRESSION_BUFFER_FORMAT_VERSION } from './state/suppression-buffer.js'
export { KGroupedStream, KGroupedTable } from './dsl/grouped.js'
export { Windows, TimeWindows, UnlimitedWindows, SlidingWindows, SessionWindows, EmitStrategy, UNLIMITED_WINDOW_END } from './dsl/windows.js'
export { CalendarWindows, type CalendarWindowsOptions, type WeeklyWindowsOptions, type DayOfWeek } from './dsl/calendar/calendar-windows.js'
export { TimeWindowedKStream, SessionWindowedKStream } from './dsl/windowed-kstream.js'
export { CogroupedKStream, TimeWindowedCogroupedKStream, SessionWindowedCogroupedKStream } from './dsl/cogrouped-kstream.js'
export { JoinWindows } from './dsl/join-windows.js'
export type { StreamJoined, StreamStreamJoinKind } from './dsl/stream-stream-join.js'
export type { TimestampedKeyAndJoinSide, LeftOrRightValue } from './dsl/outer-join-store.js'
export { GlobalKTable } from './dsl/global.js'
export type { Consumed, Produced, Grouped, Joined, Repartitioned, MaterializedArg, TopicOrExtractor, TableJoined } from './dsl/options.js'
export {
  StreamTask,
  type StreamTaskOptions,
  type TaskConfig,
  type TaskMetrics,
  type ExceptionHandlerResponse,
} from './runtime/task.js'
export type { RecordCollector, SinkPartitioner, ConsumedOffset, ChangelogPartition } from './runtime/collector.js'
export {
  TopologyTestDriver,
  TestInputTopic,
  TestOutputTopic,
  type TopologyTestDriverOptions,
  type TestRecord,
  type ChangelogRecord,
  type InputTopicOptions,
} from './testing/driver.js'
export { ClusterTestDriver, type ClusterTestDriverOptions, type ClusterTestDriverStats } from './testing/cluster-test-driver.js'
export { ClusterInputTopic, ClusterOutputTopic, type ClusterTestRecord } from './testing/cluster-topics.js'
export { TypedInputTopic, TypedOutputTopic, type RawTestRecord } from './testing/typed-topics.js'
export {
  randomFailureSchedule,
  runFailureSchedule,
  runFailureScheduleAsync,
  outputUnderSchedule,
  outputUnderScheduleAsync,
  type FailureStep,
  type OutputUnderScheduleOptions,
  type RandomScheduleOptions,
} from './testing/failure-schedule.js'
export {
  KafkaStreams,
  type KafkaStreamsOptions,
  type ProcessingGuarantee,
  type StreamsState,
  type UncaughtErrorResponse,
  type KeyQueryMetadata,
  type StreamsMetrics,
} from './runtime/kafka-streams.js'
export { StreamsConfigError, StreamsStateError } from './runtime/errors.js'
export type { QueryOptions, QueryResult } from './runtime/query-client.js'
export { UnknownStoreError, NoQueryHostError, QueryTimeoutError, QueryRequestError } from './runtime/query-errors.js'
export { encodeBytes, decodeBytes, QUERY_PATH, type WireBytes } from './runtime/query-protocol.js'
export type { HostMap } from './runtime/streams-assignor.js'
