/**
 * BatchProducer: aggregates single records for one partition into record
 * batches (linger / size triggered), with bounded memory and several batches
 * in flight while keeping their order.
 *
 * Ordering: batches are sent in sequence over the leader's connection, which
 * the broker processes in order. A batch that fails with an error after which
 * nothing was appended is re-sent before any later batch that has not been
 * acknowledged yet; other failures reject exactly that batch's promises.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { CompressionCodec } from '../../protocol/records/compression/index.js'
import { encodeRecordBatchToBuffer, type ProduceRecord } from '../../protocol/records/index.js'
import { ClientClosedError, closedWithUnknownOutcome } from '../errors.js'
import { DEFAULT_CLOSE_TIMEOUT_MS, settlesWithin } from '../owned-resources.js'
import { isSafeProduceRetry, type PartitionClient } from '../partition-client.js'
import { backoffDelay, sleep } from '../retry.js'
import { validateProduceRecords } from '../validate.js'
import { ByteBudget, type BudgetWaiter } from './byte-budget.js'
import type { RecordTooLargeError } from './errors.js'
import { checkCompression, checkCount } from './producer-options.js'
import { brokerSizeError, estimateRecordSize, recordSizeRefusal } from './record-size.js'
import { PendingGroup } from './pending-group.js'

/** Options of {@link BatchProducer}. */
export interface BatchProducerOptions {
  /** How long a record may wait for more to join its batch (default 5 ms). */
  lingerMs?: number
  /** A batch is sent once its records reach this size (default 1 MiB). */
  maxBatchBytes?: number
  /** Bytes of records buffered or in flight before `produce` waits (default 32 MiB). */
  maxBufferedBytes?: number
  /** How long `produce` waits for buffer space before {@link BufferExhaustedError} (default 60000 ms; 0: fail at once). */
  maxBlockMs?: number
  /** The largest record accepted, serialized with its batch header (default 1 MiB): larger ones fail with {@link RecordTooLargeError}. */
  maxRequestSize?: number
  /** Batches in flight at once (default 5). */
  maxInFlight?: number
  compression?: CompressionCodec
  /** -1 (default) or 1. */
  acks?: -1 | 1
  /** Broker-side produce timeout (default 30000 ms). */
  timeoutMs?: number
  /** Re-sends of a batch that certainly was not appended (default 10). */
  retries?: number
}

interface Pending {
  record: ProduceRecord
  size: number
  resolve: (offset: bigint) => void
  reject: (err: Error) => void
}

interface Batch {
  /** Order in which batches were sealed; retries keep it. */
  seq: number
  items: Pending[]
  bytes: number
  encoded: Buffer
  attempts: number
  /** Settled (acknowledged, failed, or given up on by close()). */
  done?: boolean
}

/** One produce() call: its promise, and while it waits for buffer space, its record (no copy, no closure). */
class SingleProduce implements Pending, BudgetWaiter {
  deadline = 0
  resolve!: (offset: bigint) => void
  reject!: (err: Error) => void
  readonly promise: Promise<bigint>

  constructor(
    private readonly producer: BatchProducer,
    readonly record: ProduceRecord,
    readonly size: number,
  ) {
    this.promise = new Promise<bigint>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  nextSize(): number {
    return this.size
  }

  admitNext(): boolean {
    this.producer.enqueue(this)
    return true
  }

  refuse(err: Error): void {
    this.reject(err)
  }
}

/** A record of a group: settles its share of the group's promise (no closure per record). */
class GroupItem implements Pending {
  constructor(
    private readonly group: PendingGroup<bigint>,
    private readonly index: number,
    readonly record: ProduceRecord,
    readonly size: number,
  ) {}

  resolve(offset: bigint): void {
    this.group.settle(this.index, offset)
  }

  reject(err: Error): void {
    this.group.fail(err)
  }
}

export { estimateRecordSize }

export class BatchProducer implements AsyncDisposable {
  private readonly lingerMs: number
  private readonly maxBatchBytes: number
  private readonly maxInFlight: number
  private readonly retries: number
  private readonly maxRequestSize: number
  private readonly maxBufferedBytes: number
  private current: Pending[] = []
  private currentBytes = 0
  private lingerTimer: NodeJS.Timeout | undefined
  /** Batches ready to send, in order (retried ones go back to the front). */
  private readonly queue: Batch[] = []
  private inFlight = 0
  /** A record holds its bytes from admission until its batch settles. */
  private readonly budget: ByteBudget
  private pausedUntil = 0
  private closed = false
  private closing: Promise<void> | undefined
  /** Aborted when close() gave up waiting: pending records fail, backoff waits end. */
  private readonly abandoned = new AbortController()
  private readonly inFlightBatches = new Set<Batch>()
  private pumpTimer: NodeJS.Timeout | undefined
  private sending = false
  private nextSeq = 0

