/**
 * Cross-checks the modules against Kafka's JSON message specs from the kafka-clients jar of the
 * Kafka version under test (kafka-specs.ts).
 */
import { describe, expect, it } from 'vitest'
import type { ApiDefinition } from '../../../../src/protocol/messages/api.js'
import { ApiVersions } from '../../../../src/protocol/messages/api-versions.js'
import { Fetch } from '../../../../src/protocol/messages/fetch.js'
import { Metadata } from '../../../../src/protocol/messages/metadata.js'
import { Produce } from '../../../../src/protocol/messages/produce.js'
import { SPEC_KAFKA_VERSION, SPEC_TEXTS, specJson } from './kafka-specs.js'

interface Spec {
  apiKey: number
  validVersions: string
  flexibleVersions: string
}

function loadSpec(name: string): Spec {
  return specJson<Spec>(name)
}

function range(s: string): [number, number] {
  const [lo, hi] = s.split('-').map(Number)
  return [lo, hi ?? lo]
}

function flexibleStart(s: string): number {
  return s === 'none' ? Infinity : Number(s.replace('+', ''))
}

const MODULES: ApiDefinition<never, unknown>[] = [ApiVersions, Metadata, Produce, Fetch]

/**
 * Versions newer than the specs of older Kafka releases (PERIDOT_KAFKA_VERSION=3.9.2 reads Kafka
 * 3.9's, which predate them), with where their layout comes from; the spec's newest version has
 * the same layout. Kafka 4.3's specs include them, so this allowance is unused by default.
 */
const NEWER_THAN_SPEC: Record<string, { maxVersion: number; why: string }> = {
  Produce: { maxVersion: 12, why: "Kafka 4.x: v12 has v11's layout and enrols partitions in a transaction of version 2 (KIP-890)" },
}

describe('modules agree with the Kafka JSON specs', () => {
  it(`reads Kafka ${SPEC_KAFKA_VERSION}'s specs from its kafka-clients jar`, () => {
    expect(SPEC_TEXTS.size).toBeGreaterThan(150)
    expect(SPEC_TEXTS.has('ProduceRequest')).toBe(true)
  })

  for (const api of MODULES) {
    it(`${api.name}: api key, version range and first flexible version`, () => {
      for (const kind of ['Request', 'Response']) {
        const spec = loadSpec(`${api.name}${kind}`)
        const [lo, hi] = range(spec.validVersions)
        expect(spec.apiKey, `${api.name}${kind} apiKey`).toBe(api.apiKey)
        expect(api.minVersion).toBeGreaterThanOrEqual(lo)
        expect(api.maxVersion).toBeLessThanOrEqual(NEWER_THAN_SPEC[api.name]?.maxVersion ?? hi)
        expect(api.minVersion).toBeLessThanOrEqual(api.maxVersion)
        expect(api.firstFlexibleVersion, `${api.name}${kind} flexibleVersions`).toBe(flexibleStart(spec.flexibleVersions))
      }
    })
  }

  it('the header specs match the header versions used', () => {
    expect(flexibleStart(loadSpec('RequestHeader').flexibleVersions)).toBe(2)
    expect(flexibleStart(loadSpec('ResponseHeader').flexibleVersions)).toBe(1)
  })
})
