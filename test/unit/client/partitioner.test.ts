import { describe, expect, it } from 'vitest'
import { murmur2, partitionForKey, toPositive } from '../../../src/client/partitioner.js'

// Vectors from the Java client's own murmur2 tests (Utils.murmur2).
const JAVA_VECTORS: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
]

describe('murmur2 partitioner', () => {
  it.each(JAVA_VECTORS)('murmur2(%s) equals the Java client', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected)
  })

  it('uses toPositive (sign bit cleared), not Math.abs', () => {
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(-2147483648)).toBe(0)
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7)
  })

  it('rejects a non-positive partition count', () => {
    expect(() => partitionForKey(Buffer.from('a'), 0)).toThrow(RangeError)
  })
})
