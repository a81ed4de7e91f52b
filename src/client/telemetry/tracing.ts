/**
 * OpenTelemetry tracing for every Peridot producer and Kafka Streams instance in the process,
 * after the OpenTelemetry messaging semantic conventions:
 * - a `send <topic>` span (kind PRODUCER) per `send()` / `sendBatch()` call, whose context goes
 *   into each record's `traceparent` / `tracestate` headers (W3C Trace Context, as the Java
 *   client's OpenTelemetry instrumentation writes them);
 * - a `process <topic>` span (kind CONSUMER) per record a Kafka Streams task processes, a child
 *   of the context in the record's headers, so the trace goes on from the producer; records the
 *   processing sends are children of it;
 * - a `receive <topic>` span (kind CONSUMER) per batch a group consumer hands out, linked to the
 *   contexts its records carry;
 * - {@link KafkaTracing.process} for a `process` span around a plain consumer's own processing.
 *
 * Fed from the `peridot:producer:send` and `peridot:streams:process` diagnostics channels: the
 * client does nothing for tracing unless an instance of this class subscribed.
 * `@opentelemetry/api` is an optional peer dependency, imported only when
 * {@link openTelemetryTracing} runs.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { RecordHeaders } from '../../protocol/records/index.js'
import type { ProducerRecord } from '../producer/producer.js'
import { channelNames, subscribeChannel, type ConsumerReceiveEvent, type ProducerSendEvent, type StreamsProcessEvent } from './channels.js'
import { importOptional } from './opentelemetry.js'
import { extractTraceContext, isValidTraceContext, withTraceContext, type TraceContext } from './trace-context.js'

/** Attribute values Peridot sets on spans. */
export type OtelSpanAttributes = Record<string, string | number | boolean>

/** An OpenTelemetry `TraceState` (the W3C `tracestate` list). */
export interface OtelTraceState {
  set(key: string, value: string): OtelTraceState
  unset(key: string): OtelTraceState
  get(key: string): string | undefined
  serialize(): string
}

/** The part of an OpenTelemetry `SpanContext` Peridot uses. */
export interface OtelSpanContext {
  traceId: string
  spanId: string
  traceFlags: number
  isRemote?: boolean
  traceState?: OtelTraceState
}

/** The part of an OpenTelemetry `Span` Peridot uses. */
export interface OtelSpan {
  spanContext(): OtelSpanContext
  setAttribute(key: string, value: string | number | boolean): unknown
  setStatus(status: { code: number; message?: string }): unknown
  recordException(exception: Error | string): void
  end(): void
}

/** An OpenTelemetry `Context` (Peridot only passes it on). */
export interface OtelContext {
  getValue(key: symbol): unknown
  setValue(key: symbol, value: unknown): OtelContext
  deleteValue(key: symbol): OtelContext
}

/** Options Peridot passes to `Tracer.startSpan`. */
export interface OtelSpanOptions {
  kind: number
  attributes: OtelSpanAttributes
  links?: Array<{ context: OtelSpanContext }>
}

/** The part of an OpenTelemetry `Tracer` Peridot uses (structural, so `@opentelemetry/api` types are not required). */
export interface OtelTracer {
  startSpan(name: string, options: OtelSpanOptions, context: OtelContext): OtelSpan
}

/** The part of an OpenTelemetry `TracerProvider` Peridot uses. */
export interface OtelTracerProvider {
  getTracer(name: string, version?: string): OtelTracer
}

/** The part of the `@opentelemetry/api` module tracing uses. */
interface OtelTraceApi {
  trace: {
    getTracerProvider(): OtelTracerProvider
    getSpan(context: OtelContext): OtelSpan | undefined
    setSpan(context: OtelContext, span: OtelSpan): OtelContext
    setSpanContext(context: OtelContext, spanContext: OtelSpanContext): OtelContext
  }
  context: {
    active(): OtelContext
    with<T>(context: OtelContext, fn: () => T): T
  }
  ROOT_CONTEXT: OtelContext
  createTraceState?(raw: string): OtelTraceState
}

/** Options of {@link openTelemetryTracing}. */
export interface OpenTelemetryTracingOptions {
  /** Where spans are created; default: the global provider of `@opentelemetry/api`. */
  tracerProvider?: OtelTracerProvider
  /** Tracer (instrumentation scope) name; default `peridot-kafka`. */
  tracerName?: string
}

/** OpenTelemetry `SpanKind` and `SpanStatusCode` values (stable numbers of the API). */
const SPAN_KIND_PRODUCER = 3
const SPAN_KIND_CONSUMER = 4
const STATUS_ERROR = 2
/** Links one send span keeps to contexts found in its records' headers. */
const MAX_LINKS = 128

/** A record as {@link KafkaTracing.process} reads it: where it came from and its headers. */
export interface TracedRecord {
  topic: string
  partition: number
  offset: bigint
  headers?: RecordHeaders
}

