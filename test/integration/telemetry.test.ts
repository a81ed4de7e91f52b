// Metrics and diagnostics events after real operations on the broker: an OpenTelemetry SDK
// (in-memory exporter) counts what a producer sent and a group consumer read, lag reaches 0;
// diagnostics_channel subscribers see connections, requests and group assignment; a Prometheus
// endpoint scraped while a KafkaStreams app runs shows its totals moving.
import diagnostics_channel from 'node:diagnostics_channel'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  channelNames,
  Client,
  openTelemetryMetrics,
  prometheusMetrics,
  type ConnectionCloseEvent,
  type ConnectionConnectEvent,
  type ConsumerFetchEvent,
  type GroupPartitionsEvent,
  type RequestEndEvent,
  type RequestStartEvent,
} from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { otelHarness } from '../unit/client/otel-harness.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { tempStateDir, waitFor } from './streams-helpers.js'

let admin: Client
beforeAll(async () => {
  admin = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await admin?.close()
})

/** Collects the events of `names` published for `clientId`; `stop()` unsubscribes. */
function record(clientId: string, names: string[]) {
  const events: Array<{ channel: string; event: { clientId: string } }> = []
  const listeners = names.map((channel) => {
    const listener = (event: unknown) => {
      if ((event as { clientId: string }).clientId === clientId) events.push({ channel, event: event as { clientId: string } })
    }
    diagnostics_channel.subscribe(channel, listener)
    return () => diagnostics_channel.unsubscribe(channel, listener)
  })
  return {
    of: <E>(channel: string) => events.filter((e) => e.channel === channel).map((e) => e.event as E),
    stop: () => listeners.forEach((u) => u()),
  }
}

