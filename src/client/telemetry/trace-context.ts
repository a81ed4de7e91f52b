/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) in Kafka record headers, as the
 * OpenTelemetry Kafka instrumentations of the Java client and Kafka Streams carry it: a
 * `traceparent` header (`00-<trace id>-<parent span id>-<flags>`, lowercase hex) and an optional
 * `tracestate` header, as UTF-8 values. No OpenTelemetry import: this is plain text.
 */
import type { RecordHeaders } from '../../protocol/records/index.js'

/** Header names of the W3C trace context. */
export const TRACEPARENT = 'traceparent'
/** See {@link TRACEPARENT}. */
export const TRACESTATE = 'tracestate'

/** A span context as the W3C `traceparent` header carries it (OpenTelemetry's `SpanContext` shape). */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string
  /** 16 lowercase hex digits, not all zero. */
  spanId: string
  /** Bit 0: sampled. */
  traceFlags: number
  /** The `tracestate` header's text, when present. */
  traceState?: string
}

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

/**
 * Parses a `traceparent` value; null when it is not a valid one (unknown version `ff`, zero ids,
 * bad length). A future version's extra fields are ignored, as the specification asks.
 */
export function parseTraceparent(value: string): TraceContext | null {
  const m = TRACEPARENT_RE.exec(value.trim())
  if (m === null) return null
  const [, version, traceId, spanId, flags, rest] = m
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) }
}

/** True for ids a `traceparent` may carry: 32 and 16 lowercase hex digits, neither all zero (OpenTelemetry's invalid context has zeros). */
export function isValidTraceContext(ctx: TraceContext): boolean {
  return /^[0-9a-f]{32}$/.test(ctx.traceId) && /^[0-9a-f]{16}$/.test(ctx.spanId) && ctx.traceId !== ZERO_TRACE && ctx.spanId !== ZERO_SPAN
}

/** The `traceparent` value of a span context (version 00). */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & 0xff).toString(16).padStart(2, '0')}`
}

/** The trace context in record headers (the last `traceparent` header wins), or null. */
export function extractTraceContext(headers: RecordHeaders | undefined): TraceContext | null {
  if (headers === undefined || headers.length === 0) return null
  let parent: Buffer | null = null
  let state: Buffer | null = null
  for (const [name, value] of headers) {
    if (name === TRACEPARENT) parent = value
    else if (name === TRACESTATE) state = value
  }
  if (parent === null) return null
  const ctx = parseTraceparent(parent.toString('utf8'))
  if (ctx === null) return null
  if (state !== null && state.length > 0) ctx.traceState = state.toString('utf8')
  return ctx
}

/**
 * Headers with the trace context of `ctx` in place of any the record had (a record forwarded by
 * a stream processor keeps its input's headers, whose context is not this send's). A new array:
 * the caller's headers are not changed.
 */
export function withTraceContext(headers: RecordHeaders | undefined, ctx: TraceContext): RecordHeaders {
  const out: RecordHeaders = []
  if (headers !== undefined) for (const h of headers) if (h[0] !== TRACEPARENT && h[0] !== TRACESTATE) out.push(h)
  out.push([TRACEPARENT, Buffer.from(formatTraceparent(ctx))])
  if (ctx.traceState !== undefined && ctx.traceState.length > 0) out.push([TRACESTATE, Buffer.from(ctx.traceState)])
  return out
}