/**
 * Starts tracing Peridot's producers and Kafka Streams tasks through OpenTelemetry. Call
 * `close()` on the result to stop.
 *
 * @example
 * const tracing = await openTelemetryTracing() // the global TracerProvider
 * // or: await openTelemetryTracing({ tracerProvider })
 */
export async function openTelemetryTracing(options: OpenTelemetryTracingOptions = {}): Promise<KafkaTracing> {
  const api = await importOptional<OtelTraceApi>('@opentelemetry/api')
  const provider = options.tracerProvider ?? api.trace.getTracerProvider()
  if (typeof provider?.getTracer !== 'function') throw new InvalidArgumentError('tracerProvider must be an OpenTelemetry TracerProvider (with getTracer())')
  return new KafkaTracing(api, provider.getTracer(options.tracerName ?? 'peridot-kafka'))
}

/** Peridot's tracing instrumentation; created by {@link openTelemetryTracing}. */
export class KafkaTracing {
  readonly #api: OtelTraceApi
  readonly #tracer: OtelTracer
  readonly #unsubscribe: Array<() => void> = []
  readonly #spans = new WeakMap<ProducerSendEvent | StreamsProcessEvent, OtelSpan>()
  /** The context of the streams record being processed (processing is synchronous). */
  #processing: OtelContext | undefined
  #closed = false

  /** @internal Use {@link openTelemetryTracing}. */
  constructor(api: OtelTraceApi, tracer: OtelTracer) {
    this.#api = api
    this.#tracer = tracer
    this.#on(channelNames.producerSend, (e: ProducerSendEvent) => this.#startSend(e))
    this.#on(channelNames.producerSendEnd, (e: ProducerSendEvent) => this.#end(e, e.error))
    this.#on(channelNames.streamsProcess, (e: StreamsProcessEvent) => this.#startStreamsProcess(e))
    this.#on(channelNames.streamsProcessEnd, (e: StreamsProcessEvent) => this.#end(e, e.error))
    this.#on(channelNames.consumerReceive, (e: ConsumerReceiveEvent) => this.#receive(e))
  }

  /**
   * Runs `fn` (a consumer's processing of `record`) in a `process <topic>` span: a child of the
   * producer's context from the record's `traceparent` header (a new trace without one), ended
   * when `fn` returns or its promise settles. Records sent meanwhile are its children when an
   * OpenTelemetry context manager is registered (the SDKs for Node register one).
   */
  process<T>(record: TracedRecord, fn: () => T, options: { groupId?: string; clientId?: string } = {}): T {
    const attributes = processAttributes(record.topic, record.partition, record.offset, options.groupId, options.clientId)
    const { span, context } = this.#startProcess(record.topic, record.headers, attributes)
    let result: T
    try {
      result = this.#api.context.with(context, fn)
    } catch (err) {
      endSpan(span, err)
      throw err
    }
    if (isPromiseLike(result)) {
      result.then(
        () => endSpan(span, undefined),
        (err: unknown) => endSpan(span, err),
      )
    } else {
      endSpan(span, undefined)
    }
    return result
  }

  /** Stops tracing: unsubscribes from the channels (spans already started still end). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const u of this.#unsubscribe.splice(0)) u()
  }

  #on<E>(name: string, handler: (event: E) => void): void {
    this.#unsubscribe.push(subscribeChannel(name, handler))
  }

  #startSend(e: ProducerSendEvent): void {
    const topics = new Set<string>()
    const links = new LinkSet((c) => this.#spanContext(c))
    for (const r of e.records) {
      if (typeof r !== 'object' || r === null) continue
      if (typeof r.topic === 'string') topics.add(r.topic)
      // A record forwarded by a stream processor carries its input's context: linked, then replaced.
      links.add(r.headers)
    }
    const topic = topics.size === 1 ? [...topics][0] : undefined
    const attributes: OtelSpanAttributes = {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
    }
    if (topic !== undefined) attributes['messaging.destination.name'] = topic
    if (e.clientId !== '') attributes['messaging.client.id'] = e.clientId
    if (e.records.length > 1) attributes['messaging.batch.message_count'] = e.records.length
    else if (e.records.length === 1) {
      const p = e.records[0]?.partition
      if (typeof p === 'number') attributes['messaging.destination.partition.id'] = String(p)
    }
    const span = this.#tracer.startSpan(topic === undefined ? 'send' : `send ${topic}`, { kind: SPAN_KIND_PRODUCER, attributes, links: links.links }, this.#parent())
    this.#spans.set(e, span)
    const sc = span.spanContext()
    const ctx: TraceContext = { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags }
    // No-op tracing (no SDK registered) has no valid context to carry: the records go as they are.
    if (!isValidTraceContext(ctx)) return
    const state = sc.traceState?.serialize()
    if (state !== undefined && state.length > 0) ctx.traceState = state
    e.records = e.records.map((r): ProducerRecord => (typeof r === 'object' && r !== null ? { ...r, headers: withTraceContext(r.headers, ctx) } : r))
  }

  /** A zero-length span at the hand-out of a batch: what was received, linked to where it came from. */
  #receive(e: ConsumerReceiveEvent): void {
    // A cursor reads the headers in place: no decoded copy of the batch kept for the caller.
    const links = new LinkSet((c) => this.#spanContext(c))
    let count = 0
    for (const c = e.batch.cursor(); c.next(); count++) links.add(c.headers)
    if (count === 0) return
    const attributes: OtelSpanAttributes = {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'receive',
      'messaging.operation.type': 'receive',
      'messaging.destination.name': e.batch.topic,
      'messaging.destination.partition.id': String(e.batch.partition),
      'messaging.consumer.group.name': e.groupId,
      'messaging.batch.message_count': count,
    }
    if (e.clientId !== '') attributes['messaging.client.id'] = e.clientId
    this.#tracer.startSpan(`receive ${e.batch.topic}`, { kind: SPAN_KIND_CONSUMER, attributes, links: links.links }, this.#api.context.active()).end()
  }

