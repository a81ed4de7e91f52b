import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { Writer } from '../../../../src/protocol/primitives/writer.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('Reader varints', () => {
  it('reads one-byte and longer varints at the one-byte boundary', () => {
    const r = new Reader(hex('00 7f 8001 ff7f 01 7e 7f 80808080 0f'))
    expect([r.unsignedVarint(), r.unsignedVarint(), r.unsignedVarint(), r.unsignedVarint()]).toEqual([0, 127, 128, 16383])
    // Zig-zag: 01 -> -1, 7e -> 63, 7f -> -64.
    expect([r.varint(), r.varint(), r.varint()]).toEqual([-1, 63, -64])
    expect(r.unsignedVarint()).toBe(0xf0000000)
    expect(r.remaining).toBe(0)
  })

  it('round-trips varints and varlongs around every length boundary', () => {
    const ints = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 2 ** 20, -(2 ** 27), 2 ** 31 - 1, -(2 ** 31)]
    const longs = [...ints, 2 ** 40, -(2 ** 40) - 1, 2 ** 52 - 1, -(2 ** 52)]
    const w = new Writer(16)
    for (const v of ints) w.varint(v)
    for (const v of longs) w.varlong(v)
    const r = new Reader(w.finish())
    expect(ints.map(() => r.varint())).toEqual(ints)
    expect(longs.map(() => r.varlong())).toEqual(longs)
    expect(r.remaining).toBe(0)
  })

  it('does not read a one-byte varint past the reader end, though the buffer goes on', () => {
    const buf = hex('05 05')
    expect(() => new Reader(buf, 1, 1).varint()).toThrow(DecodeError)
    expect(() => new Reader(buf, 1, 1).unsignedVarint()).toThrow(DecodeError)
    expect(() => new Reader(buf, 1, 1).varlong()).toThrow(DecodeError)
    expect(new Reader(buf, 1, 2).varlong()).toBe(-3)
  })
})
