/**
 * Client: the entry point. Holds the cluster view and hands out partition
 * clients; also the topic administration a write-ahead-log user needs.
 */
import { pino, type Logger } from 'pino'
import { InvalidArgumentError, KafkaProtocolError } from '../protocol/errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { CreatePartitions } from '../protocol/messages/create-partitions.js'
import { CreateTopics } from '../protocol/messages/create-topics.js'
import { DeleteTopics } from '../protocol/messages/delete-topics.js'
import { DescribeConfigs } from '../protocol/messages/describe-configs.js'
import { ListOffsets } from '../protocol/messages/list-offsets.js'
import { Metadata } from '../protocol/messages/metadata.js'
import { crc32cImplementation } from '../protocol/records/crc32c.js'
import { zstdImplementation } from '../protocol/records/compression/zstd.js'
import { Cluster, type BrokerResolver, type TopicInfo } from './cluster.js'
import type { Connection, ConnectionOptions } from './connection.js'
import { ClientClosedError } from './errors.js'
import { checkTopicName } from './validate.js'
import { DEFAULT_CLOSE_TIMEOUT_MS, OwnedResources, settlesWithin, type Closeable } from './owned-resources.js'
import { DEFAULT_BOOTSTRAP_TIMEOUT_MS } from './bootstrap.js'
import { checkCount } from './producer/producer-options.js'
import { SecurityConfig, type SaslOptions, type TlsOptions } from './security.js'
import { Admin } from './admin/admin.js'
import { PartitionClient } from './partition-client.js'
import { Fetcher, type FetcherOptions, type FetchManyOptions, type FetchManyPartition, type PartitionFetch } from './consumer/fetcher.js'
import { Producer, type ProducerOptions, type TransactionalProducerOptions } from './producer/producer.js'
import { TransactionalProducer } from './producer/transactional-producer.js'
import { GroupConsumer, type GroupConsumerOptions } from './consumer/group-consumer.js'
import { ShareConsumer } from './share/share-consumer.js'
import type { ShareConsumerOptions } from './share/share-consumer-options.js'
import { partitionForKey } from './partitioner.js'
import { DEFAULT_RETRY, isRetriable, type RetryOptions, sleep, withRetry } from './retry.js'

/** Options of {@link Client.connect}. */
export interface ClientOptions {
  /** Bootstrap brokers as `host:port`; the first that answers is used. */
  brokers: string[]
  /** Sent with every request; shows up in broker logs and quotas (default 'peridot'). */
  clientId?: string
  /**
   * TLS options (node:tls: `ca`, `cert`, `key`, `passphrase`, `rejectUnauthorized`, ...), or true
   * for TLS with the system's CAs. Kept out of sight of inspect/JSON (it may hold a private key).
   */
  tls?: TlsOptions
  /**
   * SASL authentication of every connection (after ApiVersions): PLAIN or SCRAM-SHA-256/512.
   * Failures are AuthenticationErrors naming user and mechanism, never the password, which is
   * kept in a private field. Combine with `tls` for SASL_SSL.
   */
  sasl?: SaslOptions
  /**
   * The rack (availability zone) this client runs in, as brokers name theirs in `broker.rack`
   * (Java's `client.rack`). Group consumers send it with their fetches; a cluster with a
   * rack-aware `replica.selector.class` then names a replica in that rack, and the consumer reads
   * from it (KIP-392), falling back to the leader when that replica fails.
   */
  rack?: string
  /** Default 10000 ms. */
  connectTimeoutMs?: number
  /**
   * Overall deadline of {@link Client.connect} (default 30000 ms): the listed brokers are tried
   * in turn (each failure logged at warn) until one answers. Addresses that refuse or do not
   * resolve fail at once when no other address is listed; a server that accepts and never
   * answers fails at the deadline. Either way a {@link BootstrapError} names every address tried.
   */
  bootstrapTimeoutMs?: number
  /**
   * How long {@link Client.close} waits for what it closes (producers flushing, consumers leaving
   * their groups) before failing what is still pending with ClientClosedError (default 5000 ms).
   */
  closeTimeoutMs?: number
  /** Default 30000 ms; fetch and produce add their own broker-side wait to it. */
  requestTimeoutMs?: number
  /** Largest response accepted, in bytes (default 100 MiB). */
  maxFrameBytes?: number
  /** Retries of retriable errors (backoff with jitter). */
  retry?: Partial<RetryOptions>
  /** A pino logger; silent by default (or the level in PERIDOT_LOG_LEVEL). */
  logger?: Logger
  /**
   * Maps each broker's advertised address (from Metadata) to the address to connect to, e.g.
   * `({ host, port }) => ({ host: 'localhost', port: port + 10000 })` behind port forwarding
   * or a proxy. Bootstrap addresses are used as given. Default: the advertised address.
   */
  resolveBroker?: BrokerResolver
}

