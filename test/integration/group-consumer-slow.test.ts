// Slow handlers during a rebalance (both group protocols): member A's handler takes longer than the
// session timeout while member B joins. Heartbeats go on while A processes, so A keeps its
// membership (no eviction, no onLost), no partition is processed by two members at once, A's
// commits succeed, and every record is processed exactly once. Past maxPollIntervalMs the member
// leaves on its own and the next call of the iterator throws PollIntervalExceededError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, KafkaProtocolError, PollIntervalExceededError, rangeAssignor, type GroupConsumer, type TopicPartition } from '../../src/index.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { bootstrap, hasConsumerGroupProtocol, uniqueTopic } from './helpers.js'
import { waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const TICK = Symbol('tick')
const PARTITIONS = 4
const RECORDS = 400

async function produce(topic: string, n: number, partitions = PARTITIONS): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, partition: i % partitions, value: `v${i}` })))
  await producer.close()
}

interface Shared {
  /** Times each record (partition:offset) was processed. */
  processed: Map<string, number>
  /** Which member is inside a batch of each partition now. */
  processing: Map<number, string>
  overlaps: string[]
  commitErrors: unknown[]
}

/** Reads and commits batch by batch until every record was processed; `slow` runs inside the first batch. */
async function member(c: GroupConsumer, name: string, shared: Shared, slow?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 100_000
  let pending = c.next()
  while (shared.processed.size < RECORDS && Date.now() < deadline) {
    const b = await Promise.race([pending, sleep(200).then((): typeof TICK => TICK)])
    if (b === TICK) continue
    if (!b) return
    const other = shared.processing.get(b.partition)
    if (other !== undefined && other !== name) shared.overlaps.push(`${name} got partition ${b.partition} while ${other} processed it`)
    shared.processing.set(b.partition, name)
    if (slow) {
      const s = slow
      slow = undefined
      await s()
    }
    for (const r of b.records) shared.processed.set(`${b.partition}:${r.offset}`, (shared.processed.get(`${b.partition}:${r.offset}`) ?? 0) + 1)
    shared.processing.delete(b.partition)
    try {
      await c.commit()
    } catch (err) {
      shared.commitErrors.push(err)
    }
    pending = c.next()
  }
  pending.catch(() => undefined)
}

/**
 * KIP-848 sessions are set by the broker: gives the group an 8 s session and 1 s heartbeats
 * (group configs; brokers this project starts allow them), or, on a broker whose minimums forbid
 * that (45 s and 5 s by default, e.g. KAFKA_CONNECT), keeps its defaults. Returns the session and
 * heartbeat interval in force.
 */
async function shortConsumerSession(groupId: string): Promise<{ sessionMs: number; heartbeatMs: number }> {
  const set = (name: string, value: number) => ({ op: 'set' as const, name, value: String(value) })
  try {
    await client.admin().incrementalAlterConfigs([
      { type: 'group', name: groupId, ops: [set('consumer.session.timeout.ms', 8_000), set('consumer.heartbeat.interval.ms', 1_000)] },
    ])
    // The test proves nothing if the member's session were longer than its slow batch. The
    // broker answers the alter once the controller has the change and applies it to its own
    // metadata a moment later: wait until it describes (and so its coordinator uses) the new value.
    await waitFor('the group config to apply', async () => {
      const [config] = await client.admin().describeConfigs([{ type: 'group', name: groupId }], { keys: ['consumer.session.timeout.ms'] })
      return config!.configs.find((c) => c.name === 'consumer.session.timeout.ms')?.value === '8000'
    })
    return { sessionMs: 8_000, heartbeatMs: 1_000 }
  } catch (err) {
    if (!(err instanceof KafkaProtocolError && err.code === ErrorCode.INVALID_CONFIG)) throw err
    return { sessionMs: 45_000, heartbeatMs: 5_000 }
  }
}

const VARIANTS = [
  { groupProtocol: 'classic', eager: false },
  // Eager: revocation of everything before the join, while the caller holds its batch.
  { groupProtocol: 'classic', eager: true },
  { groupProtocol: 'consumer', eager: false },
] as const

