/**
 * Helpers shared by the API modules: pick the classic or the compact (flexible, KIP-482)
 * encoding of strings, bytes, arrays and tagged-field sections from one `flex` flag, so each
 * module states its field order once instead of once per encoding; plus the small structs
 * several APIs share. This is the one home of these helpers: header.ts holds only headers.
 */
import { DecodeError, InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'

/** The all-zero UUID Kafka uses for "no topic id". */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

/** Throws unless `version` lies in the module's supported range. */
export function checkVersion(api: { name: string; minVersion: number; maxVersion: number }, version: number): void {
  if (!Number.isInteger(version) || version < api.minVersion || version > api.maxVersion) {
    throw new InvalidArgumentError(`${api.name} v${version} is not supported (v${api.minVersion}..v${api.maxVersion})`)
  }
}

/** STRING, or COMPACT_STRING when flexible. */
export function writeString(w: Writer, flex: boolean, s: string): void {
  if (flex) w.compactString(s)
  else w.string(s)
}

/** NULLABLE_STRING, or COMPACT_NULLABLE_STRING when flexible. */
export function writeNullableString(w: Writer, flex: boolean, s: string | null): void {
  if (flex) w.compactString(s)
  else w.string(s)
}

/** ARRAY (int32 count, -1 for null), or COMPACT_ARRAY (varint count+1, 0 for null) when flexible. */
export function writeArray<T>(w: Writer, flex: boolean, items: readonly T[] | null, write: (item: T) => void): void {
  if (items === null) {
    if (flex) w.unsignedVarint(0)
    else w.int32(-1)
    return
  }
  if (flex) w.unsignedVarint(items.length + 1)
  else w.int32(items.length)
  for (const item of items) write(item)
}

/** ARRAY of int32 (partition indexes, broker ids); null only where the field is nullable. */
export function writeInt32Array(w: Writer, flex: boolean, items: readonly number[] | null): void {
  writeArray(w, flex, items, (v) => w.int32(v))
}

/** ARRAY of non-null strings; null only where the field is nullable. */
export function writeStringArray(w: Writer, flex: boolean, items: readonly string[] | null): void {
  writeArray(w, flex, items, (s) => writeString(w, flex, s))
}

/** Empty tagged-field section, written only in flexible versions. */
export function writeTags(w: Writer, flex: boolean): void {
  if (flex) w.uint8(0)
}

/** Reads a non-null STRING / COMPACT_STRING. */
export function readString(r: Reader, flex: boolean): string {
  return flex ? r.compactString() : r.string()
}

/** Reads a NULLABLE_STRING / COMPACT_NULLABLE_STRING. */
export function readNullableString(r: Reader, flex: boolean): string | null {
  return flex ? r.compactNullableString() : r.nullableString()
}

/** Reads a non-nullable array; a null count is a DecodeError. */
export function readArray<T>(r: Reader, flex: boolean, read: () => T): T[] {
  const items = readNullableArray(r, flex, read)
  if (items === null) throw new DecodeError('null for a non-nullable array')
  return items
}

/** Reads a nullable array (null stays null). */
export function readNullableArray<T>(r: Reader, flex: boolean, read: () => T): T[] | null {
  return flex ? r.compactNullableArray(read) : r.nullableArray(read)
}

/** Reads a non-nullable array of int32. */
export function readInt32Array(r: Reader, flex: boolean): number[] {
  return readArray(r, flex, () => r.int32())
}

/**
 * Reads a tagged-field section in flexible versions; `onTag` handles known tags and
 * returns true, anything else is skipped (forward compatibility with newer brokers).
 */
export function readTags(r: Reader, flex: boolean, onTag?: (tag: number, r: Reader, size: number) => boolean): void {
  if (flex) r.taggedFields(onTag)
}

/** NULLABLE_BYTES / RECORDS, or their compact forms when flexible. */
export function writeBytes(w: Writer, flex: boolean, v: Uint8Array | null): void {
  if (flex) w.compactBytes(v)
  else w.bytes(v)
}

/** Reads a NULLABLE_BYTES / RECORDS (compact when flexible) as a zero-copy view. */
export function readNullableBytes(r: Reader, flex: boolean): Buffer | null {
  return flex ? r.compactNullableBytes() : r.nullableBytes()
}

/** A tagged field to write: its tag and a writer of its value. */
export type TaggedFieldWrite = readonly [tag: number, write: (w: Writer) => void]

/**
 * Tagged-field section with values, written only in flexible versions; `tags` must be in
 * ascending tag order. Each value goes through a scratch Writer to learn its size first:
 * tagged values are rare and small, so the copy is cheaper than a size pre-pass per type.
 */
export function writeTaggedFields(w: Writer, flex: boolean, tags: readonly TaggedFieldWrite[]): void {
  if (!flex) return
  w.unsignedVarint(tags.length)
  for (const [tag, write] of tags) {
    const scratch = new Writer(32)
    write(scratch)
    const value = scratch.finish()
    w.unsignedVarint(tag).unsignedVarint(value.length).raw(value)
  }
}

/** Current leader of a partition, sent with NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH (KIP-951). */
export interface LeaderIdAndEpoch {
  /** Leader broker id, -1 if unknown. */
  leaderId: number
  /** Leader epoch, -1 if unknown. */
  leaderEpoch: number
}

/** A broker endpoint sent with leader-change errors (KIP-951), so no metadata round trip is needed. */
export interface NodeEndpoint {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** Reads a LeaderIdAndEpoch struct (only ever sent in flexible versions, as a tagged field). */
export function readLeaderIdAndEpoch(r: Reader): LeaderIdAndEpoch {
  const leaderId = r.int32()
  const leaderEpoch = r.int32()
  r.taggedFields()
  return { leaderId, leaderEpoch }
}

/** Reads a []NodeEndpoint (only ever sent in flexible versions, as a tagged field). */
export function readNodeEndpoints(r: Reader): NodeEndpoint[] {
  return r.compactArray((): NodeEndpoint => {
    const nodeId = r.int32()
    const host = r.compactString()
    const port = r.int32()
    const rack = r.compactNullableString()
    r.taggedFields()
    return { nodeId, host, port, rack }
  })
}
