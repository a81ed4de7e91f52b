// Incremental fetch sessions (KIP-227) of the multi-partition Fetcher, watched and disturbed by
// the fault proxy in front of the real broker: the first call opens a session, later ones list
// only the partitions whose offset changed and forget those no longer asked for; partitions the
// broker leaves out still get their (empty) results; session errors fall back to a full fetch
// within the same call; a concurrent call goes without the session. Every result equals what a
// sessionless fetcher reads.
import { describe, expect, it } from 'vitest'
import type { Fetcher, FetchManyPartition, PartitionFetch } from '../../src/index.js'
import { Fetch } from '../../src/protocol/index.js'
import { failIncrementalFetches, FETCH_SESSION_ERRORS, fetchSessionTopics, forgottenPartitions as forgotten, listedPartitions as listed } from './fault-proxy/fetch-session-faults.js'
import { proxiedClient, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient } from './helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()
const PARTITIONS = 4
const { newTopic, fetchesOf } = fetchSessionTopics(proxy, direct, 'fetcher-session', PARTITIONS)

/** Produces `n` records `<partition>:<from + i>` to `partition`, directly to the broker. */
async function produce(topic: string, partition: number, n: number, from = 0): Promise<void> {
  const pc = await direct().partitionClient(topic, partition)
  await pc.produce(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`${partition}:${from + i}`) })))
}

/** What a caller sees of a result. */
function view(r: PartitionFetch): unknown {
  if (r.error) return { partition: r.partition, error: r.error.message }
  return {
    partition: r.partition,
    values: r.records.map((x) => x.value?.toString()),
    highWatermark: r.highWatermark,
    lastStableOffset: r.lastStableOffset,
    logStartOffset: r.logStartOffset,
    nextOffset: r.nextOffset,
  }
}

/** What a sessionless fetcher reads of `asked`, directly from the broker. */
async function reference(asked: FetchManyPartition[]): Promise<unknown[]> {
  const fetcher = direct().fetcher({ fetchSessions: false })
  try {
    return (await fetcher.fetch(asked, { maxWaitMs: 10 })).map(view)
  } finally {
    await fetcher.close()
  }
}

/** Fetches `asked` with `fetcher` and checks the results against a sessionless fetcher's. */
async function fetchChecked(fetcher: Fetcher, asked: FetchManyPartition[]): Promise<PartitionFetch[]> {
  const got = await fetcher.fetch(asked, { maxWaitMs: 10 })
  expect(got.map(view)).toEqual(await reference(asked))
  return got
}

const at = (topic: string, offsets: bigint[]): FetchManyPartition[] => offsets.map((offset, partition) => ({ topic, partition, offset }))
const next = (results: PartitionFetch[]): bigint[] => results.map((r) => (r.error ? -1n : r.nextOffset))

