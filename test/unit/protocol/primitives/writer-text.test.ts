import { describe, expect, it } from 'vitest'
import { Writer } from '../../../../src/protocol/primitives/writer.js'

/** The bytes `varintBytes` writes for the UTF-8 of `text`: the reference for `varintText`. */
function reference(text: string): Buffer {
  const w = new Writer(8)
  w.varintBytes(Buffer.from(text))
  return Buffer.from(w.finish())
}

describe('Writer text with an estimated length prefix', () => {
  it('writes what varintBytes writes for the UTF-8 bytes, whatever room the buffer had', () => {
    // 30 three-byte characters: the prefix is sized for 30 bytes (1 byte) but 90 need 2.
    for (const text of ['日'.repeat(30), 'x'.repeat(63), 'x'.repeat(64), `${'x'.repeat(62)}é`, '😀'.repeat(16), '']) {
      const exact = reference(text)
      // From exactly the room varintText asks for (no slack to absorb a moved byte) to plenty.
      for (const capacity of [Math.max(1, 1 + text.length * 3), exact.length, 1024]) {
        const w = new Writer(capacity)
        w.varintText(text)
        expect(Buffer.from(w.finish()), `${JSON.stringify(text.slice(0, 4))} x${text.length}, capacity ${capacity}`).toEqual(exact)
      }
    }
  })

  it('endVarintLength moves a body down when the estimate was too long, and grows the buffer when too short', () => {
    const body = Buffer.alloc(200, 7)
    for (const reserved of [1, 2, 3]) {
      const w = new Writer(reserved + body.length) // no room for a longer prefix
      w.offset = reserved
      w.raw(body)
      w.endVarintLength(0, reserved)
      // 200 as a zig-zag varint: 400 = 0x90 0x03.
      expect(Buffer.from(w.finish())).toEqual(Buffer.concat([Buffer.from([0x90, 0x03]), body]))
    }
  })
})
