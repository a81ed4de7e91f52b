/**
 * Cluster view: bootstrap, metadata cache, one connection per broker, and
 * leader lookup. Metadata is refreshed on demand (after leader errors) and
 * concurrent refreshes share one request.
 */
import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import { KafkaProtocolError } from '../protocol/errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { ZERO_UUID } from '../protocol/messages/flexible.js'
import { Metadata, type MetadataResponse } from '../protocol/messages/metadata.js'
import { Connection, type ConnectionOptions } from './connection.js'
import { ClientClosedError, ConnectionError } from './errors.js'
import { withSecurity, type SecurityConfig } from './security.js'
import { DEFAULT_RETRY, type RetryOptions, withRetry } from './retry.js'
import { bootstrapCluster, DEFAULT_BOOTSTRAP_TIMEOUT_MS } from './bootstrap.js'

export interface BrokerAddress {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** What the client knows of one partition. */
export interface PartitionInfo {
  partition: number
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
}

/** What the client knows of one topic. */
export interface TopicInfo {
  name: string
  /** All-zero UUID when the broker does not report topic ids. */
  topicId: string
  isInternal: boolean
  partitions: PartitionInfo[]
}

export interface ClusterOptions {
  brokers: string[]
  clientId: string
  connectTimeoutMs: number
  requestTimeoutMs: number
  maxFrameBytes: number
  tls?: ConnectionOptions['tls']
  /** TLS and SASL with the secrets out of sight (takes precedence over `tls`). */
  security?: SecurityConfig
  retry: RetryOptions
  logger: Logger
  /** Maps the address a broker advertises in Metadata to the one to connect to (see ClientOptions). */
  resolveBroker?: BrokerResolver
  /** The client's rack (KIP-392), sent with fetches so the leader can name a replica in it. */
  rack?: string
}

/**
 * Maps a broker's advertised address to the address the client connects to: for proxies,
 * port forwarding or NAT, where the advertised listener is not reachable as is.
 */
export type BrokerResolver = (advertised: { nodeId: number; host: string; port: number }) => { host: string; port: number }

/**
 * The all-zero UUID ("no topic id"), defined once in the protocol layer. Re-exported for
 * modules of this folder that still import it from here; new code imports it from the protocol layer.
 */
export { ZERO_UUID }

/** The lane shared by short requests (metadata, produce, admin). */
export const DEFAULT_LANE = 'main'

/** Parses `host:port` (IPv6 as `[::1]:9092`). */
export function parseBrokerAddress(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s)
  if (!m) throw new TypeError(`invalid broker address '${s}': expected host:port`)
  const port = Number(m[2])
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new TypeError(`invalid port in broker address '${s}'`)
  return { host: m[1], port }
}

export class Cluster {
  private readonly bootstrap: Array<{ host: string; port: number }>
  private brokers = new Map<number, BrokerAddress>()
  private topics = new Map<string, TopicInfo>()
  private connections = new Map<string, Promise<Connection>>()
  private refreshing: Promise<void> | undefined
  private closed = false
  /** Aborted by close(): connection attempts and retry backoffs end at once instead of keeping the process alive. */
  private readonly closing = new AbortController()
  clusterId: string | null = null
  controllerId = -1

  constructor(readonly options: ClusterOptions) {
    if (options.brokers.length === 0) throw new TypeError('at least one bootstrap broker is required')
    this.bootstrap = options.brokers.map(parseBrokerAddress)
    const userSignal = options.retry.signal
    const retrySignal = userSignal ? AbortSignal.any([userSignal, this.closing.signal]) : this.closing.signal
    // Every concurrent connection attempt and retry backoff listens: no leak warning for many.
    setMaxListeners(0, this.closing.signal, retrySignal)
    this.options = { ...options, retry: { ...options.retry, signal: retrySignal } }
  }

  get logger(): Logger {
    return this.options.logger
  }

