/**
 * Changelog logging of window and session stores: wrappers that apply a change to the inner
 * bytes store, then report it with the store key Kafka Streams writes to the changelog (window:
 * key + start + sequence number; session: key + end + start).
 *
 * A timestamped window store keeps 8-byte timestamp + value; its changelog record carries the
 * plain value with that timestamp as the record timestamp (Kafka Streams'
 * `ChangeLoggingTimestampedWindowBytesStore`). Other changes carry the timestamp of the record
 * being processed.
 */
import type { KeyValue } from '../record.js'
import type { Windowed } from '../windowed.js'
import type { TimestampSource } from './logging.js'
import { checkTimestamp } from './segmented-store.js'
import type { SessionBytesStore } from './session-store.js'
import type { ChangelogSink } from './store.js'
import { rawValueOf, timestampOf } from './value-and-timestamp.js'
import { sessionStoreKey, windowStoreKey, windowStoreKeyKey } from './window-key-schema.js'
import { fetchWindowsInto } from './window-fetch-into.js'
import type { WindowBytesStore } from './window-store.js'

type WindowRange = IterableIterator<KeyValue<Windowed<Buffer>, Buffer>>
type Call = (...args: unknown[]) => unknown

/** Logs every put of the inner window store. */
export class LoggingWindowBytesStore implements WindowBytesStore {
  readonly name: string
  readonly inner: WindowBytesStore
  readonly #sink: ChangelogSink
  readonly #time: TimestampSource
  readonly #timestamped: boolean
  // Sequence numbers of puts with retainDuplicates (this layer numbers them, the inner store takes the key as is).
  #seqnum = 0

  /** @param timestamped values are timestamped bytes: log the plain value with its timestamp. */
  constructor(inner: WindowBytesStore, sink: ChangelogSink, time: TimestampSource, timestamped: boolean) {
    this.inner = inner
    this.name = inner.name
    this.#sink = sink
    this.#time = time
    this.#timestamped = timestamped
  }

  get persistent(): boolean {
    return this.inner.persistent
  }
  get windowSize(): number {
    return this.inner.windowSize
  }
  get retentionPeriod(): number {
    return this.inner.retentionPeriod
  }
  get retainDuplicates(): boolean {
    return this.inner.retainDuplicates
  }

  observedStreamTime(): number {
    return this.inner.observedStreamTime()
  }

