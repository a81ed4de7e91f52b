/**
 * Latin-1 text of a byte range, for the in-memory stores that key their maps by the key bytes as
 * text. `Buffer#toString('latin1')` crosses into C++ on every call, which costs more than the
 * conversion itself for the short keys of a streams store (ids, names: a few to a few dozen
 * bytes); `String.fromCharCode` of the bytes gives the same string (each byte is one UTF-16 unit
 * 0-255) without leaving JavaScript.
 */

const fromCharCode = String.fromCharCode

/** Ranges longer than this go to `Buffer#toString`, whose fixed cost is then small. */
const SHORT = 32

/** `bytes.toString('latin1', from, to)`, faster for short ranges. @internal */
export function latin1Text(bytes: Buffer, from: number, to: number): string {
  if (to - from > SHORT) return bytes.toString('latin1', from, to)
  let s = ''
  let i = from
  for (; to - i >= 8; i += 8) {
    s += fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7])
  }
  switch (to - i) {
    case 0:
      return s
    case 1:
      return s + fromCharCode(bytes[i])
    case 2:
      return s + fromCharCode(bytes[i], bytes[i + 1])
    case 3:
      return s + fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2])
    case 4:
      return s + fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3])
    case 5:
      return s + fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], bytes[i + 4])
    case 6:
      return s + fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5])
    default:
      return s + fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5], bytes[i + 6])
  }
}
