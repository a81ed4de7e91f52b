// Incremental fetch sessions (KIP-227) of the group consumer, watched and disturbed by the fault
// proxy in front of the real broker: the first Fetch opens a session, later ones list only the
// partitions whose position changed; session errors (FETCH_SESSION_ID_NOT_FOUND,
// INVALID_FETCH_SESSION_EPOCH) fall back to a full fetch; pause and resume forget and re-add a
// partition; nothing is lost or delivered twice.
import { describe, expect, it } from 'vitest'
import { type Client, type GroupConsumer } from '../../src/index.js'
import type { ProxiedRequest } from './fault-proxy/fault-proxy.js'
import type { Msg } from './fault-proxy/spec-codec.js'
import { failIncrementalFetches, FETCH_SESSION_ERRORS, fetchSessionTopics, forgottenPartitions as forgotten, listedPartitions } from './fault-proxy/fetch-session-faults.js'
import { proxiedClient, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()
const PARTITIONS = 6
const { newTopic, fetchesOf } = fetchSessionTopics(proxy, direct, 'fetch-session', PARTITIONS)

/** Produces `n` records `<partition>:<from + i>` to `partition`, directly to the broker. */
async function produce(topic: string, partition: number, n: number, from = 0): Promise<string[]> {
  const values = Array.from({ length: n }, (_, i) => `${partition}:${from + i}`)
  const pc = await direct().partitionClient(topic, partition)
  await pc.produce(values.map((v) => ({ value: Buffer.from(v) })))
  return values
}

/** The values of the next `n` records the consumer delivers. */
async function take(consumer: GroupConsumer, n: number): Promise<string[]> {
  const out: string[] = []
  while (out.length < n) {
    const batch = await consumer.next()
    if (!batch) break
    for (const rec of batch.records) out.push(rec.value?.toString() ?? '')
  }
  return out
}

const listed = (req: ProxiedRequest): number => listedPartitions(req).length

async function withConsumer(topic: string, body: (consumer: GroupConsumer, client: Client) => Promise<void>): Promise<void> {
  const client = await proxiedClient(proxy())
  const consumer = client.groupConsumer({ groupId: uniqueTopic('fetch-session-group'), topics: [topic], autoOffsetReset: 'earliest', maxWaitMs: 100 })
  try {
    await body(consumer, client)
  } finally {
    await consumer.close()
    await client.close()
  }
}

describe('fetch sessions (KIP-227)', () => {
  it('the first Fetch opens a session; later ones carry its id, rising epochs and only the partitions that moved', async () => {
    const topic = await newTopic()
    const sent = [...(await produce(topic, 0, 5)), ...(await produce(topic, 3, 5))]
    await withConsumer(topic, async (consumer) => {
      const got = await take(consumer, 10)
      // Each round needs at least one Fetch after its records were written.
      sent.push(...(await produce(topic, 0, 5, 5)))
      got.push(...(await take(consumer, 5)))
      sent.push(...(await produce(topic, 3, 5, 5)))
      got.push(...(await take(consumer, 5)))
      expect(got.sort()).toEqual(sent.sort())
    })
    const fetches = fetchesOf(topic)
    expect(fetches[0].body).toMatchObject({ SessionId: 0, SessionEpoch: 0 })
    expect(listed(fetches[0])).toBe(PARTITIONS)
    const later = fetches.slice(1)
    expect(later.length).toBeGreaterThan(1)
    const sessionId = later[0].body.SessionId as number
    expect(sessionId).not.toBe(0)
    expect(later.map((r) => r.body.SessionId)).toEqual(later.map(() => sessionId))
    expect(later.map((r) => r.body.SessionEpoch)).toEqual(later.map((_, i) => i + 1))
    // Only the two partitions with records ever move: the other four are never listed again.
    expect(Math.max(...later.map(listed))).toBeLessThanOrEqual(2)
  })

  for (const { code, name, nextSessionId: expectedId } of FETCH_SESSION_ERRORS) {
    it(`${name}: the next Fetch is full (session id ${expectedId === 'zero' ? '0, a new session' : 'kept, epoch 0: closed and reopened'}); nothing lost or repeated`, async () => {
      const topic = await newTopic()
      const sent = await produce(topic, 1, 5)
      await withConsumer(topic, async (consumer) => {
        const got = await take(consumer, 5)
        const conn = fetchesOf(topic)[0].connection
        // The broker's answer to the next incremental fetch is replaced by the session error.
        const rule = failIncrementalFetches(proxy(), conn, code)
        sent.push(...(await produce(topic, 1, 5, 5)), ...(await produce(topic, 4, 5)))
        await rule.appliedTimes(1)
        got.push(...(await take(consumer, 10)))
        expect(got.sort()).toEqual(sent.sort())
      })
      const fetches = fetchesOf(topic)
      // The first incremental Fetch got the error; the one after it is full.
      const errored = fetches.find((r) => (r.body.SessionEpoch as number) > 0)!
      const after = fetches.find((r) => r.correlationId > errored.correlationId)!
      expect(after.body.SessionEpoch).toBe(0)
      expect(after.body.SessionId).toBe(expectedId === 'zero' ? 0 : errored.body.SessionId)
      expect(listed(after)).toBe(PARTITIONS)
    })
  }

  it('pause forgets a partition from the session, resume adds it back at its position', async () => {
    const topic = await newTopic()
    const sent = await produce(topic, 2, 3)
    await withConsumer(topic, async (consumer) => {
      const got = await take(consumer, 3)
      consumer.pause([{ topic, partition: 2 }])
      const pausedAt = proxy().requests.length
      // Wait until a Fetch forgot partition 2.
      while (!fetchesOf(topic).some((r) => proxy().requests.indexOf(r) >= pausedAt && forgotten(r).includes(2))) await new Promise((r) => setTimeout(r, 50)) // test timeout bounds it
      sent.push(...(await produce(topic, 2, 3, 3)), ...(await produce(topic, 5, 2)))
      got.push(...(await take(consumer, 2)))
      expect(got.filter((v) => v.startsWith('5:'))).toEqual(['5:0', '5:1'])
      const resumedAt = proxy().requests.length
      consumer.resume([{ topic, partition: 2 }])
      got.push(...(await take(consumer, 3)))
      expect(got.sort()).toEqual(sent.sort())
      const readded = fetchesOf(topic).find((r) => proxy().requests.indexOf(r) >= resumedAt && listed(r) > 0)!
      expect((readded.body.Topics as Msg[]).flatMap((t) => (t.Partitions as Msg[]).map((p) => [p.Partition, p.FetchOffset]))).toContainEqual([2, 3n])
      expect(readded.body.SessionEpoch).not.toBe(0)
    })
  })
})
