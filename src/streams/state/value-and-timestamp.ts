/**
 * Timestamped values, as the DSL's stores keep them (Kafka Streams' `ValueAndTimestamp`): an
 * aggregate remembers the timestamp of the record that last changed it, which becomes the
 * timestamp of the records it forwards and of its changelog records.
 *
 * In a store the bytes are an 8-byte big-endian timestamp followed by the value bytes (Kafka
 * Streams' timestamped store layout). The changelog carries the plain value bytes with the
 * timestamp as the record timestamp, so changelog topics are the same as for plain stores and
 * restoring prepends the record timestamp again.
 */

import { writeInt64Number } from '../../protocol/primitives/writer.js'

/** A value with the timestamp of the record that produced it. */
export interface ValueAndTimestamp<V> {
  readonly value: V
  readonly timestamp: number
}

/** Shorthand for a {@link ValueAndTimestamp}. */
export function valueAndTimestamp<V>(value: V, timestamp: number): ValueAndTimestamp<V> {
  return { value, timestamp }
}

/** Bytes of the timestamp prefix. */
export const TIMESTAMP_BYTES = 8

/** Store bytes of a timestamped value: the timestamp, then the value. */
export function toTimestampedBytes(timestamp: number, value: Buffer): Buffer {
  const out = Buffer.allocUnsafe(TIMESTAMP_BYTES + value.length)
  writeInt64Number(out, timestamp, 0)
  out.set(value, TIMESTAMP_BYTES)
  return out
}

/** The timestamp of timestamped store bytes. */
export function timestampOf(bytes: Buffer): number {
  return bytes.readInt32BE(0) * 0x100000000 + bytes.readUInt32BE(4)
}

/** The value bytes of timestamped store bytes (a view, no copy). */
export function rawValueOf(bytes: Buffer): Buffer {
  return bytes.subarray(TIMESTAMP_BYTES)
}