describe('telemetry against the broker', () => {
  it('OpenTelemetry: N records sent and consumed are counted, lag reaches 0; diagnostics events for connections, requests, assignment', async () => {
    const topic = uniqueTopic('tel-otel')
    const groupId = uniqueTopic('tel-otel-g')
    const clientId = uniqueTopic('tel-otel-client')
    const N = 60
    await admin.createTopic(topic, { partitions: 2 })
    const events = record(clientId, Object.values(channelNames))
    const otel = otelHarness()
    const metrics = await openTelemetryMetrics({ meterProvider: otel.meterProvider })
    const client = await Client.connect({ brokers: [bootstrap()], clientId })
    try {
      const producer = client.producer({ lingerMs: 2 })
      // One batch per record (each send awaited), so that a fetch of one batch leaves lag behind.
      for (let i = 0; i < N; i++) await producer.send({ topic, partition: i % 2, value: `v${i}` })
      await producer.close()
      const me = { 'messaging.client.id': clientId }
      let m = await otel.collect()
      expect(m.value('kafka.producer.record_send_total', me)).toBe(N)
      expect(m.value('kafka.producer.record_send_total', { ...me, 'messaging.destination.partition.id': '1' })).toBe(N / 2)
      expect(m.value('kafka.producer.record_error_total', me)).toBeUndefined()
      expect(m.value('kafka.client.request_latency', { ...me, 'kafka.api.name': 'Produce' })).toBeGreaterThanOrEqual(1)

      const consumer = client.groupConsumer({ groupId, topics: [topic], autoCommit: false, autoOffsetReset: 'earliest', maxBytesPerPartition: 1 })
      let read = 0
      while (read < N) {
        const batch = await consumer.next()
        read += batch!.records.length
      }
      await consumer.commit()
      await waitFor('lag 0 on both partitions', async () => {
        const c = await otel.collect()
        return c.value('kafka.consumer.records_lag', { ...me, 'messaging.destination.partition.id': '0' }) === 0 &&
          c.value('kafka.consumer.records_lag', { ...me, 'messaging.destination.partition.id': '1' }) === 0
      })
      m = await otel.collect()
      expect(m.value('kafka.consumer.records_consumed_total', { ...me, 'messaging.consumer.group.name': groupId })).toBe(N)
      expect(m.value('kafka.consumer.records_lag_max', { ...me, 'messaging.consumer.group.name': groupId })).toBe(0)
      expect(m.value('kafka.consumer.commit_latency', me)).toBeGreaterThanOrEqual(1)
      expect(m.value('kafka.consumer.partitions_assigned_total', me)).toBe(2)
      await consumer.close()

      // Fetches return one batch (one record) of the N/2 per partition: lag was reported on the way to 0.
      const fetches = events.of<ConsumerFetchEvent>(channelNames.consumerFetch)
      const maxLag = Math.max(...fetches.map((f) => Number(f.lag)))
      expect(maxLag).toBeGreaterThan(0)
      expect(maxLag).toBeLessThanOrEqual(N / 2)
      expect(fetches.reduce((n, f) => n + f.records, 0)).toBe(N)

      const assigned = events.of<GroupPartitionsEvent>(channelNames.groupAssigned)
      expect(assigned.flatMap((e) => e.partitions.map((p) => `${p.topic}-${p.partition}`)).sort()).toEqual([`${topic}-0`, `${topic}-1`])
      expect(assigned[0]!.groupId).toBe(groupId)
      const revoked = events.of<GroupPartitionsEvent>(channelNames.groupRevoked)
      expect(revoked.flatMap((e) => e.partitions).length).toBe(2)

      const starts = events.of<RequestStartEvent>(channelNames.requestStart)
      const ends = events.of<RequestEndEvent>(channelNames.requestEnd)
      const produce = ends.filter((e) => e.apiName === 'Produce')
      expect(produce.length).toBeGreaterThanOrEqual(1)
      expect(produce.every((e) => e.apiKey === 0 && e.error === undefined && e.durationMs >= 0 && e.broker.length > 0)).toBe(true)
      expect(ends.some((e) => e.apiName === 'Fetch')).toBe(true)
      expect(ends.some((e) => e.apiName === 'OffsetCommit' && e.apiKey === 8)).toBe(true)
      // Every end has its start (same connection, same correlation id).
      const started = new Set(starts.map((s) => `${s.broker}/${s.correlationId}/${s.apiKey}`))
      expect(ends.every((e) => started.has(`${e.broker}/${e.correlationId}/${e.apiKey}`))).toBe(true)
      expect(events.of<ConnectionConnectEvent>(channelNames.connectionConnect).length).toBeGreaterThanOrEqual(1)
    } finally {
      await client.close()
      metrics.close()
      await otel.shutdown()
      events.stop()
    }
    // Closing the client closed its connections.
    expect(events.of<ConnectionCloseEvent>(channelNames.connectionClose).length).toBeGreaterThanOrEqual(1)
  })

  it('Prometheus: a scrape while a KafkaStreams app runs shows real, changing totals', async () => {
    const input = uniqueTopic('tel-prom-in')
    const output = uniqueTopic('tel-prom-out')
    const applicationId = uniqueTopic('tel-prom-app')
    const producerId = uniqueTopic('tel-prom-producer')
    await admin.createTopic(input, { partitions: 2 })
    await admin.createTopic(output, { partitions: 2 })
    const metrics = await prometheusMetrics()
    const server = http.createServer(metrics.handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`
    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() })
      .mapValues((v) => v.toUpperCase())
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = new KafkaStreams(b.build(), { applicationId, brokers: [bootstrap()], commitIntervalMs: 100, stateDir: tempStateDir() })
    metrics.observeStreams(app)
    const client = await Client.connect({ brokers: [bootstrap()], clientId: producerId })
    const produce = async (from: number, n: number) => {
      const p = client.producer({ lingerMs: 2 })
      await p.sendBatch(Array.from({ length: n }, (_, i) => ({ topic: input, key: `k${from + i}`, value: `v${from + i}` })))
      await p.close()
    }
    const scrape = async () => {
      const res = await fetch(url)
      expect(res.status).toBe(200)
      return res.text()
    }
    try {
      await app.start()
      await produce(0, 20)
      await waitFor('20 processed', () => app.metrics().recordsProcessed >= 20)
      const first = await scrape()
      expect(sample(first, 'kafka_streams_process_total', `kafka_streams_application_id="${applicationId}"`)).toBe(20)
      expect(sample(first, 'kafka_producer_record_send_total', `messaging_client_id="${producerId}"`)).toBe(20)

      await produce(20, 30)
      await waitFor('50 processed', () => app.metrics().recordsProcessed >= 50)
      await waitFor('a commit after the last record', () => app.metrics().commits > 0)
      const second = await scrape()
      expect(sample(second, 'kafka_streams_process_total', `kafka_streams_application_id="${applicationId}"`)).toBe(50)
      expect(sample(second, 'kafka_producer_record_send_total', `messaging_client_id="${producerId}"`)).toBe(50)
      expect(sample(second, 'kafka_streams_commit_total', `kafka_streams_application_id="${applicationId}"`)).toBeGreaterThan(0)
      expect(sample(second, 'kafka_streams_active_tasks', `kafka_streams_application_id="${applicationId}"`)).toBe(2)
      // The app's own producer writes the 50 results (acknowledged after processing).
      await waitFor('50 results acknowledged', async () => sample(await scrape(), 'kafka_producer_record_send_total', `messaging_destination_name="${output}"`) === 50)
    } finally {
      await app.close()
      await client.close()
      metrics.close()
      server.close()
    }
  })
})

/** Sum of the samples of `name` whose labels contain `label` (`undefined` when none). */
function sample(body: string, name: string, label: string): number | undefined {
  let total: number | undefined
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(label)) continue
    total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}
