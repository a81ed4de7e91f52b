// Test helper: what a KTable forwards (new and old values), captured by a processor added under it.
import type { Change, KTable, Record, RecordHeaders, Topology } from '../../../src/streams/index.js'

/** One forwarded table update. */
export interface SeenChange {
  key: unknown
  newValue: unknown
  oldValue: unknown
  timestamp: number
  headers: RecordHeaders
}

/** Adds a processor named 'capture' under `table` that records every Change it forwards. */
export function captureChanges<K, V>(topology: Topology, table: KTable<K, V>): SeenChange[] {
  const seen: SeenChange[] = []
  topology.addProcessor(
    'capture',
    () => ({
      process: (r: Record<unknown, Change<unknown>>) => {
        seen.push({ key: r.key, newValue: r.value.newValue, oldValue: r.value.oldValue, timestamp: r.timestamp, headers: r.headers })
      },
    }),
    table.name,
  )
  return seen
}

/** The updates as [key, newValue, oldValue, timestamp]. */
export function tuples(seen: readonly SeenChange[]): Array<[unknown, unknown, unknown, number]> {
  return seen.map((s) => [s.key, s.newValue, s.oldValue, s.timestamp])
}
