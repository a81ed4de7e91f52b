/** Writer.external: large byte runs kept as separate pieces, producing the same bytes as copying. */
import { describe, expect, it } from 'vitest'
import { Produce, type ProduceRequest } from '../../../../src/protocol/messages/produce.js'
import { EXTERNAL_MIN_BYTES, Writer } from '../../../../src/protocol/primitives/writer.js'

const big = (n: number, fill: number): Buffer => Buffer.alloc(n, fill)

describe('Writer.external', () => {
  it('copies when the Writer does not collect externals, or the bytes are small', () => {
    const w = new Writer(8)
    w.int8(1).external(big(EXTERNAL_MIN_BYTES, 2)).int8(3)
    expect(w.externalBytes).toBe(0)
    expect(w.pieces()).toHaveLength(1)
    const x = new Writer(8, { external: true })
    x.int8(1).external(big(10, 2)).int8(3)
    expect(x.pieces()).toEqual([Buffer.from([1, ...big(10, 2), 3])])
  })

  it('keeps large bytes by reference; the pieces concatenate to the copied output', () => {
    const a = big(EXTERNAL_MIN_BYTES, 5)
    const b = big(EXTERNAL_MIN_BYTES + 3, 6)
    const w = new Writer(4, { external: true })
    w.int32(7).external(a).external(b).int16(9)
    expect(w.externalBytes).toBe(a.length + b.length)
    expect(w.length).toBe(4 + a.length + b.length + 2)
    const pieces = w.pieces()
    expect(pieces[1]).toBe(a)
    expect(pieces[2]).toBe(b)
    const copied = new Writer(4).int32(7).raw(a).raw(b).int16(9).finish()
    expect(Buffer.concat(pieces)).toEqual(copied)
  })

  it('Produce requests encode to the same bytes either way, at every version', () => {
    const req: ProduceRequest = {
      acks: -1,
      timeoutMs: 1000,
      topics: [
        { name: 't', partitions: [{ index: 0, records: big(40_000, 1) }, { index: 1, records: big(100, 2) }, { index: 2, records: null }] },
        { name: 'u', partitions: [{ index: 0, records: big(EXTERNAL_MIN_BYTES, 3) }] },
      ],
    }
    for (let v = Produce.minVersion; v <= Produce.maxVersion; v++) {
      const plain = new Writer()
      Produce.encodeRequest(plain, v, req)
      const ext = new Writer(64, { external: true })
      Produce.encodeRequest(ext, v, req)
      expect(ext.externals).toHaveLength(2)
      expect(Buffer.concat(ext.pieces())).toEqual(plain.finish())
    }
  })
})
