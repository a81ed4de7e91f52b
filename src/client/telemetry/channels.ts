/**
 * `node:diagnostics_channel` events of the client. Publishing sites check `hasSubscribers`
 * first, so with nobody listening an event costs one property read and builds no message.
 *
 * Channel names (stable, documented in the README):
 * - `peridot:connection:connect` {@link ConnectionConnectEvent}
 * - `peridot:connection:close` {@link ConnectionCloseEvent}
 * - `peridot:request:start` {@link RequestStartEvent}
 * - `peridot:request:end` {@link RequestEndEvent}
 * - `peridot:producer:batch` {@link ProducerBatchEvent}
 * - `peridot:consumer:fetch` {@link ConsumerFetchEvent}
 * - `peridot:group:assigned` / `peridot:group:revoked` / `peridot:group:lost` {@link GroupPartitionsEvent}
 * - `peridot:producer:send` / `peridot:producer:send:end` {@link ProducerSendEvent} (tracing)
 * - `peridot:streams:process` / `peridot:streams:process:end` {@link StreamsProcessEvent} (tracing)
 * - `peridot:consumer:receive` {@link ConsumerReceiveEvent} (tracing)
 */
import diagnostics_channel from 'node:diagnostics_channel'
import type { RecordHeaders } from '../../protocol/records/index.js'
import type { GroupBatch } from '../consumer/group-consumer.js'
import type { ProducerRecord } from '../producer/producer.js'

/** A connection to a broker opened (API versions negotiated, authenticated). */
export interface ConnectionConnectEvent {
  clientId: string
  /** `host:port` of the broker. */
  broker: string
}

/** A connection to a broker closed (by the client, the broker, a timeout or bad bytes). */
export interface ConnectionCloseEvent {
  clientId: string
  broker: string
  /** Why it closed. */
  error: Error
}

/** A request is about to be written. */
export interface RequestStartEvent {
  clientId: string
  broker: string
  /** Kafka API key (0 Produce, 1 Fetch, 8 OffsetCommit, ...). */
  apiKey: number
  /** API name, e.g. `Produce`. */
  apiName: string
  apiVersion: number
  correlationId: number
}

/** A request got its response or failed; never published for acks=0 produce requests. */
export interface RequestEndEvent extends RequestStartEvent {
  /** Milliseconds from writing the request to its response or failure. */
  durationMs: number
  /** Set when the request failed (timeout, closed connection, undecodable response). */
  error?: Error
}

/** A producer batch settled: all its records were acknowledged or all failed. */
export interface ProducerBatchEvent {
  clientId: string
  topic: string
  partition: number
  records: number
  /** Set when the batch's records failed. */
  error?: Error
}

/** A group consumer received one partition's fetch response (possibly empty). */
export interface ConsumerFetchEvent {
  clientId: string
  groupId: string
  topic: string
  partition: number
  /** Offsets fetched (next offset minus fetch offset; control records and gaps included). */
  records: number
  /** Records left on the broker after this response: end offset (HWM, LSO under read_committed) minus the next fetch offset. */
  lag: bigint
}

/** Partitions assigned to, revoked from, or lost by a group consumer (lost: evicted or poll timeout, not committed). */
export interface GroupPartitionsEvent {
  clientId: string
  groupId: string
  partitions: Array<{ topic: string; partition: number }>
}

/**
 * A `send()` or `sendBatch()` call (or a record written to a producer's `writable()`), published
 * before its records are validated and queued, and again on `...:send:end` once they are all
 * acknowledged or the call failed (the same object, with `error` then). A subscriber may replace
 * `records` with copies (tracing puts the W3C trace context in their headers); it must not change
 * the objects in it, which are the caller's.
 */
export interface ProducerSendEvent {
  clientId: string
  records: readonly ProducerRecord[]
  /** Set on `...:send:end` when the call failed. */
  error?: unknown
}

/**
 * A Kafka Streams task is about to process one consumed record (published again on
 * `...:process:end`, the same object, with `error` when processing threw). A subscriber may set
 * `bind`: the task then runs the record's processing inside it (tracing makes its span the
 * active one there, so records sent meanwhile are its children).
 */
