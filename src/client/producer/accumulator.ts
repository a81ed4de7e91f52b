/**
 * RecordAccumulator: one queue of record batches per partition (as the Java client's
 * RecordAccumulator), with linger/size sealing and one memory budget for the whole producer.
 * The Sender drains sealed batches from here, per leader broker.
 */
import { RecordBatchBuilder, type ProduceRecord } from '../../protocol/records/index.js'
import { estimateRecordSize } from './record-size.js'
import { ByteBudget } from './byte-budget.js'
import { channels, type ProducerBatchEvent } from '../telemetry/channels.js'

/** One record waiting for its batch's outcome (its bytes are already in the batch). */
export interface PendingRecord {
  /**
   * The record's batch was written at `base` (-1n: an old broker acknowledged a retried batch as
   * a duplicate without its offset) and the record is number `index` in it: the offset is left to
   * the record to compute ({@link offsetInBatch}), so records that do not need it make no BigInt.
   */
  resolve: (base: bigint, index: number) => void
  reject: (err: Error) => void
}

/** Offset of record `index` of a batch written at `base` (-1n when the base is unknown). */
export function offsetInBatch(base: bigint, index: number): bigint {
  return base < 0n ? -1n : base + BigInt(index)
}

/** A batch of records for one partition, from sealing until it settles. */
export class ProducerBatch {
  readonly items: PendingRecord[] = []
  /** The records, encoded as they were appended. */
  readonly builder: RecordBatchBuilder
  /** Budget bytes of the records (estimates; released when the batch settles). */
  bytes = 0
  readonly createdAt = Date.now()
  /** Produce attempts so far. */
  attempts = 0
  /** Not before this time (retry backoff). */
  retryAt = 0
  /** -1 until the batch is first drained (idempotent producers only). */
  baseSequence = -1
  producerId = -1n
  producerEpoch = -1
  /** Encoded with the current sequence fields; cleared when they change. */
  encoded: Buffer | undefined
  /** Set when the transaction aborted while the batch was in flight: its records fail even if written. */
  abortedWith: Error | undefined
  /** The last error of a failed attempt (reported when retries run out). */
  lastError: Error | undefined
  done = false

  constructor(
    readonly queue: PartitionQueue,
    /** Creation order within the partition (retries keep it). */
    readonly order: number,
    initialCapacity: number,
  ) {
    this.builder = new RecordBatchBuilder(initialCapacity)
  }

  get hasSequence(): boolean {
    return this.baseSequence >= 0
  }
}

/** Per-partition state: the open batch, sealed batches waiting, batches in flight, sequences. */
export class PartitionQueue {
  open: ProducerBatch | undefined
  lingerTimer: NodeJS.Timeout | undefined
  /** Sealed batches not in flight, ordered: retries (by sequence / order) before new batches. */
  readonly ready: ProducerBatch[] = []
  /** Batches in requests awaiting an answer. */
  readonly inFlight = new Set<ProducerBatch>()
  nextOrder = 0

  // Idempotence (the Java client's TxnPartitionEntry).
  /** Producer id and epoch the sequences of this partition belong to; undefined before the first batch. */
  producerId = -1n
  producerEpoch = -1
  nextSequence = 0
  lastAckedSequence = -1
  /** Sequence gap known (OUT_OF_ORDER_SEQUENCE / UNKNOWN_PRODUCER_ID): restart at 0 on a new epoch once nothing is in flight. */
  resetPending = false
  /** Last sequence of a batch that failed with an unknown outcome; -1 when none. */
  unresolvedSequence = -1

  /** Part of the current transaction (AddPartitionsToTxn succeeded). */
  inTransaction = false
  /** AddPartitionsToTxn is in flight for it. */
  adding = false

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get key(): string {
    return `${this.topic}\u0000${this.partition}`
  }

  /** Batches sealed or in flight (not the open one). */
  get pendingBatches(): number {
    return this.ready.length + this.inFlight.size
  }

  /** Sequenced batches not yet settled: new batches must not start a new epoch's sequences before they finish. */
  get outstandingSequenced(): number {
    let n = this.inFlight.size
    for (const b of this.ready) if (b.hasSequence) n++
    return n
  }

  /** Puts a batch back for a retry, before every batch created after it. */
  requeue(batch: ProducerBatch): void {
    let i = 0
    while (i < this.ready.length && this.ready[i].order < batch.order) i++
    this.ready.splice(i, 0, batch)
  }
}

/** A new batch's buffer starts this large and doubles as records come (Java's batch.size default). */
const INITIAL_BATCH_CAPACITY = 16 * 1024

/** Options of the accumulator. */
export interface AccumulatorOptions {
  lingerMs: number
  maxBatchBytes: number
  maxBufferedBytes: number
  /** How long a send may wait for buffer space (default 60000 ms). */
  maxBlockMs?: number
  /** Reported with `peridot:producer:batch` events. */
  clientId?: string
}

