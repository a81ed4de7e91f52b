// Tracing against the broker: with openTelemetryTracing on (the OpenTelemetry SDK, in-memory
// exporter), records a producer sends carry its send span's W3C trace context in their headers
// through the broker; a group consumer's receive spans link to it; its processing
// (KafkaTracing.process) and a KafkaStreams app's processing are children of that span, in the
// same trace, and the app's own sends link back to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type KafkaTracing } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'
import { consumeTraced, inMemoryTracing, traceparentOf, type TestTracing } from './tracing-helpers.js'

let admin: Client
let tracing: KafkaTracing
let spansNamed: TestTracing['spansNamed']
beforeAll(async () => {
  admin = await Client.connect({ brokers: [bootstrap()] })
  ;({ tracing, spansNamed } = await inMemoryTracing())
})
afterAll(async () => {
  tracing?.close()
  await admin?.close()
})

describe('tracing against the broker', () => {
  it('a trace goes from a producer through the broker to a group consumer\'s processing', async () => {
    const topic = uniqueTopic('trace-plain')
    const groupId = uniqueTopic('trace-plain-g')
    await admin.createTopic(topic, { partitions: 1 })
    const client = await Client.connect({ brokers: [bootstrap()], clientId: uniqueTopic('trace-client') })
    try {
      const producer = client.producer({ lingerMs: 2 })
      await producer.send({ topic, key: 'a', value: 'one', headers: [['app', Buffer.from('x')]] })
      await producer.sendBatch([
        { topic, key: 'b', value: 'two' },
        { topic, key: 'c', value: 'three' },
      ])
      await producer.close()
      const sends = spansNamed(`send ${topic}`)
      expect(sends).toHaveLength(2)
      expect(sends.every((s) => s.status.code !== 2)).toBe(true)

      // The consumer's processing, in a span continuing the producer's trace.
      const records = await consumeTraced(client, tracing, topic, groupId, 3)

      // What crossed the broker: each record's traceparent names its send span; other headers kept.
      const [one, two, three] = records.map(traceparentOf)
      expect([one.traceId, one.spanId]).toEqual([sends[0].spanContext().traceId, sends[0].spanContext().spanId])
      expect([two.spanId, three.spanId]).toEqual([sends[1].spanContext().spanId, sends[1].spanContext().spanId])
      expect(records[0].headers.find((h) => h[0] === 'app')?.[1]?.toString()).toBe('x')

      // Receiving: a span per batch handed out, linked to the send spans of its records.
      const received = spansNamed(`receive ${topic}`)
      expect(received.length).toBeGreaterThanOrEqual(1)
      expect(received.reduce((n, s) => n + Number(s.attributes['messaging.batch.message_count']), 0)).toBe(3)
      expect(new Set(received.flatMap((s) => s.links.map((l) => l.context.spanId)))).toEqual(new Set(sends.map((s) => s.spanContext().spanId)))

      const processed = spansNamed(`process ${topic}`)
      expect(processed).toHaveLength(3)
      for (const [i, p] of processed.entries()) {
        const send = sends[i === 0 ? 0 : 1]
        expect(p.spanContext().traceId).toBe(send.spanContext().traceId)
        expect(p.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
        expect(p.attributes['messaging.kafka.offset']).toBe(i)
        expect(p.attributes['messaging.consumer.group.name']).toBe(groupId)
      }
    } finally {
      await client.close()
    }
  })

  it('a KafkaStreams app processes each record in a child span of its producer\'s, and its sends link back to it', async () => {
    const input = uniqueTopic('trace-streams-in')
    const output = uniqueTopic('trace-streams-out')
    const applicationId = uniqueTopic('trace-streams-app')
    await admin.createTopic(input, { partitions: 1 })
    await admin.createTopic(output, { partitions: 1 })
    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() })
      .mapValues((v) => v.toUpperCase())
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = new KafkaStreams(b.build(), { applicationId, brokers: [bootstrap()], commitIntervalMs: 100, stateDir: tempStateDir() })
    const client = await Client.connect({ brokers: [bootstrap()] })
    try {
      await app.start()
      const producer = client.producer({ lingerMs: 2 })
      await producer.send({ topic: input, key: 'k', value: 'hello' })
      await producer.close()
      const [send] = spansNamed(`send ${input}`)
      await waitFor('the record processed', () => spansNamed(`process ${input}`).length === 1)
      const [processed] = spansNamed(`process ${input}`)
      expect(processed.spanContext().traceId).toBe(send.spanContext().traceId)
      expect(processed.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
      expect(processed.attributes['messaging.consumer.group.name']).toBe(applicationId)

      await waitFor('the result sent', () => spansNamed(`send ${output}`).length === 1)
      const [out] = spansNamed(`send ${output}`)
      // The app's send carries the input record's context forward as a link (the record's headers).
      expect(out.links.map((l) => l.context.spanId)).toContain(send.spanContext().spanId)
      const [result] = await readTopic(client, output)
      expect(result.value?.toString()).toBe('HELLO')
      expect(traceparentOf(result).spanId).toBe(out.spanContext().spanId)
    } finally {
      await app.close()
      await client.close()
    }
  })
})