export interface StreamsProcessEvent {
  applicationId: string
  taskId: string
  topic: string
  partition: number
  offset: bigint
  headers: RecordHeaders
  bind?: <T>(fn: () => T) => T
  /** Set on `...:process:end` when processing threw. */
  error?: unknown
}

/** A group consumer hands out a batch (from `next()` or its iterator). Read it with `batch.cursor()`: `batch.records` keeps a decoded copy. */
export interface ConsumerReceiveEvent {
  clientId: string
  groupId: string
  batch: GroupBatch
}

/** The documented channel names. */
export const channelNames = {
  connectionConnect: 'peridot:connection:connect',
  connectionClose: 'peridot:connection:close',
  requestStart: 'peridot:request:start',
  requestEnd: 'peridot:request:end',
  producerBatch: 'peridot:producer:batch',
  consumerFetch: 'peridot:consumer:fetch',
  groupAssigned: 'peridot:group:assigned',
  groupRevoked: 'peridot:group:revoked',
  groupLost: 'peridot:group:lost',
  producerSend: 'peridot:producer:send',
  producerSendEnd: 'peridot:producer:send:end',
  streamsProcess: 'peridot:streams:process',
  streamsProcessEnd: 'peridot:streams:process:end',
  consumerReceive: 'peridot:consumer:receive',
} as const

/** The channels, looked up once (diagnostics_channel.channel returns the same object per name). */
export const channels = {
  connectionConnect: diagnostics_channel.channel(channelNames.connectionConnect),
  connectionClose: diagnostics_channel.channel(channelNames.connectionClose),
  requestStart: diagnostics_channel.channel(channelNames.requestStart),
  requestEnd: diagnostics_channel.channel(channelNames.requestEnd),
  producerBatch: diagnostics_channel.channel(channelNames.producerBatch),
  consumerFetch: diagnostics_channel.channel(channelNames.consumerFetch),
  groupAssigned: diagnostics_channel.channel(channelNames.groupAssigned),
  groupRevoked: diagnostics_channel.channel(channelNames.groupRevoked),
  groupLost: diagnostics_channel.channel(channelNames.groupLost),
  producerSend: diagnostics_channel.channel(channelNames.producerSend),
  producerSendEnd: diagnostics_channel.channel(channelNames.producerSendEnd),
  streamsProcess: diagnostics_channel.channel(channelNames.streamsProcess),
  streamsProcessEnd: diagnostics_channel.channel(channelNames.streamsProcessEnd),
  consumerReceive: diagnostics_channel.channel(channelNames.consumerReceive),
}

/** Subscribes `handler` to channel `name`; returns the unsubscribe function. */
export function subscribeChannel<E>(name: string, handler: (event: E) => void): () => void {
  const listener = (message: unknown) => handler(message as E)
  diagnostics_channel.subscribe(name, listener)
  return () => diagnostics_channel.unsubscribe(name, listener)
}

/**
 * Runs a producer send through the `peridot:producer:send` channels (call it only when
 * `channels.producerSend.hasSubscribers`): `send` gets the records as the subscribers left them.
 */
export function publishedSend<T>(clientId: string, records: readonly ProducerRecord[], send: (records: readonly ProducerRecord[]) => Promise<T>): Promise<T> {
  const event: ProducerSendEvent = { clientId, records }
  channels.producerSend.publish(event)
  const p = send(event.records)
  p.then(
    () => channels.producerSendEnd.publish(event),
    (error: unknown) => {
      event.error = error
      channels.producerSendEnd.publish(event)
    },
  )
  return p
}

/**
 * Runs a streams task's processing of one record through the `peridot:streams:process` channels
 * (call it only when `channels.streamsProcess.hasSubscribers`).
 */
export function publishedProcess<T>(event: StreamsProcessEvent, run: () => T): T {
  channels.streamsProcess.publish(event)
  try {
    const result = event.bind === undefined ? run() : event.bind(run)
    channels.streamsProcessEnd.publish(event)
    return result
  } catch (error) {
    event.error = error
    channels.streamsProcessEnd.publish(event)
    throw error
  }
}
