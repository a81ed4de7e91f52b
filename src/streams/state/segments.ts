/**
 * Time segments of window and session stores (Kafka Streams' `Segments`): entries live in the
 * segment `floor(timestamp / segmentInterval)` of their window start (window stores) or session
 * end (session stores), each segment its own bytes store. As stream time advances, segments
 * entirely older than the retention period are dropped whole, so a store's size follows its
 * retention, not its age. An expired segment leaves the store at once (no reads, no writes) but
 * is deleted at the next flush (before each commit), so a scan in progress over it finishes.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { KeyValue } from '../record.js'
import type { BytesStore } from './store.js'

/** Where segments come from: in memory, or one LMDB environment per segment. */
export interface SegmentFactory {
  /** True when segments survive a restart. */
  readonly persistent: boolean
  /** Opens (or creates) the segment with this id; `start` is its first timestamp. */
  open(id: number, start: number): BytesStore
  /** Closes a segment and deletes its data. */
  drop(id: number, segment: BytesStore): void
  /** Ids of the segments that exist already (a persistent store reopened), ascending. */
  existing(): number[]
  /** Called after every segment was closed (e.g. removes a temporary directory). */
  close(): void
}

/** Kafka Streams' default segment interval: half the retention period, at least one minute. */
export function defaultSegmentInterval(retentionPeriod: number): number {
  return Math.max(Math.floor(retentionPeriod / 2), 60_000)
}

/** Checks a store's retention period and segment interval (Kafka Streams' rules). */
export function checkRetention(storeName: string, retentionPeriod: number, segmentInterval: number): void {
  if (typeof storeName !== 'string' || storeName.length === 0) throw new InvalidArgumentError('store name must be a non-empty string')
  if (!Number.isSafeInteger(retentionPeriod) || retentionPeriod < 0) {
    throw new InvalidArgumentError(`store '${storeName}': retentionPeriod must be a non-negative integer (ms), got ${retentionPeriod}`)
  }
  if (!Number.isSafeInteger(segmentInterval) || segmentInterval < 1) {
    throw new InvalidArgumentError(`store '${storeName}': segmentInterval must be a positive integer (ms), got ${segmentInterval}`)
  }
}

/** Expired segments kept at most before they are deleted without waiting for a flush. */
const MAX_RETIRED = 2

/** The live segments of one store. */
export class Segments {
  readonly name: string
  readonly retentionPeriod: number
  readonly segmentInterval: number
  readonly #factory: SegmentFactory
  readonly #segments = new Map<number, BytesStore>()
  /** Segment ids, ascending. */
  #ids: number[] = []
  /** Expired segments, deleted at the next flush (or sooner when too many wait). */
  #retired: Array<{ id: number; segment: BytesStore }> = []

  constructor(name: string, retentionPeriod: number, segmentInterval: number, factory: SegmentFactory) {
    this.name = name
    this.retentionPeriod = retentionPeriod
    this.segmentInterval = segmentInterval
    this.#factory = factory
    for (const id of factory.existing()) this.#segments.set(id, factory.open(id, id * segmentInterval))
    this.#ids = [...this.#segments.keys()].sort((a, b) => a - b)
  }

  get persistent(): boolean {
    return this.#factory.persistent
  }

  /** The segment id of a timestamp. */
  segmentId(timestamp: number): number {
    return Math.floor(timestamp / this.segmentInterval)
  }

  /** The segment holding `timestamp`, if it exists. */
  get(timestamp: number): BytesStore | undefined {
    return this.#segments.get(this.segmentId(timestamp))
  }

  /**
   * The segment for `timestamp`, created when missing, after dropping the segments that stream
   * time `streamTime` expired; undefined when the timestamp's own segment is expired.
   */
  getOrCreate(timestamp: number, streamTime: number): BytesStore | undefined {
    this.expire(streamTime)
    const id = this.segmentId(timestamp)
    if (id < this.#minLiveSegment(streamTime)) return undefined
    let s = this.#segments.get(id)
    if (s === undefined) {
      s = this.#factory.open(id, id * this.segmentInterval)
      this.#segments.set(id, s)
      this.#ids = [...this.#segments.keys()].sort((a, b) => a - b)
    }
    return s
  }

  /** Drops the segments entirely older than `streamTime - retentionPeriod`. */
  expire(streamTime: number): void {
    const min = this.#minLiveSegment(streamTime)
    if (this.#ids.length === 0 || this.#ids[0] >= min) return
    for (const id of this.#ids) {
      if (id >= min) break
      this.#retired.push({ id, segment: this.#segments.get(id) as BytesStore })
      this.#segments.delete(id)
    }
    this.#ids = this.#ids.filter((id) => id >= min)
    // A runtime that never flushes (none does) must not keep them all.
    if (this.#retired.length > MAX_RETIRED) this.#dropRetired()
  }

  /** Segments overlapping [timeFrom, timeTo], ascending (or descending with `backward`). */
  search(timeFrom: number, timeTo: number): BytesStore[] {
    const lo = this.segmentId(timeFrom)
    const hi = this.segmentId(timeTo)
    const out: BytesStore[] = []
    for (const id of this.#ids) if (id >= lo && id <= hi) out.push(this.#segments.get(id) as BytesStore)
    return out
  }

  /** The live segment with this id, if any. */
  byId(id: number): BytesStore | undefined {
    return this.#segments.get(id)
  }

  /** Ids of the live segments, ascending (a new array whenever they change: safe to iterate while segments come and go). */
  ids(): readonly number[] {
    return this.#ids
  }

  /** Every segment, ascending. */
  all(): BytesStore[] {
    return this.#ids.map((id) => this.#segments.get(id) as BytesStore)
  }

  /** Drops every segment. */
  clear(): void {
    this.#dropRetired()
    for (const id of this.#ids) this.#factory.drop(id, this.#segments.get(id) as BytesStore)
    this.#segments.clear()
    this.#ids = []
  }

  /** Flushes the live segments and deletes the expired ones. */
  flush(): void {
    this.#dropRetired()
    for (const s of this.#segments.values()) s.flush()
  }

  close(): void {
    this.#dropRetired()
    for (const s of this.#segments.values()) s.close()
    this.#segments.clear()
    this.#ids = []
    this.#factory.close()
  }

  #dropRetired(): void {
    for (const r of this.#retired) this.#factory.drop(r.id, r.segment)
    this.#retired = []
  }

  #minLiveSegment(streamTime: number): number {
    return this.segmentId(streamTime - this.retentionPeriod)
  }
}

/**
 * Merges iterators that are each sorted by key bytes into one sorted iterator (entries of
 * several segments in store-key order).
 */
export function* mergeSorted<T extends KeyValue<Buffer, Buffer>>(sources: Array<Iterator<T>>): Generator<T> {
  if (sources.length === 1) {
    for (let r = sources[0].next(); !r.done; r = sources[0].next()) yield r.value
    return
  }
  const heads: Array<T | undefined> = sources.map((s) => {
    const r = s.next()
    return r.done ? undefined : r.value
  })
  for (;;) {
    let best = -1
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]
      if (h !== undefined && (best < 0 || Buffer.compare(h.key, (heads[best] as T).key) < 0)) best = i
    }
    if (best < 0) return
    yield heads[best] as T
    const r = sources[best].next()
    heads[best] = r.done ? undefined : r.value
  }
}

/** Upper bound for open-ended key ranges: above every key an LMDB store can hold. */
export const KEY_UPPER_SENTINEL = Buffer.alloc(1977, 0xff)