export class RecordAccumulator {
  readonly queues = new Map<string, PartitionQueue>()
  /** The producer's memory budget: a record holds its bytes from admission until its batch settles. */
  readonly budget: ByteBudget

  constructor(
    private readonly options: AccumulatorOptions,
    /** Called when a batch was sealed (the sender should drain). */
    private readonly onReady: () => void,
  ) {
    this.budget = new ByteBudget(options.maxBufferedBytes, options.maxBlockMs)
  }

  queue(topic: string, partition: number): PartitionQueue {
    const k = `${topic}\u0000${partition}`
    let q = this.queues.get(k)
    if (!q) this.queues.set(k, (q = new PartitionQueue(topic, partition)))
    return q
  }

  /**
   * Encodes a record whose bytes (`size`, its budget estimate) are reserved into the partition's
   * open batch, `pending` settled with the batch (one object may stand for several records); seals the batch
   * when full or schedules the linger. Throws (appending nothing) if the record cannot be encoded.
   */
  append(q: PartitionQueue, record: ProduceRecord, pending: PendingRecord, size: number): void {
    const max = this.options.maxBatchBytes
    let b = q.open ?? this.waitingTail(q)
    if (b && !b.builder.appendWithin(record, max)) {
      // Full: the record starts the next batch (batches stay within maxBatchBytes unless one record is larger).
      this.seal(q)
      b = undefined
    }
    if (!b) {
      q.open = b = new ProducerBatch(q, q.nextOrder++, Math.min(max, INITIAL_BATCH_CAPACITY))
      b.builder.append(record)
    }
    b.items.push(pending)
    b.bytes += size
    if (b !== q.open) return // grew a sealed batch: it is in the ready queue already
    if (b.builder.sizeInBytes >= this.options.maxBatchBytes) this.seal(q)
    else if (this.options.lingerMs === 0) queueMicrotask(() => this.seal(q))
    else q.lingerTimer ??= setTimeout(() => this.seal(q), this.options.lingerMs)
  }

  /**
   * The last sealed batch of a partition when it still waits for its first send (no sequence
   * number, never encoded): as in the Java client, it keeps taking records until it is full or
   * drained. Linger only says when a batch may go; while the partition cannot send (leader
   * failover, in-flight limit) records join the waiting batch instead of queueing up as
   * thousands of tiny batches that would then drain one per request.
   */
  private waitingTail(q: PartitionQueue): ProducerBatch | undefined {
    const last = q.ready[q.ready.length - 1]
    if (!last || last.attempts > 0 || last.hasSequence || last.encoded !== undefined || last.done) return undefined
    return last
  }

  /** Closes the open batch of a partition and hands it to the sender. */
  seal(q: PartitionQueue): void {
    if (q.lingerTimer) {
      clearTimeout(q.lingerTimer)
      q.lingerTimer = undefined
    }
    const b = q.open
    if (!b || b.items.length === 0) return
    q.open = undefined
    q.ready.push(b)
    this.onReady()
  }

  sealAll(): void {
    for (const q of this.queues.values()) this.seal(q)
  }

  /** Settles a batch: resolves or rejects its records and releases its memory. */
  complete(batch: ProducerBatch, result: { baseOffset: bigint } | { error: Error }): void {
    if (batch.done) return
    batch.done = true
    if ('error' in result) for (const p of batch.items) p.reject(result.error)
    else {
      const base = result.baseOffset
      for (let i = 0; i < batch.items.length; i++) batch.items[i].resolve(base, i)
    }
    this.budget.release(batch.bytes)
    if (channels.producerBatch.hasSubscribers) publishBatch(this.options.clientId ?? '', batch, result)
  }

  /** Rejects every record not yet handed to a request (open and ready batches), e.g. on abort. */
  failUnsent(error: Error, filter: (b: ProducerBatch) => boolean = () => true): void {
    for (const q of this.queues.values()) {
      if (q.open) {
        if (q.lingerTimer) clearTimeout(q.lingerTimer)
        q.lingerTimer = undefined
        const b = q.open
        q.open = undefined
        this.complete(b, { error })
      }
      for (let i = q.ready.length - 1; i >= 0; i--) {
        const b = q.ready[i]
        if (!filter(b)) continue
        q.ready.splice(i, 1)
        this.complete(b, { error })
      }
    }
  }

  /** Seals every open batch and resolves once every admitted record has settled. */
  async flush(): Promise<void> {
    this.sealAll()
    await this.budget.whenIdle()
  }
}

export { estimateRecordSize }

/** Publishes `peridot:producer:batch` for a settled batch. */
function publishBatch(clientId: string, batch: ProducerBatch, result: { baseOffset: bigint } | { error: Error }): void {
  const event: ProducerBatchEvent = { clientId, topic: batch.queue.topic, partition: batch.queue.partition, records: batch.items.length }
  if ('error' in result) event.error = result.error
  channels.producerBatch.publish(event)
}