describe('Fetcher fetch sessions (KIP-227)', () => {
  it('opens a session with the first call; later calls list only moved, added and forgotten partitions', async () => {
    const topic = await newTopic()
    await produce(topic, 0, 5)
    await produce(topic, 2, 3)
    const client = await proxiedClient(proxy())
    const fetcher = client.fetcher()
    try {
      const r1 = await fetchChecked(fetcher, at(topic, [0n, 0n, 0n, 0n]))
      expect(r1.map((r) => (r.error ? -1 : r.records.length))).toEqual([5, 0, 3, 0])
      // Partitions 0 and 2 moved; 1 and 3 did not: the broker leaves all four out (no news).
      const r2 = await fetchChecked(fetcher, at(topic, next(r1)))
      expect(r2.every((r) => !r.error && r.records.length === 0)).toBe(true)
      await produce(topic, 1, 4)
      // Nothing moved: nothing listed, partition 1's records still come.
      const r3 = await fetchChecked(fetcher, at(topic, next(r2)))
      expect(r3.map((r) => (r.error ? -1 : r.records.length))).toEqual([0, 4, 0, 0])
      // Partition 3 left out: forgotten.
      await fetchChecked(fetcher, at(topic, next(r3)).slice(0, 3))
    } finally {
      await fetcher.close()
      await client.close()
    }
    const fetches = fetchesOf(topic)
    expect(fetches).toHaveLength(4)
    expect(fetches[0].body).toMatchObject({ SessionId: 0, SessionEpoch: 0 })
    expect(listed(fetches[0])).toEqual([0, 1, 2, 3])
    const sessionId = fetches[1].body.SessionId as number
    expect(sessionId).not.toBe(0)
    expect(fetches.slice(1).map((r) => [r.body.SessionId, r.body.SessionEpoch])).toEqual([1, 2, 3].map((e) => [sessionId, e]))
    expect(listed(fetches[1]).sort()).toEqual([0, 2])
    expect(listed(fetches[2])).toEqual([])
    expect(listed(fetches[3])).toEqual([1])
    expect(forgotten(fetches[3])).toEqual([3])
  })

  for (const { code, name, nextSessionId: expectedId } of FETCH_SESSION_ERRORS) {
    it(`${name}: the same call fetches again in full; nothing lost or repeated; incremental after`, async () => {
      const topic = await newTopic()
      await produce(topic, 0, 3)
      const client = await proxiedClient(proxy())
      const fetcher = client.fetcher()
      const values: string[] = []
      const collect = (rs: PartitionFetch[]): void => {
        for (const r of rs) if (!r.error) values.push(...r.records.map((x) => x.value?.toString() ?? ''))
      }
      try {
        const r1 = await fetchChecked(fetcher, at(topic, [0n, 0n, 0n, 0n]))
        collect(r1)
        const conn = fetchesOf(topic)[0].connection
        const rule = failIncrementalFetches(proxy(), conn, code)
        await produce(topic, 0, 2, 3)
        await produce(topic, 3, 2)
        const r2 = await fetchChecked(fetcher, at(topic, next(r1)))
        expect(rule.applied).toBe(1)
        rule.remove()
        collect(r2)
        await produce(topic, 1, 1)
        collect(await fetchChecked(fetcher, at(topic, next(r2))))
      } finally {
        await fetcher.close()
        await client.close()
      }
      expect(values.sort()).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '1:0', '3:0', '3:1'])
      const fetches = fetchesOf(topic)
      expect(fetches).toHaveLength(4)
      const [, errored, full, after] = fetches
      expect(errored.body.SessionEpoch).toBe(1)
      expect(full.body.SessionEpoch).toBe(0)
      expect(full.body.SessionId).toBe(expectedId === 'zero' ? 0 : errored.body.SessionId)
      expect(listed(full)).toEqual([0, 1, 2, 3])
      expect(after.body.SessionEpoch).toBe(1)
      expect(after.body.SessionId).not.toBe(0)
      expect(listed(after).sort()).toEqual([0, 3])
    })
  }

  it('a call while another has the session in flight fetches without it; both results are right', async () => {
    const topic = await newTopic()
    await produce(topic, 2, 2)
    const client = await proxiedClient(proxy())
    const fetcher = client.fetcher()
    try {
      await fetchChecked(fetcher, at(topic, [0n, 0n, 0n, 0n]))
      const conn = fetchesOf(topic)[0].connection
      // The session's next answer is held back, so the other call surely finds it in flight.
      proxy().addRule({ apiKey: Fetch.apiKey, match: (r) => r.connection === conn && (r.body.SessionEpoch as number) > 0, action: { kind: 'delay', ms: 300 } })
      const [a, b] = await Promise.all([fetcher.fetch(at(topic, [0n, 0n, 1n, 0n]), { maxWaitMs: 10 }), fetcher.fetch(at(topic, [0n, 0n, 0n, 0n]), { maxWaitMs: 10 })])
      expect(a.map(view)).toEqual(await reference(at(topic, [0n, 0n, 1n, 0n])))
      expect(b.map(view)).toEqual(await reference(at(topic, [0n, 0n, 0n, 0n])))
      expect(b[2].error ? [] : b[2].records.map((x) => x.value?.toString())).toEqual(['2:0', '2:1'])
    } finally {
      await fetcher.close()
      await client.close()
    }
    const fetches = fetchesOf(topic)
    expect(fetches).toHaveLength(3)
    expect(fetches.filter((r) => r.body.SessionId === 0 && r.body.SessionEpoch === -1)).toHaveLength(1)
    expect(fetches.filter((r) => r.body.SessionEpoch === 1)).toHaveLength(1)
  })
})
