import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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

  it('depends on the exact @node-rs/crc32 version measured (1.10.8 x64 builds are 4x slower; bench/RESULTS.md)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }
    const spec = pkg.dependencies['@node-rs/crc32']
    // A range would let an install pick up a newer build whose speed nobody measured.
    expect(spec).toMatch(/^\d+\.\d+\.\d+$/)
    expect(spec).not.toBe('1.10.8')
    const installed = (createRequire(import.meta.url)('@node-rs/crc32/package.json') as { version: string }).version
    expect(installed).toBe(spec)
  })

  it('reports its implementation', () => {
    expect(['native', 'javascript']).toContain(crc32cImplementation())
  })
})
