// A trace crosses between Peridot and Kafka's Java client in both directions. The Java side
// (java/TraceInterop.java, one JVM) is the Java producer and consumer wrapped by OpenTelemetry's
// Kafka client library instrumentation (opentelemetry-kafka-clients-2.6, KafkaTelemetry.wrap) on
// the OpenTelemetry Java SDK with the W3C Trace Context propagator; it prints its spans to stdout.
// Peridot runs openTelemetryTracing on the OpenTelemetry JS SDK with an in-memory exporter.
// - Java -> Peridot: each record carries its Java send span's traceparent; Peridot's receive span
//   links to those send spans and its process spans are their children, in the Java trace.
// - Peridot -> Java: the Java instrumentation's process span for each record is a child of
//   Peridot's send span, in Peridot's trace (its receive spans are off by default).
// - Peridot -> Kafka Streams (Java, java/TraceStreams.java) -> Peridot: the app's wrapped clients
//   continue Peridot's trace (its processor makes the record's extracted context current while it
//   forwards, as the library instrumentation asks: it has no hook in Kafka Streams' processing),
//   and Peridot's processing of the results is in the trace Peridot's producer began. Without
//   that step the app's send spans are roots of new traces: the library instrumentation alone
//   does not carry a trace through a Kafka Streams app (the Java agent does).
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { delimiter } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, parseTraceparent, type KafkaTracing } from '../../src/index.js'
import { ensureKafkaJars } from '../../src/dev/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { compileJavaProgram, javaPeerKafkaVersion, SHORT_RUN_JVM_ARGS, startJavaTool } from './java-tools.js'
import { tempStateDir } from './streams-helpers.js'
import { consumeTraced, inMemoryTracing, traceparentOf, type TestTracing } from './tracing-helpers.js'

const PROGRAM = fileURLToPath(new URL('./java/TraceInterop.java', import.meta.url))
const STREAMS_PROGRAM = fileURLToPath(new URL('./java/TraceStreams.java', import.meta.url))
/** The span exporter both programs print their spans with, compiled with each. */
const EXPORTER = fileURLToPath(new URL('./java/StdoutSpanExporter.java', import.meta.url))
/** OpenTelemetry Java: the SDK and the API it needs pinned together (Maven would pick the
 * instrumentation's older API otherwise), and the Kafka client instrumentation of the matching
 * instrumentation release (its kafka-clients dependency is provided: the broker's is used). */
const JAVA_ARTIFACTS = [
  'io.opentelemetry:opentelemetry-api:1.68.0',
  'io.opentelemetry:opentelemetry-context:1.68.0',
  'io.opentelemetry:opentelemetry-common:1.68.0',
  'io.opentelemetry:opentelemetry-api-incubator:1.68.0-alpha',
  'io.opentelemetry:opentelemetry-sdk:1.68.0',
  'io.opentelemetry.instrumentation:opentelemetry-kafka-clients-2.6:2.31.1-alpha',
  // For TraceStreams.java; one artifact set (one fetch) for both programs.
  'org.apache.kafka:kafka-streams',
]

/** A span line of the Java programs (StdoutSpanExporter.java). */
interface JavaSpan {
  kind: string
  traceId: string
  spanId: string
  parentSpanId: string | null
  links: Array<{ traceId: string; spanId: string }>
  name: string
}

function javaSpans(lines: string[]): JavaSpan[] {
  return lines
    .filter((l) => l.startsWith('SPAN '))
    .map((l) => {
      const [, kind, traceId, spanId, parent, links, ...name] = l.trim().split(' ')
      return {
        kind: kind!,
        traceId: traceId!,
        spanId: spanId!,
        parentSpanId: parent === '-' ? null : parent!,
        links: links === '-' ? [] : links!.split(',').map((x) => ({ traceId: x.split('/')[0]!, spanId: x.split('/')[1]! })),
        name: name.join(' '),
      }
    })
}

