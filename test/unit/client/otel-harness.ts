/**
 * An OpenTelemetry SDK MeterProvider exporting to the SDK's in-memory exporter, and a reader of
 * one metric's value by attributes (shared by the unit and integration telemetry tests).
 */
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics'

/** Collected metrics: `value(name, attrs)` sums matching sum/gauge points (histograms: their count). */
export interface Collected {
  names: string[]
  value(name: string, attributes?: Record<string, string | number>): number | undefined
  /** Histogram sum (total of recorded values) of matching points. */
  histogramSum(name: string, attributes?: Record<string, string | number>): number | undefined
}

export function otelHarness() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  // The interval is never reached: tests collect with forceFlush().
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })

  async function collect(): Promise<Collected> {
    exporter.reset()
    await reader.forceFlush()
    const metrics: MetricData[] = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics))
    const find = (name: string) => metrics.find((m) => m.descriptor.name === name)
    const matches = (attrs: Record<string, unknown>, want?: Record<string, string | number>) =>
      want === undefined || Object.entries(want).every(([k, v]) => attrs[k] === v)
    return {
      names: metrics.map((m) => m.descriptor.name),
      value(name, attributes) {
        const m = find(name)
        if (!m) return undefined
        let total: number | undefined
        for (const p of m.dataPoints) {
          if (!matches(p.attributes, attributes)) continue
          const v = m.dataPointType === DataPointType.HISTOGRAM ? (p.value as { count: number }).count : (p.value as number)
          total = (total ?? 0) + v
        }
        return total
      },
      histogramSum(name, attributes) {
        const m = find(name)
        if (!m || m.dataPointType !== DataPointType.HISTOGRAM) return undefined
        let total: number | undefined
        for (const p of m.dataPoints) if (matches(p.attributes, attributes)) total = (total ?? 0) + (p.value as { sum?: number }).sum!
        return total
      },
    }
  }
  return { meterProvider, collect, shutdown: () => meterProvider.shutdown() }
}
