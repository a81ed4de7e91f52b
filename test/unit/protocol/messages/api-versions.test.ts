import { describe, expect, it } from 'vitest'
import { ApiVersions } from '../../../../src/protocol/messages/api-versions.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { DecodeError, InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { cat, cstr, encode, hex, i16, i32, i64, NO_TAGS, u8 } from './bytes.js'

describe('ApiVersions request', () => {
  it('v0-v2 have an empty body', () => {
    for (const v of [0, 1, 2]) expect(encode(ApiVersions, v, { clientSoftwareName: 'x' })).toEqual(Buffer.alloc(0))
  })

  it('v3 sends compact client software name and version, then tags', () => {
    expect(encode(ApiVersions, 3, { clientSoftwareName: 'peridot', clientSoftwareVersion: '1.2.3' })).toEqual(
      hex('08 7065726964 6f74  06 312e322e33  00'),
    )
  })

  it('refuses versions outside 0-4', () => {
    expect(() => encode(ApiVersions, 5, {})).toThrow(InvalidArgumentError)
  })
})

describe('ApiVersions response', () => {
  it('decodes v0', () => {
    const body = cat(i16(0), i32(2), i16(0), i16(3), i16(11), i16(18), i16(0), i16(4))
    expect(ApiVersions.decodeResponse(new Reader(body), 0)).toMatchObject({
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 11 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: -1n,
      decodedVersion: 0,
    })
  })

  it('decodes v2 with throttle time', () => {
    const body = cat(i16(0), i32(1), i16(3), i16(0), i16(12), i32(100))
    const res = ApiVersions.decodeResponse(new Reader(body), 2)
    expect(res.apiKeys).toEqual([{ apiKey: 3, minVersion: 0, maxVersion: 12 }])
    expect(res.throttleTimeMs).toBe(100)
  })

  it('decodes v3 with features in tagged fields and skips unknown tags', () => {
    const supported = cat(u8(2), cstr('metadata.version'), i16(1), i16(25), NO_TAGS)
    const finalized = cat(u8(2), cstr('metadata.version'), i16(21), i16(21), NO_TAGS)
    const body = cat(
      i16(0),
      u8(2), i16(1), i16(4), i16(17), NO_TAGS, // compact array of 1
      i32(0),
      u8(5), // five tagged fields
      u8(0), u8(supported.length), supported,
      u8(1), u8(8), i64(7n),
      u8(2), u8(finalized.length), finalized,
      u8(3), u8(1), u8(1),
      u8(9), u8(2), hex('beef'), // unknown tag: skipped
    )
    const r = new Reader(body)
    expect(ApiVersions.decodeResponse(r, 3)).toEqual({
      errorCode: 0,
      apiKeys: [{ apiKey: 1, minVersion: 4, maxVersion: 17 }],
      throttleTimeMs: 0,
      supportedFeatures: [{ name: 'metadata.version', minVersion: 1, maxVersion: 25 }],
      finalizedFeaturesEpoch: 7n,
      finalizedFeatures: [{ name: 'metadata.version', maxVersionLevel: 21, minVersionLevel: 21 }],
      zkMigrationReady: true,
      decodedVersion: 3,
    })
    expect(r.offset).toBe(body.length)
  })

  it('falls back to v0 when the broker answers UNSUPPORTED_VERSION with a v0 body', () => {
    const body = cat(i16(35), i32(1), i16(18), i16(0), i16(3))
    const res = ApiVersions.decodeResponse(new Reader(body), 4)
    expect(res.errorCode).toBe(35)
    expect(res.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }])
    expect(res.decodedVersion).toBe(0)
  })

  it('keeps the requested version when an UNSUPPORTED_VERSION body really is flexible', () => {
    const body = cat(i16(35), u8(2), i16(18), i16(0), i16(4), NO_TAGS, i32(0), NO_TAGS)
    const res = ApiVersions.decodeResponse(new Reader(body), 3)
    expect(res.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }])
    expect(res.decodedVersion).toBe(3)
  })

  it('throws DecodeError on truncation', () => {
    const body = cat(i16(0), i32(2), i16(0), i16(3))
    expect(() => ApiVersions.decodeResponse(new Reader(body), 1)).toThrow(DecodeError)
  })
})
