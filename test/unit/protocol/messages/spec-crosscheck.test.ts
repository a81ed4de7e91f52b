/**
 * Cross-checks the modules against Kafka's JSON message specs in `<repo>/../shared/kafka-protocol`.
 * CI always has that folder, so a missing folder fails the test instead of skipping it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ApiDefinition } from '../../../../src/protocol/messages/api.js'
import { ApiVersions } from '../../../../src/protocol/messages/api-versions.js'
import { Fetch } from '../../../../src/protocol/messages/fetch.js'
import { Metadata } from '../../../../src/protocol/messages/metadata.js'
import { Produce } from '../../../../src/protocol/messages/produce.js'

const SPEC_DIR = fileURLToPath(new URL('../../../../../shared/kafka-protocol/messages/', import.meta.url))

interface Spec {
  apiKey: number
  validVersions: string
  flexibleVersions: string
}

function loadSpec(file: string): Spec {
  // The specs are JSON with whole-line // comments.
  const text = readFileSync(SPEC_DIR + file, 'utf8')
  return JSON.parse(text.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n')) as Spec
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
 * Versions newer than the reference specs (which predate them), with where their layout comes
 * from; the spec's newest version has the same layout.
 */
const NEWER_THAN_SPEC: Record<string, { maxVersion: number; why: string }> = {
  Produce: { maxVersion: 12, why: "Kafka 4.x: v12 has v11's layout and enrols partitions in a transaction of version 2 (KIP-890)" },
}

describe('modules agree with the Kafka JSON specs', () => {
  it('finds the spec folder next to the repository', () => {
    expect(existsSync(SPEC_DIR), `Kafka message specs not found at ${SPEC_DIR} (expected <repo>/../shared/kafka-protocol/messages)`).toBe(true)
  })

  for (const api of MODULES) {
    it(`${api.name}: api key, version range and first flexible version`, () => {
      for (const kind of ['Request', 'Response']) {
        const spec = loadSpec(`${api.name}${kind}.json`)
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
    expect(flexibleStart(loadSpec('RequestHeader.json').flexibleVersions)).toBe(2)
    expect(flexibleStart(loadSpec('ResponseHeader.json').flexibleVersions)).toBe(1)
  })
})
