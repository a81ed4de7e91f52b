import { describe, expect, it } from 'vitest'
import { murmur2, murmur2Text, partitionForKey, toPositive } from '../../../src/client/partitioner.js'

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

  it.each(JAVA_VECTORS)('murmur2Text(%s) hashes the UTF-8 bytes like murmur2', (key, expected) => {
    expect(murmur2Text(key)).toBe(expected)
  })

  it('hashes text keys as their UTF-8 bytes, long and non-ASCII ones too', () => {
    for (const key of ['', 'é', '日本語のキー', '😀x', 'k'.repeat(5000), `${'é'.repeat(600)}z`]) {
      const bytes = Buffer.from(key)
      expect(murmur2Text(key), key.slice(0, 10)).toBe(murmur2(bytes))
      expect(partitionForKey(key, 13)).toBe(partitionForKey(bytes, 13))
    }
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