  constructor(
    readonly partitionClient: PartitionClient,
    private readonly options: BatchProducerOptions = {},
  ) {
    this.lingerMs = positiveOr('lingerMs', options.lingerMs, 5, true)
    this.maxBatchBytes = positiveOr('maxBatchBytes', options.maxBatchBytes, 1 << 20)
    this.maxBufferedBytes = positiveOr('maxBufferedBytes', options.maxBufferedBytes, 32 << 20)
    this.budget = new ByteBudget(this.maxBufferedBytes, positiveOr('maxBlockMs', options.maxBlockMs, 60_000, true))
    this.maxRequestSize = positiveOr('maxRequestSize', options.maxRequestSize, 1 << 20)
    this.maxInFlight = positiveOr('maxInFlight', options.maxInFlight, 5)
    this.retries = positiveOr('retries', options.retries, 10, true)
    positiveOr('timeoutMs', options.timeoutMs, 0, true)
    checkCompression(options.compression)
    if (options.acks !== undefined && options.acks !== -1 && options.acks !== 1) throw new InvalidArgumentError(`acks must be -1 or 1, got ${String(options.acks)}`)
  }

  /** Bytes currently buffered or in flight. */
  get buffered(): number {
    return this.budget.used
  }

  /**
   * Queues one record; resolves with its offset once the broker acknowledged
   * its batch. While the buffer is full the record waits its turn (backpressure, up to
   * `maxBlockMs`, then {@link BufferExhaustedError}); a record above `maxRequestSize`
   * fails at once with {@link RecordTooLargeError}.
   */
  produce(record: ProduceRecord): Promise<bigint> {
    if (this.closed) return Promise.reject(new ClientClosedError('producer is closed'))
    try {
      validateProduceRecords([record])
    } catch (err) {
      return Promise.reject(err)
    }
    const size = estimateRecordSize(record)
    const tooLarge = this.sizeRefusal(size, 'the record')
    if (tooLarge) return Promise.reject(tooLarge)
    // Callers wait in FIFO order so records keep the order of produce() calls.
    const item = new SingleProduce(this, record, size)
    this.budget.admit(item)
    return item.promise
  }

  private sizeRefusal(size: number, what: string): RecordTooLargeError | undefined {
    return recordSizeRefusal(size, what, this.maxRequestSize, this.maxBufferedBytes)
  }

  /** Adds an admitted record (its bytes already counted) to the open batch. @internal */
  enqueue(p: Pending): void {
    if (this.abandoned.signal.aborted) {
      // Admitted after close() gave up (it waited for buffer space): fail it at once.
      this.budget.release(p.size)
      p.reject(this.abandoned.signal.reason as Error)
      return
    }
    this.current.push(p)
    this.currentBytes += p.size
    if (this.currentBytes >= this.maxBatchBytes) this.seal()
    else if (this.lingerMs === 0) queueMicrotask(() => this.seal())
    else this.lingerTimer ??= setTimeout(() => this.seal(), this.lingerMs)
  }

  /**
   * Queues records in order with one promise for all of them; resolves with
   * their offsets (in the order given) once every one is acknowledged, or
   * rejects with the first failure. Backpressure as {@link produce}: records
   * are admitted as buffer space frees up, and no record produced after this
   * call can overtake one of them.
   */
  produceMany(records: readonly ProduceRecord[]): Promise<bigint[]> {
    if (this.closed) return Promise.reject(new ClientClosedError('producer is closed'))
    try {
      validateProduceRecords(records)
    } catch (err) {
      return Promise.reject(err)
    }
    const group = new PendingGroup<bigint>(records.length)
    const sizes = records.map(estimateRecordSize)
    for (let i = 0; i < sizes.length; i++) {
      const tooLarge = this.sizeRefusal(sizes[i], `record ${i}`)
      if (tooLarge) return Promise.reject(tooLarge)
    }
    this.budget.admitAll(
      records.length,
      (i) => sizes[i],
      (i) => this.enqueue(new GroupItem(group, i, records[i], sizes[i])),
      (from, err) => {
        for (let i = from; i < records.length; i++) new GroupItem(group, i, records[i], sizes[i]).reject(err)
      },
    )
    return group.promise
  }

