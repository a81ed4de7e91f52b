import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, rangeAssignor, type GroupConsumer, type TopicPartition } from '../../src/index.js'
import { UnsupportedVersionError } from '../../src/index.js'
import { bootstrap, hasConsumerGroupProtocol, uniqueTopic } from './helpers.js'
import { waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

async function produceKeyed(topic: string, n: number, from = 0): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, key: Buffer.from(`k${from + i}`), value: Buffer.from(String(from + i)) })))
  await producer.close()
}

const TICK = Symbol('tick')

/** Reads (committing after each batch) until `done` says stop, counting values. */
async function drain(c: GroupConsumer, seen: Map<string, number>, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let pending = c.next()
  while (!done() && Date.now() < deadline) {
    // Keep the same next() across ticks so no batch is ever dropped.
    const b = await Promise.race([pending, new Promise<typeof TICK>((r) => setTimeout(() => r(TICK), 200))])
    if (b === TICK) continue
    if (!b) return
    for (const r of b.records) seen.set(r.value!.toString(), (seen.get(r.value!.toString()) ?? 0) + 1)
    await c.commit()
    pending = c.next()
  }
}

const fmt = (tps: TopicPartition[]) => tps.map((t) => `${t.topic}-${t.partition}`).sort()

describe('GroupConsumer (classic protocol)', () => {
  it('two members split the partitions and together read every record once', async () => {
    const topic = uniqueTopic('grp')
    const groupId = uniqueTopic('g')
    await client.createTopic(topic, { partitions: 4 })
    await produceKeyed(topic, 2000)
    const a = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000 })
    const b = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000 })
    await Promise.all([a.start(), b.start()])
    // Wait for a stable split (cooperative rebalancing may take two rounds).
    await waitFor('the assignment to settle: a.assignment().length === 2 && b.assignment().length === 2', () => a.assignment().length === 2 && b.assignment().length === 2, 10000)
    const seen = new Map<string, number>()
    const total = () => seen.size >= 2000
    await Promise.all([drain(a, seen, total), drain(b, seen, total)])
    expect(seen.size).toBe(2000)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    const all = [...fmt(a.assignment()), ...fmt(b.assignment())]
    expect(all.sort()).toEqual([0, 1, 2, 3].map((p) => `${topic}-${p}`).sort())
    expect(a.assignment().length).toBe(2)
    await Promise.all([a.close(), b.close()])
    await client.deleteTopic(topic)
  }, 90_000)

  it('resumes from committed offsets after a restart', async () => {
    const topic = uniqueTopic('grp-commit')
    const groupId = uniqueTopic('g')
    await client.createTopic(topic, { partitions: 2 })
    await produceKeyed(topic, 500)
    const seen = new Map<string, number>()
    const first = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
    await drain(first, seen, () => seen.size >= 500)
    await first.close()
    expect(seen.size).toBe(500)
    await produceKeyed(topic, 100, 500)
    const second = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
    const seen2 = new Map<string, number>()
    await drain(second, seen2, () => seen2.size >= 100)
    await second.close()
    // Only the new records: nothing committed before the restart is read again.
    expect([...seen2.keys()].map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => 500 + i))
    await client.deleteTopic(topic)
  }, 90_000)

  it('cooperative rebalancing revokes only the partitions that move', async () => {
    const topic = uniqueTopic('grp-coop')
    const groupId = uniqueTopic('g')
    await client.createTopic(topic, { partitions: 6 })
    const revokedA: TopicPartition[][] = []
    const a = client.groupConsumer({ groupId, topics: [topic], heartbeatIntervalMs: 300, onRevoked: (tps) => void revokedA.push(tps) })
    await a.start()
    expect(a.assignment()).toHaveLength(6)
    const b = client.groupConsumer({ groupId, topics: [topic], heartbeatIntervalMs: 300 })
    await b.start()
    await waitFor('b to get 3 partitions', () => b.assignment().length >= 3, 10000)
    expect(a.assignment()).toHaveLength(3)
    expect(b.assignment()).toHaveLength(3)
    // a gave up exactly the three partitions b now has, in one revocation, and kept the rest.
    expect(revokedA).toHaveLength(1)
    expect(fmt(revokedA[0])).toEqual(fmt(b.assignment()))
    await Promise.all([a.close(), b.close()])
    await client.deleteTopic(topic)
  }, 60_000)

  it('eager assignors revoke everything before reassigning; range splits like the Java client', async () => {
    const topic = uniqueTopic('grp-range')
    const groupId = uniqueTopic('g')
    await client.createTopic(topic, { partitions: 3 })
    // a's callbacks in order: what it was given, what it gave up, what it was given again.
    const eventsA: string[] = []
    const a = client.groupConsumer({
      groupId,
      topics: [topic],
      assignors: [rangeAssignor],
      heartbeatIntervalMs: 300,
      onAssigned: (tps) => void eventsA.push(`assigned ${fmt(tps).join(',')}`),
      onRevoked: (tps) => void eventsA.push(`revoked ${fmt(tps).join(',')}`),
    })
    await a.start()
    const all = fmt([0, 1, 2].map((partition) => ({ topic, partition })))
    expect(fmt(a.assignment()), 'a alone holds every partition before b joins').toEqual(all)
    const b = client.groupConsumer({ groupId, topics: [topic], assignors: [rangeAssignor], heartbeatIntervalMs: 300 })
    await b.start()
    // Settled: both hold partitions and a's callbacks (which run after its assignment changes) have run.
    await waitFor('the assignment to settle: a.assignment().length + b.assignment().length === 3 && eventsA.length >= 3', () => a.assignment().length + b.assignment().length === 3 && eventsA.length >= 3, 10000)
    const counts = [a.assignment().length, b.assignment().length].sort()
    expect(counts).toEqual([1, 2])
    // Eager: a gave up all three partitions (even the ones it keeps) before it was assigned its share.
    expect(eventsA).toEqual([`assigned ${all.join(',')}`, `revoked ${all.join(',')}`, `assigned ${fmt(a.assignment()).join(',')}`])
    await Promise.all([a.close(), b.close()])
    await client.deleteTopic(topic)
  }, 60_000)

  it('a paused partition yields nothing until resumed', async () => {
    const topic = uniqueTopic('grp-pause')
    const groupId = uniqueTopic('g')
    await client.createTopic(topic, { partitions: 2 })
    const producer = client.producer({ lingerMs: 2 })
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => producer.send({ topic, partition: i % 2, key: null, value: Buffer.from(`p${i % 2}-${i}`) })),
    )
    await producer.close()
    const c = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
    await c.start()
    expect(c.assignment()).toHaveLength(2)
    c.pause([{ topic, partition: 0 }])
    // Both partitions have records from the start; while 0 is paused only 1's come, all of them.
    const delivered: string[] = []
    while (delivered.filter((v) => v.startsWith('p1-')).length < 100) {
      const b = await c.next()
      delivered.push(...b!.records.map((r) => r.value!.toString()))
    }
    expect(delivered.filter((v) => v.startsWith('p0-')), 'records of the paused partition').toEqual([])
    expect(delivered).toHaveLength(100)
    c.resume([{ topic, partition: 0 }])
    const resumed: string[] = []
    while (resumed.length < 100) {
      const b = await c.next()
      expect(b!.partition).toBe(0)
      resumed.push(...b!.records.map((r) => r.value!.toString()))
    }
    expect(resumed).toEqual(Array.from({ length: 100 }, (_, i) => `p0-${2 * i}`))
    await c.close()
    await client.deleteTopic(topic)
  }, 60_000)

  it('static members keep their assignment across a restart without a rebalance', async () => {
    const topic = uniqueTopic('grp-static')
    const groupId = uniqueTopic('g')
    await client.createTopic(topic, { partitions: 4 })
    const mk = (id: string) => client.groupConsumer({ groupId, topics: [topic], groupInstanceId: id, heartbeatIntervalMs: 300, sessionTimeoutMs: 30_000 })
    const a = mk('instance-a')
    const b = mk('instance-b')
    await Promise.all([a.start(), b.start()])
    // Settled: two each (a total of 4 alone can be one member holding everything before the other joined).
    await waitFor('the assignment to settle: a.assignment().length === 2 && b.assignment().length === 2', () => a.assignment().length === 2 && b.assignment().length === 2, 10000)
    expect(a.assignment()).toHaveLength(2)
    const before = fmt(a.assignment())
    const generation = b.groupMetadata().generationId
    await a.close() // static: no LeaveGroup
    const a2 = mk('instance-a')
    await a2.start()
    expect(fmt(a2.assignment())).toEqual(before)
    // A rejoin that rebalanced would have moved the group out of Stable when a2's JoinGroup
    // arrived (the coordinator changes state at once), and bumped the generation.
    const [described] = await client.admin().describeGroups([groupId])
    expect(described.state).toBe('Stable')
    expect(described.members).toHaveLength(2)
    expect(a2.groupMetadata().generationId).toBe(generation)
    expect(b.groupMetadata().generationId).toBe(generation)
    await Promise.all([a2.close(), b.close()])
    await client.deleteTopic(topic)
  }, 60_000)

  it('seek, pause and resume', async () => {
    const topic = uniqueTopic('grp-seek')
    const groupId = uniqueTopic('g')
    await client.createTopic(topic, { partitions: 1 })
    await produceKeyed(topic, 100)
    const c = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
    await c.start()
    c.seek(topic, 0, 90n)
    const first = await c.next()
    expect(first!.records[0].offset).toBe(90n)
    c.pause([{ topic, partition: 0 }])
    c.seek(topic, 0, 10n)
    c.resume([{ topic, partition: 0 }])
    const again = await c.next()
    expect(again!.records[0].offset).toBe(10n)
    expect(() => c.seek('other', 0, 1n)).toThrow(/not assigned/)
    // Seeking while holding a batch: the batch no longer counts as consumed, the sought position is committed.
    c.seek(topic, 0, 50n)
    await c.commit()
    await c.close()
    const d = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
    expect((await d.next())!.records[0].offset).toBe(50n)
    await d.close()
    await client.deleteTopic(topic)
  }, 60_000)

  it('KIP-848 consumer protocol: the broker assigns, members split and read everything (Kafka 4.x); a clear error on brokers without it', async () => {
    const topic = uniqueTopic('grp-848')
    const groupId = uniqueTopic('g848')
    await client.createTopic(topic, { partitions: 4 })
    const opts = { groupId, topics: [topic], groupProtocol: 'consumer' as const, autoOffsetReset: 'earliest' as const }
    if (!hasConsumerGroupProtocol()) {
      const c = client.groupConsumer(opts)
      await expect(c.start()).rejects.toBeInstanceOf(UnsupportedVersionError)
      await c.close()
      await client.deleteTopic(topic)
      return
    }
    await produceKeyed(topic, 1000)
    const a = client.groupConsumer(opts)
    await a.start()
    const b = client.groupConsumer(opts)
    await b.start()
    await waitFor('the assignment to settle: a.assignment().length === 2 && b.assignment().length === 2', () => a.assignment().length === 2 && b.assignment().length === 2, 10000)
    expect([...fmt(a.assignment()), ...fmt(b.assignment())].sort()).toEqual([0, 1, 2, 3].map((p) => `${topic}-${p}`).sort())
    const seen = new Map<string, number>()
    const total = () => seen.size >= 1000
    await Promise.all([drain(a, seen, total), drain(b, seen, total)])
    expect(seen.size).toBe(1000)
    await Promise.all([a.close(), b.close()])
    // Offsets were committed with the member epoch: a new member starts after them.
    await produceKeyed(topic, 10, 1000)
    const c = client.groupConsumer(opts)
    const seen2 = new Map<string, number>()
    await drain(c, seen2, () => seen2.size >= 10)
    await c.close()
    expect([...seen2.keys()].map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + i))
    await client.deleteTopic(topic)
  }, 90_000)
})
