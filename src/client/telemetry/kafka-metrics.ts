/**
 * Peridot's metrics, named after the Java client's and Kafka Streams' (record-send-total,
 * request-latency, records-consumed-total, records-lag, commit-latency, process-total, ...) and
 * fed from the `node:diagnostics_channel` events of {@link ./channels.ts}: the client itself does
 * nothing for metrics unless an instance of this class subscribed. Attribute names follow the
 * OpenTelemetry messaging semantic conventions.
 */
import { channelNames, subscribeChannel, type ConnectionConnectEvent, type ConsumerFetchEvent, type GroupPartitionsEvent, type ProducerBatchEvent, type RequestEndEvent } from './channels.js'
import type { MetricAttributes, MetricSink, Observation } from './metric-sink.js'

/** OffsetCommit's API key: its request latency is the consumer's commit latency. */
const OFFSET_COMMIT_API_KEY = 8

const CLIENT_ID = 'messaging.client.id'
const TOPIC = 'messaging.destination.name'
const PARTITION = 'messaging.destination.partition.id'
const GROUP = 'messaging.consumer.group.name'
const BROKER = 'server.address'
const API = 'kafka.api.name'
const APPLICATION_ID = 'kafka.streams.application.id'

/**
 * What {@link KafkaMetrics.observeStreams} reads: a `KafkaStreams` instance (typed structurally,
 * as the client layer does not import the streams layer).
 */
export interface StreamsMetricsSource {
  readonly applicationId: string
  metrics(): {
    recordsProcessed: number
    recordsSkipped: number
    droppedRecords: number
    punctuations: number
    commits: number
    commitLatencyAvgMs: number
    commitLatencyMaxMs: number
    restore: { restoredRecords: number; standbyRecords: number; restorations: number }
    tasks: { active: string[]; restoring: string[]; standby: string[] }
  }
}

interface LagEntry {
  attributes: MetricAttributes
  lag: number
}

/**
 * Subscribes to Peridot's diagnostics channels and records every client in the process into a
 * {@link MetricSink}; created by `openTelemetryMetrics()` or `prometheusMetrics()`.
 */
export class KafkaMetrics {
  readonly #unsubscribe: Array<() => void> = []
  readonly #lag = new Map<string, LagEntry>()
  readonly #streams = new Set<StreamsMetricsSource>()
  #closed = false

