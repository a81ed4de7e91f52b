import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { parseDelimiter, splitKey, splitRecords, wholeInput } from '../../../src/cli/record-input.js'

const collect = async (it: AsyncIterable<Buffer>) => {
  const out: string[] = []
  for await (const b of it) out.push(b.toString('latin1'))
  return out
}
/** A stream delivering the text in chunks of `size` bytes, so delimiters straddle chunks. */
const chunked = (text: string, size: number) => {
  const b = Buffer.from(text, 'latin1')
  const chunks: Buffer[] = []
  for (let i = 0; i < b.length; i += size) chunks.push(b.subarray(i, i + size))
  return Readable.from(chunks)
}

describe('produce input splitting', () => {
  it('splits at a multi-byte delimiter across chunk boundaries, keeping empty records but no empty tail', async () => {
    for (const size of [1, 2, 3, 100]) {
      expect(await collect(splitRecords(chunked('a::::b::c\n::', size), Buffer.from('::'), false))).toEqual(['a', '', 'b', 'c\n'])
    }
  })
  it('newline mode drops the CR of CRLF and keeps the last line without a newline', async () => {
    expect(await collect(splitRecords(chunked('a\n\nc\r\nd', 2), Buffer.from('\n'), true))).toEqual(['a', '', 'c', 'd'])
  })
  it('is binary-safe and reads the whole input as one record with --whole', async () => {
    expect(await collect(splitRecords(chunked('\xff\x00x\x00', 1), parseDelimiter('\\0'), false))).toEqual(['\xff', 'x'])
    expect(await collect(wholeInput(chunked('a\nb\n', 1)))).toEqual(['a\nb\n'])
  })
  it('parses delimiter escapes and refuses empty or unknown ones', () => {
    expect([...parseDelimiter('\\x1e\\t;')]).toEqual([0x1e, 9, 0x3b])
    expect(() => parseDelimiter('')).toThrow(/must not be empty/)
    expect(() => parseDelimiter('\\q')).toThrow(/unknown escape/)
  })
  it('splits the key at the first separator', () => {
    expect(splitKey(Buffer.from('k|v|w'), Buffer.from('|'))).toEqual({ key: Buffer.from('k'), value: Buffer.from('v|w') })
    expect(splitKey(Buffer.from('v'), Buffer.from('|'))).toEqual({ key: null, value: Buffer.from('v') })
  })
})
