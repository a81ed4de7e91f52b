/**
 * In-process export of a stream's records (`KStream.toAsyncIterable()`): a queue between the
 * topology's tasks and one reader, with backpressure on processing and a gate on commits.
 *
 * Why a commit waits for the reader: the records come from input offsets that a commit marks
 * done. If a commit went out while records sat in the queue, a crash would lose them for the
 * reader (the next run starts after them). So a commit waits until the reader has taken every
 * record exported so far and asked for the next (it has finished with the one in hand): the
 * reader gets every record at least once, under either processing guarantee.
 */
import { Readable } from 'node:stream'
import { InvalidArgumentError } from '../protocol/errors.js'
import type { Record } from './record.js'

/** Options of `KStream.toAsyncIterable()`. */
export interface StreamExportOptions {
  /**
   * Records queued for the reader above which the application stops taking new input until
   * the reader catches up (default 1000). A batch being processed finishes first, so the queue
   * can pass this by one fetch's output.
   */
  highWaterMark?: number
}

/** Resolves when the export has room, has been drained, or the runtime stopped waiting. */
type Waiter = () => void

/**
 * A stream's records for an in-process reader: `for await (const r of exported)` or
 * `exported.readable()`. One reader per export. See `KStream.toAsyncIterable()` for the
 * delivery and commit semantics.
 */
export class StreamExport<K, V> implements AsyncIterable<Record<K, V>> {
  /** Queue length above which processing pauses. */
  readonly highWaterMark: number
  #queue: Array<Record<K, V>> = []
  #head = 0
  /** The reader took a record and has not asked for the next one yet. */
  #inHand = false
  #reading = false
  #ended = false
  /** Running applications (and test drivers) feeding this export. */
  #feeders = 0
  #readerWaiting: Waiter | undefined
  #spaceWaiters: Waiter[] = []
  #drainWaiters: Waiter[] = []

  /** @internal Created by `KStream.toAsyncIterable()`. */
  constructor(options: StreamExportOptions = {}) {
    const hwm = options.highWaterMark ?? 1000
    if (!Number.isSafeInteger(hwm) || hwm < 1) throw new InvalidArgumentError(`toAsyncIterable highWaterMark must be a positive integer, got ${String(hwm)}`)
    this.highWaterMark = hwm
  }

  /** Records exported and not yet taken by the reader. */
  get queued(): number {
    return this.#queue.length - this.#head
  }

