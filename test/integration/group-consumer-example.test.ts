// examples/group-consumer.ts run as a child process (node + tsx loader) and stopped with Ctrl-C
// (SIGINT), as a user would: it leaves its group, so the next member gets the partitions at once
// rather than after the session timeout (45 s), and Ctrl-C while it waits in a join stops it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { startExample, type RunningExample } from './run-example.js'

const SESSION_TIMEOUT_MS = 45_000 // the example's (the default)

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

type Example = RunningExample

function runExample(topic: string, groupId: string): Example {
  return startExample('group-consumer.ts', [topic, groupId], { KAFKA_CONNECT: bootstrap() })
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('examples/group-consumer.ts on Ctrl-C', () => {
  it('leaves the group: a second member gets every partition at once', async () => {
    const topic = uniqueTopic('ex-grp')
    const groupId = uniqueTopic('ex-g')
    await client.createTopic(topic, { partitions: 3 })
    const producer = client.producer()
    await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send({ topic, partition: i % 3, value: `v${i}` })))
    await producer.close()

    const ex = runExample(topic, groupId)
    await until('the example to print its records', () => (ex.output().match(/@\d+: v/g) ?? []).length >= 30)
    ex.child.kill('SIGINT')
    const exit = await ex.exited
    expect(exit, ex.output()).toEqual({ code: 0, signal: null })
    expect(ex.output()).toContain('SIGINT: leaving the group')

    const [g] = await client.admin().describeGroups([groupId])
    expect(g!.members).toEqual([])
    const offsets = await client.admin().listGroupOffsets(groupId)
    expect(offsets.map((o) => o.offset)).toEqual([10n, 10n, 10n])

    const t0 = Date.now()
    const next = client.groupConsumer({ groupId, topics: [topic] })
    await next.start()
    expect(next.assignment()).toHaveLength(3)
    // A member that had not left would keep the join waiting for its session timeout.
    expect(Date.now() - t0).toBeLessThan(SESSION_TIMEOUT_MS / 3)
    await next.close()
    await client.deleteTopic(topic)
  }, 60_000)

  it('Ctrl-C while the join waits for a dead member stops it at once (and it leaves)', async () => {
    const topic = uniqueTopic('ex-wait')
    const groupId = uniqueTopic('ex-gw')
    await client.createTopic(topic, { partitions: 2 })
    // A member killed without leaving: the group waits for it until its session times out.
    const dead = runExample(topic, groupId)
    await until('the first example to be assigned', () => dead.output().includes('assigned'))
    dead.child.kill('SIGKILL')
    await dead.exited

    const waiting = runExample(topic, groupId)
    const admin = client.admin()
    await until('the second example to wait in its join', async () => {
      const [g] = await admin.describeGroups([groupId])
      return g!.state === 'PreparingRebalance'
    })
    await new Promise((r) => setTimeout(r, 500))
    waiting.child.kill('SIGINT')
    const exit = await waiting.exited
    expect(exit, waiting.output()).toEqual({ code: 0, signal: null })
    expect(waiting.output()).not.toContain('assigned [')
    // Still before the dead member's session expired (it is still listed), and the waiting member
    // left instead of being dropped later by the broker.
    const [g] = await admin.describeGroups([groupId])
    expect(g!.members).toHaveLength(1)
    await client.deleteTopic(topic)
  }, 60_000)

  it('a second Ctrl-C exits at once', async () => {
    const topic = uniqueTopic('ex-twice')
    const groupId = uniqueTopic('ex-gt')
    await client.createTopic(topic, { partitions: 1 })
    const dead = runExample(topic, groupId)
    await until('the first example to be assigned', () => dead.output().includes('assigned'))
    dead.child.kill('SIGKILL')
    await dead.exited
    const waiting = runExample(topic, groupId)
    const admin = client.admin()
    await until('the second example to wait in its join', async () => (await admin.describeGroups([groupId]))[0]!.state === 'PreparingRebalance')
    waiting.child.kill('SIGINT')
    waiting.child.kill('SIGINT')
    const exit = await waiting.exited
    // 130 when the second signal came before the first close finished, 0 otherwise; never a hang.
    expect([0, 130], waiting.output()).toContain(exit.code)
    expect(waiting.output()).not.toContain('assigned [')
    await client.deleteTopic(topic)
  }, 60_000)
})
