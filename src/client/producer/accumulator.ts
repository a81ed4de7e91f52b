/**
 * RecordAccumulator: one queue of record batches per partition (as the Java client's
 * RecordAccumulator), with linger/size sealing and one memory budget for the whole producer.
 * The Sender drains sealed batches from here, per leader broker.
 */
import type { ProduceRecord } from '../../protocol/records/index.js'
import { estimateRecordSize } from './batch-producer.js'

/** One record waiting for its batch's outcome. */
export interface PendingRecord {
  record: ProduceRecord
  size: number
  resolve: (offset: bigint) => void
  reject: (err: Error) => void
}

/** A batch of records for one partition, from sealing until it settles. */
export class ProducerBatch {
  readonly items: PendingRecord[] = []
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
  ) {}

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

/** Options of the accumulator. */
export interface AccumulatorOptions {
  lingerMs: number
  maxBatchBytes: number
  maxBufferedBytes: number
}

export class RecordAccumulator {
  readonly queues = new Map<string, PartitionQueue>()
  private bufferedBytes = 0
  private readonly spaceWaiters: Array<{ size: number; wake: () => void }> = []
  /** A waiter was woken but has not appended yet: others must not overtake it. */
  private waking = false
  private readonly idleWaiters: Array<() => void> = []

  constructor(
    private readonly options: AccumulatorOptions,
    /** Called when a batch was sealed (the sender should drain). */
    private readonly onReady: () => void,
  ) {}

  get buffered(): number {
    return this.bufferedBytes
  }

  queue(topic: string, partition: number): PartitionQueue {
    const k = `${topic}\u0000${partition}`
    let q = this.queues.get(k)
    if (!q) this.queues.set(k, (q = new PartitionQueue(topic, partition)))
    return q
  }

  /** True when `size` more bytes may be admitted now without overtaking a waiter. */
  canAdmit(size: number): boolean {
    return this.spaceWaiters.length === 0 && !this.waking && this.hasSpace(size)
  }

  /** Reserves `size` bytes (after canAdmit said yes). */
  reserve(size: number): void {
    this.bufferedBytes += size
  }

  /** Gives back the bytes of an admitted record that was refused before it joined a batch. */
  release(size: number): void {
    this.bufferedBytes -= size
    this.admitWaiters()
    this.checkIdle()
  }

  /**
   * Admits `n` items in order, reserving `sizeOf(i)` bytes for each before `onAdmit(i)`;
   * waits (FIFO with every other caller) while the buffer is full. Once the first item has
   * its turn, the rest of the call keeps it, so no other caller's record slips in between.
   */
  admitAll(n: number, sizeOf: (i: number) => number, onAdmit: (i: number) => void): void {
    this.admitFrom(0, n, sizeOf, onAdmit, false)
  }

  private admitFrom(from: number, n: number, sizeOf: (i: number) => number, onAdmit: (i: number) => void, woken: boolean): void {
    for (let i = from; i < n; i++) {
      const size = sizeOf(i)
      // A woken waiter's bytes were reserved when it was woken.
      if (!(woken && i === from)) {
        const mustWait = woken ? !this.hasSpace(size) : this.spaceWaiters.length > 0 || this.waking || !this.hasSpace(size)
        if (mustWait) {
          const wait = { size, wake: () => queueMicrotask(() => this.admitFrom(i, n, sizeOf, onAdmit, true)) }
          if (woken) {
            // Keep our place at the front of the queue.
            this.spaceWaiters.unshift(wait)
            this.waking = false
          } else this.spaceWaiters.push(wait)
          return
        }
        this.bufferedBytes += size
      }
      onAdmit(i)
    }
    if (woken) {
      this.waking = false
      this.admitWaiters()
    }
  }

  /** Appends a record whose bytes are reserved; seals the batch when full or schedules the linger. */
  append(q: PartitionQueue, pending: PendingRecord): void {
    let b = q.open
    if (!b) q.open = b = new ProducerBatch(q, q.nextOrder++)
    b.items.push(pending)
    b.bytes += pending.size
    if (b.bytes >= this.options.maxBatchBytes) this.seal(q)
    else if (this.options.lingerMs === 0) queueMicrotask(() => this.seal(q))
    else q.lingerTimer ??= setTimeout(() => this.seal(q), this.options.lingerMs)
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
      // A duplicate acknowledged by an old broker may carry no offset (-1): report -1 for each record.
      for (let i = 0; i < batch.items.length; i++) batch.items[i].resolve(base < 0n ? -1n : base + BigInt(i))
    }
    this.bufferedBytes -= batch.bytes
    this.admitWaiters()
    this.checkIdle()
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

  private hasSpace(size: number): boolean {
    return this.bufferedBytes === 0 || this.bufferedBytes + size <= this.options.maxBufferedBytes
  }

  private admitWaiters(): void {
    if (this.waking || this.spaceWaiters.length === 0 || !this.hasSpace(this.spaceWaiters[0].size)) return
    const w = this.spaceWaiters.shift()!
    this.bufferedBytes += w.size
    this.waking = true
    w.wake()
  }

  private checkIdle(): void {
    if (this.bufferedBytes === 0 && this.spaceWaiters.length === 0 && !this.waking) {
      while (this.idleWaiters.length > 0) this.idleWaiters.shift()!()
    }
  }

  /** Seals every open batch and resolves once every admitted record has settled. */
  async flush(): Promise<void> {
    this.sealAll()
    if (this.bufferedBytes === 0 && this.spaceWaiters.length === 0 && !this.waking) return
    await new Promise<void>((r) => this.idleWaiters.push(r))
  }
}

export { estimateRecordSize }
