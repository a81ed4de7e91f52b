/**
 * OpenTelemetry metrics for every Peridot client (and observed KafkaStreams instance) in the
 * process. `@opentelemetry/api` is an optional peer dependency: it is imported only when
 * {@link openTelemetryMetrics} runs without a `meterProvider`, never at module load.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { KafkaMetrics } from './kafka-metrics.js'
import type { MetricAttributes, MetricSink } from './metric-sink.js'

/** The part of an OpenTelemetry `ObservableResult` Peridot uses. */
export interface OtelObservableResult {
  observe(value: number, attributes?: MetricAttributes): void
}

/** The part of an OpenTelemetry `Meter` Peridot uses (structural, so `@opentelemetry/api` types are not required). */
export interface OtelMeter {
  createCounter(name: string, options?: { description?: string; unit?: string }): { add(value: number, attributes?: MetricAttributes): void }
  createHistogram(name: string, options?: { description?: string; unit?: string }): { record(value: number, attributes?: MetricAttributes): void }
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): { addCallback(callback: (result: OtelObservableResult) => void): void }
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): { addCallback(callback: (result: OtelObservableResult) => void): void }
}

/** The part of an OpenTelemetry `MeterProvider` Peridot uses. */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string): OtelMeter
}

/** Options of {@link openTelemetryMetrics}. */
export interface OpenTelemetryMetricsOptions {
  /** Where the instruments are created; default: the global provider of `@opentelemetry/api`. */
  meterProvider?: OtelMeterProvider
  /** Meter (instrumentation scope) name; default `peridot-kafka`. */
  meterName?: string
}

/**
 * Starts recording Peridot's metrics through OpenTelemetry. Call `close()` on the result to stop.
 *
 * @example
 * const metrics = await openTelemetryMetrics({ meterProvider })
 * metrics.observeStreams(app) // Kafka Streams metrics too
 */
export async function openTelemetryMetrics(options: OpenTelemetryMetricsOptions = {}): Promise<KafkaMetrics> {
  let provider = options.meterProvider
  if (provider === undefined) {
    const api = await importOptional<{ metrics: { getMeterProvider(): OtelMeterProvider } }>('@opentelemetry/api')
    provider = api.metrics.getMeterProvider()
  }
  if (typeof provider?.getMeter !== 'function') throw new InvalidArgumentError('meterProvider must be an OpenTelemetry MeterProvider (with getMeter())')
  return new KafkaMetrics(otelSink(provider.getMeter(options.meterName ?? 'peridot-kafka')))
}

/** A {@link MetricSink} creating OpenTelemetry instruments on `meter`. */
export function otelSink(meter: OtelMeter): MetricSink {
  return {
    counter(def) {
      const c = meter.createCounter(def.name, { description: def.description, unit: def.unit })
      return (value, attributes) => c.add(value, attributes)
    },
    histogram(def) {
      const h = meter.createHistogram(def.name, { description: def.description, unit: def.unit })
      return (value, attributes) => h.record(value, attributes)
    },
    observe(def, kind, read) {
      const opts = { description: def.description, unit: def.unit }
      const o = kind === 'counter' ? meter.createObservableCounter(def.name, opts) : meter.createObservableGauge(def.name, opts)
      o.addCallback((result) => {
        for (const { value, attributes } of read()) result.observe(value, attributes)
      })
    },
  }
}

/** Imports an optional peer dependency, failing with an error that names it. */
export async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch (err) {
    throw new InvalidArgumentError(`the optional dependency '${name}' is not installed: npm install ${name}`, { cause: err })
  }
}
