import { describe, expect, it } from 'vitest'
import { decodeBufferedChange, encodeBufferedChange, type BufferedChange } from '../../../src/streams/state/suppression-buffer.js'

describe('suppression buffer value layout', () => {
  const base: BufferedChange = {
    bufferTime: 300_000,
    timestamp: 123_456,
    headers: [],
    topic: 'input',
    partition: 3,
    offset: 42n,
    priorValue: null,
    oldValue: null,
    newValue: Buffer.from([1, 2, 3]),
  }
  const cases: Array<[string, BufferedChange]> = [
    ['plain', base],
    ['no topic (punctuation)', { ...base, topic: null, partition: -1, offset: -1n }],
    ['an offset past 2^53', { ...base, offset: 2n ** 53n + 3n }],
    ['the largest offset', { ...base, offset: 2n ** 63n - 1n }],
    ['a large offset near 2^53', { ...base, offset: 2n ** 53n - 1n }],
    ['multi-byte topic and headers', { ...base, topic: 'tøpic-é', headers: [['h€', Buffer.from('v')], ['n', null]] }],
    ['old value equal to the prior', { ...base, priorValue: Buffer.from('p'), oldValue: Buffer.from('p') }],
    ['old value other than the prior', { ...base, priorValue: Buffer.from('p'), oldValue: Buffer.from('older'), newValue: null }],
  ]
  for (const [name, change] of cases) {
    it(`round-trips, sized exactly: ${name}`, () => {
      const bytes = encodeBufferedChange(change)
      expect(decodeBufferedChange(bytes)).toEqual(change)
      let size = 1 + 8 + 8 + 8 + 4 + 2 + (change.topic === null ? 0 : Buffer.byteLength(change.topic)) + 4
      for (const [k, v] of change.headers) size += 2 + Buffer.byteLength(k) + 4 + (v?.length ?? 0)
      const same = change.oldValue !== null && change.priorValue !== null && change.oldValue.equals(change.priorValue)
      size += 12 + (change.priorValue?.length ?? 0) + (same ? 0 : (change.oldValue?.length ?? 0)) + (change.newValue?.length ?? 0)
      expect(bytes.length).toBe(size)
    })
  }
  it('writes the documented layout byte for byte (a change without headers)', () => {
    const i64 = (n: number | bigint): Buffer => {
      const b = Buffer.alloc(8)
      b.writeBigInt64BE(BigInt(n))
      return b
    }
    const i32 = (n: number): Buffer => {
      const b = Buffer.alloc(4)
      b.writeInt32BE(n)
      return b
    }
    const change: BufferedChange = { ...base, priorValue: Buffer.from('p'), oldValue: Buffer.from('p'), newValue: Buffer.from('nv') }
    const expected = Buffer.concat([
      Buffer.from([1]),
      i64(300_000),
      i64(123_456),
      i64(42n),
      i32(3),
      Buffer.from([0, 5]),
      Buffer.from('input'),
      i32(0),
      i32(1),
      Buffer.from('p'),
      i32(-2),
      i32(2),
      Buffer.from('nv'),
    ])
    expect(encodeBufferedChange(change)).toEqual(expected)
    expect(encodeBufferedChange({ ...change, topic: null, offset: -1n, oldValue: null, newValue: null }).subarray(25)).toEqual(
      Buffer.concat([i32(3), Buffer.from([0xff, 0xff]), i32(0), i32(1), Buffer.from('p'), i32(-1), i32(-1)]),
    )
  })

  it('a topic after another one is encoded as itself', () => {
    encodeBufferedChange({ ...base, topic: 'first' })
    expect(decodeBufferedChange(encodeBufferedChange({ ...base, topic: 'second' })).topic).toBe('second')
  })
})
