// Tracing tests' shared pieces: Peridot's tracing on the OpenTelemetry JS SDK with an in-memory
// exporter, and a group consumer that processes each record in a traced span.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { expect } from 'vitest'
import { openTelemetryTracing, parseTraceparent, type Client, type KafkaRecord, type KafkaTracing, type TraceContext } from '../../src/index.js'

/** Peridot's tracing and the spans it ended. */
export interface TestTracing {
  tracing: KafkaTracing
  /** The ended spans called `name`, in the order they ended. */
  spansNamed(name: string): ReadableSpan[]
}

/** Starts {@link openTelemetryTracing} on a tracer provider that keeps every ended span in memory. */
export async function inMemoryTracing(): Promise<TestTracing> {
  const exporter = new InMemorySpanExporter()
  const tracing = await openTelemetryTracing({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }) })
  return { tracing, spansNamed: (name) => exporter.getFinishedSpans().filter((s) => s.name === name) }
}

/** The context of a record's one `traceparent` header. */
export function traceparentOf(r: KafkaRecord): TraceContext {
  const values = r.headers.filter((h) => h[0] === 'traceparent')
  expect(values).toHaveLength(1)
  return parseTraceparent(values[0][1]!.toString())!
}

/** Reads `count` records of `topic` from the start in group `groupId`, each in a `tracing.process` span. */
export async function consumeTraced(client: Client, tracing: KafkaTracing, topic: string, groupId: string, count: number): Promise<KafkaRecord[]> {
  const consumer = client.groupConsumer({ groupId, topics: [topic], autoCommit: false, autoOffsetReset: 'earliest' })
  const records: KafkaRecord[] = []
  try {
    while (records.length < count) {
      const batch = await consumer.next()
      for (const r of batch!.records) {
        tracing.process({ topic: batch!.topic, partition: batch!.partition, offset: r.offset, headers: r.headers }, () => records.push(r), { groupId })
      }
    }
  } finally {
    await consumer.close()
  }
  return records
}
