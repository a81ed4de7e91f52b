/**
 * An ETL chain in the spirit of franz-go's: keyed records flow through three
 * chained consumer groups (input -> t1 -> t2 -> output), each stage consuming,
 * re-producing and committing, while members join and leave mid-run. At the
 * end every key 0..N-1 has reached the output (at-least-once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type GroupConsumer, type TransactionalProducer } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { waitFor as waitUntil } from './streams-helpers.js'

const N = Number(process.env.ETL_RECORDS ?? 200_000)
const PARTITIONS = 4

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const TICK = Symbol('tick')

/** One member of one stage: consume `from`, produce to `to`, commit after each batch is acknowledged. */
function startMember(groupId: string, from: string, to: string): { stop: () => Promise<void>; consumer: GroupConsumer; everAssigned: Set<number> } {
  const everAssigned = new Set<number>()
  const consumer = client.groupConsumer({
    groupId,
    topics: [from],
    autoOffsetReset: 'earliest',
    heartbeatIntervalMs: 300,
    sessionTimeoutMs: 10_000,
    onAssigned: (tps) => tps.forEach((tp) => everAssigned.add(tp.partition)),
  })
  const producer = client.producer({ lingerMs: 5 })
  let stopping = false
  const loop = (async () => {
    let pending = consumer.next()
    while (!stopping) {
      const b = await Promise.race([pending, new Promise<typeof TICK>((r) => setTimeout(() => r(TICK), 200))])
      if (b === TICK) continue
      if (!b) return
      await Promise.all(b.records.map((r) => producer.send({ topic: to, key: r.key, value: r.value })))
      await consumer.commit().catch(() => undefined) // a rebalance may refuse it: those records are redone
      pending = consumer.next()
    }
  })()
  return {
    consumer,
    everAssigned,
    stop: async () => {
      stopping = true
      await loop
      await consumer.close()
      await producer.close()
    },
  }
}

