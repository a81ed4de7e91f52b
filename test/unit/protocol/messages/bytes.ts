/**
 * Hand-built wire bytes for golden tests, independent of Writer so the tests check it.
 */
import { Writer } from '../../../../src/protocol/primitives/writer.js'
import type { ApiDefinition } from '../../../../src/protocol/messages/api.js'

const n = (v: number, size: number, signed = true): Buffer => {
  const b = Buffer.alloc(size)
  if (size === 1) signed ? b.writeInt8(v) : b.writeUInt8(v)
  else if (size === 2) b.writeInt16BE(v)
  else b.writeInt32BE(v)
  return b
}
export const i8 = (v: number): Buffer => n(v, 1)
export const u8 = (v: number): Buffer => n(v, 1, false)
export const i16 = (v: number): Buffer => n(v, 2)
export const i32 = (v: number): Buffer => n(v, 4)
export const i64 = (v: bigint): Buffer => {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(v)
  return b
}
/** STRING / NULLABLE_STRING. */
export const str = (s: string | null): Buffer =>
  s === null ? i16(-1) : Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)])
/** COMPACT_STRING / COMPACT_NULLABLE_STRING (lengths below 127 only). */
export const cstr = (s: string | null): Buffer =>
  s === null ? u8(0) : Buffer.concat([u8(Buffer.byteLength(s) + 1), Buffer.from(s)])
/** Hex with optional spaces. */
export const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex')
export const uuidBytes = (u: string): Buffer => hex(u.replace(/-/g, ''))
export const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts)
/** Empty TAG_BUFFER. */
export const NO_TAGS = u8(0)

/** Encodes a request body with the module under test. */
export function encode<Req>(api: ApiDefinition<Req, unknown>, version: number, req: Req): Buffer {
  const w = new Writer(16)
  api.encodeRequest(w, version, req)
  return Buffer.from(w.finish())
}
