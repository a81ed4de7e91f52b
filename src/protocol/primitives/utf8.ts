/**
 * UTF-8 into and out of Buffers through Node's native `utf8Write` / `utf8Slice` when present.
 * `Buffer#write` and `Buffer#toString` reach the same natives after argument handling that
 * costs about as much as the copy for record-sized strings (~4 % of a JSON pipeline's CPU);
 * elsewhere (a runtime without them) the public methods are used.
 */
interface NativeUtf8 {
  utf8Write(text: string, offset: number): number
  utf8Slice(start: number, end: number): string
}

const proto = Buffer.prototype as unknown as Partial<NativeUtf8>
const NATIVE = typeof proto.utf8Write === 'function' && typeof proto.utf8Slice === 'function'

/**
 * Writes `text` as UTF-8 at `offset`; returns the bytes written. The buffer must have room for
 * all of it (3 bytes per UTF-16 unit is always enough): a character that does not fit is not
 * written at all.
 */
export function writeUtf8(buf: Buffer, text: string, offset: number): number {
  return NATIVE ? (buf as unknown as NativeUtf8).utf8Write(text, offset) : buf.write(text, offset, 'utf8')
}

/** The UTF-8 text of `buf[start, end)` (invalid sequences become U+FFFD, as with `toString`). */
export function readUtf8(buf: Buffer, start: number, end: number): string {
  return NATIVE ? (buf as unknown as NativeUtf8).utf8Slice(start, end) : buf.toString('utf8', start, end)
}
