/**
 * Session stores (Kafka Streams' `SessionStore`): one aggregate per key and session window
 * [start, end] (both inclusive), kept for a retention period of stream time. The typed
 * {@link SessionStore} sits on a bytes-level {@link SessionBytesStore} (in-memory or LMDB).
 *
 * Semantics (Kafka Streams'):
 * - `findSessions(key, earliestSessionEndTime, latestSessionStartTime)` returns the sessions with
 *   end >= earliestSessionEndTime and start <= latestSessionStartTime (the sessions a record at
 *   time t with inactivity gap g merges with: `findSessions(key, t - g, t + g)`).
 * - Order: store-key byte order, i.e. by serialized key, then end time, then start time;
 *   `backward*` variants the reverse. A null key bound is unbounded on that side.
 * - `put(session, null)` removes the session.
 * - Stream time is the largest session end put; a session whose end is at or before
 *   `observedStreamTime - retentionPeriod` is expired: never returned, puts dropped, its segment
 *   deleted.
 */
import type { KeyValue } from '../record.js'
import type { Windowed } from '../windowed.js'
import type { StateStore, StoreContext } from './store.js'

/** Read access to a session store (what interactive queries get). */
export interface ReadOnlySessionStore<K, AGG> {
  readonly name: string
  /** Sessions of `key` with end >= earliestSessionEndTime and start <= latestSessionStartTime. */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): IterableIterator<KeyValue<Windowed<K>, AGG>>
  /** As above for keys in [keyFrom, keyTo] (null: unbounded). */
  findSessions(keyFrom: K | null, keyTo: K | null, earliestSessionEndTime: number, latestSessionStartTime: number): IterableIterator<KeyValue<Windowed<K>, AGG>>
  /** {@link findSessions} in reverse order. */
  backwardFindSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): IterableIterator<KeyValue<Windowed<K>, AGG>>
  backwardFindSessions(keyFrom: K | null, keyTo: K | null, earliestSessionEndTime: number, latestSessionStartTime: number): IterableIterator<KeyValue<Windowed<K>, AGG>>
  /** The aggregate of exactly this session, or null. */
  fetchSession(key: K, sessionStartTime: number, sessionEndTime: number): AGG | null
  /** Every session of `key` (or of the keys in [keyFrom, keyTo]). */
  fetch(key: K): IterableIterator<KeyValue<Windowed<K>, AGG>>
  fetch(keyFrom: K | null, keyTo: K | null): IterableIterator<KeyValue<Windowed<K>, AGG>>
  /** {@link fetch} in reverse order. */
  backwardFetch(key: K): IterableIterator<KeyValue<Windowed<K>, AGG>>
  backwardFetch(keyFrom: K | null, keyTo: K | null): IterableIterator<KeyValue<Windowed<K>, AGG>>
}

/** A typed session store, as processors see it (`context.getStateStore<SessionStore<K, V>>(name)`). */
export interface SessionStore<K, AGG> extends StateStore, ReadOnlySessionStore<K, AGG> {
  /** Puts the aggregate of a session; null removes it. */
  put(session: Windowed<K>, aggregate: AGG | null): void
  /** Removes a session. */
  remove(session: Windowed<K>): void
}

/** A session store over bytes (serialized keys and aggregates). */
export interface SessionBytesStore extends SessionStore<Buffer, Buffer> {
  readonly retentionPeriod: number
  /** Largest session end put so far (-1 before any). */
  observedStreamTime(): number
  /**
   * Writes one session given its Kafka Streams store key (key + 8-byte end + 8-byte start), as
   * changelog records carry it: the restore path. Null removes.
   */
  putStoreKey(storeKey: Buffer, value: Buffer | null): void
  /** Removes every session (before a restore from the start of the changelog). */
  clear(): void
}

/** Creates the bytes session store of one task (in-memory or persistent). */
export interface SessionBytesStoreSupplier {
  readonly name: string
  readonly retentionPeriod: number
  /** Width of the time segments that expire together. */
  readonly segmentInterval: number
  /**
   * Expires as Kafka Streams' time-ordered session store (behind `EmitStrategy.onWindowClose()`):
   * a session stays live while its segment is, i.e. while segmentId(end) >=
   * segmentId(observedStreamTime - retention).
   */
  readonly timeOrdered?: boolean
  get(context?: StoreContext): SessionBytesStore
}
