/**
 * The stream-stream join's read of the other side's window store, once per record: the windows
 * of one key within a time range, appended to parallel arrays of window starts and values. The
 * same entries in the same order as `fetch(key, timeFrom, timeTo)` (window start, then insertion
 * order of duplicates), without the iterator and the entry objects of that path. Stores that
 * cannot do it (e.g. a user-supplied bytes store) go through their iterator fetch.
 * @internal
 */
import type { WindowBytesStore } from './window-store.js'

/** Appends the windows of `key` in [timeFrom, timeTo] of a bytes window store to `starts` / `values`. @internal */
export function fetchBytesInto(store: WindowBytesStore, key: Buffer, timeFrom: number, timeTo: number, starts: number[], values: Buffer[]): void {
  if (typeof store.fetchInto === 'function') {
    store.fetchInto(key, timeFrom, timeTo, starts, values)
    return
  }
  for (const e of store.fetch(key, timeFrom, timeTo)) {
    starts.push(e.key)
    values.push(e.value)
  }
}
