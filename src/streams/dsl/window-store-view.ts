/**
 * What the windowed aggregation processors need of their stores: the calls Kafka Streams'
 * processors make on a timestamped window store and a session store (a subset of the typed
 * window and session stores' interfaces).
 */
import type { KeyValue } from '../record.js'
import type { StateStore } from '../state/store.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import type { Windowed } from '../windowed.js'

/** @internal A timestamped window store as a time or sliding window aggregation uses it. */
export interface AggregationWindowStore<K, V> extends StateStore {
  /** The aggregate of `key`'s window starting at `windowStart`. */
  fetch(key: K, windowStart: number): ValueAndTimestamp<V> | null
  /** Writes (null: deletes) `key`'s window starting at `windowStart`. */
  put(key: K, value: ValueAndTimestamp<V> | null, windowStart: number): void
  /** `key`'s windows with start in [timeFrom, timeTo], latest start first: `{ key: windowStart, value }`. */
  backwardFetch(key: K, timeFrom: number, timeTo: number): Iterable<KeyValue<number, ValueAndTimestamp<V>>>
  /** All keys' windows with start in [timeFrom, timeTo]. */
  fetchAll(timeFrom: number, timeTo: number): Iterable<KeyValue<Windowed<K>, ValueAndTimestamp<V>>>
}

/** @internal A session store as a session window aggregation uses it. */
export interface AggregationSessionStore<K, V> extends StateStore {
  /** `key`'s sessions with end >= earliestSessionEndTime and start <= latestSessionStartTime. */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): Iterable<KeyValue<Windowed<K>, V>>
  /** The same for keys in [keyFrom, keyTo] (null: unbounded). */
  findSessions(keyFrom: K | null, keyTo: K | null, earliestSessionEndTime: number, latestSessionStartTime: number): Iterable<KeyValue<Windowed<K>, V>>
  remove(session: Windowed<K>): void
  put(session: Windowed<K>, aggregate: V | null): void
}