let admin: Client
let tracing: KafkaTracing
let spansNamed: TestTracing['spansNamed']
let classpath: string
beforeAll(async () => {
  admin = await Client.connect({ brokers: [bootstrap()] })
  ;({ tracing, spansNamed } = await inMemoryTracing())
  // The broker's jars bring kafka-clients; fetched once into the jar cache like the other Java peers.
  const jars = (await ensureKafkaJars(javaPeerKafkaVersion(), { artifacts: JAVA_ARTIFACTS })).join(delimiter)
  const classes = await Promise.all([PROGRAM, STREAMS_PROGRAM].map((p) => compileJavaProgram([p, EXPORTER], jars)))
  classpath = [jars, ...classes].join(delimiter)
}, 600_000)
afterAll(async () => {
  tracing?.close()
  await admin?.close()
})

describe('tracing across Peridot and the Java client with OpenTelemetry\'s Kafka instrumentation', () => {
  it('a trace goes from the Java producer into Peridot\'s consumer, and from Peridot\'s producer into the Java consumer', async () => {
    const fromJava = uniqueTopic('trace-from-java')
    const toJava = uniqueTopic('trace-to-java')
    const groupId = uniqueTopic('trace-java-g')
    await admin.createTopic(fromJava, { partitions: 1 })
    await admin.createTopic(toJava, { partitions: 1 })
    const count = 3
    const client = await Client.connect({ brokers: [bootstrap()], clientId: uniqueTopic('trace-java-client') })
    try {
      // Peridot -> Java: one send() per record, so one trace per record.
      const producer = client.producer({ lingerMs: 0 })
      for (let i = 0; i < count; i++) await producer.send({ topic: toJava, key: `k${i}`, value: `p${i}` })
      await producer.close()
      const sends = spansNamed(`send ${toJava}`)
      expect(sends).toHaveLength(count)

      // One JVM: the Java producer sends to fromJava, then the Java consumer reads toJava.
      const java = await startJavaTool('TraceInterop', [bootstrap(), fromJava, String(count), toJava, groupId, String(count)], { classpath, jvmArgs: SHORT_RUN_JVM_ARGS })
      try {
        await java.waitFor((lines) => lines.includes('DONE'), 90_000)
      } finally {
        await java.stop()
      }
      const spans = javaSpans(java.lines)

      // Java consumer: each record arrived with Peridot's send span context in its traceparent...
      const received = java.lines.filter((l) => l.startsWith('RECORD ')).map((l) => l.split(' '))
      expect(received.map((r) => r[3])).toEqual(['p0', 'p1', 'p2'])
      expect(received.map((r) => parseTraceparent(r[2]!))).toEqual(
        sends.map((s) => ({ traceId: s.spanContext().traceId, spanId: s.spanContext().spanId, traceFlags: 1 })),
      )
      // ...and the instrumentation processed each in a CONSUMER span that is a child of it, in its trace.
      const javaProcess = spans.filter((s) => s.kind === 'CONSUMER')
      expect(javaProcess.map((s) => s.name)).toEqual(Array(count).fill(`${toJava} process`))
      expect(javaProcess.map((s) => [s.traceId, s.parentSpanId])).toEqual(sends.map((s) => [s.spanContext().traceId, s.spanContext().spanId]))

      // Java -> Peridot: the Java producer's send spans, one trace each.
      const javaSends = spans.filter((s) => s.kind === 'PRODUCER')
      expect(javaSends.map((s) => s.name)).toEqual(Array(count).fill(`${fromJava} publish`))
      expect(javaSends.every((s) => s.parentSpanId === null)).toBe(true)
      expect(new Set(javaSends.map((s) => s.traceId)).size).toBe(count)

      const records = await consumeTraced(client, tracing, fromJava, groupId, count)
      expect(records.map((r) => r.value?.toString())).toEqual(['j0', 'j1', 'j2'])
      // What the Java instrumentation wrote: its send span's context.
      expect(records.map((r) => traceparentOf(r)).map((c) => [c.traceId, c.spanId])).toEqual(javaSends.map((s) => [s.traceId, s.spanId]))
      // Peridot's receive spans link to the Java send spans (with their trace ids)...
      const peridotReceive = spansNamed(`receive ${fromJava}`)
      expect(peridotReceive.length).toBeGreaterThanOrEqual(1)
      expect(new Set(peridotReceive.flatMap((s) => s.links.map((l) => `${l.context.traceId}/${l.context.spanId}`)))).toEqual(
        new Set(javaSends.map((s) => `${s.traceId}/${s.spanId}`)),
      )
      // ...and its process spans are their children: the Java trace goes on in Peridot.
      const peridotProcess = spansNamed(`process ${fromJava}`)
      expect(peridotProcess.map((p) => [p.spanContext().traceId, p.parentSpanContext?.spanId])).toEqual(javaSends.map((s) => [s.traceId, s.spanId]))
    } finally {
      await client.close()
    }
  }, 120_000)

  it('a trace goes from Peridot through a Java Kafka Streams app and back into Peridot', async () => {
    const input = uniqueTopic('trace-ks-in')
    const output = uniqueTopic('trace-ks-out')
    const applicationId = uniqueTopic('trace-ks-app')
    const groupId = uniqueTopic('trace-ks-g')
    await admin.createTopic(input, { partitions: 1 })
    await admin.createTopic(output, { partitions: 1 })
    const count = 2
    const stateDir = tempStateDir()
    const client = await Client.connect({ brokers: [bootstrap()] })
    try {
      const producer = client.producer({ lingerMs: 0 })
      for (let i = 0; i < count; i++) await producer.send({ topic: input, key: `k${i}`, value: `v${i}` })
      await producer.close()
      const sends = spansNamed(`send ${input}`)
      expect(sends).toHaveLength(count)

      const java = await startJavaTool('TraceStreams', [bootstrap(), input, output, applicationId, stateDir, String(count)], { classpath, jvmArgs: SHORT_RUN_JVM_ARGS })
      try {
        await java.waitFor((lines) => lines.includes('DONE'), 90_000)
      } finally {
        await java.stop()
      }
      const spans = javaSpans(java.lines)
      const ids = (s: ReadableSpan) => [s.spanContext().traceId, s.spanContext().spanId]
      // The app's wrapped consumer: a process span per record, a child of Peridot's send span.
      const javaProcess = spans.filter((s) => s.kind === 'CONSUMER')
      expect(javaProcess.map((s) => s.name)).toEqual(Array(count).fill(`${input} process`))
      expect(javaProcess.map((s) => [s.traceId, s.parentSpanId])).toEqual(sends.map(ids))
      // Its wrapped producer: the result's send span is a child of Peridot's send span too.
      const javaSends = spans.filter((s) => s.kind === 'PRODUCER')
      expect(javaSends.map((s) => s.name)).toEqual(Array(count).fill(`${output} publish`))
      expect(javaSends.map((s) => [s.traceId, s.parentSpanId])).toEqual(sends.map(ids))

      const records = await consumeTraced(client, tracing, output, groupId, count)
      expect(records.map((r) => r.value?.toString())).toEqual(['V0', 'V1'])
      // The results carry the app's send span context (it replaced the forwarded input headers')...
      expect(records.map((r) => traceparentOf(r)).map((c) => [c.traceId, c.spanId])).toEqual(javaSends.map((s) => [s.traceId, s.spanId]))
      // ...and Peridot processes each in a child of that span: still the trace Peridot's producer began.
      const peridotProcess = spansNamed(`process ${output}`)
      expect(peridotProcess.map((p) => [p.spanContext().traceId, p.parentSpanContext?.spanId])).toEqual(javaSends.map((s) => [s.traceId, s.spanId]))
      expect(peridotProcess.map((p) => p.spanContext().traceId)).toEqual(sends.map((s) => s.spanContext().traceId))
    } finally {
      await client.close()
    }
  }, 120_000)
})
