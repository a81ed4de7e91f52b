/**
 * The stream-stream join's read of the other side's window store, once per record: the windows
 * of one key within a time range, appended to parallel arrays of window starts and values. The
 * same entries in the same order as `fetch(key, timeFrom, timeTo)` (window start, then insertion
 * order of duplicates), without the iterator and the entry objects of that path. Stores that
 * cannot do it (e.g. a user-supplied bytes store) go through their iterator fetch.
 * @internal
 */
import type { WindowStore } from './window-store.js'

/** A window store that may answer {@link fetchWindowsInto} itself. @internal */
export type MaybeFetchInto<K, V> = WindowStore<K, V> & {
  fetchInto?(key: K, timeFrom: number, timeTo: number, starts: number[], values: V[]): void
}

/** Appends the windows of `key` in [timeFrom, timeTo] of a window store to `starts` / `values`. @internal */
export function fetchWindowsInto<K, V>(store: MaybeFetchInto<K, V>, key: K, timeFrom: number, timeTo: number, starts: number[], values: V[]): void {
  if (typeof store.fetchInto === 'function') {
    store.fetchInto(key, timeFrom, timeTo, starts, values)
    return
  }
  for (const e of store.fetch(key, timeFrom, timeTo)) {
    starts.push(e.key)
    values.push(e.value)
  }
}
