/**
 * The record that flows between processors (Kafka Streams' `api.Record`).
 */
import type { RecordHeaders } from '../protocol/records/index.js'

export type { RecordHeaders }

/**
 * A record inside a topology. Treat it as immutable: to change a field, forward a copy
 * (`{ ...record, value: next }`) — downstream processors may hold on to the one they got.
 */
export interface Record<K, V> {
  key: K
  value: V
  /** Event time in ms since the epoch. */
  timestamp: number
  headers: RecordHeaders
}

/** Where the record being processed was read from; null inside punctuations. */
export interface RecordMetadata {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
}

/** A key and a value (store entries, flatMap results). */
export interface KeyValue<K, V> {
  key: K
  value: V
}

/** Shorthand for a {@link KeyValue}. */
export function keyValue<K, V>(key: K, value: V): KeyValue<K, V> {
  return { key, value }
}

/** A KTable update as forwarded between table processors: the new value and the one it replaced. */
export interface Change<V> {
  newValue: V | null
  oldValue: V | null
  /**
   * Set by tables materialized on a versioned store: false for an out-of-order update (older
   * than the key's latest version), which table-table joins ignore. Absent means latest.
   */
  isLatest?: boolean
}
