import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FeatureUpgradeType, UpdateFeatures } from '../../../../src/protocol/messages/update-features.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'
import { whenSpecCovers } from './share-group-specs.js'

const KRAFT_VERSION = '0e 6b726166742e76657273696f6e'

describe('UpdateFeatures', () => {
  const req = { timeoutMs: 60_000, featureUpdates: [{ feature: 'kraft.version', maxVersionLevel: 1, upgradeType: FeatureUpgradeType.SAFE_DOWNGRADE }], validateOnly: true }
  it('v0 sends allow_downgrade (and cannot validate only); v1 the upgrade type and validate_only', () => {
    expect(encode(UpdateFeatures, 0, req).toString('hex')).toBe(`0000ea60 02 ${KRAFT_VERSION} 0001 01 00 00`.replace(/ /g, ''))
    expect(encode(UpdateFeatures, 1, req).toString('hex')).toBe(`0000ea60 02 ${KRAFT_VERSION} 0001 02 00 01 00`.replace(/ /g, ''))
  })

  it('decodes v1 per-feature results and a v2 top-level error', () => {
    const v1 = decode(UpdateFeatures, 1, Buffer.from(`00000000 0000 00 02 ${KRAFT_VERSION} 0011 00 00 00`.replace(/ /g, ''), 'hex'))
    expect(v1.results).toEqual([{ feature: 'kraft.version', errorCode: 17, errorMessage: null }])
    expect(decode(UpdateFeatures, 2, hex`00000000 002a 03 6e6f 00`)).toEqual({ throttleTimeMs: 0, errorCode: 42, errorMessage: 'no', results: [] })
  })
})

// Kafka 3.9's specs predate the newest version (a field added in 4.x): checked against 4.x's.
whenSpecCovers(UpdateFeatures, 'UpdateFeatures', () => {
  specAndFuzzSuites(UpdateFeatures, {
    spec: 'UpdateFeatures',
    request: () =>
      fc.record({
        timeoutMs: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        featureUpdates: fc.array(
          fc.record({ feature: fc.string({ maxLength: 8, unit: 'binary' }), maxVersionLevel: fc.integer({ min: -32768, max: 32767 }), upgradeType: fc.integer({ min: 1, max: 3 }) }),
          { maxLength: 3 },
        ),
        validateOnly: fc.boolean(),
      }),
    // The spec names the first field `timeoutMs` (lower case); v0 carries allow_downgrade instead of the type.
    expectedRequest: (r, version) => ({
      timeoutMs: r.timeoutMs,
      featureUpdates: r.featureUpdates.map((u) =>
        version === 0 ? { feature: u.feature, maxVersionLevel: u.maxVersionLevel, allowDowngrade: u.upgradeType !== 1 } : u,
      ),
      ...(version >= 1 ? { validateOnly: r.validateOnly } : {}),
    }),
  })
})
