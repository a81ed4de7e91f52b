/**
 * Windowed keys: the key of a windowed aggregation's table (Kafka Streams' `Windowed<K>` and
 * `Window`). Windows are half-open, [start, end), in milliseconds since the epoch; session
 * windows are closed, [start, end], as in Kafka Streams.
 */

/** A time interval. */
export interface Window {
  readonly start: number
  readonly end: number
}

/** A key and the window it was aggregated in. */
export interface Windowed<K> {
  readonly key: K
  readonly window: Window
}

/** Shorthand for a {@link Windowed} key. */
export function windowed<K>(key: K, start: number, end: number): Windowed<K> {
  return { key, window: { start, end } }
}
