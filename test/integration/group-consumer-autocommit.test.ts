// Auto-commit (on by default), as the README promises: every autoCommitIntervalMs while the
// member reads, before its partitions move to another member, and on close; only what the
// caller finished (asked for the batch after it) is committed. And onAssigned's argument.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type GroupBatch, type TopicPartition } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

async function produce(topic: string, partition: number, from: number, n: number): Promise<void> {
  const producer = client.producer()
  await producer.sendBatch(Array.from({ length: n }, (_, i) => ({ topic, partition, key: null, value: `p${partition}-${from + i}` })))
  await producer.close()
}

async function committed(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const offsets = await client.admin().listGroupOffsets(groupId)
  return new Map(offsets.filter((o) => o.topic === topic).map((o) => [o.partition, o.offset]))
}

async function nextBatch(c: { next(): Promise<GroupBatch | undefined> }): Promise<GroupBatch> {
  const b = await c.next()
  if (!b) throw new Error('consumer ended')
  return b
}

describe('GroupConsumer auto-commit', () => {
  it('commits what was finished every autoCommitIntervalMs while reading, never the batch in hand; onAssigned gets the assignment', async () => {
    const topic = uniqueTopic('autocommit-interval')
    await client.createTopic(topic, { partitions: 1 })
    await produce(topic, 0, 0, 20)
    const groupId = uniqueTopic('autocommit-interval-group')
    const assigned: TopicPartition[][] = []
    const c = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', autoCommitIntervalMs: 300, onAssigned: (tps) => void assigned.push(tps) })
    try {
      const first = await nextBatch(c)
      expect(first.nextOffset).toBe(20n)
      await produce(topic, 0, 20, 30)
      // Asking for the next batch finishes the first; the second (20..49) is in hand.
      const second = await nextBatch(c)
      expect(second.fetchOffset).toBe(20n)
      await waitFor('an interval commit', async () => (await committed(groupId, topic)).get(0) !== undefined, 10_000)
      // Several intervals pass with the second batch in hand: the commits stay at its start.
      await new Promise((r) => setTimeout(r, 1_000))
      expect((await committed(groupId, topic)).get(0)).toBe(20n)
      const pending = c.next() // finishes the second batch
      await waitFor('the end committed by the interval', async () => (await committed(groupId, topic)).get(0) === 50n, 10_000)
      expect(assigned).toEqual([[{ topic, partition: 0 }]])
      void pending.catch(() => undefined)
    } finally {
      await c.close()
    }
  })

  it('commits before partitions move to another member, so the new owner reads none of them again', async () => {
    const topic = uniqueTopic('autocommit-move')
    await client.createTopic(topic, { partitions: 2 })
    await produce(topic, 0, 0, 25)
    await produce(topic, 1, 0, 25)
    const groupId = uniqueTopic('autocommit-move-group')
    // No interval commit in this test's time: what B skips was committed by the revocation.
    const opts = { groupId, topics: [topic], autoOffsetReset: 'earliest' as const, autoCommitIntervalMs: 600_000, heartbeatIntervalMs: 300 }
    const a = client.groupConsumer(opts)
    const b = client.groupConsumer(opts)
    const readByA: string[] = []
    const readByB: string[] = []
    try {
      // A reads both partitions to their end and asks for more (every batch finished).
      let pendingA = a.next()
      await waitFor('A read both partitions', async () => {
        const batch = await Promise.race([pendingA, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))])
        if (batch) {
          readByA.push(...batch.records.map((r) => r.value!.toString()))
          pendingA = a.next()
        }
        return readByA.length === 50
      }, 20_000, 0)
      expect(await committed(groupId, topic)).toEqual(new Map())
      // B joins: one partition moves from A to B; A commits it before giving it up.
      await b.start()
      let pendingB = b.next()
      await waitFor('B assigned a partition', () => b.assignment().length === 1, 30_000)
      const moved = b.assignment()[0].partition
      expect((await committed(groupId, topic)).get(moved)).toBe(25n)
      await produce(topic, moved, 25, 5)
      await waitFor('B read the new records', async () => {
        const batch = await Promise.race([pendingB, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))])
        if (batch) {
          readByB.push(...batch.records.map((r) => r.value!.toString()))
          pendingB = b.next()
        }
        return readByB.length >= 5
      }, 20_000, 0)
      expect(readByB.sort()).toEqual([25, 26, 27, 28, 29].map((i) => `p${moved}-${i}`))
      void pendingA.catch(() => undefined)
      void pendingB.catch(() => undefined)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('commits on close what was finished (the batch in hand does not count)', async () => {
    const topic = uniqueTopic('autocommit-close')
    await client.createTopic(topic, { partitions: 1 })
    await produce(topic, 0, 0, 10)
    const groupId = uniqueTopic('autocommit-close-group')
    const c = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', autoCommitIntervalMs: 600_000 })
    await nextBatch(c)
    await produce(topic, 0, 10, 10)
    const inHand = await nextBatch(c) // finishes the first batch
    expect(inHand.fetchOffset).toBe(10n)
    expect(await committed(groupId, topic)).toEqual(new Map())
    await c.close()
    expect((await committed(groupId, topic)).get(0)).toBe(10n)
  })
})
