/**
 * The Processor API (Kafka Streams' `processor.api`): processors receive one record at a time and
 * forward records to their children through a {@link ProcessorContext}.
 */
import type { Record, RecordMetadata } from './record.js'
import type { StateStore } from './state/store.js'

/** Handle returned by {@link ProcessorContext.schedule}. */
export interface Cancellable {
  cancel(): void
}

/**
 * 'stream-time': fires as records advance the task's stream time (max record timestamp seen),
 * aligned to multiples of the interval, first as soon as there is data.
 * 'wall-clock': fires from the runtime's clock (the test driver's mocked clock), first one
 * interval after scheduling.
 */
export type PunctuationType = 'stream-time' | 'wall-clock'

/** Called with the stream time or the wall-clock time at which the punctuation fires. */
export type Punctuator = (timestamp: number) => void

/** What a processor can do besides receiving records. One context per processor node. */
export interface ProcessorContext<KForward = unknown, VForward = unknown> {
  /** The application id (prefix of internal topics). */
  readonly applicationId: string
  /** The task this processor instance belongs to, e.g. `0_1` (sub-topology 0, partition 1). */
  readonly taskId: string
  /** Sends a record to all children, or to the named child only. */
  forward<K extends KForward, V extends VForward>(record: Record<K, V>, childName?: string): void
  /** A store connected to this processor (or a global store). Throws for others. */
  getStateStore<S extends StateStore>(name: string): S
  /** Runs `callback` periodically; see {@link PunctuationType}. */
  schedule(intervalMs: number, type: PunctuationType, callback: Punctuator): Cancellable
  /** Source topic/partition/offset of the record being processed; null during punctuation. */
  recordMetadata(): RecordMetadata | null
  /** The task's stream time: the largest record timestamp processed so far (-1 before any). */
  currentStreamTimeMs(): number
  /** The runtime's wall-clock time (mocked in the test driver). */
  currentSystemTimeMs(): number
}

/** A record processor. One instance per task: keep per-partition state in fields or stores. */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void
  process(record: Record<KIn, VIn>): void
  close?(): void
}

/** Creates a fresh processor for each task. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>
