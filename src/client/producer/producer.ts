/**
 * Producer: keyed, multi-partition sends. Records are placed with the Java client's murmur2
 * partitioner (or a user partitioner); records without a key stick to one partition until a
 * batch's worth has gone there (as the Java client's sticky partitioner does).
 *
 * Records collect per partition in a RecordAccumulator; a Sender drains them per leader
 * broker into one Produce request. Idempotent by default (the broker de-duplicates retries,
 * so lost connections and timeouts are retried safely); with a `transactionalId` it is a
 * {@link TransactionalProducer}.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import type { CompressionCodec } from '../../protocol/records/compression/index.js'
import type { ProduceRecord, RecordHeaders } from '../../protocol/records/index.js'
import type { Client } from '../client.js'
import { ClientClosedError } from '../errors.js'
import { partitionForKey } from '../partitioner.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import { validateTopicRecord } from '../validate.js'
import { RecordAccumulator, offsetInBatch, type PartitionQueue, type PendingRecord } from './accumulator.js'
import { estimateRecordSize, recordFits, recordSizeRefusal } from './record-size.js'
import type { BudgetWaiter } from './byte-budget.js'
import type { RecordTooLargeError } from './errors.js'
import { ProducerWritable, type ProducerWritableOptions } from './producer-writable.js'
import { checkCount, checkProducerOptions } from './producer-options.js'
import { settlesWithin, untilAborted } from '../owned-resources.js'
import { Sender } from './sender.js'
import { channels, publishedSend } from '../telemetry/channels.js'
import { TransactionManager } from './transaction-manager.js'
import { LastOffsetsOutcome, MetadataOutcome, type PartitionLastOffset, type RecordMetadata, type SendOutcome } from './send-outcomes.js'

/** One record to send with {@link Producer.send}. A string key or value is sent as its UTF-8 bytes. */
export interface ProducerRecord {
  topic: string
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: RecordHeaders
  timestamp?: number
  /** Explicit partition; otherwise the partitioner picks one. */
  partition?: number
}

export type { PartitionLastOffset, RecordMetadata } from './send-outcomes.js'

/** Picks a partition for a keyed record. */
export type Partitioner = (topic: string, key: Buffer, numPartitions: number) => number

/** Options of {@link Producer}. */
export interface ProducerOptions {
  /** How long a record may wait for more to join its batch (default 5 ms). */
  lingerMs?: number
  /** A partition's batch is sent once its records reach this size (default 1 MiB). */
  maxBatchBytes?: number
  /**
   * Bytes of records buffered or in flight, over all partitions, before `send` waits (default
   * 32 MiB; Java's buffer.memory). A waiting send keeps a reference to its record, no copy.
   */
  maxBufferedBytes?: number
  /**
   * How long a send waits for buffer space before it fails with {@link BufferExhaustedError}
   * (default 60000 ms; Java's max.block.ms). 0 fails at once when the buffer is full. For a
   * transactional producer, also how long coordinator calls (init, commit, abort, sendOffsets)
   * retry before failing.
   */
  maxBlockMs?: number
  /**
   * The largest record accepted, in bytes once serialized with its batch header (default 1 MiB;
   * Java's max.request.size). A larger record fails at once with {@link RecordTooLargeError}
   * instead of being sent: the broker refuses records above its `message.max.bytes` (1 MiB by
   * default) and drops connections whose request exceeds `socket.request.max.bytes`. (How many
   * batches share one Produce request is `maxRequestBytes`.)
   */
  maxRequestSize?: number
  /** Produce requests in flight per broker, and batches per partition (default 5; at most 5 when idempotent). */
  maxInFlight?: number
  compression?: CompressionCodec
  /** -1 (all in-sync replicas, default) or 1. Idempotence needs -1: acks 1 turns the default idempotence off. */
  acks?: -1 | 1
  /** Broker-side produce timeout (default 30000 ms). */
  timeoutMs?: number
  /**
   * Re-sends of a failed batch. Default: unlimited for idempotent producers (bounded by
   * `deliveryTimeoutMs`), 10 otherwise, where only batches certainly not written are re-sent.
   */
  retries?: number
  /** A record fails once this long has passed since it was batched (default 120000 ms, as the Java client). */
  deliveryTimeoutMs?: number
  /** Upper bound of batch bytes in one Produce request (default 16 MiB; one batch always fits). */
  maxRequestBytes?: number
  /**
   * Idempotent delivery (default true, as the Java client since 3.0): a producer id from the
   * cluster and per-partition sequence numbers let the broker drop duplicates, so retries after
   * timeouts and lost connections cannot write a record twice or reorder a partition.
   * `false` for the previous behaviour (a lost answer is a ProduceOutcomeUnknownError).
   */
  idempotent?: boolean
  /** Default: murmur2, byte-compatible with the Java client. */
  partitioner?: Partitioner
  /** Makes this a transactional producer (see {@link TransactionalProducerOptions}). */
  transactionalId?: string
}

