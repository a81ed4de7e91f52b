/**
 * What the segmented window and session stores share: the segments, the stream time they have
 * observed, the expiry of writes, and the store lifecycle.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { Segments, type SegmentFactory } from './segments.js'
import { MAX_TIMESTAMP } from './window-key-schema.js'

/** Base of the segmented bytes stores: subclasses define which times are still live. */
export abstract class SegmentedStore {
  readonly name: string
  readonly retentionPeriod: number
  protected readonly segments: Segments
  /** Largest time (window start, session end) put so far; -1 before any. */
  protected streamTime = -1
  /** Puts dropped because their window or session had expired. */
  expiredPuts = 0
  #open = true

  /** @param timeOf the segment time of a store key (window start, session end). */
  constructor(name: string, retentionPeriod: number, segmentInterval: number, factory: SegmentFactory, timeOf: (storeKey: Buffer) => number) {
    this.name = name
    this.retentionPeriod = retentionPeriod
    this.segments = new Segments(name, retentionPeriod, segmentInterval, factory)
    // A reopened persistent store: stream time is the latest time it holds.
    const segs = this.segments.all()
    if (segs.length > 0) for (const e of segs[segs.length - 1].all()) this.observe(timeOf(e.key))
  }

  get persistent(): boolean {
    return this.segments.persistent
  }

  /** Largest time put so far (-1 before any). */
  observedStreamTime(): number {
    return this.streamTime
  }

  /** Ids of the live segments (floor(time / segmentInterval)), ascending: what expiry left. */
  segmentIds(): readonly number[] {
    return this.segments.ids()
  }

  /** Removes every entry (before a restore from the start of the changelog). */
  clear(): void {
    this.checkOpen()
    this.segments.clear()
    this.streamTime = -1
  }

  flush(): void {
    if (this.#open) this.segments.flush()
  }

  close(): void {
    if (!this.#open) return
    this.#open = false
    this.segments.close()
  }

  /** The earliest time that is not expired. */
  protected abstract minLiveTime(): number

  /** Writes an entry into the segment of `time`, unless that time has expired (the put is dropped). */
  protected write(storeKey: Buffer, time: number, value: Buffer | null, id?: string): void {
    this.observe(time)
    const segment = time < this.minLiveTime() ? undefined : this.segments.getOrCreate(time, this.streamTime)
    if (segment === undefined) this.expiredPuts++
    else segment.put(storeKey, value, id)
  }

  protected observe(time: number): void {
    if (time > this.streamTime) this.streamTime = time
  }

  protected checkOpen(): void {
    if (!this.#open) throw new InvalidArgumentError(`state store '${this.name}' is closed`)
  }
}

/** Rejects timestamps a store key cannot hold. */
export function checkTimestamp(storeName: string, timestamp: number, what: string): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new InvalidArgumentError(`store '${storeName}': ${what} must be a non-negative integer (ms), got ${timestamp}`)
  }
}

/**
 * The upper time bound of a query, capped to the largest time a store key holds (so `Infinity`
 * or Java's Long.MAX_VALUE as a number mean "no bound"); `lower` is checked to be a number too.
 */
export function queryBound(storeName: string, upper: number, lower: number): number {
  if (typeof upper !== 'number' || Number.isNaN(upper) || typeof lower !== 'number' || Number.isNaN(lower)) {
    throw new InvalidArgumentError(`store '${storeName}': time bounds must be numbers (ms), got ${String(lower)} and ${String(upper)}`)
  }
  return Math.min(upper, MAX_TIMESTAMP)
}