  #startStreamsProcess(e: StreamsProcessEvent): void {
    const attributes = processAttributes(e.topic, e.partition, e.offset, e.applicationId, undefined)
    attributes['kafka.streams.task.id'] = e.taskId
    const { span, context } = this.#startProcess(e.topic, e.headers, attributes)
    this.#spans.set(e, span)
    const bound = <T>(fn: () => T): T => {
      const outer = this.#processing
      this.#processing = context
      try {
        return this.#api.context.with(context, fn)
      } finally {
        this.#processing = outer
      }
    }
    // Another subscriber's binding (a second tracing instance) runs around this one.
    const other = e.bind
    e.bind = other === undefined ? bound : <T>(fn: () => T): T => other(() => bound(fn))
  }

  #startProcess(topic: string, headers: RecordHeaders | undefined, attributes: OtelSpanAttributes): { span: OtelSpan; context: OtelContext } {
    const found = extractTraceContext(headers)
    const parent = found === null ? this.#parent() : this.#api.trace.setSpanContext(this.#api.ROOT_CONTEXT, this.#spanContext(found))
    const span = this.#tracer.startSpan(`process ${topic}`, { kind: SPAN_KIND_CONSUMER, attributes }, parent)
    return { span, context: this.#api.trace.setSpan(parent, span) }
  }

  /** The active context when a span is active in it, else the streams record being processed, else the active one. */
  #parent(): OtelContext {
    const active = this.#api.context.active()
    if (this.#api.trace.getSpan(active) !== undefined || this.#processing === undefined) return active
    return this.#processing
  }

  #spanContext(found: TraceContext): OtelSpanContext {
    const sc: OtelSpanContext = { traceId: found.traceId, spanId: found.spanId, traceFlags: found.traceFlags, isRemote: true }
    if (found.traceState !== undefined && this.#api.createTraceState !== undefined) sc.traceState = this.#api.createTraceState(found.traceState)
    return sc
  }

  #end(e: ProducerSendEvent | StreamsProcessEvent, error: unknown): void {
    const span = this.#spans.get(e)
    if (span === undefined) return
    this.#spans.delete(e)
    endSpan(span, error)
  }
}

/** The distinct contexts records carry, as span links (at most {@link MAX_LINKS}). */
class LinkSet {
  readonly links: Array<{ context: OtelSpanContext }> = []
  readonly #seen = new Set<string>()
  readonly #toSpanContext: (found: TraceContext) => OtelSpanContext

  constructor(toSpanContext: (found: TraceContext) => OtelSpanContext) {
    this.#toSpanContext = toSpanContext
  }

  add(headers: RecordHeaders | undefined): void {
    if (this.links.length >= MAX_LINKS) return
    const found = extractTraceContext(headers)
    if (found === null || this.#seen.has(found.spanId)) return
    this.#seen.add(found.spanId)
    this.links.push({ context: this.#toSpanContext(found) })
  }
}

function processAttributes(topic: string, partition: number, offset: bigint, groupId: string | undefined, clientId: string | undefined): OtelSpanAttributes {
  const a: OtelSpanAttributes = {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': topic,
    'messaging.destination.partition.id': String(partition),
    'messaging.kafka.offset': Number(offset),
  }
  if (groupId !== undefined) a['messaging.consumer.group.name'] = groupId
  if (clientId !== undefined) a['messaging.client.id'] = clientId
  return a
}

function endSpan(span: OtelSpan, error: unknown): void {
  if (error !== undefined) {
    const err = error instanceof Error ? error : new Error(String(error))
    span.recordException(err)
    span.setAttribute('error.type', err.name)
    span.setStatus({ code: STATUS_ERROR, message: err.message })
  }
  span.end()
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}