  /** Defines the instruments on `sink` and subscribes to the channels. */
  constructor(sink: MetricSink) {
    const requestLatency = sink.histogram({ name: 'kafka.client.request_latency', description: 'Time from sending a request to its response or failure', unit: 'ms', attributes: [CLIENT_ID, BROKER, API] })
    const requestErrors = sink.counter({ name: 'kafka.client.request_error_total', description: 'Requests that failed without a response (timeout, closed connection, undecodable response)', attributes: [CLIENT_ID, BROKER, API] })
    const commitLatency = sink.histogram({ name: 'kafka.consumer.commit_latency', description: 'Time an offset commit (OffsetCommit request) took', unit: 'ms', attributes: [CLIENT_ID] })
    const connections = sink.counter({ name: 'kafka.client.connection_creation_total', description: 'Connections opened to brokers', attributes: [CLIENT_ID, BROKER] })
    const closes = sink.counter({ name: 'kafka.client.connection_close_total', description: 'Connections to brokers closed', attributes: [CLIENT_ID, BROKER] })
    const sent = sink.counter({ name: 'kafka.producer.record_send_total', description: 'Records the brokers acknowledged', attributes: [CLIENT_ID, TOPIC, PARTITION] })
    const sendErrors = sink.counter({ name: 'kafka.producer.record_error_total', description: 'Records whose send failed', attributes: [CLIENT_ID, TOPIC, PARTITION] })
    const consumed = sink.counter({ name: 'kafka.consumer.records_consumed_total', description: 'Offsets fetched by group consumers', attributes: [CLIENT_ID, GROUP, TOPIC, PARTITION] })
    const assigned = sink.counter({ name: 'kafka.consumer.partitions_assigned_total', description: 'Partitions assigned to group consumers', attributes: [CLIENT_ID, GROUP] })
    const revoked = sink.counter({ name: 'kafka.consumer.partitions_revoked_total', description: 'Partitions revoked from group consumers', attributes: [CLIENT_ID, GROUP] })
    const lost = sink.counter({ name: 'kafka.consumer.partitions_lost_total', description: 'Partitions group consumers lost (evicted, poll timeout)', attributes: [CLIENT_ID, GROUP] })
    sink.observe({ name: 'kafka.consumer.records_lag', description: 'Records on the broker beyond the fetch position of an assigned partition, as of its last fetch', attributes: [CLIENT_ID, GROUP, TOPIC, PARTITION] }, 'gauge', () =>
      [...this.#lag.values()].map((e) => ({ value: e.lag, attributes: e.attributes })),
    )
    sink.observe({ name: 'kafka.consumer.records_lag_max', description: 'Largest records_lag over the partitions of a group consumer', attributes: [CLIENT_ID, GROUP] }, 'gauge', () => this.#lagMax())

    this.#on(channelNames.requestEnd, (e: RequestEndEvent) => {
      const attributes = { [CLIENT_ID]: e.clientId, [BROKER]: e.broker, [API]: e.apiName }
      requestLatency(e.durationMs, attributes)
      if (e.error) requestErrors(1, attributes)
      if (e.apiKey === OFFSET_COMMIT_API_KEY && !e.error) commitLatency(e.durationMs, { [CLIENT_ID]: e.clientId })
    })
    this.#on(channelNames.connectionConnect, (e: ConnectionConnectEvent) => connections(1, { [CLIENT_ID]: e.clientId, [BROKER]: e.broker }))
    this.#on(channelNames.connectionClose, (e: ConnectionConnectEvent) => closes(1, { [CLIENT_ID]: e.clientId, [BROKER]: e.broker }))
    this.#on(channelNames.producerBatch, (e: ProducerBatchEvent) => {
      const attributes = { [CLIENT_ID]: e.clientId, [TOPIC]: e.topic, [PARTITION]: String(e.partition) }
      if (e.error) sendErrors(e.records, attributes)
      else sent(e.records, attributes)
    })
    this.#on(channelNames.consumerFetch, (e: ConsumerFetchEvent) => {
      const attributes = { [CLIENT_ID]: e.clientId, [GROUP]: e.groupId, [TOPIC]: e.topic, [PARTITION]: String(e.partition) }
      if (e.records > 0) consumed(e.records, attributes)
      this.#lag.set(lagKey(e.clientId, e.groupId, e.topic, e.partition), { attributes, lag: Number(e.lag) })
    })
    this.#on(channelNames.groupAssigned, (e: GroupPartitionsEvent) => assigned(e.partitions.length, { [CLIENT_ID]: e.clientId, [GROUP]: e.groupId }))
    this.#on(channelNames.groupRevoked, (e: GroupPartitionsEvent) => {
      revoked(e.partitions.length, { [CLIENT_ID]: e.clientId, [GROUP]: e.groupId })
      this.#forgetLag(e)
    })
    this.#on(channelNames.groupLost, (e: GroupPartitionsEvent) => {
      lost(e.partitions.length, { [CLIENT_ID]: e.clientId, [GROUP]: e.groupId })
      this.#forgetLag(e)
    })

    const streams = (name: string, description: string, kind: 'counter' | 'gauge', read: (m: ReturnType<StreamsMetricsSource['metrics']>) => number, unit?: string) =>
      sink.observe({ name, description, unit, attributes: [APPLICATION_ID] }, kind, () => this.#readStreams(read))
    streams('kafka.streams.process_total', 'Records processed by the tasks of the instance', 'counter', (m) => m.recordsProcessed)
    streams('kafka.streams.skipped_records_total', 'Records skipped by exception handlers or for invalid timestamps', 'counter', (m) => m.recordsSkipped)
    streams('kafka.streams.dropped_records_total', 'Records dropped by windowed aggregations (null keys, closed windows)', 'counter', (m) => m.droppedRecords)
    streams('kafka.streams.punctuate_total', 'Punctuations run', 'counter', (m) => m.punctuations)
    streams('kafka.streams.commit_total', 'Commits of the instance', 'counter', (m) => m.commits)
    streams('kafka.streams.commit_latency_avg', 'Average commit time', 'gauge', (m) => m.commitLatencyAvgMs, 'ms')
    streams('kafka.streams.commit_latency_max', 'Longest commit time', 'gauge', (m) => m.commitLatencyMaxMs, 'ms')
    streams('kafka.streams.restore_total', 'Changelog records restored into active tasks', 'counter', (m) => m.restore.restoredRecords)
    streams('kafka.streams.update_total', 'Changelog records applied to standby tasks', 'counter', (m) => m.restore.standbyRecords)
    streams('kafka.streams.active_tasks', 'Active tasks of the instance (restoring included)', 'gauge', (m) => m.tasks.active.length + m.tasks.restoring.length)
    streams('kafka.streams.standby_tasks', 'Standby tasks of the instance', 'gauge', (m) => m.tasks.standby.length)
  }

  /**
   * Reports a `KafkaStreams` instance's metrics (read from `app.metrics()` at each collection)
   * until {@link close} or the returned function is called.
   */
  observeStreams(app: StreamsMetricsSource): () => void {
    this.#streams.add(app)
    return () => void this.#streams.delete(app)
  }

  /** Stops recording: unsubscribes from the channels and forgets observed instances. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const u of this.#unsubscribe.splice(0)) u()
    this.#streams.clear()
    this.#lag.clear()
  }

  #on<E>(name: string, handler: (event: E) => void): void {
    this.#unsubscribe.push(subscribeChannel(name, handler))
  }

  /** A revoked or lost partition's lag is someone else's now. */
  #forgetLag(e: GroupPartitionsEvent): void {
    for (const tp of e.partitions) this.#lag.delete(lagKey(e.clientId, e.groupId, tp.topic, tp.partition))
  }

  #lagMax(): Observation[] {
    const max = new Map<string, Observation>()
    for (const e of this.#lag.values()) {
      const k = `${e.attributes[CLIENT_ID]}\u0000${e.attributes[GROUP]}`
      const o = max.get(k)
      if (!o) max.set(k, { value: e.lag, attributes: { [CLIENT_ID]: e.attributes[CLIENT_ID], [GROUP]: e.attributes[GROUP] } })
      else if (e.lag > o.value) o.value = e.lag
    }
    return [...max.values()]
  }

  #readStreams(read: (m: ReturnType<StreamsMetricsSource['metrics']>) => number): Observation[] {
    return [...this.#streams].map((app) => ({ value: read(app.metrics()), attributes: { [APPLICATION_ID]: app.applicationId } }))
  }
}

function lagKey(clientId: string, groupId: string, topic: string, partition: number): string {
  return `${clientId}\u0000${groupId}\u0000${topic}\u0000${partition}`
}
