/**
 * Versioned key-value stores (Kafka Streams' `VersionedKeyValueStore`): every key keeps its
 * record versions, each valid from its own timestamp (inclusive) to the next version's timestamp
 * (exclusive), so the store answers "the value as of time T".
 *
 * Semantics are Kafka Streams' `RocksDBVersionedStore` (not its segment layout):
 * - The store tracks observed stream time (the largest put timestamp). A put or delete older than
 *   stream time - history retention (retention doubles as the grace period) is refused:
 *   {@link PUT_RETURN_CODE_NOT_PUT}, and a delete returns null.
 * - `put` returns the new version's validTo: {@link PUT_RETURN_CODE_VALID_TO_UNDEFINED} when it
 *   is the latest version, else the next version's timestamp. A put with the timestamp of an
 *   existing version replaces that version.
 * - Tombstones (null values, deletes) are versions too: reads inside their validity return null.
 * - `get(key, asOf)` with asOf older than stream time - history retention answers only from the
 *   latest version (it never expires); older history reads return null, as in Kafka Streams.
 *
 * Layout: one bytes-store entry per key holding all its versions (the bytes store may be in memory
 * or LMDB). Versions that can no longer answer any read (validTo at or before stream time -
 * history retention) are dropped when their key is next written, and from every key each time
 * stream time enters a new segment interval (where Kafka Streams drops expired segments); reads
 * never see them either way.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { inMemoryKeyValueStore } from './in-memory.js'
import { lmdbKeyValueStore, type LmdbStoreOptions } from './lmdb.js'
import type { BytesStore, StateStore, StoreContext } from './store.js'

/** `put` result: the record is the latest version of its key (Kafka's `PUT_RETURN_CODE_VALID_TO_UNDEFINED`). */
export const PUT_RETURN_CODE_VALID_TO_UNDEFINED = -1
/** `put` result: the record was older than the history retention and not stored (Kafka's `Long.MIN_VALUE`). */
export const PUT_RETURN_CODE_NOT_PUT = -(2 ** 63)

/** One version of a key (Kafka Streams' `VersionedRecord`). */
export interface VersionedRecord<V> {
  readonly value: V
  /** The version's timestamp (validFrom, inclusive). */
  readonly timestamp: number
  /** The next version's timestamp (exclusive); undefined for the latest version. */
  readonly validTo?: number
}

/** A typed versioned key-value store, as processors see it. */
export interface VersionedKeyValueStore<K, V> extends StateStore {
  /**
   * Adds a version (a null value is a tombstone). Returns the version's validTo,
   * {@link PUT_RETURN_CODE_VALID_TO_UNDEFINED} when it is the latest, or
   * {@link PUT_RETURN_CODE_NOT_PUT} when it is older than the history retention.
   */
  put(key: K, value: V | null, timestamp: number): number
  /** Adds a tombstone at `timestamp`; returns the version valid at `timestamp` before (null if none or refused). */
  delete(key: K, timestamp: number): VersionedRecord<V> | null
  /** The latest version (null when there is none or it is a tombstone). */
  get(key: K): VersionedRecord<V> | null
  /** The version valid at `asOfTimestamp` (null when none, a tombstone, or beyond the history retention). */
  get(key: K, asOfTimestamp: number): VersionedRecord<V> | null
}

/** Read-only view of a versioned store (interactive queries). */
export type ReadOnlyVersionedKeyValueStore<K, V> = Pick<VersionedKeyValueStore<K, V>, 'name' | 'get'>

/** A versioned store over bytes: keys and values are serialized. */
export interface VersionedBytesStore extends StateStore {
  readonly historyRetentionMs: number
  put(key: Buffer, value: Buffer | null, timestamp: number): number
  delete(key: Buffer, timestamp: number): VersionedRecord<Buffer> | null
  get(key: Buffer, asOfTimestamp?: number): VersionedRecord<Buffer> | null
  /** Removes every key (before a restore from the start of the changelog). */
  clear(): void
}

/** Creates the versioned bytes store of one task (Kafka Streams' `VersionedBytesStoreSupplier`). */
export interface VersionedBytesStoreSupplier {
  readonly name: string
  /** Store kind, telling versioned suppliers from key-value, window and session ones. */
  readonly kind: 'versioned'
  readonly historyRetentionMs: number
  /** Kafka Streams' segment interval; kept for API parity (this layout has no segments). */
  readonly segmentIntervalMs: number
  get(context?: StoreContext): VersionedBytesStore
}

/** True for a versioned store supplier. */
export function isVersionedBytesStoreSupplier(s: object): s is VersionedBytesStoreSupplier {
  return (s as { kind?: unknown }).kind === 'versioned'
}

interface Version {
  timestamp: number
  /** null: a tombstone. */
  value: Buffer | null
}