describe('ETL chain through three consumer groups', () => {
  it(`moves ${N} keyed records through three stages while members join and leave`, async () => {
    const topics = [uniqueTopic('etl-in'), uniqueTopic('etl-1'), uniqueTopic('etl-2'), uniqueTopic('etl-out')]
    for (const t of topics) await client.createTopic(t, { partitions: PARTITIONS })
    const groups = [uniqueTopic('etl-g1'), uniqueTopic('etl-g2'), uniqueTopic('etl-g3')]

    // Input: keys 0..N-1, in phases, each produced after a membership change (so records flow
    // through every changed membership, however fast the chain is).
    const input = client.producer({ lingerMs: 5 })
    const CHUNK = 20_000
    const produceInput = async (fromFraction: number, toFraction: number) => {
      const to = Math.floor(N * toFraction)
      for (let i = Math.floor(N * fromFraction); i < to; i += CHUNK) {
        await input.sendBatch(
          Array.from({ length: Math.min(CHUNK, to - i) }, (_, j) => ({ topic: topics[0], key: Buffer.from(String(i + j)), value: Buffer.from(`v${i + j}`) })),
        )
      }
    }
    await produceInput(0, 0.4)

    const stage = (i: number) => startMember(groups[i], topics[i], topics[i + 1])
    const members = [[stage(0)], [stage(1)], [stage(2)]]

    // Watch the output: the set of keys that arrived.
    const seen = new Set<string>()
    let delivered = 0
    const watchers = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => client.partitionClient(topics[3], p)))
    const ac = new AbortController()
    const watching = Promise.all(
      watchers.map(async (pc) => {
        for await (const b of pc.consume({ from: 'earliest', signal: ac.signal, maxWaitMs: 200 })) {
          for (const r of b.records) {
            seen.add(r.key!.toString())
            delivered++
          }
        }
      }),
    )
    // Each wait fails on its own, with what arrived, well inside the test's timeout.
    const waitFor = (fraction: number, ms: number) =>
      waitUntil(`${Math.ceil(N * fraction)} of ${N} keys at the end of the chain (${seen.size} when it began)`, () => seen.size >= N * fraction, ms)

    // Every member that ever ran.
    const everyMember = members.flat()
    const join = () => {
      for (const s of [0, 1, 2]) {
        const m = stage(s)
        members[s].push(m)
        everyMember.push(m)
      }
    }
    try {
      await waitFor(0.2, 90_000)
      join() // a second member joins every stage
      await produceInput(0.4, 0.7)
      await waitFor(0.5, 90_000)
      for (const s of [0, 1, 2]) await members[s].shift()!.stop() // the first member leaves
      // The one left in each stage takes over the leaver's partitions.
      await waitUntil('every member assigned: members.every((ms) => ms[0].consumer.assignment().length === PARTITIONS)', () => members.every((ms) => ms[0].consumer.assignment().length === PARTITIONS), 30000)
      expect(members.map((ms) => ms[0].consumer.assignment().length), 'partitions held by the member left in each stage').toEqual([PARTITIONS, PARTITIONS, PARTITIONS])
      await produceInput(0.7, 0.85)
      await waitFor(0.7, 90_000)
      join() // and another joins
      await produceInput(0.85, 1)
      await input.close()
      await waitFor(1, 240_000)
    } finally {
      await input.close()
      for (const ms of members) for (const m of ms) await m.stop()
      ac.abort()
      await watching
    }

    // Every member that joined took part (was given partitions).
    expect(everyMember).toHaveLength(9)
    expect(everyMember.map((m) => m.everAssigned.size > 0), 'members that were ever assigned a partition').toEqual(everyMember.map(() => true))
    const missing = []
    for (let i = 0; i < N && missing.length < 10; i++) if (!seen.has(String(i))) missing.push(i)
    expect(missing).toEqual([])
    expect(seen.size).toBe(N)
    // At-least-once: duplicates are possible around rebalances, loss is not.
    expect(delivered).toBeGreaterThanOrEqual(N)
    console.log(`ETL chain: ${N} keys delivered, ${delivered - N} duplicates from rebalances`)
    for (const t of topics) await client.deleteTopic(t)
  }, 600_000)

  it('transactional variant: each stage commits its outputs and input offsets in one transaction; nothing is processed twice', async () => {
    const n = Math.min(N, Number(process.env.ETL_TXN_RECORDS ?? 30_000))
    const topics = [uniqueTopic('etx-in'), uniqueTopic('etx-1'), uniqueTopic('etx-2'), uniqueTopic('etx-out')]
    for (const t of topics) await client.createTopic(t, { partitions: PARTITIONS })
    const groups = [uniqueTopic('etx-g1'), uniqueTopic('etx-g2'), uniqueTopic('etx-g3')]
    const input = client.producer({ lingerMs: 5 })
    await input.sendBatch(Array.from({ length: n }, (_, i) => ({ topic: topics[0], key: Buffer.from(String(i)), value: Buffer.from(`v${i}`) })))
    await input.close()

    // Per stage: every (partition, offset) whose processing was committed.
    const committed = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()]
    let aborted = 0
    let memberSeq = 0
    const startTxnMember = (s: number) => {
      const consumer = client.groupConsumer({
        groupId: groups[s],
        topics: [topics[s]],
        autoOffsetReset: 'earliest',
        autoCommit: false,
        isolationLevel: 'read_committed',
        heartbeatIntervalMs: 300,
        sessionTimeoutMs: 10_000,
      })
      const producer: TransactionalProducer = client.transactionalProducer({ transactionalId: `${groups[s]}-m${memberSeq++}`, lingerMs: 2 })
      let stopping = false
      const loop = (async () => {
        await producer.init()
        let pending = consumer.next()
        while (!stopping) {
          const b = await Promise.race([pending, new Promise<typeof TICK>((r) => setTimeout(() => r(TICK), 200))])
          if (b === TICK) continue
          if (!b) return
          producer.begin()
          try {
            for (const r of b.records) void producer.send({ topic: topics[s + 1], key: r.key, value: r.value }).catch(() => undefined)
            await producer.sendOffsets([{ topic: b.topic, partition: b.partition, offset: b.nextOffset }], consumer.groupMetadata())
            await producer.commit()
            for (const r of b.records) {
              const k = `${b.partition}@${r.offset}`
              committed[s].set(k, (committed[s].get(k) ?? 0) + 1)
            }
          } catch {
            // Fenced by a rebalance (stale generation) or a failed send: abort and re-read from the last commit.
            aborted++
            await producer.abort().catch(() => producer.init())
            if (consumer.assignment().some((tp) => tp.topic === b.topic && tp.partition === b.partition)) {
              consumer.seek(b.topic, b.partition, b.records[0].offset)
            }
          }
          pending = consumer.next()
        }
      })()
      return {
        stop: async () => {
          stopping = true
          await loop
          await consumer.close()
          await producer.close()
        },
      }
    }

    const seen = new Map<string, number>()
    const watchers = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => client.partitionClient(topics[3], p)))
    const ac = new AbortController()
    const watching = Promise.all(
      watchers.map(async (pc) => {
        for await (const b of pc.consume({ from: 'earliest', signal: ac.signal, maxWaitMs: 200, isolationLevel: 'read_committed' })) {
          for (const r of b.records) seen.set(r.key!.toString(), (seen.get(r.key!.toString()) ?? 0) + 1)
        }
      }),
    )
    // Each wait fails on its own, with what arrived, well inside the test's timeout.
    const waitFor = (fraction: number, ms: number) =>
      waitUntil(`${Math.ceil(n * fraction)} of ${n} keys at the end of the chain (${seen.size} when it began)`, () => seen.size >= n * fraction, ms)
    const members = [[startTxnMember(0)], [startTxnMember(1)], [startTxnMember(2)]]
    try {
      await waitFor(0.3, 90_000)
      for (const s of [0, 1, 2]) members[s].push(startTxnMember(s)) // members join mid-run
      await waitFor(0.6, 90_000)
      for (const s of [0, 1, 2]) await members[s].shift()!.stop() // and the first ones leave
      await waitFor(1, 180_000)
      // A moment more for a duplicate to show up, if any: the check below is for none.
      await new Promise((r) => setTimeout(r, 500))
    } finally {
      for (const ms of members) for (const m of ms) await m.stop()
      ac.abort()
      await watching
    }
    // Every key arrived exactly once at the end of the chain (read_committed).
    expect(seen.size).toBe(n)
    expect([...seen.values()].filter((c) => c !== 1)).toEqual([])
    // No (partition, offset) was processed-and-committed twice by any stage.
    for (const m of committed) {
      expect(m.size).toBe(n)
      expect([...m.values()].filter((c) => c !== 1)).toEqual([])
    }
    console.log(`transactional ETL chain: ${n} keys exactly once; ${aborted} transactions aborted around rebalances`)
    for (const t of topics) await client.deleteTopic(t)
  }, 600_000)
})
