import { describe, expect, it } from 'vitest'
import { crc32c, crc32cImplementation } from '../../../../src/protocol/records/index.js'

describe('crc32c', () => {
  it('matches the standard check value and RFC 3720 vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(0))).toBe(0)
    expect(crc32c(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa)
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43)
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e)
  })

  it('accepts a plain Uint8Array and a subarray', () => {
    const b = Buffer.from('xx123456789yy')
    expect(crc32c(new Uint8Array(Buffer.from('123456789')))).toBe(0xe3069283)
    expect(crc32c(b.subarray(2, 11))).toBe(0xe3069283)
  })

  it('reports its implementation', () => {
    expect(['native', 'javascript']).toContain(crc32cImplementation())
  })
})
