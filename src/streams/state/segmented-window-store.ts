/**
 * The bytes window store of both engines: time segments (segments.ts) of bytes stores keyed by
 * Kafka Streams' window store key (key + start + sequence number). The engines differ only in
 * their {@link SegmentFactory}: in-memory stores, or one LMDB environment per segment.
 */
import type { KeyValue } from '../record.js'
import type { Windowed } from '../windowed.js'
import { checkTimestamp, queryBound, SegmentedStore } from './segmented-store.js'
import { isKeyIndexed } from './key-indexed-window-segment.js'
import { latin1Text } from './latin1.js'
import { KEY_UPPER_SENTINEL, mergeSorted, type SegmentFactory } from './segments.js'
import type { BytesStore } from './store.js'
import { MAX_TIMESTAMP, WINDOW_SUFFIX_SIZE, windowStoreKey, windowStoreKeyStart } from './window-key-schema.js'
import type { WindowBytesStore, WindowBytesStoreSupplier } from './window-store.js'

const MAX_SEQNUM = 0x7fffffff
const EMPTY = Buffer.alloc(0)

/** Options of {@link SegmentedWindowBytesStore}: what its supplier says. */
export type WindowStoreParams = Pick<WindowBytesStoreSupplier, 'name' | 'retentionPeriod' | 'windowSize' | 'retainDuplicates' | 'segmentInterval' | 'timeOrdered'>

/** A {@link WindowBytesStore} over time segments. */
export class SegmentedWindowBytesStore extends SegmentedStore implements WindowBytesStore {
  readonly windowSize: number
  readonly retainDuplicates: boolean
  /** 1, or 0 for a time-ordered store: windows starting at streamTime - retention + this are the oldest live. */
  readonly #liveOffset: number
  #seqnum = 0

  constructor(params: WindowStoreParams, factory: SegmentFactory) {
    super(params.name, params.retentionPeriod, params.segmentInterval, factory, windowStoreKeyStart)
    this.windowSize = params.windowSize
    this.retainDuplicates = params.retainDuplicates
    this.#liveOffset = params.timeOrdered === true ? 0 : 1
  }

