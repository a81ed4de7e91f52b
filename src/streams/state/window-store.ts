/**
 * Window stores (Kafka Streams' `WindowStore`): values per key and window start time, kept for
 * a retention period of stream time. The typed {@link WindowStore} sits on a bytes-level
 * {@link WindowBytesStore} (in-memory or LMDB), as key-value stores sit on a BytesStore.
 *
 * Semantics (Kafka Streams'):
 * - Time bounds are inclusive at both ends; `timeFrom > timeTo` gives nothing.
 * - Single-key fetches return windows by start time. Key-range fetches and `all` return entries
 *   in store-key byte order: by serialized key (unsigned bytes), then window start (as Kafka
 *   Streams' persistent store; a key that extends another with 0x00 bytes can sort between the
 *   other's windows). `backward*` variants return the reverse order.
 * - A null key bound in a key-range fetch is unbounded on that side.
 * - `put(key, null, start)` deletes (a no-op with `retainDuplicates`).
 * - Stream time is the largest window start put; a window whose start is at or before
 *   `observedStreamTime - retentionPeriod` is expired: it is never returned, puts to it are
 *   dropped, and its segment is deleted.
 */
import type { KeyValue } from '../record.js'
import type { Windowed } from '../windowed.js'
import type { StateStore, StoreContext } from './store.js'
import type { ValueAndTimestamp } from './value-and-timestamp.js'

/** Read access to a window store (what interactive queries get). */
export interface ReadOnlyWindowStore<K, V> {
  readonly name: string
  /** The value of the window of `key` starting at `windowStart`, or null. */
  fetch(key: K, windowStart: number): V | null
  /** The windows of `key` with timeFrom <= start <= timeTo, by start time: `{ key: windowStart, value }`. */
  fetch(key: K, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, V>>
  /** The windows of keys in [keyFrom, keyTo] (null: unbounded) with timeFrom <= start <= timeTo. */
  fetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>>
  /** {@link fetch} of one key, latest window first. */
  backwardFetch(key: K, timeFrom: number, timeTo: number): IterableIterator<KeyValue<number, V>>
  /** {@link fetch} of a key range, in reverse order. */
  backwardFetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>>
  /** Every unexpired window. */
  all(): IterableIterator<KeyValue<Windowed<K>, V>>
  /** {@link all} in reverse order. */
  backwardAll(): IterableIterator<KeyValue<Windowed<K>, V>>
  /** Every window with timeFrom <= start <= timeTo, of all keys. */
  fetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>>
  /** {@link fetchAll} in reverse order. */
  backwardFetchAll(timeFrom: number, timeTo: number): IterableIterator<KeyValue<Windowed<K>, V>>
}

/** A typed window store, as processors see it (`context.getStateStore<WindowStore<K, V>>(name)`). */
export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  /** Puts the value of the window of `key` starting at `windowStart`; null deletes it. */
  put(key: K, value: V | null, windowStart: number): void
}

/**
 * A window store whose values carry the timestamp of the record that last changed them (what
 * the DSL's windowed aggregations use). Store bytes: 8-byte timestamp + value; changelog: the
 * value with that timestamp as the record timestamp.
 */
export type TimestampedWindowStore<K, V> = WindowStore<K, ValueAndTimestamp<V>>

/** Read access to a {@link TimestampedWindowStore}. */
export type ReadOnlyTimestampedWindowStore<K, V> = ReadOnlyWindowStore<K, ValueAndTimestamp<V>>

/**
 * A window store over bytes. Keys are serialized keys; range results carry windows whose end is
 * start + {@link WindowBytesStore.windowSize} (the typed store recomputes ends).
 */
export interface WindowBytesStore extends WindowStore<Buffer, Buffer> {
  readonly windowSize: number
  readonly retentionPeriod: number
  /** Keep every put as its own entry (sequence numbers), as stream-stream joins need. */
  readonly retainDuplicates: boolean
  /** Largest window start put so far (-1 before any). */
  observedStreamTime(): number
  /**
   * Writes one entry given its Kafka Streams store key (key + 8-byte start + 4-byte sequence
   * number), as changelog records carry it: the restore path. Null deletes.
   */
  putStoreKey(storeKey: Buffer, value: Buffer | null): void
  /** Removes every entry (before a restore from the start of the changelog). */
  clear(): void
  /**
   * {@link put} (logged where the store logs) with the store key built already (key + start +
   * sequence number 0): what the record cache's flush writes, a window at a time. Stores without
   * duplicates only.
   */
  putWindow?(storeKey: Buffer, windowStart: number, value: Buffer | null, id?: string): void
  /** The single-window {@link fetch} by store key (sequence number 0). */
  fetchWindow?(storeKey: Buffer, windowStart: number): Buffer | null
  /** False when the window starting at `windowStart` has expired (reads find nothing, puts are dropped). */
  isLive?(windowStart: number): boolean
  /**
   * The single-key range {@link fetch} appended to `starts` and `values` (same entries, same
   * order), with no iterator or entry object per match: the stream-stream join's read, once per
   * record. @internal
   */
  fetchInto?(key: Buffer, timeFrom: number, timeTo: number, starts: number[], values: Buffer[]): void
}

/** Creates the bytes window store of one task (in-memory or persistent). */
export interface WindowBytesStoreSupplier {
  readonly name: string
  readonly retentionPeriod: number
  readonly windowSize: number
  readonly retainDuplicates: boolean
  /** Width of the time segments that expire together. */
  readonly segmentInterval: number
  /**
   * Expires as Kafka Streams' time-ordered window store (behind `EmitStrategy.onWindowClose()`):
   * a window starting exactly at `observedStreamTime - retention` is still live (Kafka Streams'
   * edge case for retention = window size + grace).
   */
  readonly timeOrdered?: boolean
  get(context?: StoreContext): WindowBytesStore
}
