/**
 * Test support for the admin/offset API modules: reads Kafka's JSON message specs and
 * uses them, independently of the codecs, to
 *  - generate valid random response bytes (with the expected decoded value),
 *  - parse request bytes written by an encoder back into a spec-shaped object,
 * plus the shared spec cross-check and fuzz suites.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import type { ApiDefinition } from '../../../../src/protocol/messages/api.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { Writer } from '../../../../src/protocol/primitives/writer.js'
import { specJson } from './kafka-specs.js'
import { inRange, type MessageSpec, SpecCodec, type SpecField, versionRange } from '../../../integration/fault-proxy/spec-codec.js'

export type { MessageSpec, SpecField } from '../../../integration/fault-proxy/spec-codec.js'
export { versionRange } from '../../../integration/fault-proxy/spec-codec.js'

/** Reads `<name>.json` from the kafka-clients jar of the Kafka version under test. */
export function loadSpec(name: string): MessageSpec {
  return specJson<MessageSpec>(name)
}

function camel(name: string): string {
  return name[0].toLowerCase() + name.slice(1)
}

function isTagged(f: SpecField, v: number): boolean {
  return f.tag !== undefined && inRange(f.taggedVersions, v)
}

/** A small deterministic PRNG (mulberry32) so fast-check can drive generation by seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = ['a', 'b', 'z', '-', '.', '_', '0', '9', 'é', '日', '🙂']

function uuidText(b: Buffer): string {
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * Writes a random valid instance of `fields` at `version` and returns the value a decoder
 * should produce (camelCase keys, int64 as bigint, uuid as text; only fields present in
 * this version, including known tagged fields that were written). Flexible structs also
 * get random unknown tagged fields, which decoders must skip.
 */
export function randomMessage(spec: MessageSpec, version: number, rnd: () => number): { bytes: Buffer; value: Record<string, unknown> } {
  const flex = inRange(spec.flexibleVersions, version)
  const w = new Writer()
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1))

  const writeScalar = (ww: Writer, type: string, nullable: boolean): unknown => {
    switch (type) {
      case 'int8': {
        const v = int(-128, 127)
        ww.int8(v)
        return v
      }
      case 'int16': {
        const v = int(-32768, 32767)
        ww.int16(v)
        return v
      }
      case 'int32': {
        const v = rnd() < 0.5 ? int(-5, 5) : int(-2147483648, 2147483647)
        ww.int32(v)
        return v
      }
      case 'int64': {
        const v = BigInt.asIntN(64, (BigInt(int(0, 0xffffffff)) << 32n) | BigInt(int(0, 0xffffffff)))
        ww.int64(v)
        return v
      }
      case 'bool': {
        const v = rnd() < 0.5
        ww.boolean(v)
        return v
      }
      case 'float64': {
        const v = rnd() < 0.5 ? int(-1000, 1000) / 4 : (rnd() - 0.5) * 1e12
        ww.float64(v)
        return v
      }
      case 'bytes': {
        if (nullable && rnd() < 0.25) {
          if (flex) ww.compactBytes(null)
          else ww.bytes(null)
          return null
        }
        const b = Buffer.alloc(int(0, 6))
        for (let i = 0; i < b.length; i++) b[i] = int(0, 255)
        if (flex) ww.compactBytes(b)
        else ww.bytes(b)
        return b
      }
      case 'uuid': {
        const b = Buffer.alloc(16)
        for (let i = 0; i < 16; i++) b[i] = int(0, 255)
        ww.raw(b)
        return uuidText(b)
      }
      case 'string': {
        if (nullable && rnd() < 0.25) {
          if (flex) ww.compactString(null)
          else ww.string(null)
          return null
        }
        let s = ''
        for (let i = int(0, 8); i > 0; i--) s += ALPHABET[int(0, ALPHABET.length - 1)]
        if (flex) ww.compactString(s)
        else ww.string(s)
        return s
      }
      default:
        throw new Error(`spec type ${type} not supported by the test generator`)
    }
  }

  const writeField = (ww: Writer, f: SpecField): unknown => {
    const nullable = inRange(f.nullableVersions, version)
    if (f.type.startsWith('[]')) {
      if (nullable && rnd() < 0.25) {
        if (flex) ww.unsignedVarint(0)
        else ww.int32(-1)
        return null
      }
      const n = int(0, 3)
      if (flex) ww.unsignedVarint(n + 1)
      else ww.int32(n)
      const out: unknown[] = []
      for (let i = 0; i < n; i++) {
        out.push(f.fields ? writeStruct(ww, f.fields) : writeScalar(ww, f.type.slice(2), false))
      }
      return out
    }
    return writeScalar(ww, f.type, nullable)
  }

  const writeStruct = (ww: Writer, fields: SpecField[]): Record<string, unknown> => {
    const value: Record<string, unknown> = {}
    const tagged: { tag: number; data: Uint8Array }[] = []
    for (const f of fields) {
      if (!inRange(f.versions, version)) continue
      if (isTagged(f, version)) {
        if (rnd() < 0.5) continue
        const tw = new Writer()
        value[camel(f.name)] = writeField(tw, f)
        tagged.push({ tag: f.tag!, data: Buffer.from(tw.finish()) })
        continue
      }
      value[camel(f.name)] = writeField(ww, f)
    }
    if (flex) {
      // Unknown tags from a newer broker: decoders must skip them.
      for (let i = int(0, 2); i > 0; i--) {
        const data = Buffer.alloc(int(0, 4), int(0, 255))
        tagged.push({ tag: 1000 + int(0, 50) * 3 + i, data })
      }
      ww.taggedFields(tagged)
    }
    return value
  }

  const value = writeStruct(w, spec.fields)
  return { bytes: Buffer.from(w.finish()), value }
}

