/**
 * Helpers shared by the API modules: pick the classic or the compact (flexible, KIP-482)
 * encoding of strings, arrays and tagged-field sections from one `flex` flag, so each
 * module states its field order once instead of once per encoding.
 */
import { DecodeError, InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'

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
