/** Metrics, tracing and diagnostics: OpenTelemetry, Prometheus, W3C trace context in record headers and `node:diagnostics_channel` events. */
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
export { type ConsumerReceiveEvent, type ProducerSendEvent, type StreamsProcessEvent } from './channels.js'
export {
  openTelemetryTracing,
  KafkaTracing,
  type OpenTelemetryTracingOptions,
  type OtelContext,
  type OtelSpan,
  type OtelSpanAttributes,
  type OtelSpanContext,
  type OtelSpanOptions,
  type OtelTraceState,
  type OtelTracer,
  type OtelTracerProvider,
  type TracedRecord,
} from './tracing.js'
export { extractTraceContext, formatTraceparent, isValidTraceContext, parseTraceparent, withTraceContext, TRACEPARENT, TRACESTATE, type TraceContext } from './trace-context.js'
