/**
 * An in-memory window store segment indexed by record key, for the window stores of
 * stream-stream joins (retainDuplicates): those are written once per record and read one key at
 * a time over a time range (`fetch(key, timeFrom, timeTo)`: the other side's records within the
 * join window). Kept as an ordered set of whole store keys ({@link InMemoryKeyValueStore}), each
 * read costs two key conversions and two binary searches per segment and each write an ordered
 * insert; here a read is one map lookup per segment and a write an append to its key's list
 * (records arrive mostly in time order).
 *
 * The segment is still a complete {@link BytesStore}: byte ranges and full scans (interactive
 * queries) go to an ordered in-memory store of the same entries, built on the first scan and
 * kept up to date from then on, so a store that is never scanned never pays for the order.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { KeyValue } from '../record.js'
import { InMemoryKeyValueStore } from './in-memory.js'
import { latin1Text } from './latin1.js'
import type { BytesStore } from './store.js'
import { SEQNUM_SIZE, WINDOW_SUFFIX_SIZE, windowStoreKey } from './window-key-schema.js'

/**
 * One stored entry: the window start and sequence number of its store key, the value. The store
 * key itself is not kept (one Buffer less per buffered record for the garbage collector to copy
 * and mark): a scan rebuilds it from the record key's text and these numbers.
 */
interface Entry {
  readonly start: number
  readonly seq: number
  value: Buffer
}

/** A segment that answers single-key window fetches from its index. @internal */
export interface KeyIndexedSegment extends BytesStore {
  /**
   * Appends to `starts` and `values` the entries of the record key `keyId` (its bytes as latin1
   * text) whose window start is within [timeFrom, timeTo], in store-key order (start, then
   * sequence number).
   */
  fetchKeyInto(keyId: string, timeFrom: number, timeTo: number, starts: number[], values: Buffer[]): void
}

/** True when `segment` answers {@link KeyIndexedSegment.fetchKeyInto}. @internal */
export function isKeyIndexed(segment: BytesStore): segment is KeyIndexedSegment {
  return typeof (segment as Partial<KeyIndexedSegment>).fetchKeyInto === 'function'
}

/** In-memory window segment indexed by record key (see the module comment). @internal */
export class KeyIndexedWindowSegment implements KeyIndexedSegment {
  readonly name: string
  readonly persistent = false
  /** Entries by record key (latin1 text of the store key without its window suffix), in store-key order. */
  readonly #byKey = new Map<string, Entry[]>()
  #size = 0
  /**
   * The entries again as an ordered store, for byte ranges and full scans (a byte range of one
   * key also holds longer keys that start with it): none until the first scan, then kept.
   */
  #ordered: InMemoryKeyValueStore | null = null

  constructor(name: string) {
    this.name = name
  }

  get(key: Buffer): Buffer | null {
    const list = this.#byKey.get(this.#keyId(key))
    if (list === undefined) return null
    const start = startOf(key)
    const seq = seqOf(key)
    const i = lowerBound(list, start, seq)
    return i < list.length && list[i].start === start && list[i].seq === seq ? list[i].value : null
  }

  put(key: Buffer, value: Buffer | null): void {
    const keyId = this.#keyId(key)
    const start = startOf(key)
    const seq = seqOf(key)
    const list = this.#byKey.get(keyId)
    if (value === null) {
      if (list === undefined) return
      const i = lowerBound(list, start, seq)
      if (i === list.length || list[i].start !== start || list[i].seq !== seq) return
      list.splice(i, 1)
      if (list.length === 0) this.#byKey.delete(keyId)
      this.#size--
      this.#ordered?.put(key, null)
      return
    }
    const entry: Entry = { start, seq, value }
    this.#ordered?.put(key, value)
    if (list === undefined) {
      this.#byKey.set(keyId, [entry])
      this.#size++
      return
    }
    // In time order (the common case): an append.
    const last = list[list.length - 1]
    if (last.start < start || (last.start === start && last.seq < seq)) {
      list.push(entry)
      this.#size++
      return
    }
    const i = lowerBound(list, start, seq)
    if (i < list.length && list[i].start === start && list[i].seq === seq) list[i].value = value
    else {
      list.splice(i, 0, entry)
      this.#size++
    }
  }

  putIfAbsent(key: Buffer, value: Buffer | null): Buffer | null {
    const existing = this.get(key)
    if (existing === null) this.put(key, value)
    return existing
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const e of entries) this.put(e.key, e.value)
  }

  delete(key: Buffer): Buffer | null {
    const previous = this.get(key)
    if (previous !== null) this.put(key, null)
    return previous
  }

  fetchKeyInto(keyId: string, timeFrom: number, timeTo: number, starts: number[], values: Buffer[]): void {
    const list = this.#byKey.get(keyId)
    if (list === undefined) return
    for (let i = 0; i < list.length; i++) {
      const e = list[i]
      if (e.start > timeTo) return
      if (e.start >= timeFrom) {
        starts.push(e.start)
        values.push(e.value)
      }
    }
  }

  range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.#orderedStore().range(from, to)
  }

  all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.#orderedStore().all()
  }

  approximateNumEntries(): number {
    return this.#size
  }

  flush(): void {}

  close(): void {
    this.#byKey.clear()
    this.#size = 0
    this.#ordered?.close()
    this.#ordered = null
  }

  #keyId(key: Buffer): string {
    if (key.length < WINDOW_SUFFIX_SIZE) {
      throw new InvalidArgumentError(`store '${this.name}': a window store key has at least ${WINDOW_SUFFIX_SIZE} bytes (key, start, sequence number), got ${key.length}`)
    }
    return latin1Text(key, 0, key.length - WINDOW_SUFFIX_SIZE)
  }

  /** The ordered store, built from the index on the first scan and kept up to date after it. */
  #orderedStore(): InMemoryKeyValueStore {
    if (this.#ordered === null) {
      const ordered = new InMemoryKeyValueStore(this.name)
      for (const [keyId, list] of this.#byKey) {
        const keyBytes = Buffer.from(keyId, 'latin1')
        for (const e of list) ordered.put(windowStoreKey(keyBytes, e.start, e.seq), e.value)
      }
      this.#ordered = ordered
    }
    return this.#ordered
  }
}

function startOf(storeKey: Buffer): number {
  const at = storeKey.length - WINDOW_SUFFIX_SIZE
  return storeKey.readUInt32BE(at) * 0x100000000 + storeKey.readUInt32BE(at + 4)
}

function seqOf(storeKey: Buffer): number {
  return storeKey.readUInt32BE(storeKey.length - SEQNUM_SIZE)
}

/** Index of the first entry at or after (start, seq) in a list in store-key order. */
function lowerBound(list: readonly Entry[], start: number, seq: number): number {
  let a = 0
  let b = list.length
  while (a < b) {
    const mid = (a + b) >>> 1
    const e = list[mid]
    if (e.start < start || (e.start === start && e.seq < seq)) a = mid + 1
    else b = mid
  }
  return a
}
