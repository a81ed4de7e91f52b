// The call context the async operators hand to user functions: only the documented fields
// (AsyncCallContext: signal, metadata; processAsync's AsyncProcessorContext adds forward and
// getStateStore) are reachable at runtime, not the stage's per-record holder and its internals.
import { describe, expect, it } from 'vitest'
import { Serdes, Stores, StreamsBuilder, TopologyTestDriver, type KStream } from '../../../src/streams/index.js'

const str = Serdes.string()

/** Every property name reachable on `obj` (own and inherited, up to Object.prototype), but `constructor`. */
function reachable(obj: object): string[] {
  const names = new Set<string>()
  for (let o: object | null = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const n of Reflect.ownKeys(o)) if (n !== 'constructor') names.add(String(n))
  }
  return [...names].sort()
}

/** Names of the stage's per-record holder that must not leak to user code. */
const INTERNALS = ['emit', 'store', 'record', 'ctx', 'stage', 'out', 'controller', 'abort', 'abortReason', 'epoch', 'settled', 'over', 'state', 'keyId', 'nextSameKey', 'deadline']

/** Runs one record through `attach`'s async stage and returns the context its function got. */
async function contextOf(attach: (s: KStream<string, string>, seen: (ctx: object) => void) => KStream<string, string>): Promise<object> {
  let got: object | undefined
  const b = new StreamsBuilder()
  b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), str, str))
  attach(b.stream('in', { key: str, value: str }), (ctx) => (got = ctx)).to('out', { key: str, value: str })
  const driver = new TopologyTestDriver(b.build())
  try {
    driver.createInputTopic('in', str, str).pipeInput('k', 'v')
    await driver.settle()
  } finally {
    driver.close()
  }
  if (got === undefined) throw new Error('the async function did not run')
  return got
}

describe('async operators: the call context of user functions', () => {
  const CALL = ['metadata', 'signal']
  const cases: Array<[string, (s: KStream<string, string>, seen: (ctx: object) => void) => KStream<string, string>]> = [
    ['mapValuesAsync', (s, seen) => s.mapValuesAsync(async (v, _k, call) => (seen(call), v), { concurrency: 1 })],
    ['mapAsync', (s, seen) => s.mapAsync(async (key, value, call) => (seen(call), { key, value }), { concurrency: 1 })],
    ['flatMapAsync', (s, seen) => s.flatMapAsync(async (key, value, call) => (seen(call), [{ key, value }]), { concurrency: 1 })],
    ['flatMapValuesAsync', (s, seen) => s.flatMapValuesAsync(async (v, _k, call) => (seen(call), [v]), { concurrency: 1 })],
    ['filterAsync', (s, seen) => s.filterAsync(async (_k, _v, call) => (seen(call), true), { concurrency: 1 })],
  ]
  for (const [op, attach] of cases) {
    it(`${op}: the context has signal and metadata only`, async () => {
      const ctx = await contextOf(attach)
      expect(reachable(ctx)).toEqual(CALL)
      for (const name of INTERNALS) expect((ctx as Record<string, unknown>)[name], name).toBeUndefined()
      const call = ctx as { signal: AbortSignal; metadata: { topic: string; offset: bigint } | null }
      expect(call.signal).toBeInstanceOf(AbortSignal)
      expect(call.metadata).toMatchObject({ topic: 'in', offset: 0n })
    })
  }

  it('processAsync: the context has signal, metadata, forward and getStateStore only', async () => {
    const ctx = await contextOf((s, seen) =>
      s.processAsync<string, string>(
        async (r, c) => {
          seen(c)
          c.forward(r)
        },
        { concurrency: 1, stores: ['s'] },
      ),
    )
    expect(reachable(ctx)).toEqual(['forward', 'getStateStore', 'metadata', 'signal'])
    for (const name of INTERNALS) expect((ctx as Record<string, unknown>)[name], name).toBeUndefined()
  })
})