/** A decoded spec struct with camelCase keys, as Peridot's request objects name fields. */
function camelCased(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelCased)
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || v instanceof Uint8Array) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[camel(k)] = camelCased(x)
  return out
}

/**
 * Parses message bytes per the spec (the reference reading of an encoder's output): strictly, with
 * the fault proxy's spec codec, and with camelCase keys.
 */
export function parseMessage(spec: MessageSpec, version: number, bytes: Buffer): Record<string, unknown> {
  const r = new Reader(bytes)
  const value = new SpecCodec(spec).decode(r, version, { strict: true })
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after parsing ${spec.name} v${version}`)
  return camelCased(value) as Record<string, unknown>
}

/** Versions `api` claims to support. */
export function versionsOf(api: { minVersion: number; maxVersion: number }): number[] {
  const out: number[] = []
  for (let v = api.minVersion; v <= api.maxVersion; v++) out.push(v)
  return out
}

/** Encodes a request body into a fresh Buffer. */
export function encode<Req>(api: ApiDefinition<Req, unknown>, version: number, req: Req): Buffer {
  const w = new Writer(8)
  api.encodeRequest(w, version, req)
  return Buffer.from(w.finish())
}

/** Decodes a response body and checks every byte was consumed. */
export function decode<Res>(api: ApiDefinition<unknown, Res>, version: number, bytes: Buffer): Res {
  const r = new Reader(bytes)
  const res = api.decodeResponse(r, version)
  expect(r.offset, `${api.name} v${version}: bytes left after decoding`).toBe(bytes.length)
  return res
}

/** Hex from a template with whitespace and `# comments`, for hand-built golden bytes. */
export function hex(strings: TemplateStringsArray): Buffer {
  const text = strings.raw
    .join('')
    .split('\n')
    .map((l) => l.replace(/#.*/, ''))
    .join('')
    .replace(/\s+/g, '')
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`bad hex: ${text}`)
  return Buffer.from(text, 'hex')
}

/** Options of {@link specAndFuzzSuites}. */
export interface SuiteOptions<Req> {
  /** Spec base name, e.g. `ListOffsets` (reads ListOffsetsRequest.json / ListOffsetsResponse.json). */
  spec: string
  /** Random valid requests for a version. */
  request: (version: number) => fc.Arbitrary<Req>
  /**
   * Versions newer than the specs of the Kafka version under test (which predate them):
   * the highest such version and where its layout comes from. They are checked against the
   * newest version the spec has, whose layout they share.
   */
  newerThanSpec?: { maxVersion: number; why: string }
  /** Maps a request to the spec-shaped object the request bytes must parse to (default: itself). */
  expectedRequest?: (req: Req, version: number) => unknown
  runs?: number
}

/**
 * The suites every module gets: spec cross-check (api key, version range, flexible
 * versions; spec-generated responses decode to the generated values; encoded requests
 * parse per the spec) and robustness against random, truncated and bit-flipped bytes.
 */
export function specAndFuzzSuites<Req, Res>(api: ApiDefinition<Req, Res>, opts: SuiteOptions<Req>): void {
  const runs = opts.runs ?? 150
  const versions = versionsOf(api)

  describe(`${api.name} against the Kafka JSON spec`, () => {
    it('matches api key, version range and first flexible version', () => {
      for (const kind of ['Request', 'Response']) {
        const spec = loadSpec(`${opts.spec}${kind}`)
        expect(spec.apiKey).toBe(api.apiKey)
        const valid = versionRange(spec.validVersions)!
        expect(api.maxVersion).toBeLessThanOrEqual(opts.newerThanSpec?.maxVersion ?? valid.max)
        expect(api.minVersion).toBeGreaterThanOrEqual(valid.min)
        expect(api.firstFlexibleVersion).toBe(versionRange(spec.flexibleVersions)?.min ?? Number.POSITIVE_INFINITY)
      }
    })

    it.each(versions)('decodes spec-generated responses at v%i', (version) => {
      const spec = loadSpec(`${opts.spec}Response`)
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          const { bytes, value } = randomMessage(spec, version, prng(seed))
          expect(decode(api, version, bytes)).toMatchObject(value)
        }),
        { numRuns: runs },
      )
    })

    it.each(versions)('encodes requests the spec parses back at v%i', (version) => {
      const spec = loadSpec(`${opts.spec}Request`)
      fc.assert(
        fc.property(opts.request(version), (req) => {
          const parsed = parseMessage(spec, version, encode(api, version, req))
          const expected = opts.expectedRequest ? opts.expectedRequest(req, version) : req
          // Every field the spec has at this version must carry the request's value.
          expect(expected).toMatchObject(parsed)
        }),
        { numRuns: runs },
      )
    })
  })

  describe(`${api.name} decoder on malformed bytes`, () => {
    const onlyDecodeErrors = (version: number, bytes: Buffer): void => {
      const started = performance.now()
      try {
        api.decodeResponse(new Reader(bytes), version)
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`v${version}: ${String(e)} is not a DecodeError`, { cause: e })
      }
      // Decoding is synchronous; a runaway loop would show up as a slow decode.
      // A generous bound that only catches a hang (a loop on a huge length), not a slow machine.
      expect(performance.now() - started).toBeLessThan(10_000)
    }

    it.each(versions)('random bytes at v%i', (version) => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 256 }), (b) => onlyDecodeErrors(version, Buffer.from(b))),
        { numRuns: runs * 2 },
      )
    })

    it.each(versions)('truncated and bit-flipped valid responses at v%i', (version) => {
      const spec = loadSpec(`${opts.spec}Response`)
      fc.assert(
        fc.property(fc.integer(), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), (seed, cut, flips) => {
          const { bytes } = randomMessage(spec, version, prng(seed))
          onlyDecodeErrors(version, bytes.subarray(0, cut % (bytes.length + 1)))
          const flipped = Buffer.from(bytes)
          for (const f of flips) flipped[f % flipped.length] ^= 1 << (f % 8)
          onlyDecodeErrors(version, flipped)
        }),
        { numRuns: runs * 2 },
      )
    })
  })
}