  /**
   * Connects to the first bootstrap broker that answers and loads cluster metadata, within
   * `deadlineMs` overall (see {@link bootstrapCluster}).
   */
  async connect(deadlineMs = DEFAULT_BOOTSTRAP_TIMEOUT_MS): Promise<void> {
    const res = await bootstrapCluster(this.bootstrap, deadlineMs, {
      logger: this.logger,
      requestTimeoutMs: this.options.requestTimeoutMs,
      retry: this.options.retry,
      closeSignal: this.closing.signal,
      connect: (host, port, signal) => this.connectionTo(host, port, DEFAULT_LANE, signal),
    })
    this.apply(res)
  }

  private connectionKey(host: string, port: number, lane: string): string {
    return `${host}:${port}#${lane}`
  }

  /**
   * A connection to `host:port` on a lane, opened on first use and reopened after failure.
   * A broker handles one request per connection at a time, so requests that park
   * on the broker (long-poll Fetch, JoinGroup) get their own lane instead of
   * delaying everyone else's.
   */
  private connectionTo(host: string, port: number, lane = DEFAULT_LANE, signal?: AbortSignal): Promise<Connection> {
    if (this.closed) return Promise.reject(new ClientClosedError('client is closed'))
    const key = this.connectionKey(host, port, lane)
    const existing = this.connections.get(key)
    if (existing) {
      return existing.then(
        (c) => (c.isOpen ? c : this.reopen(key, host, port, existing, signal)),
        () => this.reopen(key, host, port, existing, signal),
      )
    }
    return this.reopen(key, host, port, undefined, signal)
  }

  /** Opens a connection; `signal` (e.g. a bootstrap deadline) may abandon it besides close(). */
  private reopen(key: string, host: string, port: number, stale: Promise<Connection> | undefined, signal?: AbortSignal): Promise<Connection> {
    if (this.closed) return Promise.reject(new ClientClosedError('client is closed'))
    const current = this.connections.get(key)
    if (current && current !== stale) return current
    const o = this.options
    const p = Connection.connect(
      withSecurity(
        {
          host,
          port,
          clientId: o.clientId,
          tls: o.tls,
          connectTimeoutMs: o.connectTimeoutMs,
          requestTimeoutMs: o.requestTimeoutMs,
          maxFrameBytes: o.maxFrameBytes,
          logger: o.logger,
        },
        o.security,
      ),
      signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal,
    )
    this.connections.set(key, p)
    p.catch(() => {
      if (this.connections.get(key) === p) this.connections.delete(key)
    })
    return p
  }

  /** Connection to broker `nodeId` (from metadata), on `lane` (default: the shared one). */
  async broker(nodeId: number, lane?: string): Promise<Connection> {
    let b = this.brokers.get(nodeId)
    if (!b) {
      await this.refreshMetadata()
      b = this.brokers.get(nodeId)
      if (!b) throw new ConnectionError(`broker ${nodeId} is not in the cluster metadata`, { requestMayHaveBeenSent: false })
    }
    return this.connectionTo(b.host, b.port, lane)
  }

  private laneCount = 0

  /** A new lane name, unique in this cluster: a set of connections of its own. */
  newLane(prefix: string): string {
    return `${prefix}-${this.laneCount++}`
  }

  /** Closes every connection of a lane (when its owner, e.g. a consumer, closes). */
  async releaseLane(lane: string): Promise<void> {
    for (const [k, p] of [...this.connections]) {
      if (!k.endsWith(`#${lane}`)) continue
      this.connections.delete(k)
      ;(await p.catch(() => undefined))?.close()
    }
  }

  /** Any reachable broker: known brokers first, then the bootstrap list. */
  async anyBroker(): Promise<Connection> {
    for (const [k, p] of this.connections) {
      if (!k.endsWith(`#${DEFAULT_LANE}`)) continue
      const c = await p.catch(() => undefined)
      if (c?.isOpen) return c
    }
    const candidates = [...this.brokers.values(), ...this.bootstrap]
    let last: unknown
    for (const b of candidates) {
      try {
        return await this.connectionTo(b.host, b.port)
      } catch (err) {
        last = err
        this.logger.debug({ broker: `${b.host}:${b.port}`, err }, 'broker unreachable')
      }
    }
    throw last instanceof Error ? last : new ConnectionError('no broker reachable', { requestMayHaveBeenSent: false })
  }