  put(key: Buffer, value: Buffer | null, windowStart: number): void {
    const dups = this.inner.retainDuplicates
    // With duplicates a null put is a no-op: nothing to store or log.
    if (value === null && dups) return
    checkTimestamp(this.name, windowStart, 'windowStart')
    if (dups) this.#seqnum = (this.#seqnum + 1) & 0x7fffffff
    // One store key for the store and the changelog (so their sequence numbers agree).
    const storeKey = windowStoreKey(key, windowStart, dups ? this.#seqnum : 0)
    this.inner.putStoreKey(storeKey, value)
    this.#logStoreKey(storeKey, value)
  }

  #logStoreKey(storeKey: Buffer, value: Buffer | null): void {
    if (this.#timestamped && value !== null) this.#sink.logChange(this.name, storeKey, rawValueOf(value), timestampOf(value))
    else this.#sink.logChange(this.name, storeKey, value, this.#time.currentRecordTimestamp())
  }

  putStoreKey(storeKey: Buffer, value: Buffer | null): void {
    this.inner.putStoreKey(storeKey, value)
  }

  putWindow(storeKey: Buffer, windowStart: number, value: Buffer | null, id?: string): void {
    const inner = this.inner
    if (inner.putWindow !== undefined) inner.putWindow(storeKey, windowStart, value, id)
    else inner.putStoreKey(storeKey, value)
    this.#logStoreKey(storeKey, value)
  }

  fetchWindow(storeKey: Buffer, windowStart: number): Buffer | null {
    const inner = this.inner
    return inner.fetchWindow !== undefined ? inner.fetchWindow(storeKey, windowStart) : inner.fetch(windowStoreKeyKey(storeKey), windowStart)
  }

  isLive(windowStart: number): boolean {
    return this.inner.isLive?.(windowStart) ?? true
  }

  clear(): void {
    this.inner.clear()
  }

  fetch(key: Buffer, windowStart: number): Buffer | null
  fetch(key: Buffer, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, Buffer>>
  fetch(keyFrom: Buffer | null, keyTo: Buffer | null, timeFrom: number, timeTo: number): WindowRange
  fetch(a: Buffer | null, b: Buffer | number | null, c?: number, d?: number): Buffer | null | IterableIterator<KeyValue<number, Buffer>> | WindowRange {
    // Passed on by arity (not `apply` of a rest array: a join fetches once per record).
    const inner = this.inner
    if (d !== undefined) return inner.fetch(a, b as Buffer | null, c as number, d)
    if (c !== undefined) return inner.fetch(a as Buffer, b as number, c)
    return inner.fetch(a as Buffer, b as number)
  }

  /** {@link WindowBytesStore.fetchInto} of the inner store (its iterator fetch when it has none). @internal */
  fetchInto(key: Buffer, timeFrom: number, timeTo: number, starts: number[], values: Buffer[]): void {
    fetchWindowsInto(this.inner, key, timeFrom, timeTo, starts, values)
  }

  backwardFetch(key: Buffer, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, Buffer>>
  backwardFetch(keyFrom: Buffer | null, keyTo: Buffer | null, timeFrom: number, timeTo: number): WindowRange
  backwardFetch(...args: unknown[]): IterableIterator<KeyValue<number, Buffer>> | WindowRange {
    return (this.inner.backwardFetch as Call).apply(this.inner, args) as WindowRange
  }

  all(): WindowRange {
    return this.inner.all()
  }
  backwardAll(): WindowRange {
    return this.inner.backwardAll()
  }
  fetchAll(timeFrom: number, timeTo: number): WindowRange {
    return this.inner.fetchAll(timeFrom, timeTo)
  }
  backwardFetchAll(timeFrom: number, timeTo: number): WindowRange {
    return this.inner.backwardFetchAll(timeFrom, timeTo)
  }

  flush(): void {
    this.inner.flush()
  }

  close(): void {
    this.inner.close()
  }
}

type Sessions = IterableIterator<KeyValue<Windowed<Buffer>, Buffer>>

/** Logs every put and remove of the inner session store. */
export class LoggingSessionBytesStore implements SessionBytesStore {
  readonly name: string
  readonly inner: SessionBytesStore
  readonly #sink: ChangelogSink
  readonly #time: TimestampSource

  constructor(inner: SessionBytesStore, sink: ChangelogSink, time: TimestampSource) {
    this.inner = inner
    this.name = inner.name
    this.#sink = sink
    this.#time = time
  }

  get persistent(): boolean {
    return this.inner.persistent
  }
  get retentionPeriod(): number {
    return this.inner.retentionPeriod
  }

  observedStreamTime(): number {
    return this.inner.observedStreamTime()
  }

  put(session: Windowed<Buffer>, aggregate: Buffer | null): void {
    this.inner.put(session, aggregate)
    this.#sink.logChange(this.name, sessionStoreKey(session.key, session.window.start, session.window.end), aggregate, this.#time.currentRecordTimestamp())
  }

  remove(session: Windowed<Buffer>): void {
    this.put(session, null)
  }

  putStoreKey(storeKey: Buffer, value: Buffer | null): void {
    this.inner.putStoreKey(storeKey, value)
  }

  clear(): void {
    this.inner.clear()
  }

  findSessions(key: Buffer, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  findSessions(keyFrom: Buffer | null, keyTo: Buffer | null, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  findSessions(...args: unknown[]): Sessions {
    return (this.inner.findSessions as Call).apply(this.inner, args) as Sessions
  }

  backwardFindSessions(key: Buffer, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  backwardFindSessions(keyFrom: Buffer | null, keyTo: Buffer | null, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  backwardFindSessions(...args: unknown[]): Sessions {
    return (this.inner.backwardFindSessions as Call).apply(this.inner, args) as Sessions
  }

  fetchSession(key: Buffer, sessionStartTime: number, sessionEndTime: number): Buffer | null {
    return this.inner.fetchSession(key, sessionStartTime, sessionEndTime)
  }

  fetch(key: Buffer): Sessions
  fetch(keyFrom: Buffer | null, keyTo: Buffer | null): Sessions
  fetch(...args: unknown[]): Sessions {
    return (this.inner.fetch as Call).apply(this.inner, args) as Sessions
  }

  backwardFetch(key: Buffer): Sessions
  backwardFetch(keyFrom: Buffer | null, keyTo: Buffer | null): Sessions
  backwardFetch(...args: unknown[]): Sessions {
    return (this.inner.backwardFetch as Call).apply(this.inner, args) as Sessions
  }

  flush(): void {
    this.inner.flush()
  }

  close(): void {
    this.inner.close()
  }
}
