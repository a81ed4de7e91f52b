/**
 * What windowed aggregations need from the task's processor context beyond ProcessorContext.
 *
 * Dropped records (Kafka Streams' task-level `dropped-records` sensor): records an aggregation
 * skips because their key is null or their window has closed (later than window end + grace).
 * The task's processor context counts them in `TaskMetrics.droppedRecords` and logs the first
 * one of each task at warn level. The same context extension carries the task's emit interval
 * of onWindowClose aggregations.
 */
import type { ProcessorContext } from '../processor.js'

/** @internal What the task's processor context adds to {@link ProcessorContext} for windowed aggregations. */
export interface WindowedAggregationContext {
  /** Counts one dropped record; `reason` and `details` go to the task's (first) warning. */
  recordDropped(reason: string, details: Readonly<Record<string, unknown>>): void
  /** TaskConfig.windowedEmitIntervalMs, when set. */
  windowedEmitIntervalMs(): number | undefined
}

/** @internal Counts a dropped record through the context, when the context keeps the metric. */
export function recordDropped(ctx: ProcessorContext<unknown, unknown>, reason: string, details: Readonly<Record<string, unknown>> = {}): void {
  const sensor = ctx as Partial<WindowedAggregationContext>
  if (typeof sensor.recordDropped === 'function') sensor.recordDropped(reason, details)
}

/** @internal The emit interval of onWindowClose aggregations: the task's setting, else Kafka Streams' 1000 ms. */
export function windowedEmitIntervalMs(ctx: ProcessorContext<unknown, unknown>): number {
  const sensor = ctx as Partial<WindowedAggregationContext>
  const configured = typeof sensor.windowedEmitIntervalMs === 'function' ? sensor.windowedEmitIntervalMs() : undefined
  return configured ?? DEFAULT_WINDOWED_EMIT_INTERVAL_MS
}

/** Kafka Streams' default emit interval of onWindowClose aggregations. */
export const DEFAULT_WINDOWED_EMIT_INTERVAL_MS = 1000
