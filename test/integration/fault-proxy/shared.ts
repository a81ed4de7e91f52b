// Vitest wiring for the fault proxy: one proxy per test file, rules cleared after each test, and
// a check that the proxy itself had no trouble reading or rewriting what passed through it.
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { parseBrokerAddress } from '../../../src/client/cluster.js'
import { bootstrap } from '../helpers.js'
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js'

/**
 * A fault proxy in front of the broker under test for the tests of one file (started in
 * `beforeAll`, closed in `afterAll`); after each test its rules are cleared and its error log
 * must be empty.
 */
export function sharedFaultProxy(options: FaultProxyOptions = {}): () => FaultProxy {
  let proxy: FaultProxy | undefined
  beforeAll(async () => {
    proxy = await startFaultProxy(parseBrokerAddress(bootstrap()), options)
  })
  afterEach(() => {
    proxy?.clearRules()
    expect(proxy?.errors ?? [], 'problems inside the fault proxy').toEqual([])
  })
  afterAll(async () => {
    await proxy?.close()
  })
  return () => {
    if (!proxy) throw new Error('sharedFaultProxy: used before beforeAll started it')
    return proxy
  }
}
