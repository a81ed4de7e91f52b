/** Metrics and diagnostics: OpenTelemetry, Prometheus and `node:diagnostics_channel` events. */
export {
  channelNames,
  type ConnectionConnectEvent,
  type ConnectionCloseEvent,
  type RequestStartEvent,
  type RequestEndEvent,
  type ProducerBatchEvent,
  type ConsumerFetchEvent,
  type GroupPartitionsEvent,
} from './channels.js'
export { KafkaMetrics, type StreamsMetricsSource } from './kafka-metrics.js'
export type { MetricAttributes, MetricDefinition, MetricSink, Observation } from './metric-sink.js'
export {
  openTelemetryMetrics,
  otelSink,
  type OpenTelemetryMetricsOptions,
  type OtelMeter,
  type OtelMeterProvider,
  type OtelObservableResult,
} from './opentelemetry.js'
export { prometheusMetrics, PrometheusMetrics, type PrometheusMetricsOptions, type PromRegistry, type PromClientModule } from './prometheus.js'
