import { describe, expect, it } from 'vitest'
import { latin1Text } from '../../../src/streams/state/latin1.js'

describe('latin1Text', () => {
  it("equals Buffer#toString('latin1') for every byte value and every length up to past the short-range limit", () => {
    const bytes = Buffer.alloc(300)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff
    for (let from = 0; from < 20; from++) {
      for (let to = from; to <= from + 50; to++) expect(latin1Text(bytes, from, to)).toBe(bytes.toString('latin1', from, to))
    }
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    for (let at = 0; at + 8 <= 256; at += 8) expect(latin1Text(all, at, at + 8)).toBe(all.toString('latin1', at, at + 8))
    expect(latin1Text(all, 0, 256)).toBe(all.toString('latin1'))
  })
})