  /** The controller (KRaft brokers forward admin requests, so any broker serves when unknown). */
  async controller(): Promise<Connection> {
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId)) {
      try {
        return await this.broker(this.controllerId)
      } catch {
        // fall through to any broker
      }
    }
    return this.anyBroker()
  }

  /**
   * Loads metadata for `topics` (all known topics when omitted, none for []).
   * Concurrent calls share one request.
   */
  refreshMetadata(topics?: string[]): Promise<void> {
    if (this.refreshing && topics === undefined) return this.refreshing
    const names = topics ?? [...this.topics.keys()]
    const run = withRetry(
      async () => {
        const conn = await this.anyBroker()
        const res = await conn.request(Metadata, {
          topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        })
        this.apply(res)
      },
      this.options.retry,
    )
    if (topics === undefined) {
      this.refreshing = run.finally(() => {
        this.refreshing = undefined
      })
      return this.refreshing
    }
    return run
  }

  private apply(res: MetadataResponse): void {
    const resolve = this.options.resolveBroker
    this.brokers = new Map(
      res.brokers.map((b) => {
        const at = resolve ? resolve({ nodeId: b.nodeId, host: b.host, port: b.port }) : b
        return [b.nodeId, { nodeId: b.nodeId, host: at.host, port: at.port, rack: b.rack ?? null }]
      }),
    )
    this.clusterId = res.clusterId ?? null
    this.controllerId = res.controllerId
    for (const t of res.topics) {
      if (t.name === null) continue
      if (t.errorCode !== 0) {
        this.topics.delete(t.name)
        continue
      }
      this.topics.set(t.name, {
        name: t.name,
        topicId: t.topicId ?? ZERO_UUID,
        isInternal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
          }))
          .sort((a, b) => a.partition - b.partition),
      })
    }
  }

  /** Fetches metadata of one topic; throws UNKNOWN_TOPIC_OR_PARTITION if it does not exist. */
  async topic(name: string, opts: { refresh?: boolean } = {}): Promise<TopicInfo> {
    let t = opts.refresh ? undefined : this.topics.get(name)
    if (!t) {
      const conn = await this.anyBroker()
      const res = await conn.request(Metadata, {
        topics: [{ name, topicId: ZERO_UUID }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      })
      this.apply(res)
      const entry = res.topics.find((x) => x.name === name)
      if (entry && entry.errorCode !== 0) throw new KafkaProtocolError(entry.errorCode, `topic '${name}'`)
      t = this.topics.get(name)
      if (!t) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}'`)
    }
    return t
  }

  /** Leader of a partition, from the cache unless `refresh`. */
  async leader(topic: string, partition: number, opts: { refresh?: boolean } = {}): Promise<PartitionInfo> {
    const t = await this.topic(topic, opts)
    const p = t.partitions[partition]?.partition === partition ? t.partitions[partition] : t.partitions.find((x) => x.partition === partition)
    if (!p) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${partition} of topic '${topic}' does not exist`)
    if (p.leader < 0) throw new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `partition ${topic}-${partition} has no leader`)
    return p
  }

  /** Forgets what is cached of a topic (after a leader error). */
  invalidate(topic: string): void {
    this.topics.delete(topic)
  }

  knownBrokers(): BrokerAddress[] {
    return [...this.brokers.values()]
  }

  /** Closes every connection; attempts still connecting and retry backoffs end with ClientClosedError. */
  async close(): Promise<void> {
    this.closed = true
    const reason = new ClientClosedError('client is closed')
    if (!this.closing.signal.aborted) this.closing.abort(reason)
    const conns = [...this.connections.values()]
    this.connections.clear()
    for (const p of conns) {
      const c = await p.catch(() => undefined)
      c?.close(reason)
    }
  }
}

export { DEFAULT_RETRY }