for (const { groupProtocol, eager } of VARIANTS) {
  describe(`GroupConsumer with a slow handler (${groupProtocol} protocol${eager ? ', eager assignor' : ''})`, () => {
    it('a batch slower than the session timeout while another member joins costs no membership; nothing is processed twice', async (ctx) => {
      if (groupProtocol === 'consumer' && !hasConsumerGroupProtocol()) ctx.skip('KIP-848 needs Kafka 4 (Redpanda lacks it)')
      const topic = uniqueTopic('slow')
      const groupId = uniqueTopic('g-slow')
      const { sessionMs, heartbeatMs } = groupProtocol === 'classic' ? { sessionMs: 6_000, heartbeatMs: 500 } : await shortConsumerSession(groupId)
      await client.createTopic(topic, { partitions: PARTITIONS })
      await produce(topic, RECORDS)
      const lostA: TopicPartition[][] = []
      const revokedA: TopicPartition[][] = []
      const opts = {
        groupId,
        topics: [topic],
        groupProtocol,
        autoOffsetReset: 'earliest' as const,
        // Commits only after processing (an auto-commit would also count as a heartbeat in classic groups).
        autoCommit: false,
        ...(groupProtocol === 'classic' ? { sessionTimeoutMs: sessionMs, heartbeatIntervalMs: heartbeatMs } : {}),
        ...(eager ? { assignors: [rangeAssignor] } : {}),
      }
      const a = client.groupConsumer({ ...opts, onLost: (tps) => void lostA.push(tps), onRevoked: (tps) => void revokedA.push(tps) })
      const b = client.groupConsumer(opts)
      const shared: Shared = { processed: new Map(), processing: new Map(), overlaps: [], commitErrors: [] }
      await a.start()
      for (let i = 0; i < 100 && a.assignment().length < PARTITIONS; i++) await sleep(100)
      const memberA = a.groupMetadata().memberId
      let joinB: Promise<void> | undefined
      const runA = member(a, 'A', shared, async () => {
        // B joins while A is busy with this batch for longer than a session.
        joinB = b.start().then(() => member(b, 'B', shared))
        // Longer than a session after A's last heartbeat before the batch.
        await sleep(sessionMs + Math.max(3_000, 2 * heartbeatMs))
      })
      await runA
      await joinB
      expect(shared.overlaps).toEqual([])
      expect(shared.commitErrors).toEqual([])
      expect(lostA).toEqual([])
      expect(a.groupMetadata().memberId).toBe(memberA)
      expect(shared.processed.size).toBe(RECORDS)
      expect([...shared.processed.values()].every((n) => n === 1)).toBe(true)
      // Only the partitions that moved to B were revoked (after A finished its batch; eager: all of
      // them, once); A kept the rest.
      for (let i = 0; i < 100 && !(a.assignment().length === 2 && b.assignment().length === 2); i++) await sleep(100)
      expect(revokedA.flat()).toHaveLength(eager ? PARTITIONS : 2)
      expect(a.assignment()).toHaveLength(2)
      expect(b.assignment()).toHaveLength(2)
      await Promise.all([a.close(), b.close()])
      await client.deleteTopic(topic)
    }, 120_000)
  })
}

describe('GroupConsumer maxPollIntervalMs', () => {
  it('a caller holding a batch past maxPollIntervalMs leaves the group (onLost), then next() throws PollIntervalExceededError, then joins again', async () => {
    const topic = uniqueTopic('poll')
    const groupId = uniqueTopic('g-poll')
    await client.createTopic(topic, { partitions: 2 })
    await produce(topic, 20, 2)
    const lost: TopicPartition[][] = []
    const revoked: TopicPartition[][] = []
    const c = client.groupConsumer({
      groupId,
      topics: [topic],
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 300,
      maxPollIntervalMs: 1_000,
      onLost: (tps) => void lost.push(tps),
      onRevoked: (tps) => void revoked.push(tps),
    })
    const first = await c.next()
    expect(first).toBeDefined()
    const admin = client.admin()
    // Hold the batch: the member leaves on its own, its partitions are lost (not revoked).
    for (let i = 0; i < 100 && lost.length === 0; i++) await sleep(100)
    expect(lost.flat()).toHaveLength(2)
    expect(revoked).toEqual([])
    expect(c.assignment()).toEqual([])
    for (let i = 0; i < 50; i++) {
      const [g] = await admin.describeGroups([groupId])
      if (g!.members.length === 0) break
      await sleep(100)
    }
    expect((await admin.describeGroups([groupId]))[0]!.members).toEqual([])
    // Nothing of the held batch was committed.
    expect(await admin.listGroupOffsets(groupId)).toEqual([])
    await expect(c.next()).rejects.toBeInstanceOf(PollIntervalExceededError)
    // The next call joins again and reads from the last commit (nothing): the held records come again.
    const again = await c.next()
    expect(again?.records[0]?.offset).toBe(0n)
    await c.close()
    await client.deleteTopic(topic)
  }, 60_000)
})
