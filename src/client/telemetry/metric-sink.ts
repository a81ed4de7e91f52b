/**
 * The few instrument kinds Peridot's metrics need, so that one set of definitions
 * ({@link ./kafka-metrics.ts}) feeds both OpenTelemetry and prom-client.
 */

/** Attribute (label) values of one measurement. */
export type MetricAttributes = Record<string, string | number>

/** One value of an observed instrument with its attributes. */
export interface Observation {
  value: number
  attributes: MetricAttributes
}

/** Describes one instrument; `name` is the OpenTelemetry name (Prometheus replaces dots with underscores). */
export interface MetricDefinition {
  name: string
  description: string
  unit?: string
  /** Attribute names the instrument carries (Prometheus needs them up front). */
  attributes: readonly string[]
}

/** A backend: OpenTelemetry meter or prom-client registry. */
export interface MetricSink {
  /** A monotonic counter incremented as events happen. */
  counter(def: MetricDefinition): (value: number, attributes: MetricAttributes) => void
  /** A distribution of values (latencies). */
  histogram(def: MetricDefinition): (value: number, attributes: MetricAttributes) => void
  /** A value read when metrics are collected: `counter` for monotonic totals, `gauge` for levels. */
  observe(def: MetricDefinition, kind: 'counter' | 'gauge', read: () => Iterable<Observation>): void
}
