/**
 * Planned leadership moves on a three-node cluster while an idempotent producer writes: a
 * preferred-leader election (admin electLeaders) after changing the preferred replica, and a
 * partition reassignment to another set of brokers (alterPartitionReassignments, followed with
 * listPartitionReassignments). Nothing is lost, duplicated or reordered. Runs on the newest Kafka
 * only (see clusterUnavailableReason).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidArgumentError, KafkaProtocolError, type Client, type Producer } from '../../src/index.js'
import { clusterClient, clusterUnavailableReason, FAILOVER_TOPIC, leaderOf, readPartition, sharedCluster } from './cluster-helpers.js'
import { uniqueTopic } from './helpers.js'

const skip = clusterUnavailableReason()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Keeps sending numbered records round-robin to the partitions until stopped. */
function produceContinuously(producer: Producer, topic: string, partitions: number) {
  const sends: Array<Promise<unknown>> = []
  let n = 0
  let stop = false
  const running = (async () => {
    while (!stop) {
      const i = n++
      sends.push(producer.send({ topic, partition: i % partitions, value: Buffer.from(String(i)) }))
      if (i % 20 === 0) await sleep(10)
    }
  })()
  return {
    async stop(): Promise<number> {
      stop = true
      await running
      await Promise.all(sends)
      return n
    },
  }
}

describe.skipIf(skip !== undefined)('planned leadership moves', () => {
  const cluster = sharedCluster()
  let client: Client
  beforeAll(async () => {
    client = await clusterClient(cluster())
  })
  afterAll(async () => {
    await client?.close()
  })

  async function expectExact(topic: string, partitions: number, n: number): Promise<void> {
    for (let p = 0; p < partitions; p++) {
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % partitions === p)
      expect((await readPartition(client, topic, p, 'read_uncommitted')).map((r) => Number(r.value))).toEqual(expected)
    }
  }

  it('electLeaders moves leadership to the new preferred replica during production', async () => {
    const topic = uniqueTopic('fo-elect')
    const partitions = 2
    await client.createTopic(topic, { partitions, ...FAILOVER_TOPIC })
    const admin = client.admin()
    // Nothing to do while the preferred replica leads.
    const [already] = await admin.electLeaders([{ topic, partition: 0 }])
    expect(already).toMatchObject({ topic, partition: 0 })
    expect(already.error).toBeInstanceOf(KafkaProtocolError)
    expect(already.error!.type).toBe('ELECTION_NOT_NEEDED')

    const producer = client.producer({ lingerMs: 2 })
    const production = produceContinuously(producer, topic, partitions)
    await sleep(500)
    const before = (await client.describeTopic(topic)).partitions[0]
    const target = before.replicas.find((r) => r !== before.leader)!
    // Same replicas, another order: `target` becomes the preferred leader, then the election moves it.
    await admin.alterPartitionReassignments([{ topic, partition: 0, replicas: [target, ...before.replicas.filter((r) => r !== target)] }])
    const t0 = Date.now()
    const results = await admin.electLeaders([{ topic, partition: 0 }])
    expect(results).toEqual([{ topic, partition: 0, error: null }])
    await expect.poll(() => leaderOf(client, topic, 0), { timeout: 10_000 }).toBe(target)
    const movedMs = Date.now() - t0
    await sleep(500)
    const n = await production.stop()
    await producer.close()
    console.log(`[failover] electLeaders: leader of ${topic}-0 moved ${before.leader} -> ${target} in ${movedMs} ms; ${n} records produced`)
    await expectExact(topic, partitions, n)
    await client.deleteTopic(topic)
  }, 90_000)

  it('a partition reassignment to other brokers during production loses nothing; listPartitionReassignments follows it', async () => {
    const topic = uniqueTopic('fo-reassign')
    const partitions = 2
    await client.createTopic(topic, { partitions, replicationFactor: 2, configs: { 'min.insync.replicas': '1' } })
    const admin = client.admin()
    await expect(admin.alterPartitionReassignments([{ topic, partition: 0, replicas: null }])).rejects.toMatchObject({ type: 'NO_REASSIGNMENT_IN_PROGRESS' })
    await expect(admin.alterPartitionReassignments([{ topic, partition: 0, replicas: [1, 1] }])).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(admin.listPartitionReassignments([{ topic, partition: -1 }])).rejects.toBeInstanceOf(InvalidArgumentError)

    const producer = client.producer({ lingerMs: 2 })
    const production = produceContinuously(producer, topic, partitions)
    await sleep(500)
    const before = (await client.describeTopic(topic)).partitions[0]
    const outsider = cluster().nodes.map((n) => n.nodeId).find((id) => !before.replicas.includes(id))!
    // Replace the leader by the broker that had no replica: data is copied there, the old leader leaves.
    const target = [outsider, ...before.replicas.filter((r) => r !== before.leader)]
    const t0 = Date.now()
    await admin.alterPartitionReassignments([{ topic, partition: 0, replicas: target }])
    const ongoing = await admin.listPartitionReassignments([{ topic, partition: 0 }])
    // Either still copying (then it names the brokers coming and going) or already done.
    for (const r of ongoing) expect(r).toMatchObject({ topic, partition: 0, addingReplicas: [outsider], removingReplicas: [before.leader] })
    await expect.poll(async () => (await admin.listPartitionReassignments()).filter((r) => r.topic === topic), { timeout: 30_000 }).toEqual([])
    await expect.poll(async () => (await client.describeTopic(topic)).partitions[0].replicas, { timeout: 30_000 }).toEqual(target)
    const doneMs = Date.now() - t0
    await sleep(500)
    const n = await production.stop()
    await producer.close()
    const after = (await client.describeTopic(topic)).partitions[0]
    expect(target).toContain(after.leader)
    console.log(
      `[failover] reassignment of ${topic}-0 from [${before.replicas}] (leader ${before.leader}) to [${target}] done in ${doneMs} ms ` +
        `(seen in progress: ${ongoing.length > 0}); ${n} records produced`,
    )
    await expectExact(topic, partitions, n)
    await client.deleteTopic(topic)
  }, 90_000)
})
