// consumer.close() while a `for await` loop runs over the consumer, called from the loop body and
// from outside at several points, with both group protocols: the loop always ends normally (no
// ClientClosedError), close() commits what auto-commit would (every finished batch, not the one
// in hand), the member leaves the group, and close() resolves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type GroupConsumer } from '../../src/index.js'
import { bootstrap, hasConsumerGroupProtocol, uniqueTopic } from './helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const PARTITIONS = 3
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Three rounds of records, so that partitions hold several record batches. */
async function produce(topic: string): Promise<number> {
  const producer = client.producer({ lingerMs: 2 })
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 60 }, (_, i) => producer.send({ topic, partition: i % PARTITIONS, value: Buffer.from(`${round}-${i}`) })))
  }
  await producer.close()
  return 180
}

type ClosePoint = 'inside, first batch' | 'inside, after commit()' | 'outside, during a body' | 'outside, while next() waits' | 'outside, before the first assignment'
const POINTS: ClosePoint[] = ['inside, first batch', 'inside, after commit()', 'outside, during a body', 'outside, while next() waits', 'outside, before the first assignment']

/** Runs the loop, closing at `point`; returns the positions after the batches finished before close(). */
async function closeAt(c: GroupConsumer, point: ClosePoint, total: number): Promise<{ finished: Map<number, bigint>; loop: Promise<void>; close: Promise<void> }> {
  const finished = new Map<number, bigint>()
  let closeCalled = false
  let seen = 0
  let close: Promise<void> | undefined
  let reachedBody!: () => void
  const bodyReached = new Promise<void>((r) => (reachedBody = r))
  const loop = (async () => {
    for await (const b of c) {
      seen += b.records.length
      if (point === 'inside, first batch') {
        closeCalled = true
        close = c.close()
        await close
        continue
      }
      if (point === 'outside, during a body' && finished.size > 0) {
        reachedBody()
        await sleep(300) // close() comes meanwhile
      }
      if (!closeCalled) finished.set(b.partition, b.nextOffset)
      if (point === 'inside, after commit()' && finished.size === 2) {
        await c.commit()
        closeCalled = true
        close = c.close()
        await close
      }
    }
  })()
  if (point === 'outside, during a body') {
    await bodyReached
    closeCalled = true
    close = c.close()
  } else if (point === 'outside, while next() waits') {
    while (seen < total) await sleep(50)
    await sleep(300)
    closeCalled = true
    close = c.close()
  } else if (point === 'outside, before the first assignment') {
    closeCalled = true
    close = c.close()
  } else {
    while (close === undefined) await sleep(20)
  }
  return { finished, loop, close }
}

for (const groupProtocol of ['classic', 'consumer'] as const) {
  describe(`GroupConsumer.close() during for await (${groupProtocol} protocol)`, () => {
    for (const point of POINTS) {
      it(`close() ${point}: the loop ends normally, finished batches are committed, the member leaves`, async (ctx) => {
        if (groupProtocol === 'consumer' && !hasConsumerGroupProtocol()) ctx.skip('KIP-848 needs Kafka 4 (Redpanda lacks it)')
        const topic = uniqueTopic('close')
        const groupId = uniqueTopic('g-close')
        await client.createTopic(topic, { partitions: PARTITIONS })
        const total = await produce(topic)
        const opts = { groupId, topics: [topic], groupProtocol, autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 300, sessionTimeoutMs: 30_000 }
        const c = client.groupConsumer(opts)
        const { finished, loop, close } = await closeAt(c, point, total)
        await expect(loop).resolves.toBeUndefined()
        await expect(close).resolves.toBeUndefined()
        await expect(c.close()).resolves.toBeUndefined() // idempotent
        expect(await c.next()).toBeUndefined()

        const committed = await client.admin().listGroupOffsets(groupId)
        for (let p = 0; p < PARTITIONS; p++) {
          const o = committed.find((x) => x.topic === topic && x.partition === p)
          // Before the first assignment nothing may have been assigned, so nothing committed.
          if (point === 'outside, before the first assignment' && o === undefined) continue
          expect(o?.offset, `partition ${p}`).toBe(finished.get(p) ?? 0n)
        }

        // Left the group: nobody is left in it, so a new member gets every partition at once.
        if (groupProtocol === 'classic') {
          const [g] = await client.admin().describeGroups([groupId])
          expect(g!.members).toEqual([])
        }
        const next = client.groupConsumer({ ...opts, heartbeatIntervalMs: 300 })
        await next.start()
        // (KIP-848: the first heartbeat may answer before the assignment; a member that had not
        // left would hold its partitions until its session (45 s) expires.)
        for (let i = 0; i < 150 && next.assignment().length < PARTITIONS; i++) await sleep(100)
        expect(next.assignment()).toHaveLength(PARTITIONS)
        await next.close()
        await client.deleteTopic(topic)
      }, 60_000)
    }
  })
}
