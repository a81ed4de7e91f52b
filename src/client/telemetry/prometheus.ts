/**
 * Peridot's metrics in a prom-client registry, for users without OpenTelemetry. `prom-client` is
 * an optional peer dependency, imported only when {@link prometheusMetrics} runs. Names are the
 * OpenTelemetry names with dots as underscores (and `_ms` for millisecond histograms and gauges);
 * values read at scrape time (lag, Kafka Streams totals) are gauges.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { KafkaMetrics } from './kafka-metrics.js'
import type { MetricAttributes, MetricDefinition, MetricSink } from './metric-sink.js'
import { importOptional } from './opentelemetry.js'

/** The part of a prom-client `Registry` Peridot uses. */
export interface PromRegistry {
  metrics(): Promise<string>
  readonly contentType: string
  /** Used by `close()` so that the registry can take Peridot's metrics again. */
  removeSingleMetric?(name: string): void
}

type Labels = Record<string, string | number>

/** The part of the `prom-client` module Peridot uses (pass the module itself). */
export interface PromClientModule<R extends PromRegistry = PromRegistry> {
  Registry: new () => R
  Counter: new (config: { name: string; help: string; labelNames: string[]; registers: R[] }) => { inc(labels: Labels, value: number): void }
  Histogram: new (config: { name: string; help: string; labelNames: string[]; buckets: number[]; registers: R[] }) => {
    observe(labels: Labels, value: number): void
  }
  Gauge: new (config: { name: string; help: string; labelNames: string[]; registers: R[]; collect: () => void }) => {
    set(labels: Labels, value: number): void
    reset(): void
  }
}

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** The prom-client registry to register in (e.g. prom-client's global `register`); default: a new one. */
  registry?: PromRegistry
}

/** Millisecond buckets for request and commit latencies. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]

/**
 * {@link KafkaMetrics} recorded into a prom-client registry, with an HTTP handler serving it. One
 * instance per registry at a time (prom-client refuses a name registered twice).
 */
export class PrometheusMetrics<R extends PromRegistry = PromRegistry> extends KafkaMetrics {
  /**
   * Synchronous alternative to {@link prometheusMetrics} for callers that import prom-client themselves.
   * @param prom the `prom-client` module (`import * as promClient from 'prom-client'`).
   * @param registry where the metrics are registered.
   */
  constructor(
    prom: PromClientModule<R>,
    readonly registry: R,
  ) {
    const names: string[] = []
    super(promSink(prom, registry, names))
    this.#names = names
  }

  readonly #names: string[]

  /** Stops recording and removes Peridot's metrics from the registry. */
  override close(): void {
    super.close()
    for (const name of this.#names.splice(0)) this.registry.removeSingleMetric?.(name)
  }

  /**
   * A `node:http` request handler answering every request with the registry's text exposition,
   * e.g. `http.createServer(metrics.handler).listen(9464)`.
   */
  readonly handler = (_req: IncomingMessage, res: ServerResponse): void => {
    this.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': this.registry.contentType })
        res.end(body)
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(err))
      },
    )
  }
}

/**
 * Starts recording Peridot's metrics into a prom-client registry. Call `close()` to stop.
 *
 * @example
 * const metrics = await prometheusMetrics()
 * http.createServer(metrics.handler).listen(9464)
 */
export async function prometheusMetrics(options: PrometheusMetricsOptions = {}): Promise<PrometheusMetrics> {
  const mod = await importOptional<PromClientModule & { default?: PromClientModule }>('prom-client')
  const prom = mod.default ?? mod
  return new PrometheusMetrics(prom, options.registry ?? new prom.Registry())
}

/** A {@link MetricSink} registering prom-client metrics in `registry`. */
function promSink<R extends PromRegistry>(prom: PromClientModule<R>, registry: R, names: string[]): MetricSink {
  const name = (def: MetricDefinition) => {
    const n = promName(def.name) + (def.unit === 'ms' ? '_ms' : '')
    names.push(n)
    return n
  }
  const labelNames = (def: MetricDefinition) => def.attributes.map(promName)
  return {
    counter(def) {
      const c = new prom.Counter({ name: name(def), help: def.description, labelNames: labelNames(def), registers: [registry] })
      return (value, attributes) => c.inc(promLabels(attributes), value)
    },
    histogram(def) {
      const h = new prom.Histogram({ name: name(def), help: def.description, labelNames: labelNames(def), buckets: LATENCY_BUCKETS_MS, registers: [registry] })
      return (value, attributes) => h.observe(promLabels(attributes), value)
    },
    observe(def, _kind, read) {
      const g = new prom.Gauge({
        name: name(def),
        help: def.description,
        labelNames: labelNames(def),
        registers: [registry],
        collect() {
          g.reset()
          for (const { value, attributes } of read()) g.set(promLabels(attributes), value)
        },
      })
    },
  }
}

/** Prometheus allows `[a-zA-Z0-9_:]` in names: dots become underscores. */
function promName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_')
}

function promLabels(attributes: MetricAttributes): Labels {
  const out: Labels = {}
  for (const k in attributes) out[promName(k)] = attributes[k]
  return out
}