  put(key: Buffer, value: Buffer | null, windowStart: number): void {
    this.checkOpen()
    checkTimestamp(this.name, windowStart, 'windowStart')
    if (value === null && this.retainDuplicates) return
    if (this.retainDuplicates) this.#seqnum = (this.#seqnum + 1) & MAX_SEQNUM
    this.write(windowStoreKey(key, windowStart, this.retainDuplicates ? this.#seqnum : 0), windowStart, value)
  }

  putStoreKey(storeKey: Buffer, value: Buffer | null): void {
    this.checkOpen()
    this.write(storeKey, windowStoreKeyStart(storeKey), value)
  }

  putWindow(storeKey: Buffer, windowStart: number, value: Buffer | null, id?: string): void {
    this.checkOpen()
    this.write(storeKey, windowStart, value, id)
  }

  fetchWindow(storeKey: Buffer, windowStart: number): Buffer | null {
    this.checkOpen()
    if (windowStart < this.minLiveTime()) return null
    return this.segments.get(windowStart)?.get(storeKey) ?? null
  }

  isLive(windowStart: number): boolean {
    return windowStart >= this.minLiveTime()
  }

  fetch(key: Buffer, windowStart: number): Buffer | null
  fetch(key: Buffer, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, Buffer>>
  fetch(keyFrom: Buffer | null, keyTo: Buffer | null, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<Buffer>, Buffer>>
  fetch(a: Buffer | null, b: Buffer | number | null, c?: number, d?: number): Buffer | null | IterableIterator<KeyValue<number, Buffer>> | IterableIterator<KeyValue<Windowed<Buffer>, Buffer>> {
    if (d !== undefined) return this.#rangeFetch(a, b as Buffer | null, c as number, d, false)
    if (c !== undefined) return this.#keyFetch(a as Buffer, b as number, c, false)
    return this.#get(a as Buffer, b as number)
  }

  backwardFetch(key: Buffer, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, Buffer>>
  backwardFetch(keyFrom: Buffer | null, keyTo: Buffer | null, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<Buffer>, Buffer>>
  backwardFetch(a: Buffer | null, b: Buffer | number | null, c: number, d?: number): IterableIterator<KeyValue<number, Buffer>> | IterableIterator<KeyValue<Windowed<Buffer>, Buffer>> {
    if (d !== undefined) return this.#rangeFetch(a, b as Buffer | null, c, d, true)
    return this.#keyFetch(a as Buffer, b as number, c, true)
  }

  all(): IterableIterator<KeyValue<Windowed<Buffer>, Buffer>> {
    return this.#rangeFetch(null, null, 0, MAX_TIMESTAMP, false)
  }

  backwardAll(): IterableIterator<KeyValue<Windowed<Buffer>, Buffer>> {
    return this.#rangeFetch(null, null, 0, MAX_TIMESTAMP, true)
  }

  fetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<Buffer>, Buffer>> {
    return this.#rangeFetch(null, null, timeFrom, timeTo, false)
  }

  backwardFetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<Buffer>, Buffer>> {
    return this.#rangeFetch(null, null, timeFrom, timeTo, true)
  }

  /** The earliest window start that is not expired. */
  protected minLiveTime(): number {
    return Math.max(0, this.streamTime - this.retentionPeriod + this.#liveOffset)
  }

  #get(key: Buffer, windowStart: number): Buffer | null {
    this.checkOpen()
    if (windowStart < this.minLiveTime()) return null
    const segment = this.segments.get(windowStart)
    if (segment === undefined) return null
    if (!this.retainDuplicates) return segment.get(windowStoreKey(key, windowStart, 0))
    // With duplicates, the first one put.
    for (const e of segment.range(windowStoreKey(key, windowStart, 0), windowStoreKey(key, windowStart, MAX_SEQNUM))) {
      if (e.key.length === key.length + WINDOW_SUFFIX_SIZE) return e.value
    }
    return null
  }

  /** Windows of one key by start time (the entries of {@link fetchInto}). */
  #keyFetch(key: Buffer, timeFrom: number, timeTo: number, backward: boolean): IterableIterator<KeyValue<number, Buffer>> {
    const starts: number[] = []
    const values: Buffer[] = []
    this.fetchInto(key, timeFrom, timeTo, starts, values)
    const out = new Array<KeyValue<number, Buffer>>(starts.length)
    for (let i = 0; i < starts.length; i++) out[i] = { key: starts[i], value: values[i] }
    if (backward) out.reverse()
    return out[Symbol.iterator]()
  }

  /**
   * {@link WindowBytesStore.fetchInto}: one key's windows in time order (the segments in time
   * order, each its key-indexed list or a key-prefixed byte range), into the caller's arrays.
   * @internal
   */
  fetchInto(key: Buffer, timeFrom: number, rawTimeTo: number, starts: number[], values: Buffer[]): void {
    this.checkOpen()
    const timeTo = queryBound(this.name, rawTimeTo, timeFrom)
    const from = Math.max(timeFrom, this.minLiveTime())
    if (from > timeTo) return
    const segments = this.segments
    const lo = segments.segmentId(from)
    const hi = segments.segmentId(timeTo)
    // The ids array is replaced, never changed in place, when segments come and go.
    const ids = segments.ids()
    let keyId: string | undefined
    let lower: Buffer | undefined
    let upper: Buffer | undefined
    const length = key.length + WINDOW_SUFFIX_SIZE
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      if (id < lo) continue
      if (id > hi) break
      const segment = segments.byId(id) as BytesStore
      if (isKeyIndexed(segment)) {
        segment.fetchKeyInto((keyId ??= latin1Text(key, 0, key.length)), from, timeTo, starts, values)
        continue
      }
      lower ??= windowStoreKey(key, from, 0)
      upper ??= windowStoreKey(key, timeTo, MAX_SEQNUM)
      for (const e of segment.range(lower, upper)) {
        // Longer keys that start with `key` can fall into the byte range.
        if (e.key.length === length) {
          starts.push(windowStoreKeyStart(e.key))
          values.push(e.value)
        }
      }
    }
  }

  /** Windows of a key range (null: unbounded) in store-key order. */
  #rangeFetch(keyFrom: Buffer | null, keyTo: Buffer | null, timeFrom: number, rawTimeTo: number, backward: boolean): IterableIterator<KeyValue<Windowed<Buffer>, Buffer>> {
    this.checkOpen()
    const timeTo = queryBound(this.name, rawTimeTo, timeFrom)
    if (keyFrom !== null && keyTo !== null && Buffer.compare(keyFrom, keyTo) > 0) return [][Symbol.iterator]()
    const from = Math.max(timeFrom, this.minLiveTime())
    if (from > timeTo) return [][Symbol.iterator]()
    const lower = keyFrom === null ? EMPTY : windowStoreKey(keyFrom, from, 0)
    const upper = keyTo === null ? KEY_UPPER_SENTINEL : windowStoreKey(keyTo, timeTo, MAX_SEQNUM)
    const size = this.windowSize
    const matches = function* (segment: BytesStore): Generator<KeyValue<Buffer, Buffer>> {
      for (const e of segment.range(lower, upper)) {
        if (e.key.length < WINDOW_SUFFIX_SIZE) continue
        const start = windowStoreKeyStart(e.key)
        if (start < from || start > timeTo) continue
        const k = e.key.subarray(0, e.key.length - WINDOW_SUFFIX_SIZE)
        if ((keyFrom !== null && Buffer.compare(k, keyFrom) < 0) || (keyTo !== null && Buffer.compare(k, keyTo) > 0)) continue
        yield e
      }
    }
    const merged = mergeSorted(this.segments.search(from, timeTo).map(matches))
    const toWindowed = (e: KeyValue<Buffer, Buffer>): KeyValue<Windowed<Buffer>, Buffer> => {
      const start = windowStoreKeyStart(e.key)
      return { key: { key: e.key.subarray(0, e.key.length - WINDOW_SUFFIX_SIZE), window: { start, end: start + size } }, value: e.value }
    }
    if (backward) return [...merged].reverse().map(toWindowed)[Symbol.iterator]()
    return (function* () {
      for (const e of merged) yield toWindowed(e)
    })()
  }

}
