/**
 * Share groups (KIP-932) were early access before Kafka 4.1, with different layouts: the spec
 * suites run only when the specs under test (kafka-specs.ts) define the versions Peridot speaks.
 */
import { describe } from 'vitest'
import type { ApiDefinition } from '../../../../src/protocol/messages/api.js'
import { loadSpec, versionRange } from './admin-spec-support.js'
import { SPEC_TEXTS } from './kafka-specs.js'

/** Runs `suites` when the specs of the Kafka version under test cover `api`'s versions, else skips them with the reason. */
export function whenSpecCovers(api: ApiDefinition<never, unknown>, spec: string, suites: () => void): void {
  const range = SPEC_TEXTS.has(`${spec}Request`) ? versionRange(loadSpec(`${spec}Request`).validVersions) : null
  if (range && range.min <= api.minVersion && range.max >= api.maxVersion) suites()
  else describe.skip(`${api.name}: the specs under test predate its stable versions v${api.minVersion}..v${api.maxVersion}`, suites)
}
