// Vitest globalSetup (after global-setup.ts) for running integration tests against a broker of
// another shape: PERIDOT_BROKER_PROFILE=redpanda puts the fault proxy with Redpanda's ApiVersions
// profile in front of the broker under test and hands its address to the tests as the bootstrap,
// so any test file can run as if against Redpanda. At teardown, a request Redpanda would have
// refused (an API or version it lacks), or trouble inside the proxy, fails the run.
import type { TestProject } from 'vitest/node'
import { parseBrokerAddress } from '../../../src/client/cluster.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The broker profile the tests run against ('kafka' unless PERIDOT_BROKER_PROFILE says otherwise). */
    brokerProfile: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const profile = process.env.PERIDOT_BROKER_PROFILE ?? 'kafka'
  project.provide('brokerProfile', profile)
  if (profile === 'kafka') return undefined
  if (profile !== 'redpanda') throw new Error(`PERIDOT_BROKER_PROFILE must be 'kafka' or 'redpanda', got '${profile}'`)
  // Loaded only when asked for: the proxy reads Kafka's message specs from the jar cache.
  const { startFaultProxy } = await import('./fault-proxy.js')
  const { REDPANDA_APIS } = await import('./redpanda-profile.js')
  const target = project.getProvidedContext().kafkaBootstrap
  const proxy = await startFaultProxy(parseBrokerAddress(target), { advertisedApis: REDPANDA_APIS })
  project.provide('kafkaBootstrap', proxy.address)
  console.log(`[kafka] Redpanda profile: tests talk to ${target} through ${proxy.address}`)
  return async () => {
    await proxy.close()
    const problems = [...proxy.violations.map((v) => `sent outside Redpanda's profile: ${v}`), ...proxy.errors]
    if (problems.length > 0) throw new Error(`Redpanda profile run:\n${[...new Set(problems)].join('\n')}`)
  }
}