/** Options of {@link Client.createTopic}. */
export interface CreateTopicOptions {
  /** Default 1. */
  partitions?: number
  /** Default 1; -1 for the broker's default. */
  replicationFactor?: number
  /** Topic configs such as `{ 'retention.ms': '60000' }`. */
  configs?: Record<string, string>
  /** Broker-side timeout (default 30000 ms). */
  timeoutMs?: number
}

let crcLogged = false

/** After the close timeout and closing the connections, how long close() still waits for what it closes to settle. */
const CLOSE_GRACE_MS = 1_000

export class Client implements AsyncDisposable {
  private closed = false
  private closing: Promise<void> | undefined
  private defaultFetcher: Fetcher | undefined
  /** Producers and consumers handed out and not closed yet: close() closes them. */
  private readonly owned = new OwnedResources()

  private constructor(
    /** @internal The cluster view (metadata, connections). */
    readonly cluster: Cluster,
    readonly logger: Logger,
    /** How long close() waits for producers and consumers it closes (ClientOptions.closeTimeoutMs). */
    readonly closeTimeoutMs: number,
  ) {}

  /** Connects to the cluster (bootstrap + metadata). */
  static async connect(options: ClientOptions): Promise<Client> {
    if (!options || !Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new InvalidArgumentError('Client.connect needs { brokers: ["host:port", ...] }')
    }
    const logger = options.logger ?? pino({ name: 'peridot', level: process.env.PERIDOT_LOG_LEVEL ?? 'silent' })
    if (!crcLogged) {
      crcLogged = true
      const impl = crc32cImplementation()
      if (impl === 'native') logger.debug('CRC32C: native implementation (@node-rs/crc32)')
      else logger.warn('CRC32C: JavaScript fallback in use (no prebuilt @node-rs/crc32 binary loaded for this platform)')
      logger.debug(`zstd: ${zstdImplementation() === 'node:zlib' ? "Node's built-in node:zlib" : 'WebAssembly build (this Node has no zstd in node:zlib)'}`)
    }
    for (const name of ['connectTimeoutMs', 'requestTimeoutMs', 'maxFrameBytes', 'bootstrapTimeoutMs'] as const) checkCount(name, options[name], true)
    if (options.rack !== undefined && (typeof options.rack !== 'string' || options.rack === '')) {
      throw new InvalidArgumentError(`rack must be a non-empty string, got ${JSON.stringify(options.rack)}`)
    }
    checkCount('closeTimeoutMs', options.closeTimeoutMs, false)
    let cluster: Cluster
    try {
      cluster = new Cluster({
        brokers: options.brokers,
        clientId: options.clientId ?? 'peridot',
        security: new SecurityConfig({ tls: options.tls, sasl: options.sasl }),
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        maxFrameBytes: options.maxFrameBytes ?? 100 * 1024 * 1024,
        retry: { ...DEFAULT_RETRY, ...options.retry },
        logger,
        resolveBroker: options.resolveBroker,
        rack: options.rack,
      })
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message)
    }
    try {
      await cluster.connect(options.bootstrapTimeoutMs ?? DEFAULT_BOOTSTRAP_TIMEOUT_MS)
    } catch (err) {
      await cluster.close()
      throw err
    }
    return new Client(cluster, logger, options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS)
  }

  private check(): void {
    if (this.closed) throw new ClientClosedError('client is closed')
  }

  /**
   * Sends a controller request, retrying failures to reach it and answers naming NOT_CONTROLLER
   * (the controller moved: metadata names the new one), as the Java AdminClient does; `codesOf`
   * lists the answer's per-resource error codes.
   */
  private onController<R>(send: (conn: Connection) => Promise<R>, codesOf: (res: R) => number[]): Promise<R> {
    return withRetry(
      async () => {
        const res = await send(await this.cluster.controller())
        if (codesOf(res).includes(ErrorCode.NOT_CONTROLLER)) {
          await this.cluster.refreshMetadata([])
          throw new KafkaProtocolError(ErrorCode.NOT_CONTROLLER, 'the controller moved')
        }
        return res
      },
      this.cluster.options.retry,
    )
  }

  /**
   * Creates a topic and waits until every partition has a leader.
   * Throws TOPIC_ALREADY_EXISTS if it exists.
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<void> {
    this.check()
    checkTopicName(name)
    const partitions = options.partitions ?? 1
    const replicationFactor = options.replicationFactor ?? 1
    if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidArgumentError(`partitions must be a positive integer, got ${partitions}`)
    if (!Number.isInteger(replicationFactor) || (replicationFactor < 1 && replicationFactor !== -1)) {
      throw new InvalidArgumentError(`replicationFactor must be a positive integer or -1, got ${replicationFactor}`)
    }
    const configs = Object.entries(options.configs ?? {}).map(([k, v]) => {
      if (typeof v !== 'string') throw new InvalidArgumentError(`config '${k}' must be a string value`)
      return { name: k, value: v }
    })
    const timeoutMs = options.timeoutMs ?? 30_000
    const res = await this.onController(
      (conn) =>
        conn.request(CreateTopics, {
          topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs }],
          timeoutMs,
          validateOnly: false,
        }),
      (r) => r.topics.map((t) => t.errorCode),
    )
    const t = res.topics[0]
    if (!t) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'create topics response without the topic')
    if (t.errorCode !== 0) throw new KafkaProtocolError(t.errorCode, t.errorMessage ?? `topic '${name}'`)
    await this.waitForLeaders(name, partitions, timeoutMs)
  }

  /**
   * Waits until metadata names a leader for every partition and each leader answers for its
   * partitions (ListOffsets): a broker can be named leader a moment before it serves the
   * partition, and a produce refused then would surface as an error to the first writer.
   */
  private async waitForLeaders(name: string, partitions: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        const t = await this.cluster.topic(name, { refresh: true })
        if (t.partitions.length >= partitions && t.partitions.every((p) => p.leader >= 0) && (await this.leadersServe(t))) return
      } catch (err) {
        if (!isRetriable(err)) throw err
      }
      if (Date.now() > deadline) throw new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `topic '${name}' has no leaders after ${timeoutMs} ms`)
      await sleep(50)
    }
  }

  /** True when every partition's leader answers ListOffsets for it without an error. */
  private async leadersServe(t: TopicInfo): Promise<boolean> {
    const byLeader = new Map<number, number[]>()
    for (const p of t.partitions) {
      const parts = byLeader.get(p.leader)
      if (parts) parts.push(p.partition)
      else byLeader.set(p.leader, [p.partition])
    }
    const answers = await Promise.all(
      [...byLeader].map(async ([leader, parts]) => {
        const res = await (await this.cluster.broker(leader)).request(ListOffsets, {
          topics: [{ name: t.name, partitions: parts.map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
        })
        return res.topics.every((rt) => rt.partitions.every((rp) => rp.errorCode === 0))
      }),
    )
    return answers.every(Boolean)
  }

  /**
   * Deletes a topic and waits until brokers no longer report it (deletion
   * propagates asynchronously). Throws UNKNOWN_TOPIC_OR_PARTITION if it does not exist.
   */
  async deleteTopic(name: string, options: { timeoutMs?: number } = {}): Promise<void> {
    this.check()
    checkTopicName(name)
    const timeoutMs = options.timeoutMs ?? 30_000
    const res = await this.onController(
      (conn) => conn.request(DeleteTopics, { topicNames: [name], timeoutMs }),
      (r) => r.responses.map((t) => t.errorCode),
    )
    const t = res.responses[0]
    if (t && t.errorCode !== 0) throw new KafkaProtocolError(t.errorCode, t.errorMessage ?? `topic '${name}'`)
    this.cluster.invalidate(name)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        await this.cluster.topic(name, { refresh: true })
      } catch (err) {
        if (err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) break
        if (!(err instanceof KafkaProtocolError && err.retriable)) throw err
      }
      if (Date.now() > deadline) throw new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, `topic '${name}' still listed ${timeoutMs} ms after deletion`)
      await sleep(50)
    }
    this.cluster.invalidate(name)
  }

  /** Names of the topics in the cluster (internal topics only when asked). */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    this.check()
    const conn = await this.cluster.anyBroker()
    const res = await conn.request(Metadata, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
    return res.topics
      .filter((t) => t.errorCode === 0 && t.name !== null && (options.includeInternal || !t.isInternal))
      .map((t) => t.name as string)
      .sort()
  }

  /** Partitions, leaders and replicas of a topic. */
  async describeTopic(name: string): Promise<TopicInfo> {
    this.check()
    checkTopicName(name)
    return this.cluster.topic(name, { refresh: true })
  }

  /** Grows a topic to `totalCount` partitions. */
  async createPartitions(name: string, totalCount: number, options: { timeoutMs?: number } = {}): Promise<void> {
    this.check()
    checkTopicName(name)
    if (!Number.isInteger(totalCount) || totalCount < 1) throw new InvalidArgumentError(`totalCount must be a positive integer, got ${totalCount}`)
    const timeoutMs = options.timeoutMs ?? 30_000
    const res = await this.onController(
      (conn) => conn.request(CreatePartitions, { topics: [{ name, count: totalCount, assignments: null }], timeoutMs, validateOnly: false }),
      (r) => r.results.map((t) => t.errorCode),
    )
    const r = res.results[0]
    if (r && r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, r.errorMessage ?? `topic '${name}'`)
    await this.waitForLeaders(name, totalCount, timeoutMs)
  }

  /** The effective configs of a topic, as name -> value (null for sensitive values). */
  async describeTopicConfigs(name: string): Promise<Record<string, string | null>> {
    this.check()
    checkTopicName(name)
    const res = await (await this.cluster.anyBroker()).request(DescribeConfigs, {
      resources: [{ resourceType: 2, resourceName: name, configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    })
    const r = res.results[0]
    if (!r) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'describe configs response without the topic')
    if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, r.errorMessage ?? `topic '${name}'`)
    const out: Record<string, string | null> = {}
    for (const c of r.configs) out[c.name] = c.value
    return out
  }

  /**
   * A client for one partition. Fails with UNKNOWN_TOPIC_OR_PARTITION when the
   * topic or partition does not exist.
   */
  async partitionClient(topic: string, partition: number): Promise<PartitionClient> {
    this.check()
    checkTopicName(topic)
    if (!Number.isInteger(partition) || partition < 0) throw new InvalidArgumentError(`partition must be a non-negative integer, got ${partition}`)
    await this.cluster.leader(topic, partition, { refresh: true })
    return new PartitionClient(this.cluster, topic, partition)
  }

  /**
   * A multi-partition fetcher with connections of its own (reused by its consecutive calls).
   * Use one per concurrent reader; `close()` it when done (closing the Client closes it too).
   * It keeps an incremental fetch session (KIP-227) per broker unless `fetchSessions: false`.
   */
  fetcher(options: FetcherOptions = {}): Fetcher {
    this.check()
    return new Fetcher(this.cluster, options)
  }

  /**
   * Fetches several partitions at once: one Fetch request per leader broker, results in the
   * order asked, each with the fields of `PartitionClient.fetchRecords` or an `error` of its own
   * (e.g. UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE). Runs on the Client's default
   * {@link Fetcher}: concurrent callers should take a `fetcher()` each.
   */
  async fetchMany(partitions: readonly FetchManyPartition[], options: FetchManyOptions = {}): Promise<PartitionFetch[]> {
    this.check()
    this.defaultFetcher ??= new Fetcher(this.cluster)
    return this.defaultFetcher.fetch(partitions, options)
  }

  /**
   * A keyed, multi-partition batching producer sharing this client's connections; idempotent
   * unless `idempotent: false` (or `acks: 1`). With a `transactionalId` it is a
   * {@link TransactionalProducer}, as from {@link transactionalProducer}. Closing the client
   * closes (flushes) it, if it is still open.
   */
  producer(options: TransactionalProducerOptions): TransactionalProducer
  producer(options?: ProducerOptions): Producer
  producer(options: ProducerOptions | TransactionalProducerOptions = {}): Producer {
    this.check()
    if (options?.transactionalId !== undefined) return this.owned.add(new TransactionalProducer(this, options as TransactionalProducerOptions))
    return this.owned.add(new Producer(this, options))
  }

  /**
   * A transactional producer: call `init()` once, then `begin()`, `send()`..., `commit()` or
   * `abort()`. A newer producer with the same `transactionalId` fences this one.
   */
  transactionalProducer(options: TransactionalProducerOptions): TransactionalProducer {
    this.check()
    return this.owned.add(new TransactionalProducer(this, options))
  }

  /**
   * Cluster administration (configs, groups and their offsets, partitions, producers and
   * transactions) over this client's connections.
   */
  admin(): Admin {
    this.check()
    return (this.adminInstance ??= new Admin(this, this.cluster))
  }

  private adminInstance: Admin | undefined

  /**
   * A consumer-group member reading `options.topics`; iterate it with
   * `for await`. Call `start()` to join before iterating, `close()` to leave (closing the
   * client makes it leave too).
   */
  groupConsumer(options: GroupConsumerOptions): GroupConsumer {
    this.check()
    return this.owned.add(new GroupConsumer(this.cluster, options, (consumer) => this.untrack(consumer)))
  }

  /**
   * A member of the share group `options.groupId` reading `options.topics` (KIP-932, Kafka
   * 4.1+ with share groups enabled; GA in 4.2): iterate it with `for await` for batches of
   * records, which it shares with the group's other members; acknowledge them implicitly (the
   * default: a batch is accepted when the next is asked for) or one by one
   * (`acknowledgementMode: 'explicit'`). `close()` leaves the group (closing the client does
   * too). Brokers without share groups fail it with UnsupportedVersionError.
   */
  shareConsumer(options: ShareConsumerOptions): ShareConsumer {
    this.check()
    return this.owned.add(new ShareConsumer(this.cluster, options, (consumer) => this.untrack(consumer)))
  }

  /** The partition the Java client's default partitioner picks for `key`. */
  async partitionForKey(topic: string, key: Uint8Array): Promise<number> {
    const t = await this.cluster.topic(topic)
    return partitionForKey(key, t.partitions.length)
  }

  /**
   * Closes what this client handed out, then every connection. Producers flush and consumers
   * leave their groups, all at once, for up to `timeoutMs` (default `closeTimeoutMs`, 5000 ms);
   * then the connections close, and whatever is still pending fails with ClientClosedError
   * (a record that was in flight may have been written: its error's cause is a
   * ProduceOutcomeUnknownError). Every promise of this client settles, and no timer or socket
   * of it is left to keep the process alive. Idempotent: later calls wait for the first.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    try {
      checkCount('timeoutMs', options?.timeoutMs, false)
    } catch (err) {
      return Promise.reject(err)
    }
    this.closed = true
    return (this.closing ??= this.closeWithin(options?.timeoutMs ?? this.closeTimeoutMs))
  }

  private async closeWithin(timeoutMs: number): Promise<void> {
    const children = this.owned.closeAll(timeoutMs)
    if (!(await settlesWithin(children, timeoutMs))) this.logger.warn({ timeoutMs }, 'client close: producers or consumers still closing after the close timeout; closing the connections under them')
    await this.cluster.close()
    // Closed connections fail whatever still waited on them: let those settle before returning.
    if (!(await settlesWithin(children, CLOSE_GRACE_MS))) this.logger.warn('client close: a producer or consumer did not finish closing')
  }

  /** @internal A producer closed on its own: the client no longer closes it. */
  untrack(resource: Closeable): void {
    this.owned.delete(resource)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