/** Options of {@link TransactionalProducer} (`client.transactionalProducer()`). */
export interface TransactionalProducerOptions extends Omit<ProducerOptions, 'idempotent' | 'transactionalId'> {
  /** Identifies the producer across restarts: a new instance with the same id fences the old one. */
  transactionalId: string
  /** The coordinator aborts a transaction open longer than this (default 60000 ms). */
  transactionTimeoutMs?: number
}

/**
 * How long a topic's partition count is used before it is read again from the cluster's
 * metadata cache (in the background: sends keep using the known count meanwhile, so a loop of
 * sends that lasts longer than this never waits on metadata).
 */
const TOPIC_INFO_TTL_MS = 1000

/**
 * One send: its promise, and while it waits for buffer space, a reference to its record (no
 * copy, no closure): the constant a waiting send costs.
 */
class SingleRecord implements PendingRecord, BudgetWaiter {
  deadline = 0
  resolveSend!: (m: RecordMetadata) => void
  reject!: (err: Error) => void
  readonly promise: Promise<RecordMetadata>

  constructor(
    readonly size: number,
    private readonly producer: Producer,
    private readonly q: PartitionQueue,
    private record: ProduceRecord | undefined,
    private readonly generation: number | undefined,
    /** Called once the record is in a batch (the writable stream's backpressure). */
    private readonly onAdmitted: (() => void) | undefined,
  ) {
    this.promise = new Promise<RecordMetadata>((resolve, reject) => {
      this.resolveSend = resolve
      this.reject = reject
    })
  }

  resolve(base: bigint, index: number): void {
    this.resolveSend({ topic: this.q.topic, partition: this.q.partition, offset: offsetInBatch(base, index) })
  }

  nextSize(): number {
    return this.size
  }

  admitNext(): boolean {
    const record = this.record!
    this.record = undefined
    this.producer.appendAdmitted(this.q, record, this, this.size, this.generation)
    this.onAdmitted?.()
    return true
  }

  refuse(err: Error): void {
    this.record = undefined
    this.reject(err)
  }
}

/**
 * The records of one sendBatch-style call, admitted into their partitions' batches in array
 * order as budget allows (one waiter per call; no closure and no pending-record array per call).
 */
class BatchDispatch<T> implements BudgetWaiter {
  deadline = 0
  #next = 0
  /** The queue of the record admitted last: consecutive records mostly share one. */
  #queue: PartitionQueue | undefined

  constructor(
    private readonly producer: Producer,
    private readonly records: readonly ProducerRecord[],
    private readonly partitions: readonly number[],
    private readonly sizes: readonly number[],
    private readonly out: SendOutcome<T>,
    private readonly generation: number | undefined,
  ) {}

