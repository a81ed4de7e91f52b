/**
 * KafkaMetrics recorded into the OpenTelemetry SDK (in-memory exporter) and into prom-client,
 * fed by events on Peridot's diagnostics channels; and the missing-peer-dependency error.
 */
import diagnostics_channel from 'node:diagnostics_channel'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as promClient from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import {
  channelNames,
  openTelemetryMetrics,
  prometheusMetrics,
  PrometheusMetrics,
  type ConsumerFetchEvent,
  type GroupPartitionsEvent,
  type KafkaMetrics,
  type OtelMeterProvider,
  type ProducerBatchEvent,
  type RequestEndEvent,
  type StreamsMetricsSource,
} from '../../../src/index.js'
import { importOptional } from '../../../src/client/telemetry/opentelemetry.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { otelHarness } from './otel-harness.js'

const open: KafkaMetrics[] = []
afterEach(() => {
  for (const m of open.splice(0)) m.close()
})

function publish(name: string, event: object): void {
  diagnostics_channel.channel(name).publish(event)
}

const batch = (records: number, error?: Error): ProducerBatchEvent => ({ clientId: 'c1', topic: 't', partition: 2, records, ...(error ? { error } : {}) })
const fetched = (partition: number, records: number, lag: bigint): ConsumerFetchEvent => ({ clientId: 'c1', groupId: 'g', topic: 't', partition, records, lag })
const requestEnd = (apiKey: number, apiName: string, durationMs: number, error?: Error): RequestEndEvent => ({
  clientId: 'c1',
  broker: 'b:9092',
  apiKey,
  apiName,
  apiVersion: 1,
  correlationId: 1,
  durationMs,
  ...(error ? { error } : {}),
})

function streamsSource(processed: () => number): StreamsMetricsSource {
  return {
    applicationId: 'app-1',
    metrics: () => ({
      recordsProcessed: processed(),
      recordsSkipped: 1,
      droppedRecords: 2,
      punctuations: 3,
      commits: 4,
      commitLatencyAvgMs: 5,
      commitLatencyMaxMs: 9,
      restore: { restoredRecords: 10, standbyRecords: 11, restorations: 1 },
      tasks: { active: ['0_0', '0_1'], restoring: [], standby: ['1_0'] },
    }),
  }
}

describe('OpenTelemetry metrics', () => {
  it('counts producer records, consumer fetches and lag, request latency and errors, commit latency and assignments', async () => {
    const otel = otelHarness()
    const metrics = await openTelemetryMetrics({ meterProvider: otel.meterProvider })
    open.push(metrics)
    publish(channelNames.producerBatch, batch(5))
    publish(channelNames.producerBatch, batch(3))
    publish(channelNames.producerBatch, batch(2, new Error('x')))
    publish(channelNames.consumerFetch, fetched(0, 7, 4n))
    publish(channelNames.consumerFetch, fetched(1, 1, 9n))
    publish(channelNames.requestEnd, requestEnd(0, 'Produce', 12))
    publish(channelNames.requestEnd, requestEnd(0, 'Produce', 30, new Error('timeout')))
    publish(channelNames.requestEnd, requestEnd(8, 'OffsetCommit', 4))
    publish(channelNames.groupAssigned, { clientId: 'c1', groupId: 'g', partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] } satisfies GroupPartitionsEvent)

    let m = await otel.collect()
    const tp = { 'messaging.client.id': 'c1', 'messaging.destination.name': 't', 'messaging.destination.partition.id': '2' }
    expect(m.value('kafka.producer.record_send_total', tp)).toBe(8)
    expect(m.value('kafka.producer.record_error_total', tp)).toBe(2)
    expect(m.value('kafka.consumer.records_consumed_total', { 'messaging.consumer.group.name': 'g' })).toBe(8)
    expect(m.value('kafka.consumer.records_lag', { 'messaging.destination.partition.id': '0' })).toBe(4)
    expect(m.value('kafka.consumer.records_lag', { 'messaging.destination.partition.id': '1' })).toBe(9)
    expect(m.value('kafka.consumer.records_lag_max', { 'messaging.consumer.group.name': 'g' })).toBe(9)
    expect(m.value('kafka.client.request_latency', { 'kafka.api.name': 'Produce' })).toBe(2)
    expect(m.histogramSum('kafka.client.request_latency', { 'kafka.api.name': 'Produce' })).toBe(42)
    expect(m.value('kafka.client.request_error_total', { 'kafka.api.name': 'Produce', 'server.address': 'b:9092' })).toBe(1)
    expect(m.histogramSum('kafka.consumer.commit_latency', { 'messaging.client.id': 'c1' })).toBe(4)
    expect(m.value('kafka.consumer.partitions_assigned_total', { 'messaging.consumer.group.name': 'g' })).toBe(2)

    // Caught up on partition 1 (partition 0's revocation is checked with prom-client: the SDK keeps
    // reporting a cumulative gauge's last point).
    publish(channelNames.consumerFetch, fetched(1, 9, 0n))
    publish(channelNames.groupRevoked, { clientId: 'c1', groupId: 'g', partitions: [{ topic: 't', partition: 0 }] } satisfies GroupPartitionsEvent)
    m = await otel.collect()
    expect(m.value('kafka.consumer.records_lag', { 'messaging.destination.partition.id': '1' })).toBe(0)
    expect(m.value('kafka.consumer.records_consumed_total', { 'messaging.destination.partition.id': '1' })).toBe(10)
    expect(m.value('kafka.consumer.partitions_revoked_total')).toBe(1)
    await otel.shutdown()
  })

  it('reads Kafka Streams metrics from observed instances at each collection, and stops after close()', async () => {
    const otel = otelHarness()
    const metrics = await openTelemetryMetrics({ meterProvider: otel.meterProvider })
    open.push(metrics)
    let processed = 100
    const stop = metrics.observeStreams(streamsSource(() => processed))
    const app = { 'kafka.streams.application.id': 'app-1' }
    let m = await otel.collect()
    expect(m.value('kafka.streams.process_total', app)).toBe(100)
    expect(m.value('kafka.streams.commit_latency_max', app)).toBe(9)
    expect(m.value('kafka.streams.restore_total', app)).toBe(10)
    expect(m.value('kafka.streams.update_total', app)).toBe(11)
    expect(m.value('kafka.streams.dropped_records_total', app)).toBe(2)
    expect(m.value('kafka.streams.active_tasks', app)).toBe(2)
    processed = 250
    m = await otel.collect()
    expect(m.value('kafka.streams.process_total', app)).toBe(250)

    stop()
    metrics.close()
    publish(channelNames.producerBatch, batch(5))
    m = await otel.collect()
    expect(m.value('kafka.producer.record_send_total')).toBeUndefined()
    await otel.shutdown()
  })

  it('rejects a meterProvider without getMeter, and names a missing optional dependency', async () => {
    await expect(openTelemetryMetrics({ meterProvider: {} as OtelMeterProvider })).rejects.toThrow(InvalidArgumentError)
    const err = await importOptional('peridot-no-such-package').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidArgumentError)
    expect((err as Error).message).toContain("'peridot-no-such-package' is not installed")
  })

  it('without a meterProvider uses the global one of @opentelemetry/api', async () => {
    const otel = otelHarness()
    const { metrics: api } = await import('@opentelemetry/api')
    api.setGlobalMeterProvider(otel.meterProvider)
    try {
      const metrics = await openTelemetryMetrics()
      open.push(metrics)
      publish(channelNames.producerBatch, batch(4))
      expect((await otel.collect()).value('kafka.producer.record_send_total')).toBe(4)
    } finally {
      api.disable()
      await otel.shutdown()
    }
  })
})