  /** Closes the open batch and queues it for sending. */
  private seal(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer)
      this.lingerTimer = undefined
    }
    if (this.current.length === 0) return
    const items = this.current
    const bytes = this.currentBytes
    this.current = []
    this.currentBytes = 0
    let encoded: Buffer
    try {
      encoded = encodeRecordBatchToBuffer(
        items.map((p) => p.record),
        { compression: this.options.compression ?? 'none' },
      )
    } catch (err) {
      this.settle({ seq: -1, items, bytes, encoded: Buffer.alloc(0), attempts: 0 }, err as Error)
      return
    }
    this.queue.push({ seq: this.nextSeq++, items, bytes, encoded, attempts: 0 })
    this.pump()
  }

  private pump(): void {
    if (this.sending) return
    this.sending = true
    try {
      while (this.queue.length > 0 && this.inFlight < this.maxInFlight && Date.now() >= this.pausedUntil) {
        const batch = this.queue.shift()!
        this.send(batch)
      }
    } finally {
      this.sending = false
    }
    if (this.queue.length > 0 && this.inFlight === 0 && Date.now() < this.pausedUntil && !this.abandoned.signal.aborted) {
      clearTimeout(this.pumpTimer)
      this.pumpTimer = setTimeout(() => this.pump(), this.pausedUntil - Date.now())
    }
  }

  private send(batch: Batch): void {
    this.inFlight++
    this.inFlightBatches.add(batch)
    batch.attempts++
    this.partitionClient
      .produceEncoded(batch.encoded, { acks: this.options.acks, timeoutMs: this.options.timeoutMs, retry: false })
      .then(
        (baseOffset) => {
          this.inFlight--
          this.inFlightBatches.delete(batch)
          if (batch.done) return
          batch.done = true
          batch.items.forEach((p, i) => p.resolve(baseOffset + BigInt(i)))
          this.budget.release(batch.bytes)
          this.pump()
        },
        (err: Error) => {
          this.inFlight--
          this.inFlightBatches.delete(batch)
          if (batch.done) return
          if (isSafeProduceRetry(err) && batch.attempts <= this.retries && !this.abandoned.signal.aborted) {
            // Re-send before anything queued after it; pause the pipeline for the backoff.
            this.queue.unshift(batch)
            this.queue.sort((a, b) => a.seq - b.seq)
            this.pausedUntil = Date.now() + backoffDelay(batch.attempts - 1, { retries: this.retries, initialBackoffMs: 100, maxBackoffMs: 2000 })
            sleep(this.pausedUntil - Date.now(), this.abandoned.signal).then(
              () => this.pump(),
              () => undefined,
            )
          } else {
            this.settle(batch, brokerSizeError(err, batch.encoded.length, batch.items.length))
            this.pump()
          }
        },
      )
  }

  private settle(batch: Batch, err: Error): void {
    if (batch.done) return
    batch.done = true
    for (const p of batch.items) p.reject(err)
    this.budget.release(batch.bytes)
  }

  /** Sends what is buffered now and resolves once every record so far is settled. */
  async flush(): Promise<void> {
    this.seal()
    await this.budget.whenIdle()
  }

  /**
   * Refuses new records and flushes: resolves once every record produced before is acknowledged
   * or failed, waiting at most `timeoutMs` (default 5000 ms, as Java's close(Duration)); then
   * every record still pending fails with ClientClosedError (one that was in flight may have been
   * written: its error's cause is a ProduceOutcomeUnknownError). Idempotent: later calls wait for
   * the first.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options?.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
    try {
      checkCount('timeoutMs', timeoutMs, false)
    } catch (err) {
      return Promise.reject(err)
    }
    this.closed = true
    return (this.closing ??= this.closeWithin(timeoutMs))
  }

  private async closeWithin(timeoutMs: number): Promise<void> {
    const flushed = this.flush()
    if (await settlesWithin(flushed, timeoutMs)) return
    const err = new ClientClosedError(`producer closed with records not acknowledged within the close timeout (${timeoutMs} ms)`)
    this.abandoned.abort(err)
    clearTimeout(this.pumpTimer)
    if (this.lingerTimer) clearTimeout(this.lingerTimer)
    this.lingerTimer = undefined
    const open = this.current
    this.current = []
    this.currentBytes = 0
    if (open.length > 0) this.settle({ seq: -1, items: open, bytes: open.reduce((n, p) => n + p.size, 0), encoded: Buffer.alloc(0), attempts: 0 }, err)
    for (const b of this.queue.splice(0)) this.settle(b, err)
    for (const b of this.inFlightBatches) this.settle(b, closedWithUnknownOutcome(`produce to ${this.partitionClient.topic}-${this.partitionClient.partition}`, err))
    await flushed
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function positiveOr(name: string, v: number | undefined, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt
  if (!Number.isInteger(v) || v < 0 || (!allowZero && v === 0)) {
    throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(v)}`)
  }
  return v
}