  nextSize(): number {
    return this.sizes[this.#next]
  }

  admitNext(): boolean {
    const i = this.#next++
    const r = this.records[i]
    const partition = this.partitions[i]
    let q = this.#queue
    if (q === undefined || q.partition !== partition || q.topic !== r.topic) this.#queue = q = this.producer.queueFor(r.topic, partition)
    this.producer.appendAdmitted(q, r, this.out.item(i, r.topic, partition), this.sizes[i], this.generation)
    return this.#next >= this.records.length
  }

  refuse(err: Error): void {
    for (let i = this.#next; i < this.records.length; i++) this.out.item(i, this.records[i].topic, this.partitions[i]).reject(err)
  }
}

const newMetadataOutcome = (n: number): SendOutcome<RecordMetadata[]> => new MetadataOutcome(n)
const newLastOffsetsOutcome = (n: number): SendOutcome<PartitionLastOffset[]> => new LastOffsetsOutcome(n)

function nonNegativeInt(name: string, v: number | undefined, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt
  if (!Number.isInteger(v) || v < 0 || (!allowZero && v === 0)) {
    throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(v)}`)
  }
  return v
}

/**
 * Keyed, batching producer over all partitions of any topics (`client.producer()`): idempotent
 * unless `idempotent: false`. `send()` resolves once the record's batch is acknowledged;
 * `flush()` waits for everything sent so far; `close()` flushes and releases its connections.
 */
/** How long a send waits for the metadata of a topic never seen while no broker answers. */
const METADATA_WAIT_MS = 60_000

export class Producer implements AsyncDisposable {
  /** Partition queues by topic, indexed by partition (the synchronous fast path). */
  private readonly queuesByTopic = new Map<string, PartitionQueue[]>()
  /** Partition counts recently read from the cluster's metadata cache. */
  private readonly topicInfo = new Map<string, { partitions: number; at: number }>()
  /** Topics whose partition count is being read again. */
  private readonly refreshing = new Set<string>()
  /** Sends on the slow path not yet handed over: later sends must not overtake them. */
  private slowSends = 0
  /** Settles when the latest slow-path send has handed its records over. */
  private slowTail: Promise<void> = Promise.resolve()
  private readonly sticky = new Map<string, { partition: number; bytes: number }>()
  private closed = false
  private closing: Promise<void> | undefined
  /** Aborted (with a ClientClosedError) when close() gave up waiting: sends still waiting fail with it. */
  private readonly abandoned = new AbortController()
  private readonly maxBatchBytes: number
  private readonly maxRequestSize: number
  private readonly maxBufferedBytes: number
  protected readonly accumulator: RecordAccumulator
  protected readonly sender: Sender
  /** Set for transactional producers. */
  protected readonly txn: TransactionManager | undefined
  /** Whether the broker de-duplicates this producer's retries. */
  readonly idempotent: boolean

  /** Use `client.producer()` or `client.transactionalProducer()`. */
  constructor(
    private readonly client: Client,
    private readonly options: ProducerOptions & { transactionTimeoutMs?: number; maxBlockMs?: number } = {},
  ) {
    checkProducerOptions(options, client.cluster.options.requestTimeoutMs)
    const acks = options.acks ?? -1
    if (acks !== -1 && acks !== 1) throw new InvalidArgumentError(`acks must be -1 or 1, got ${String(acks)}`)
    const transactionalId = options.transactionalId
    if (transactionalId !== undefined && (typeof transactionalId !== 'string' || transactionalId.length === 0)) {
      throw new InvalidArgumentError('transactionalId must be a non-empty string')
    }
    // As the Java client: idempotence is on unless turned off or acks=1 without asking for it.
    const idempotent = transactionalId !== undefined || (options.idempotent ?? acks === -1)
    if (idempotent && acks !== -1) throw new InvalidArgumentError('an idempotent or transactional producer needs acks = -1')
    if (transactionalId !== undefined && options.idempotent === false) throw new InvalidArgumentError('a transactional producer is always idempotent')
    const maxInFlight = nonNegativeInt('maxInFlight', options.maxInFlight, 5)
    if (idempotent && maxInFlight > 5) throw new InvalidArgumentError(`an idempotent producer allows at most 5 requests in flight, got ${maxInFlight}`)
    this.idempotent = idempotent
    this.maxBatchBytes = nonNegativeInt('maxBatchBytes', options.maxBatchBytes, 1 << 20)
    this.maxRequestSize = nonNegativeInt('maxRequestSize', options.maxRequestSize, 1 << 20)
    this.maxBufferedBytes = nonNegativeInt('maxBufferedBytes', options.maxBufferedBytes, 32 << 20)
    const maxBlockMs = nonNegativeInt('maxBlockMs', options.maxBlockMs, 60_000, true)
    this.accumulator = new RecordAccumulator(
      {
        lingerMs: nonNegativeInt('lingerMs', options.lingerMs, 5, true),
        maxBatchBytes: this.maxBatchBytes,
        maxBufferedBytes: this.maxBufferedBytes,
        maxBlockMs,
        clientId: client.cluster.options.clientId,
      },
      () => this.sender.wake(),
    )
    const cluster = client.cluster
    this.txn =
      transactionalId === undefined
        ? undefined
        : new TransactionManager(
            cluster,
            transactionalId,
            nonNegativeInt('transactionTimeoutMs', options.transactionTimeoutMs, 60_000),
            maxBlockMs,
          )
    this.sender = new Sender(
      cluster,
      this.accumulator,
      {
        acks,
        timeoutMs: nonNegativeInt('timeoutMs', options.timeoutMs, 30_000, true),
        compression: options.compression ?? 'none',
        maxInFlight,
        retries: nonNegativeInt('retries', options.retries, idempotent ? Number.MAX_SAFE_INTEGER : 10, true),
        deliveryTimeoutMs: nonNegativeInt('deliveryTimeoutMs', options.deliveryTimeoutMs, 120_000),
        maxRequestBytes: nonNegativeInt('maxRequestBytes', options.maxRequestBytes, 16 << 20),
        idempotent,
      },
      this.txn,
    )
    this.txn?.attach(this.sender, this.accumulator, () => this.flush())
  }

  /** Bytes of records buffered or in flight. */
  get buffered(): number {
    return this.accumulator.budget.used
  }

  /** Why a send must be refused now (closed, or the transaction state does not allow it). */
  private refusal(): Error | undefined {
    if (this.closed) return new ClientClosedError('producer is closed')
    return this.txn?.sendError()
  }

  /**
   * Sends one record; resolves with where it was written once its batch is acknowledged.
   * While the producer's buffer is full the record waits its turn (up to `maxBlockMs`, then
   * {@link BufferExhaustedError}); a record above `maxRequestSize` fails at once with
   * {@link RecordTooLargeError}. For bulk loads, {@link Producer.writable} applies backpressure
   * to the writer instead of queueing every record.
   */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return this.sendThen(record, undefined)
  }

  /** The client id, for the diagnostics channels. */
  private get clientId(): string {
    return this.client.cluster.options.clientId ?? ''
  }

  /**
   * A Writable stream (object mode) that sends each record written to it to `topic` (a
   * record's own `topic` must be absent or the same). A write completes once its record is in
   * the producer's buffer, so the writer is held back while the buffer (`maxBufferedBytes`) is
   * full: at most `highWaterMark` records wait in the stream beyond it. The stream finishes
   * once every record written is acknowledged, and is destroyed with the first send's error.
   *
   * ```ts
   * await pipeline(Readable.from(records), producer.writable('events'))
   * ```
   */
  writable(topic: string, options: ProducerWritableOptions = {}): ProducerWritable {
    if (typeof topic !== 'string' || topic.length === 0) throw new InvalidArgumentError('writable needs a topic name')
    return new ProducerWritable(topic, (record, onAdmitted) => this.sendThen(record, onAdmitted), options)
  }

  /** {@link send}, calling `onAdmitted` once the record is in a batch (not when it fails before). */
  private sendThen(record: ProducerRecord, onAdmitted: (() => void) | undefined): Promise<RecordMetadata> {
    if (channels.producerSend.hasSubscribers) return publishedSend(this.clientId, [record], (rs) => this.sendOne(rs[0], onAdmitted))
    return this.sendOne(record, onAdmitted)
  }

  private sendOne(record: ProducerRecord, onAdmitted: (() => void) | undefined): Promise<RecordMetadata> {
    const refused = this.refusal()
    if (refused) return Promise.reject(refused)
    try {
      validateTopicRecord(record)
    } catch (err) {
      return Promise.reject(err)
    }
    // Fast path: metadata at hand, no await before queuing.
    const partitions = this.slowSends === 0 ? this.knownPartitions(record.topic) : undefined
    if (partitions !== undefined) {
      let partition: number
      try {
        partition = this.pickPartition(record, partitions)
      } catch (err) {
        return Promise.reject(err)
      }
      return this.enqueueOne(record, partition, this.txn?.generation, onAdmitted)
    }
    return this.sendSlow(record, onAdmitted)
  }

  private sizeRefusal(size: number, what: string): RecordTooLargeError | undefined {
    return recordSizeRefusal(size, what, this.maxRequestSize, this.maxBufferedBytes)
  }

  /** True when a record of `size` estimated bytes can be sent ({@link sizeRefusal} says why not). */
  private fits(size: number): boolean {
    return recordFits(size, this.maxRequestSize, this.maxBufferedBytes)
  }

  /**
   * The partition count of a topic seen before, at once; refreshed in the background once older
   * than TOPIC_INFO_TTL_MS (a topic found deleted is forgotten, so its next send looks it up).
   * Before, a stale count sent every send through the slow path, one metadata await each in a
   * chain, which made a burst of sends slower the longer it lasted.
   */
  private knownPartitions(topic: string): number | undefined {
    const info = this.topicInfo.get(topic)
    if (info === undefined) return undefined
    if (Date.now() - info.at >= TOPIC_INFO_TTL_MS && !this.refreshing.has(topic)) {
      this.refreshing.add(topic)
      this.partitionCount(topic)
        .catch((err: unknown) => {
          if (err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) this.topicInfo.delete(topic)
        })
        .finally(() => this.refreshing.delete(topic))
    }
    return info.partitions
  }

  /** The queue of `topic`-`partition` (also for {@link BatchDispatch}). @internal */
  queueFor(topic: string, partition: number): PartitionQueue {
    let byPartition = this.queuesByTopic.get(topic)
    if (!byPartition) this.queuesByTopic.set(topic, (byPartition = []))
    return (byPartition[partition] ??= this.accumulator.queue(topic, partition))
  }

  /** Queues a record validated by send(). */
  private enqueueOne(record: ProducerRecord, partition: number, generation: number | undefined, onAdmitted?: () => void): Promise<RecordMetadata> {
    const size = estimateRecordSize(record)
    if (!this.fits(size)) return Promise.reject(this.sizeRefusal(size, `the record for ${record.topic}-${partition}`))
    const item = new SingleRecord(size, this, this.queueFor(record.topic, partition), record, generation, onAdmitted)
    this.accumulator.budget.admit(item)
    return item.promise
  }

  /**
   * Appends an admitted record (which may have waited for buffer space), unless the producer
   * moved on meanwhile. @internal
   */
  appendAdmitted(q: PartitionQueue, record: ProduceRecord, item: PendingRecord, size: number, generation: number | undefined): void {
    // (Closing does not refuse records sent before close(): it flushes them, unless it gave up.)
    const refused = this.abandoned.signal.aborted ? (this.abandoned.signal.reason as Error) : this.txn?.sendError(generation)
    if (refused) {
      this.accumulator.budget.release(size)
      item.reject(refused)
      return
    }
    try {
      this.accumulator.append(q, record, item, size)
    } catch (err) {
      // Validated before: only an encoder bug gets here, and it must not leak budget or hang the send.
      this.accumulator.budget.release(size)
      item.reject(err as Error)
    }
  }

  /**
   * Sends an array of records (any topics and partitions); resolves with their metadata, in
   * the order given, once every one is acknowledged, or rejects with the first failure. Each
   * partition's records keep their array order; one promise per call rather than per record.
   * A record above `maxRequestSize` fails the whole call at once, before any record is queued.
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return this.sendWith(records, newMetadataOutcome)
  }

  /**
   * Sends an array of records as {@link sendBatch} does, but resolves with only the offset of
   * the last record written to each partition (in the order the partitions first appear), once
   * every record is acknowledged: no metadata object and no BigInt per record, for callers that
   * track how far each partition got (a streams runtime's changelog checkpoints).
   */
  sendBatchLastOffsets(records: readonly ProducerRecord[]): Promise<PartitionLastOffset[]> {
    return this.sendWith(records, newLastOffsetsOutcome)
  }

  /** A sendBatch-style call whose result `outcome` builds. */
  protected sendWith<T>(records: readonly ProducerRecord[], outcome: (n: number) => SendOutcome<T>): Promise<T> {
    if (channels.producerSend.hasSubscribers && Array.isArray(records) && records.length > 0) return publishedSend(this.clientId, records, (rs) => this.sendMany(rs, outcome))
    return this.sendMany(records, outcome)
  }

  private sendMany<T>(records: readonly ProducerRecord[], outcome: (n: number) => SendOutcome<T>): Promise<T> {
    const refused = this.refusal()
    if (refused) return Promise.reject(refused)
    if (!Array.isArray(records)) return Promise.reject(new InvalidArgumentError('sendBatch needs an array of records'))
    // One pass validates every record and, while each record's topic's partition count is at
    // hand, picks its partition (a record of the same topic as the one before reuses its count:
    // no map lookup and clock read per record).
    const n = records.length
    let partitions: number[] | undefined = this.slowSends === 0 && n > 0 ? new Array<number>(n) : undefined
    let topic: string | undefined
    let known: number | undefined
    try {
      for (let i = 0; i < n; i++) {
        const r = records[i]
        validateTopicRecord(r, i)
        if (partitions === undefined) continue
        if (r.topic !== topic) {
          topic = r.topic
          known = this.knownPartitions(topic)
          if (known === undefined) {
            partitions = undefined
            continue
          }
        }
        partitions[i] = this.pickPartition(r, known!)
      }
    } catch (err) {
      return Promise.reject(err)
    }
    if (n === 0) return outcome(0).promise
    if (partitions !== undefined) return this.dispatch(records, partitions, this.txn?.generation, outcome)
    return this.sendBatchSlow(records, outcome)
  }

  private async sendBatchSlow<T>(records: readonly ProducerRecord[], outcome: (n: number) => SendOutcome<T>): Promise<T> {
    const generation = this.txn?.generation
    this.slowSends++
    let handedOver = false
    const done = await this.slowTurn()
    try {
      const counts = new Map<string, number>()
      for (const r of records) {
        if (!counts.has(r.topic)) {
          counts.set(r.topic, await this.partitionCount(r.topic))
        }
      }
      const partitions = records.map((r) => this.pickPartition(r, counts.get(r.topic)!))
      const p = this.dispatch(records, partitions, generation, outcome)
      handedOver = true
      this.slowSends--
      done()
      return await p
    } finally {
      if (!handedOver) {
        this.slowSends--
        done()
      }
    }
  }

  /** Admits the records (validated by sendBatch) in array order (FIFO with other callers under backpressure) into their partitions' batches. */
  private dispatch<T>(records: readonly ProducerRecord[], partitions: number[], generation: number | undefined, outcome: (n: number) => SendOutcome<T>): Promise<T> {
    const n = records.length
    const sizes = new Array<number>(n)
    for (let i = 0; i < n; i++) {
      const size = estimateRecordSize(records[i])
      // The refusal's message is only built for a record that does not fit (not a string per record).
      if (!this.fits(size)) return Promise.reject(this.sizeRefusal(size, `record ${i} (${records[i].topic}-${partitions[i]})`))
      sizes[i] = size
    }
    const out = outcome(n)
    this.accumulator.budget.admit(new BatchDispatch(this, records, partitions, sizes, out, generation))
    return out.promise
  }

  /**
   * The partition count of a topic from fresh metadata. While no broker answers (a restart, a
   * network blip) the last known count is used, or, for a topic never seen, the lookup is retried
   * for up to 60 s — as the Java client blocks in send() for metadata (max.block.ms). An unknown
   * topic fails at once.
   */
  private async partitionCount(topic: string): Promise<number> {
    const deadline = Date.now() + METADATA_WAIT_MS
    for (let attempt = 0; ; attempt++) {
      try {
        const n = (await untilAborted(this.client.cluster.topic(topic), this.abandoned.signal)).partitions.length
        this.topicInfo.set(topic, { partitions: n, at: Date.now() })
        return n
      } catch (err) {
        const unknownTopic = err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        if (unknownTopic || !isRetriable(err)) throw err
        const known = this.topicInfo.get(topic)
        if (known) return known.partitions
        if (Date.now() >= deadline) throw err
        await sleep(backoffDelay(Math.min(attempt, 6), this.client.cluster.options.retry), this.abandoned.signal)
      }
    }
  }

  /** Runs slow-path sends one after another, in call order, until each hands its records over. */
  private async slowTurn(): Promise<() => void> {
    const prev = this.slowTail
    let done!: () => void
    this.slowTail = new Promise<void>((r) => (done = r))
    await prev
    return done
  }

  private async sendSlow(record: ProducerRecord, onAdmitted: (() => void) | undefined): Promise<RecordMetadata> {
    // The transaction the record is sent in (it must not slip into the next one while metadata loads).
    const generation = this.txn?.generation
    this.slowSends++
    let handedOver = false
    const done = await this.slowTurn()
    try {
      const n = await this.partitionCount(record.topic)
      const p = this.enqueueOne(record, this.pickPartition(record, n), generation, onAdmitted)
      handedOver = true
      this.slowSends--
      done()
      return await p
    } finally {
      if (!handedOver) {
        this.slowSends--
        done()
      }
    }
  }

  private pickPartition(record: ProducerRecord, n: number): number {
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= n) {
        throw new InvalidArgumentError(`partition ${record.partition} does not exist in topic '${record.topic}' (${n} partitions)`)
      }
      return record.partition
    }
    const key = record.key
    if (key !== undefined && key !== null) {
      const partitioner = this.options.partitioner
      const p = partitioner ? partitioner(record.topic, typeof key === 'string' ? Buffer.from(key) : key, n) : partitionForKey(key, n)
      if (!Number.isInteger(p) || p < 0 || p >= n) throw new InvalidArgumentError(`partitioner returned ${p} for a topic with ${n} partitions`)
      return p
    }
    let s = this.sticky.get(record.topic)
    if (!s || s.bytes >= this.maxBatchBytes) {
      s = { partition: Math.floor(Math.random() * n), bytes: 0 }
      this.sticky.set(record.topic, s)
    }
    s.bytes += estimateRecordSize({ key: null, value: record.value, headers: record.headers })
    return s.partition
  }

  /** Sends what is buffered now and resolves once every record sent so far is settled. */
  async flush(): Promise<void> {
    await this.slowTail
    await this.accumulator.flush()
  }

  /**
   * Refuses new records and flushes: resolves once every record sent before is acknowledged or
   * failed, waiting at most `timeoutMs` (default: the client's `closeTimeoutMs`, 5000 ms), as
   * the Java client's close(Duration). After the timeout every record still pending fails with
   * ClientClosedError (one that was in flight may have been written: its error's cause is a
   * ProduceOutcomeUnknownError). Then its connections close. The Client stays open.
   * Idempotent: later calls wait for the first.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    try {
      checkCount('timeoutMs', options?.timeoutMs, false)
    } catch (err) {
      return Promise.reject(err)
    }
    this.closed = true
    return (this.closing ??= this.closeWithin(options?.timeoutMs ?? this.client.closeTimeoutMs))
  }

  private async closeWithin(timeoutMs: number): Promise<void> {
    const flushed = this.flush()
    if (!(await settlesWithin(flushed, timeoutMs))) {
      const err = new ClientClosedError(`producer closed with records not acknowledged within the close timeout (${timeoutMs} ms)`)
      this.abandoned.abort(err)
      this.sender.abandon(err)
      await flushed
    }
    await this.sender.close()
    this.client.untrack(this)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
