// Vitest wiring for the fault proxy: one proxy per test file, rules cleared after each test, and
// a check that the proxy itself had no trouble reading or rewriting what passed through it.
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { parseBrokerAddress } from '../../../src/client/cluster.js'
import { Client } from '../../../src/index.js'
import { bootstrap } from '../helpers.js'
import { type FaultProxy, type FaultProxyOptions, type ProxiedRequest, startFaultProxy } from './fault-proxy.js'

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

/** A decoded record of {@link readAll}. */
export interface StoredRecord {
  offset: bigint
  key: string
  value: string
}

/** Every record of a partition, read with `client` (one that does not go through the proxy). */
export async function readAll(client: Client, topic: string, partition = 0): Promise<StoredRecord[]> {
  const pc = await client.partitionClient(topic, partition)
  const end = await pc.getOffset('latest')
  const out: StoredRecord[] = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { maxBytes: 4 << 20 })
    for (const r of res.records) out.push({ offset: r.offset, key: r.key?.toString() ?? '', value: r.value?.toString() ?? '' })
    next = res.nextOffset
  }
  return out
}

/** Connects a client through `proxy`, with short timeouts so lost answers show up quickly. */
export function proxiedClient(proxy: FaultProxy, opts: { requestTimeoutMs?: number; retries?: number } = {}): Promise<Client> {
  return Client.connect({
    brokers: [proxy.address],
    requestTimeoutMs: opts.requestTimeoutMs ?? 5_000,
    retry: { retries: opts.retries ?? 8, initialBackoffMs: 50, maxBackoffMs: 500 },
  })
}

/** A rule condition: the request body names `text` somewhere (a topic, group or transactional id). */
export function mentions(text: string): (req: ProxiedRequest) => boolean {
  return (req) => JSON.stringify(req.body, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? undefined : v)).includes(text)
}
