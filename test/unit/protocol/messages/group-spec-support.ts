/**
 * Adapts the shared spec-driven suites (admin-spec-support.ts) to the group APIs:
 *  - `bytes` fields (JoinGroup/SyncGroup/DescribeGroups metadata and assignments) are fed
 *    to the shared generator and parser as `[]int8`, which has the same wire format
 *    (int32 or compact count, then one byte per element), and mapped back to Buffers;
 *  - specs with nested (non-array) struct fields, which the generator cannot build, skip the
 *    spec-generated response check and fuzz mutations of given seed responses instead.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import type { ApiDefinition } from '../../../../src/protocol/messages/api.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import {
  decode,
  encode,
  loadSpec,
  parseMessage,
  prng,
  randomMessage,
  versionRange,
  versionsOf,
  type MessageSpec,
  type SpecField,
  type SuiteOptions,
} from './admin-spec-support.js'

const SCALARS = new Set(['int8', 'int16', 'int32', 'int64', 'bool', 'uuid', 'string', 'bytes'])

interface BytesField extends SpecField {
  wasBytes?: true
}

function rewriteFields(fields: SpecField[]): BytesField[] {
  return fields.map((f): BytesField => {
    if (f.type === 'bytes') return { ...f, type: '[]int8', wasBytes: true }
    return f.fields ? { ...f, fields: rewriteFields(f.fields) } : f
  })
}

/** The spec with `bytes` fields typed as `[]int8` (marked so values can be mapped back). */
export function withBytesAsInt8(spec: MessageSpec): MessageSpec {
  return { ...spec, fields: rewriteFields(spec.fields) }
}

/** True when every field is a scalar or an array (of scalars or structs) the shared generator knows. */
export function generatorSupports(fields: SpecField[]): boolean {
  return fields.every((f) => {
    if (f.type.startsWith('[]')) return f.fields ? generatorSupports(f.fields) : SCALARS.has(f.type.slice(2))
    return SCALARS.has(f.type) && !f.fields
  })
}

const camel = (name: string): string => name[0].toLowerCase() + name.slice(1)

/** Maps the `[]int8` values of former `bytes` fields back to Buffers, in place. */
export function int8ArraysToBuffers(fields: SpecField[], value: Record<string, unknown>): Record<string, unknown> {
  for (const f of fields as BytesField[]) {
    const key = camel(f.name)
    const v = value[key]
    if (v === undefined || v === null) continue
    if (f.wasBytes) value[key] = Buffer.from(v as number[])
    else if (f.fields && Array.isArray(v)) for (const item of v) int8ArraysToBuffers(f.fields, item as Record<string, unknown>)
  }
  return value
}

/** Options of {@link groupSpecAndFuzzSuites}. */
export interface GroupSuiteOptions<Req> extends SuiteOptions<Req> {
  /** Valid response bodies per version, mutated by the fuzz suite (required when the generator cannot build responses). */
  responseSeeds?: (version: number) => Buffer[]
}

/** The shared suites of admin-spec-support.ts, extended to `bytes` fields and seeded fuzzing. */
export function groupSpecAndFuzzSuites<Req, Res>(api: ApiDefinition<Req, Res>, opts: GroupSuiteOptions<Req>): void {
  const runs = opts.runs ?? 150
  const versions = versionsOf(api)
  const requestSpec = withBytesAsInt8(loadSpec(`${opts.spec}Request`))
  const responseSpec = withBytesAsInt8(loadSpec(`${opts.spec}Response`))
  const canGenerate = generatorSupports(responseSpec.fields)

  const validResponses = (version: number, seed: number): Buffer[] => {
    const out = opts.responseSeeds?.(version) ?? []
    if (canGenerate) out.push(randomMessage(responseSpec, version, prng(seed)).bytes)
    return out
  }

  describe(`${api.name} against the Kafka JSON spec`, () => {
    it('matches api key, version range and first flexible version', () => {
      for (const spec of [requestSpec, responseSpec]) {
        expect(spec.apiKey).toBe(api.apiKey)
        const valid = versionRange(spec.validVersions)!
        expect(api.maxVersion).toBeLessThanOrEqual(valid.max)
        expect(api.minVersion).toBeGreaterThanOrEqual(valid.min)
        expect(api.firstFlexibleVersion).toBe(versionRange(spec.flexibleVersions)?.min ?? Number.POSITIVE_INFINITY)
      }
    })

    if (canGenerate) {
      it.each(versions)('decodes spec-generated responses at v%i', (version) => {
        fc.assert(
          fc.property(fc.integer(), (seed) => {
            const { bytes, value } = randomMessage(responseSpec, version, prng(seed))
            expect(decode(api, version, bytes)).toMatchObject(int8ArraysToBuffers(responseSpec.fields, value))
          }),
          { numRuns: runs },
        )
      })
    }

    it.each(versions)('encodes requests the spec parses back at v%i', (version) => {
      fc.assert(
        fc.property(opts.request(version), (req) => {
          const parsed = int8ArraysToBuffers(requestSpec.fields, parseMessage(requestSpec, version, encode(api, version, req)))
          const expected = opts.expectedRequest ? opts.expectedRequest(req, version) : req
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
      expect(validResponses(version, 0).length).toBeGreaterThan(0)
      fc.assert(
        fc.property(fc.integer(), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), (seed, cut, flips) => {
          for (const bytes of validResponses(version, seed)) {
            onlyDecodeErrors(version, bytes.subarray(0, cut % (bytes.length + 1)))
            const flipped = Buffer.from(bytes)
            for (const f of flips) flipped[f % flipped.length] ^= 1 << (f % 8)
            onlyDecodeErrors(version, flipped)
          }
        }),
        { numRuns: runs * 2 },
      )
    })
  })
}
