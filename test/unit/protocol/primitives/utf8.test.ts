import { describe, expect, it } from 'vitest'
import { readUtf8, writeUtf8 } from '../../../../src/protocol/primitives/utf8.js'

const TEXTS = ['', 'ascii', 'é', '日本語', '😀', 'a\u0000b', '\ud800 lone high surrogate', 'lone low \udc00', 'x'.repeat(10_000), `${'ü'.repeat(100)}end`]

describe('utf8', () => {
  it('writes the same bytes as Buffer.from and returns their count', () => {
    for (const t of TEXTS) {
      const buf = Buffer.alloc(t.length * 3 + 10, 0xff)
      const n = writeUtf8(buf, t, 5)
      const expected = Buffer.from(t, 'utf8')
      expect(n, JSON.stringify(t.slice(0, 20))).toBe(expected.length)
      expect(buf.subarray(5, 5 + n).equals(expected)).toBe(true)
      expect(buf[4]).toBe(0xff)
    }
  })

  it('reads a range as toString does, invalid sequences included', () => {
    const bytes = Buffer.concat([Buffer.from('ab'), Buffer.from([0xc3]), Buffer.from('日本'), Buffer.from([0xff, 0xfe]), Buffer.from('z')])
    for (let start = 0; start < bytes.length; start++) {
      for (let end = start; end <= bytes.length; end++) expect(readUtf8(bytes, start, end)).toBe(bytes.toString('utf8', start, end))
    }
    for (const t of TEXTS) expect(readUtf8(Buffer.from(t), 0, Buffer.byteLength(t))).toBe(Buffer.from(t).toString())
  })
})