// Per key: [count u32] then per version [timestamp i64][length i32, -1 = tombstone][bytes].
function encodeVersions(versions: readonly Version[]): Buffer {
  let size = 4
  for (const v of versions) size += 12 + (v.value?.length ?? 0)
  const out = Buffer.allocUnsafe(size)
  out.writeUInt32BE(versions.length, 0)
  let o = 4
  for (const v of versions) {
    out.writeBigInt64BE(BigInt(v.timestamp), o)
    out.writeInt32BE(v.value === null ? -1 : v.value.length, o + 8)
    o += 12
    if (v.value !== null) o += v.value.copy(out, o)
  }
  return out
}

function decodeVersions(bytes: Buffer): Version[] {
  const n = bytes.readUInt32BE(0)
  const out: Version[] = []
  let o = 4
  for (let i = 0; i < n; i++) {
    const timestamp = Number(bytes.readBigInt64BE(o))
    const len = bytes.readInt32BE(o + 8)
    o += 12
    out.push({ timestamp, value: len < 0 ? null : Buffer.from(bytes.subarray(o, o + len)) })
    if (len > 0) o += len
  }
  return out
}

/** Index of the last version with timestamp <= ts (-1 if none). Versions are sorted ascending. */
function lastAtOrBefore(versions: readonly Version[], ts: number): number {
  let lo = 0
  let hi = versions.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (versions[mid].timestamp <= ts) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

function recordAt(versions: readonly Version[], i: number): VersionedRecord<Buffer> | null {
  const v = versions[i]
  if (v.value === null) return null
  return i + 1 < versions.length ? { value: v.value, timestamp: v.timestamp, validTo: versions[i + 1].timestamp } : { value: v.value, timestamp: v.timestamp }
}

/** Sentinel: no put seen yet (Kafka's `NO_TIMESTAMP`). */
const NO_TIMESTAMP = -1

/** A {@link VersionedBytesStore} keeping each key's versions in one entry of a bytes store. */
export class BytesVersionedStore implements VersionedBytesStore {
  readonly name: string
  readonly historyRetentionMs: number
  readonly segmentIntervalMs: number
  readonly #inner: BytesStore
  #observedStreamTime = NO_TIMESTAMP
  /** Segment (stream time / segment interval) of the last sweep of expired versions. */
  #sweptSegment = 0

  constructor(inner: BytesStore, historyRetentionMs: number, segmentIntervalMs = defaultSegmentInterval(historyRetentionMs)) {
    this.name = inner.name
    this.#inner = inner
    this.historyRetentionMs = historyRetentionMs
    this.segmentIntervalMs = segmentIntervalMs
  }

  get persistent(): boolean {
    return this.#inner.persistent
  }

  /** The largest timestamp put so far (-1 before any). */
  get observedStreamTime(): number {
    return this.#observedStreamTime
  }

  put(key: Buffer, value: Buffer | null, timestamp: number): number {
    checkTimestamp(this.name, timestamp)
    if (timestamp < this.#observedStreamTime - this.historyRetentionMs) return PUT_RETURN_CODE_NOT_PUT
    this.#observedStreamTime = Math.max(this.#observedStreamTime, timestamp)
    return this.#doPut(key, value, timestamp)
  }

  delete(key: Buffer, timestamp: number): VersionedRecord<Buffer> | null {
    checkTimestamp(this.name, timestamp)
    if (timestamp < this.#observedStreamTime - this.historyRetentionMs) return null
    const existing = this.get(key, timestamp)
    this.#observedStreamTime = Math.max(this.#observedStreamTime, timestamp)
    this.#doPut(key, null, timestamp)
    return existing
  }

  get(key: Buffer, asOfTimestamp?: number): VersionedRecord<Buffer> | null {
    const raw = this.#inner.get(key)
    if (raw === null) return null
    const versions = decodeVersions(raw)
    if (asOfTimestamp === undefined) return versions.length === 0 ? null : recordAt(versions, versions.length - 1)
    if (asOfTimestamp < this.#observedStreamTime - this.historyRetentionMs) {
      // Beyond the history retention only the latest version (which never expires) answers.
      const last = versions.length - 1
      return last >= 0 && versions[last].timestamp <= asOfTimestamp ? recordAt(versions, last) : null
    }
    const i = lastAtOrBefore(versions, asOfTimestamp)
    return i < 0 ? null : recordAt(versions, i)
  }

  #doPut(key: Buffer, value: Buffer | null, timestamp: number): number {
    const segment = Math.floor(this.#observedStreamTime / this.segmentIntervalMs)
    if (segment > this.#sweptSegment) {
      this.#sweptSegment = segment
      this.#sweep()
    }
    const raw = this.#inner.get(key)
    const versions = raw === null ? [] : decodeVersions(raw)
    const i = lastAtOrBefore(versions, timestamp)
    if (i >= 0 && versions[i].timestamp === timestamp) versions[i] = { timestamp, value }
    else versions.splice(i + 1, 0, { timestamp, value })
    const at = i >= 0 && versions[i].timestamp === timestamp ? i : i + 1
    const validTo = at + 1 < versions.length ? versions[at + 1].timestamp : PUT_RETURN_CODE_VALID_TO_UNDEFINED
    this.#inner.put(key, encodeVersions(this.#pruned(versions)))
    return validTo
  }

  /** Drops versions that no read can return any more (validTo at or before stream time - retention). */
  #pruned(versions: Version[]): Version[] {
    const cutoff = this.#observedStreamTime - this.historyRetentionMs
    let first = 0
    while (first + 1 < versions.length && versions[first + 1].timestamp <= cutoff) first++
    return first === 0 ? versions : versions.slice(first)
  }

  /** Drops expired versions of every key. */
  #sweep(): void {
    const changed: Array<{ key: Buffer; value: Buffer }> = []
    for (const e of this.#inner.all()) {
      const versions = decodeVersions(e.value)
      const kept = this.#pruned(versions)
      if (kept.length !== versions.length) changed.push({ key: e.key, value: encodeVersions(kept) })
    }
    for (const c of changed) this.#inner.put(c.key, c.value)
  }

  clear(): void {
    const keys: Buffer[] = []
    for (const e of this.#inner.all()) keys.push(e.key)
    for (const k of keys) this.#inner.put(k, null)
    this.#observedStreamTime = NO_TIMESTAMP
    this.#sweptSegment = 0
  }

  flush(): void {
    this.#inner.flush()
  }

  close(): void {
    this.#inner.close()
  }
}

function checkTimestamp(store: string, timestamp: number): void {
  if (!Number.isSafeInteger(timestamp)) throw new InvalidArgumentError(`versioned store '${store}': timestamp must be a whole number of ms, got ${String(timestamp)}`)
}

/** Kafka Streams' default segment interval for a history retention. */
function defaultSegmentInterval(retention: number): number {
  if (retention <= 60_000) return Math.max(Math.floor(retention / 3), 2_000)
  if (retention <= 300_000) return Math.max(Math.floor(retention / 5), 20_000)
  if (retention <= 3_600_000) return Math.max(Math.floor(retention / 12), 60_000)
  return Math.max(Math.floor(retention / 24), 300_000)
}

function checkRetention(name: string, historyRetentionMs: number, segmentIntervalMs: number | undefined): number {
  if (!Number.isSafeInteger(historyRetentionMs) || historyRetentionMs < 0) {
    throw new InvalidArgumentError(`versioned store '${name}': historyRetentionMs must be a whole number of ms >= 0, got ${String(historyRetentionMs)}`)
  }
  if (segmentIntervalMs === undefined) return defaultSegmentInterval(historyRetentionMs)
  if (!Number.isSafeInteger(segmentIntervalMs) || segmentIntervalMs < 1) {
    throw new InvalidArgumentError(`versioned store '${name}': segmentIntervalMs must be a whole number of ms >= 1, got ${String(segmentIntervalMs)}`)
  }
  return segmentIntervalMs
}

/**
 * A persistent (LMDB) versioned store supplier (Kafka Streams' `Stores.persistentVersionedKeyValueStore`):
 * `historyRetentionMs` is how far back (in stream time) `get(key, asOf)` answers and how late a
 * put may be. `segmentIntervalMs` (Kafka's default from the retention) is validated and kept for
 * parity: this layout has no segments.
 */
export function persistentVersionedKeyValueStore(
  name: string,
  historyRetentionMs: number,
  segmentIntervalMs?: number,
  options: Omit<LmdbStoreOptions, 'path'> = {},
): VersionedBytesStoreSupplier {
  const interval = checkRetention(name, historyRetentionMs, segmentIntervalMs)
  const lmdb = lmdbKeyValueStore(name, options)
  return { name, kind: 'versioned', historyRetentionMs, segmentIntervalMs: interval, get: (context) => new BytesVersionedStore(lmdb.get(context), historyRetentionMs, interval) }
}

/** An in-memory versioned store supplier, with the semantics of {@link persistentVersionedKeyValueStore}. */
export function inMemoryVersionedKeyValueStore(name: string, historyRetentionMs: number): VersionedBytesStoreSupplier {
  const interval = checkRetention(name, historyRetentionMs, undefined)
  const mem = inMemoryKeyValueStore(name)
  return { name, kind: 'versioned', historyRetentionMs, segmentIntervalMs: interval, get: () => new BytesVersionedStore(mem.get(), historyRetentionMs, interval) }
}
