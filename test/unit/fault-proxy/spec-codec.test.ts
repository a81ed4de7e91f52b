/**
 * The fault proxy's spec-driven codec (test/integration/fault-proxy/spec-codec.ts) against an
 * independent writer of the same specs (admin-spec-support's randomMessage): every message it
 * can generate, for every version, decodes and re-encodes byte for byte, unknown tagged fields
 * included. The proxy relies on this to pass frames through unchanged and to rewrite them.
 */
import { describe, expect, it } from 'vitest'
import { SpecCodec, versionRange } from '../../integration/fault-proxy/spec-codec.js'
import { Reader } from '../../../src/protocol/index.js'
import { loadSpec, prng, randomMessage } from '../protocol/messages/admin-spec-support.js'
import { SPEC_TEXTS } from '../protocol/messages/kafka-specs.js'

const NOT_GENERATED = /not supported by the test generator/

describe('fault proxy spec codec', () => {
  it('re-encodes spec-generated messages of every API and version byte for byte', () => {
    let checked = 0
    const covered = new Set<string>()
    for (const name of [...SPEC_TEXTS.keys()].filter((n) => n.endsWith('Request') || n.endsWith('Response')).sort()) {
      const spec = loadSpec(name)
      const codec = new SpecCodec(spec)
      const range = versionRange(spec.validVersions)
      if (!range) continue
      for (let v = range.min; v <= range.max; v++) {
        for (let seed = 1; seed <= 5; seed++) {
          let bytes: Buffer
          try {
            bytes = randomMessage(spec, v, prng(seed * 1000 + v)).bytes
          } catch (e) {
            if (NOT_GENERATED.test((e as Error).message)) break
            throw e
          }
          const r = new Reader(bytes)
          const msg = codec.decode(r, v)
          expect(r.remaining, `${name} v${v}: bytes left after decoding`).toBe(0)
          expect(codec.toBuffer(v, msg).equals(bytes), `${name} v${v} seed ${seed}`).toBe(true)
          checked++
          covered.add(name)
        }
      }
    }
    // Most message specs use only the generator's types; the rest (bytes, records, nested
    // structs) pass through the proxy in the integration tests, which check the same equality.
    expect(covered.size).toBeGreaterThan(100)
    expect(checked).toBeGreaterThan(1000)
  })
})
