/**
 * Dropped records (Kafka Streams' task-level `dropped-records` sensor): records an aggregation
 * skips because their key is null or their window has closed (later than window end + grace).
 * The task's processor context counts them in `TaskMetrics.droppedRecords` and logs the first
 * one of each task at warn level.
 */
import type { ProcessorContext } from '../processor.js'

/** @internal What the task's processor context adds to {@link ProcessorContext} for dropped records. */
export interface DroppedRecordsSensor {
  /** Counts one dropped record; `reason` and `details` go to the task's (first) warning. */
  recordDropped(reason: string, details: Readonly<Record<string, unknown>>): void
}

/** @internal Counts a dropped record through the context, when the context keeps the metric. */
export function recordDropped(ctx: ProcessorContext<unknown, unknown>, reason: string, details: Readonly<Record<string, unknown>> = {}): void {
  const sensor = ctx as Partial<DroppedRecordsSensor>
  if (typeof sensor.recordDropped === 'function') sensor.recordDropped(reason, details)
}
