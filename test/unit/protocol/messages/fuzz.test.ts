/**
 * Malformed responses (random, truncated, bit-flipped, spliced) must make every decoder either
 * return or throw a DecodeError, for every supported version: never another error, never a hang.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import type { ApiDefinition } from '../../../../src/protocol/messages/api.js'
import { ApiVersions } from '../../../../src/protocol/messages/api-versions.js'
import { Fetch } from '../../../../src/protocol/messages/fetch.js'
import { Metadata } from '../../../../src/protocol/messages/metadata.js'
import { Produce } from '../../../../src/protocol/messages/produce.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { cat, cstr, hex, i16, i32, i64, NO_TAGS, str, u8, uuidBytes } from './bytes.js'

const TID = '0123abcd-0000-4000-8000-00000000beef'

/** Well-formed bodies to mutate, so mutations reach deep fields rather than failing at byte 0. */
const SEEDS: Array<[ApiDefinition<never, unknown>, number, Buffer]> = [
  [ApiVersions, 0, cat(i16(0), i32(1), i16(18), i16(0), i16(4))],
  [ApiVersions, 3, cat(i16(0), u8(2), i16(1), i16(4), i16(17), NO_TAGS, i32(0), u8(2), u8(1), u8(8), i64(1n), u8(3), u8(1), u8(1))],
  [
    Metadata,
    1,
    cat(i32(1), i32(1), str('h'), i32(9092), str(null), i32(1), i32(1), i16(0), str('t'), u8(0), i32(1), i16(0), i32(0), i32(1), i32(1), i32(1), i32(1), i32(1)),
  ],
  [
    Metadata,
    12,
    cat(
      i32(0), u8(2), i32(1), cstr('h'), i32(9092), cstr('r'), NO_TAGS, cstr('c'), i32(1),
      u8(2), i16(0), cstr('t'), uuidBytes(TID), u8(0),
      u8(2), i16(0), i32(0), i32(1), i32(7), u8(2), i32(1), u8(2), i32(1), u8(1), NO_TAGS,
      i32(0), NO_TAGS, NO_TAGS,
    ),
  ],
  [Produce, 8, cat(i32(1), str('w'), i32(1), i32(0), i16(0), i64(1n), i64(-1n), i64(0n), i32(1), i32(0), str('x'), str(null), i32(0))],
  [
    Produce,
    10,
    cat(
      u8(2), cstr('w'), u8(2), i32(0), i16(6), i64(-1n), i64(-1n), i64(-1n), u8(1), u8(0),
      u8(1), u8(0), u8(9), i32(2), i32(5), NO_TAGS, NO_TAGS, i32(0),
      u8(1), u8(0), u8(13), u8(2), i32(2), cstr('b'), i32(1), cstr(null), NO_TAGS,
    ),
  ],
  [Fetch, 4, cat(i32(0), i32(1), str('w'), i32(1), i32(0), i16(0), i64(5n), i64(5n), i32(1), i64(1n), i64(2n), i32(2), hex('abcd'))],
  [
    Fetch,
    16,
    cat(
      i32(0), i16(0), i32(0), u8(2), uuidBytes(TID),
      u8(2), i32(0), i16(0), i64(9n), i64(9n), i64(0n), u8(2), i64(1n), i64(2n), NO_TAGS, i32(-1), u8(3), hex('cafe'),
      u8(2), u8(0), u8(13), i32(1), i64(2n), NO_TAGS, u8(1), u8(9), i32(1), i32(1), NO_TAGS,
      NO_TAGS, u8(1), u8(0), u8(13), u8(2), i32(2), cstr('b'), i32(1), cstr(null), NO_TAGS,
    ),
  ],
]

const MODULES = [ApiVersions, Metadata, Produce, Fetch] as ApiDefinition<never, unknown>[]

function decodeSafely(api: ApiDefinition<never, unknown>, version: number, bytes: Uint8Array): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  try {
    api.decodeResponse(new Reader(buf), version)
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`${api.name} v${version} threw ${String(e)} on ${buf.toString('hex')}`)
  }
}

describe('decoders on malformed bytes', () => {
  it('every seed decodes cleanly at its version', () => {
    for (const [api, version, body] of SEEDS) {
      const r = new Reader(body)
      api.decodeResponse(r, version)
      expect(r.offset, `${api.name} v${version}`).toBe(body.length)
    }
  })

  it('random bytes, at every version of every API', () => {
    for (const api of MODULES) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => decodeSafely(api, v, bytes)),
          { numRuns: 60 },
        )
      }
    }
  })

  it('truncated, bit-flipped and spliced seeds, at every version', () => {
    const mutated = fc
      .record({
        seed: fc.nat(SEEDS.length - 1),
        cut: fc.nat(),
        flips: fc.array(fc.tuple(fc.nat(), fc.nat(7)), { maxLength: 4 }),
        insertAt: fc.nat(),
        insert: fc.uint8Array({ maxLength: 6 }),
        versionShift: fc.integer({ min: -3, max: 3 }),
      })
    fc.assert(
      fc.property(mutated, ({ seed, cut, flips, insertAt, insert, versionShift }) => {
        const [api, version, body] = SEEDS[seed]
        const b = Buffer.from(body)
        for (const [at, bit] of flips) b[at % b.length] ^= 1 << bit
        const at = insertAt % (b.length + 1)
        const spliced = Buffer.concat([b.subarray(0, at), insert, b.subarray(at)])
        const bytes = spliced.subarray(0, cut % (spliced.length + 1))
        const v = Math.min(api.maxVersion, Math.max(api.minVersion, version + versionShift))
        decodeSafely(api, v, bytes)
        decodeSafely(api, v, spliced)
      }),
      { numRuns: 3000 },
    )
  })

  it('every proper prefix of every seed is a DecodeError', () => {
    for (const [api, version, body] of SEEDS) {
      for (let n = 0; n < body.length; n++) {
        expect(() => api.decodeResponse(new Reader(body.subarray(0, n)), version), `${api.name} v${version} cut at ${n}`).toThrow(DecodeError)
      }
    }
  })
})
