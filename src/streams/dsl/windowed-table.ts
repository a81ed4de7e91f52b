/**
 * What a KTable knows about windowed keys: windowed aggregations mark their result tables (keys
 * are `Windowed<K>`) with the grace of their windows, and table operations that keep the keys
 * (filter, mapValues, suppress) pass the mark on. `suppress(untilWindowCloses(...))` reads it.
 * @internal
 */
export interface WindowedTableInfo {
  /** Grace period of the windows (ms): a window closes once stream time reaches its end + grace. */
  readonly graceMs: number
}