describe('Prometheus metrics', () => {
  it('serves the same metrics in the text exposition format over HTTP', async () => {
    const metrics = await prometheusMetrics()
    open.push(metrics)
    metrics.observeStreams(streamsSource(() => 42))
    publish(channelNames.producerBatch, batch(5))
    publish(channelNames.consumerFetch, fetched(0, 7, 3n))
    publish(channelNames.requestEnd, requestEnd(0, 'Produce', 12))
    const server = http.createServer(metrics.handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/plain')
      const body = await res.text()
      expect(body).toContain('kafka_producer_record_send_total{messaging_client_id="c1",messaging_destination_name="t",messaging_destination_partition_id="2"} 5')
      expect(body).toContain('kafka_consumer_records_lag{messaging_client_id="c1",messaging_consumer_group_name="g",messaging_destination_name="t",messaging_destination_partition_id="0"} 3')
      expect(body).toContain('kafka_client_request_latency_ms_count{messaging_client_id="c1",server_address="b:9092",kafka_api_name="Produce"} 1')
      expect(body).toContain('kafka_streams_process_total{kafka_streams_application_id="app-1"} 42')

      // A revoked partition's lag is no longer reported.
      publish(channelNames.groupRevoked, { clientId: 'c1', groupId: 'g', partitions: [{ topic: 't', partition: 0 }] } satisfies GroupPartitionsEvent)
      expect(await metrics.registry.metrics()).not.toContain('kafka_consumer_records_lag{')
      // Nor a lost one's.
      publish(channelNames.consumerFetch, fetched(1, 1, 6n))
      expect(await metrics.registry.metrics()).toContain('messaging_destination_partition_id="1"} 6')
      publish(channelNames.groupLost, { clientId: 'c1', groupId: 'g', partitions: [{ topic: 't', partition: 1 }] } satisfies GroupPartitionsEvent)
      const after = await metrics.registry.metrics()
      expect(after).not.toContain('kafka_consumer_records_lag{')
      expect(after).toContain('kafka_consumer_partitions_lost_total{messaging_client_id="c1",messaging_consumer_group_name="g"} 1')
    } finally {
      server.close()
    }
  })

  it('can be built synchronously from the prom-client module and a registry of the caller', async () => {
    const registry = new promClient.Registry()
    const metrics = new PrometheusMetrics(promClient, registry)
    open.push(metrics)
    publish(channelNames.producerBatch, batch(2, new Error('refused')))
    expect(await registry.metrics()).toContain('kafka_producer_record_error_total{messaging_client_id="c1",messaging_destination_name="t",messaging_destination_partition_id="2"} 2')
    // close() unregisters, so the same registry takes a new instance.
    metrics.close()
    expect(await registry.metrics()).not.toContain('kafka_')
    const again = new PrometheusMetrics(promClient, registry)
    open.push(again)
    expect(await registry.metrics()).toContain('kafka_producer_record_send_total')
  })
})
