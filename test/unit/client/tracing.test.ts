/**
 * Tracing: W3C trace context in record headers, and KafkaTracing's spans recorded by the
 * OpenTelemetry SDK's in-memory exporter, fed by the producer-send and streams-process
 * diagnostics channels (the producer and the streams task publish through the same helpers).
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import {
  extractTraceContext,
  formatTraceparent,
  openTelemetryTracing,
  parseTraceparent,
  withTraceContext,
  type KafkaTracing,
  type ProducerRecord,
  type RecordHeaders,
} from '../../../src/index.js'
import { channels, publishedProcess, publishedSend } from '../../../src/client/telemetry/channels.js'
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'
const PARENT = `00-${TRACE}-${SPAN}-01`

const SPAN_KIND_PRODUCER = 3
const SPAN_KIND_CONSUMER = 4
const STATUS_ERROR = 2

const open: KafkaTracing[] = []
afterEach(() => {
  for (const t of open.splice(0)) t.close()
})

async function harness() {
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const tracing = await openTelemetryTracing({ tracerProvider })
  open.push(tracing)
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans()
  return { tracing, spans }
}

const header = (headers: RecordHeaders | undefined, name: string): string | undefined => headers?.find((h) => h[0] === name)?.[1]?.toString()

describe('W3C trace context in record headers', () => {
  it('parses and formats traceparent; refuses invalid ones', () => {
    expect(parseTraceparent(PARENT)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })).toBe(PARENT)
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 0 })).toBe(`00-${TRACE}-${SPAN}-00`)
    // A future version may append fields; version 00 may not.
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })
    for (const bad of [`00-${TRACE}-${SPAN}-01-extra`, `ff-${TRACE}-${SPAN}-01`, `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`, `00-${TRACE.toUpperCase()}-${SPAN}-01`, `00-${TRACE}-${SPAN}`, '', 'garbage']) {
      expect(parseTraceparent(bad), bad).toBeNull()
    }
  })

  it('extracts the context from headers (the last traceparent wins) and replaces it without changing the input', () => {
    const headers: RecordHeaders = [
      ['a', Buffer.from('1')],
      ['traceparent', Buffer.from(`00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`)],
      ['traceparent', Buffer.from(PARENT)],
      ['tracestate', Buffer.from('vendor=x')],
      ['b', null],
    ]
    expect(extractTraceContext(headers)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState: 'vendor=x' })
    expect(extractTraceContext([['traceparent', Buffer.from('nonsense')]])).toBeNull()
    expect(extractTraceContext([['traceparent', null]])).toBeNull()
    expect(extractTraceContext(undefined)).toBeNull()
    const replaced = withTraceContext(headers, { traceId: '9'.repeat(32), spanId: '8'.repeat(16), traceFlags: 1 })
    expect(replaced.map((h) => [h[0], h[1]?.toString() ?? null])).toEqual([
      ['a', '1'],
      ['b', null],
      ['traceparent', `00-${'9'.repeat(32)}-${'8'.repeat(16)}-01`],
    ])
    expect(headers).toHaveLength(5)
  })
})

describe('KafkaTracing', () => {
  it('a send gets a PRODUCER span whose context goes into each record, in copies of the records', async () => {
    const { spans } = await harness()
    const records: ProducerRecord[] = [
      { topic: 'orders', value: 'a', headers: [['h', Buffer.from('1')]] },
      { topic: 'orders', value: 'b' },
    ]
    let sent: readonly ProducerRecord[] = []
    await publishedSend('client-1', records, async (rs) => {
      sent = rs
    })
    const [span] = spans()
    expect(span.name).toBe('send orders')
    expect(span.kind).toBe(SPAN_KIND_PRODUCER)
    expect(span.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'orders',
      'messaging.client.id': 'client-1',
      'messaging.batch.message_count': 2,
    })
    const traceparent = `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`
    expect(sent.map((r) => header(r.headers, 'traceparent'))).toEqual([traceparent, traceparent])
    expect(header(sent[0].headers, 'h')).toBe('1')
    // The caller's records are untouched.
    expect(records[0].headers).toHaveLength(1)
    expect(records[1].headers).toBeUndefined()
  })

  it('a failed send ends its span with an error status; a record carrying a context is linked to it', async () => {
    const { spans } = await harness()
    const failure = new Error('broker said no')
    await expect(
      publishedSend('c', [{ topic: 't', value: 'v', partition: 3, headers: [['traceparent', Buffer.from(PARENT)]] }], async () => {
        throw failure
      }),
    ).rejects.toBe(failure)
    const [span] = spans()
    expect(span.status.code).toBe(STATUS_ERROR)
    expect(span.status.message).toBe('broker said no')
    expect(span.attributes['messaging.destination.partition.id']).toBe('3')
    expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[TRACE, SPAN]])
  })

  it('a streams task processes each record in a CONSUMER span that continues the producer trace; sends during processing are its children', async () => {
    const { spans } = await harness()
    const s = Serdes.string()
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s })
      .peek((_k, v) => {
        void publishedSend('c', [{ topic: 'side', value: v }], async () => undefined)
      })
      .mapValues((v) => v.toUpperCase())
      .to('out', { key: s, value: s })
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'traced-app' })
    try {
      driver.createInputTopic('in', s, s).pipeInput('k', 'v', 5, [['traceparent', Buffer.from(PARENT)]])
      driver.createInputTopic('in', s, s).pipeInput('k2', 'w', 6)
      expect(driver.createOutputTopic('out', s, s).readValuesToList()).toEqual(['V', 'W'])
    } finally {
      driver.close()
    }
    await new Promise((r) => setImmediate(r))
    const process = spans().filter((sp) => sp.name === 'process in')
    expect(process).toHaveLength(2)
    const [first, second] = process
    expect(first.kind).toBe(SPAN_KIND_CONSUMER)
    expect(first.spanContext().traceId).toBe(TRACE)
    expect(first.parentSpanContext?.spanId).toBe(SPAN)
    expect(first.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'in',
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 0,
      'messaging.consumer.group.name': 'traced-app',
      'kafka.streams.task.id': '0_0',
    })
    // No context in the record: a new trace.
    expect(second.spanContext().traceId).not.toBe(TRACE)
    expect(second.parentSpanContext).toBeUndefined()
    const sends = spans().filter((sp) => sp.name === 'send side')
    expect(sends.map((sp) => sp.parentSpanContext?.spanId)).toEqual([first.spanContext().spanId, second.spanContext().spanId])
    expect(sends[0].spanContext().traceId).toBe(TRACE)
  })

  it('process() wraps a consumer\'s own processing, sync or async, as a child of the record\'s context', async () => {
    const { tracing, spans } = await harness()
    const record = { topic: 'orders', partition: 1, offset: 42n, headers: [['traceparent', Buffer.from(PARENT)]] as RecordHeaders }
    expect(tracing.process(record, () => 7, { groupId: 'g' })).toBe(7)
    const pending = tracing.process(record, async () => {
      await new Promise((r) => setImmediate(r))
      throw new Error('bad record')
    })
    expect(spans()).toHaveLength(1) // the async one is still open
    await expect(pending).rejects.toThrow('bad record')
    const [sync, async_] = spans()
    expect(sync.name).toBe('process orders')
    expect(sync.parentSpanContext?.spanId).toBe(SPAN)
    expect(sync.attributes).toMatchObject({ 'messaging.kafka.offset': 42, 'messaging.destination.partition.id': '1', 'messaging.consumer.group.name': 'g' })
    expect(async_.status.code).toBe(STATUS_ERROR)
    expect(() => tracing.process(record, () => {
      throw new Error('sync failure')
    })).toThrow('sync failure')
    expect(spans()[2].status.code).toBe(STATUS_ERROR)
  })

  it('a batch a group consumer hands out gets a receive span linked to the contexts its records carry', async () => {
    const { spans } = await harness()
    const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`
    const rec = (offset: bigint, traceparent?: string) => ({ offset, timestamp: 0, key: null, value: null, headers: traceparent === undefined ? [] : ([['traceparent', Buffer.from(traceparent)]] as RecordHeaders) })
    // The tracer reads headers through the batch's cursor, never its decoded records.
    const cursorOver = (records: ReturnType<typeof rec>[]) => {
      let i = -1
      return { next: () => ++i < records.length, get headers() { return records[i].headers } }
    }
    const batch = (records: ReturnType<typeof rec>[]) => ({ topic: 'orders', partition: 2, get records(): never { throw new Error('decoded') }, highWatermark: 9n, fetchOffset: 0n, nextOffset: 9n, cursor: () => cursorOver(records) })
    channels.consumerReceive.publish({ clientId: 'c', groupId: 'g', batch: batch([rec(0n, PARENT), rec(1n, PARENT), rec(2n), rec(3n, other)]) })
    channels.consumerReceive.publish({ clientId: 'c', groupId: 'g', batch: batch([]) })
    const [span, ...rest] = spans()
    expect(rest).toEqual([]) // an empty batch: no span
    expect(span.name).toBe('receive orders')
    expect(span.kind).toBe(SPAN_KIND_CONSUMER)
    expect(span.attributes).toMatchObject({ 'messaging.operation.type': 'receive', 'messaging.destination.partition.id': '2', 'messaging.consumer.group.name': 'g', 'messaging.batch.message_count': 4 })
    expect(span.links.map((l) => l.context.spanId)).toEqual([SPAN, '2'.repeat(16)])
    expect(span.parentSpanContext).toBeUndefined()
  })

  it('two tracing instances each get their span of a streams record, and the record is processed once', async () => {
    const one = await harness()
    const two = await harness()
    let runs = 0
    const result = publishedProcess({ applicationId: 'a', taskId: '0_1', topic: 'in', partition: 1, offset: 7n, headers: [['traceparent', Buffer.from(PARENT)]] }, () => ++runs)
    expect([result, runs]).toEqual([1, 1])
    for (const h of [one, two]) {
      const [span] = h.spans()
      expect(span.name).toBe('process in')
      expect(span.parentSpanContext?.spanId).toBe(SPAN)
      expect(span.attributes['kafka.streams.task.id']).toBe('0_1')
    }
    expect(() => publishedProcess({ applicationId: 'a', taskId: '0_1', topic: 'in', partition: 1, offset: 8n, headers: [] }, () => {
      throw new Error('processor failed')
    })).toThrow('processor failed')
    expect(one.spans()[1].status.code).toBe(STATUS_ERROR)
  })

  it('with no OpenTelemetry SDK registered (the API\'s no-op tracer) records get no trace headers', async () => {
    const tracing = await openTelemetryTracing()
    open.push(tracing)
    let sent: readonly ProducerRecord[] = []
    await publishedSend('c', [{ topic: 't', value: 'v' }], async (rs) => {
      sent = rs
    })
    expect(sent[0].headers).toBeUndefined()
  })

  it('close() unsubscribes: nothing listens, nothing is traced', async () => {
    const { tracing, spans } = await harness()
    expect(channels.producerSend.hasSubscribers).toBe(true)
    expect(channels.streamsProcess.hasSubscribers).toBe(true)
    expect(channels.consumerReceive.hasSubscribers).toBe(true)
    tracing.close()
    expect(channels.producerSend.hasSubscribers).toBe(false)
    expect(channels.streamsProcess.hasSubscribers).toBe(false)
    expect(channels.consumerReceive.hasSubscribers).toBe(false)
    expect(spans()).toEqual([])
  })
})