  /** @internal A task's output record. */
  push(record: Record<K, V>): void {
    if (this.#ended) return
    this.#queue.push(record)
    const w = this.#readerWaiting
    this.#readerWaiting = undefined
    w?.()
  }

  /** @internal An application (or test driver) starts feeding this export. */
  attach(): void {
    if (this.#ended) throw new InvalidArgumentError('this exported stream has ended (its application closed): build the topology again to export anew')
    this.#feeders++
  }

  /**
   * @internal A feeder stopped. When the last one stops the reader's iteration ends: after the
   * queued records (`keep`, the test driver), or at once, dropping them (the runtime: their
   * input was not committed past them, so the next run exports them again).
   */
  detach(keep = false): void {
    if (this.#feeders > 0) this.#feeders--
    if (this.#feeders > 0) return
    this.#ended = true
    if (!keep) {
      this.#queue = []
      this.#head = 0
    }
    this.#release()
    const w = this.#readerWaiting
    this.#readerWaiting = undefined
    w?.()
  }

  /** @internal True while processing should pause. */
  full(): boolean {
    return !this.#ended && this.queued >= this.highWaterMark
  }

  /** @internal True when a commit may go out: everything exported was taken and finished with. */
  drained(): boolean {
    return this.#ended || (this.queued === 0 && !this.#inHand)
  }

  /** @internal Resolves once {@link full} is false (or {@link release} is called). */
  whenSpace(): Promise<void> {
    if (!this.full()) return Promise.resolve()
    return new Promise<void>((r) => this.#spaceWaiters.push(r))
  }

  /** @internal Resolves once {@link drained} is true (or {@link release} is called). */
  whenDrained(): Promise<void> {
    if (this.drained()) return Promise.resolve()
    return new Promise<void>((r) => this.#drainWaiters.push(r))
  }

  /** @internal Wakes every runtime wait (the application is closing). */
  release(): void {
    this.#release()
  }

  #release(): void {
    for (const w of this.#spaceWaiters.splice(0)) w()
    for (const w of this.#drainWaiters.splice(0)) w()
  }

  #taken(): void {
    if (this.#spaceWaiters.length > 0 && !this.full()) for (const w of this.#spaceWaiters.splice(0)) w()
    if (this.#drainWaiters.length > 0 && this.drained()) for (const w of this.#drainWaiters.splice(0)) w()
  }

  /** The next record; resolves done once the application closed. */
  async #next(): Promise<IteratorResult<Record<K, V>, undefined>> {
    // Asking for the next record finishes the one in hand.
    this.#inHand = false
    for (;;) {
      if (this.#head < this.#queue.length) {
        const r = this.#queue[this.#head++]
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head)
          this.#head = 0
        }
        this.#inHand = true
        this.#taken()
        return { value: r, done: false }
      }
      this.#taken()
      if (this.#ended) return { value: undefined, done: true }
      await new Promise<void>((r) => (this.#readerWaiting = r))
    }
  }

  /**
   * The records, in the order the tasks produced them (per input partition: input order). One
   * iteration per export; leaving the loop early (break) ends it for good.
   */
  [Symbol.asyncIterator](): AsyncIterator<Record<K, V>, undefined> {
    if (this.#reading) throw new InvalidArgumentError('an exported stream has one reader: it is already being iterated')
    this.#reading = true
    return {
      next: () => this.#next(),
      return: async () => {
        // A reader that leaves stops holding up commits; what it did not take is dropped.
        this.#inHand = false
        this.#ended = true
        this.#queue = []
        this.#head = 0
        this.#release()
        return { value: undefined, done: true }
      },
    }
  }

  /**
   * A Node `Readable` (object mode) over the records, for `stream.pipeline`. The Readable reads
   * ahead up to its own `highWaterMark` (default 16 records): records in its buffer count as
   * taken, so a commit can pass them before the next stream handles them.
   */
  readable(options: { highWaterMark?: number } = {}): Readable {
    return Readable.from(this, { objectMode: true, highWaterMark: options.highWaterMark ?? 16 })
  }
}

/** The exports of one topology, as the runtime waits on them. */
export class ExportGate {
  #released = false

  constructor(private readonly exports: ReadonlyArray<StreamExport<unknown, unknown>>) {}

  /** True when the topology exports nothing (no waits). */
  get empty(): boolean {
    return this.exports.length === 0
  }

  attach(): void {
    for (const e of this.exports) e.attach()
  }

  detach(): void {
    for (const e of this.exports) e.detach()
  }

  /** Resolves when every export has room for more input. */
  async whenSpace(): Promise<void> {
    for (const e of this.exports) while (!this.#released && e.full()) await e.whenSpace()
  }

  /** Resolves when every export's reader has finished every record (a commit may go out). */
  async whenDrained(): Promise<void> {
    for (const e of this.exports) while (!this.#released && !e.drained()) await e.whenDrained()
  }

  /** Records exported and not yet taken by any reader. */
  untaken(): number {
    let n = 0
    for (const e of this.exports) n += e.queued
    return n
  }

  /** True when every reader has finished every record. */
  drained(): boolean {
    return this.exports.every((e) => e.drained())
  }

  /** Ends the runtime's waits (closing): whenSpace/whenDrained resolve at once from now on. */
  release(): void {
    this.#released = true
    for (const e of this.exports) e.release()
  }
}
