// The JavaScript CRC32C fallback agrees with the active (native) one on every length
// and alignment, so a platform without a prebuilt binary computes the same checksums.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../../../src/protocol/records/index.js'
import { crc32cJs } from '../../../../src/protocol/records/crc32c-js.js'

describe('crc32cJs', () => {
  it('matches the check value', () => {
    expect(crc32cJs(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32cJs(new Uint8Array(0))).toBe(0)
  })

  it('agrees with crc32c() on lengths 0-100, offsets 0-7 and 1 MiB', () => {
    const data = randomBytes(1 << 20)
    for (let len = 0; len <= 100; len++) {
      for (let off = 0; off < 8; off++) {
        const view = data.subarray(off, off + len)
        expect(crc32cJs(view), `len ${len} off ${off}`).toBe(crc32c(view))
      }
    }
    expect(crc32cJs(data)).toBe(crc32c(data))
  })
})
