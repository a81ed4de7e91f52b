import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import { SaslAuthenticate } from '../../../../src/protocol/messages/sasl-authenticate.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { Writer } from '../../../../src/protocol/primitives/writer.js'
import { decode, encode, hex, loadSpec, versionRange, versionsOf } from './admin-spec-support.js'

const SECRET = Buffer.from('\0alice\0hunter2-s3cret', 'utf8')

describe('SaslAuthenticate request', () => {
  it('v1 (non-flexible) golden bytes: BYTES with an int32 length', () => {
    expect(encode(SaslAuthenticate, 1, { authBytes: Buffer.from('abc') })).toEqual(hex`00000003 616263`)
  })

  it('v2 (flexible) golden bytes: COMPACT_BYTES and a tag section', () => {
    expect(encode(SaslAuthenticate, 2, { authBytes: Buffer.from('abc') })).toEqual(hex`04 616263 00`)
  })
})

describe('SaslAuthenticate response', () => {
  it('decodes v0 (no session lifetime)', () => {
    const res = decode(SaslAuthenticate, 0, hex`0000 ffff 00000002 7878`)
    expect(res).toEqual({ errorCode: 0, errorMessage: null, authBytes: Buffer.from('xx'), sessionLifetimeMs: 0n })
  })

  it('decodes v1 (non-flexible) with the session lifetime', () => {
    const res = decode(SaslAuthenticate, 1, hex`
      003a                    # error_code 58 (SASL_AUTHENTICATION_FAILED)
      0003 626164             # error_message "bad"
      00000000                # auth_bytes empty
      0000000000036ee8        # session_lifetime_ms 225000
    `)
    expect(res).toEqual({ errorCode: 58, errorMessage: 'bad', authBytes: Buffer.alloc(0), sessionLifetimeMs: 225000n })
  })

  it('decodes v2 (flexible), skipping an unknown tag', () => {
    const res = decode(SaslAuthenticate, 2, hex`0000 00 03 7878 0000000000000000 01 09 01 ff`)
    expect(res).toEqual({ errorCode: 0, errorMessage: null, authBytes: Buffer.from('xx'), sessionLifetimeMs: 0n })
  })

  it('never puts the auth bytes into a decode error', () => {
    // Claim more bytes than present: the error must describe lengths, not contents.
    for (const [version, bytes] of [
      [1, Buffer.concat([hex`0000 ffff`, Buffer.from([0, 0, 0, 99]), SECRET])],
      [2, Buffer.concat([hex`0000 00`, Buffer.from([99]), SECRET])],
    ] as const) {
      try {
        SaslAuthenticate.decodeResponse(new Reader(bytes), version)
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError)
        const text = `${String(e)} ${(e as Error).stack}`
        expect(text).not.toContain('hunter2')
        expect(text).not.toContain(SECRET.toString('hex'))
      }
    }
  })
})

// The shared spec generator has no `bytes` type, so this module checks the spec by hand:
// key and versions from the JSON, and a round-trip against an independent encoding.
describe('SaslAuthenticate against the Kafka JSON spec', () => {
  it('matches api key, version range and first flexible version', () => {
    for (const kind of ['Request', 'Response']) {
      const spec = loadSpec(`SaslAuthenticate${kind}`)
      expect(spec.apiKey).toBe(SaslAuthenticate.apiKey)
      expect(SaslAuthenticate.minVersion).toBeGreaterThanOrEqual(versionRange(spec.validVersions)!.min)
      expect(SaslAuthenticate.maxVersion).toBeLessThanOrEqual(versionRange(spec.validVersions)!.max)
      expect(SaslAuthenticate.firstFlexibleVersion).toBe(versionRange(spec.flexibleVersions)!.min)
      expect(spec.fields.map((f) => [f.name, f.type, f.versions, f.nullableVersions])).toEqual(
        kind === 'Request'
          ? [['AuthBytes', 'bytes', '0+', undefined]]
          : [
              ['ErrorCode', 'int16', '0+', undefined],
              ['ErrorMessage', 'string', '0+', '0+'],
              ['AuthBytes', 'bytes', '0+', undefined],
              ['SessionLifetimeMs', 'int64', '1+', undefined],
            ],
      )
    }
  })

  const response = fc.record({
    errorCode: fc.integer({ min: -32768, max: 32767 }),
    errorMessage: fc.option(fc.string({ maxLength: 8, unit: 'binary' }), { nil: null }),
    authBytes: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    sessionLifetimeMs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  })

  it.each(versionsOf(SaslAuthenticate))('round-trips requests and responses at v%i', (version) => {
    const flex = version >= 2
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), response, (auth, res) => {
        const w = new Writer()
        if (flex) w.compactBytes(auth).uint8(0)
        else w.bytes(auth)
        expect(encode(SaslAuthenticate, version, { authBytes: auth })).toEqual(Buffer.from(w.finish()))

        const rw = new Writer()
        rw.int16(res.errorCode)
        if (flex) rw.compactString(res.errorMessage).compactBytes(res.authBytes)
        else rw.string(res.errorMessage).bytes(res.authBytes)
        if (version >= 1) rw.int64(res.sessionLifetimeMs)
        if (flex) rw.taggedFields([{ tag: 7, data: Buffer.from([1, 2]) }])
        expect(decode(SaslAuthenticate, version, Buffer.from(rw.finish()))).toEqual({
          ...res,
          sessionLifetimeMs: version >= 1 ? res.sessionLifetimeMs : 0n,
        })
      }),
      { numRuns: 150 },
    )
  })
})

describe('SaslAuthenticate decoder on malformed bytes', () => {
  const onlyDecodeErrors = (version: number, bytes: Buffer): void => {
    try {
      SaslAuthenticate.decodeResponse(new Reader(bytes), version)
    } catch (e) {
      if (!(e instanceof DecodeError)) throw new Error(`v${version}: ${String(e)} is not a DecodeError`, { cause: e })
    }
  }
  const seed = (version: number): Buffer => {
    const w = new Writer()
    w.int16(0)
    if (version >= 2) w.compactString('m').compactBytes(SECRET)
    else w.string('m').bytes(SECRET)
    if (version >= 1) w.int64(1000n)
    if (version >= 2) w.uint8(0)
    return Buffer.from(w.finish())
  }

  it.each(versionsOf(SaslAuthenticate))('random, truncated and bit-flipped bytes at v%i', (version) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => onlyDecodeErrors(version, Buffer.from(b))), { numRuns: 300 })
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), (cut, flips) => {
        const bytes = seed(version)
        onlyDecodeErrors(version, bytes.subarray(0, cut % (bytes.length + 1)))
        for (const f of flips) bytes[f % bytes.length] ^= 1 << (f % 8)
        onlyDecodeErrors(version, bytes)
      }),
      { numRuns: 300 },
    )
  })
})
