/**
 * Failover on a three-node cluster (topics with replication factor 3, min.insync.replicas=2):
 * the leader of the partitions in use is killed with SIGKILL and restarted while an idempotent
 * producer (acks=all) writes and a group consumer reads the same topic. Nothing acknowledged is
 * lost, nothing is duplicated, each partition keeps its order, and the consumer neither skips nor
 * re-reads past its commits. The killed node is also the group coordinator's broker, so the
 * consumer's commits must find the new coordinator. Producer and consumer share one kill: a restart costs most of the
 * time of a failover test. Runs on the newest Kafka only (see clusterUnavailableReason).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '../../src/index.js'
import {
  clusterClient,
  clusterUnavailableReason,
  FAILOVER_TOPIC,
  groupCoordinatorNode,
  killAndRestart,
  moveLeader,
  readPartition,
  sharedCluster,
  waitForFullIsr,
} from './cluster-helpers.js'
import { uniqueTopic } from './helpers.js'
import { waitFor } from './streams-helpers.js'

const skip = clusterUnavailableReason()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(skip !== undefined)('failover: producer and group consumer', () => {
  const cluster = sharedCluster()
  let client: Client
  beforeAll(async () => {
    client = await clusterClient(cluster())
  })
  afterAll(async () => {
    await client?.close()
  })

  it('an idempotent acks=all producer loses, duplicates and reorders nothing, and a group consumer of its topic neither loses nor skips, when the leader and group coordinator is killed', async () => {
    const topic = uniqueTopic('fo-idem')
    const groupId = uniqueTopic('fo-group')
    const partitions = 3
    await client.createTopic(topic, { partitions, ...FAILOVER_TOPIC })
    // The victim leads partition 0 and coordinates the group.
    const victim = await groupCoordinatorNode(client, groupId)
    await moveLeader(client, topic, 0, victim)

    // The producer: numbered records round-robin over the partitions, about 2,000 a second.
    const producer = client.producer({ lingerMs: 2, acks: -1 })
    const sends: Array<Promise<unknown>> = []
    const ackTimes: number[] = []
    let n = 0
    let producing = true
    const production = (async () => {
      while (producing) {
        const i = n++
        sends.push(producer.send({ topic, partition: i % partitions, value: Buffer.from(String(i)) }).then(() => ackTimes.push(Date.now())))
        if (i % 20 === 0) await sleep(10)
      }
    })()

    // The consumer: commits after every batch.
    const consumer = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', autoCommit: false, heartbeatIntervalMs: 500 })
    await consumer.start()
    const seen = new Map<number, number[]>()
    let consumed = 0
    let lastBatchAt = Date.now()
    let longestBatchGap = 0
    let consuming = true
    const consumption = (async () => {
      while (consuming || consumed < n) {
        const b = await consumer.next()
        if (!b) break
        const now = Date.now()
        longestBatchGap = Math.max(longestBatchGap, now - lastBatchAt)
        lastBatchAt = now
        const list = seen.get(b.partition) ?? []
        for (const r of b.records) list.push(Number(r.value!.toString()))
        seen.set(b.partition, list)
        consumed += b.records.length
        await consumer.commit()
      }
    })()
    let consumptionEnded = false
    const ended = () => {
      consumptionEnded = true
    }
    consumption.then(ended, ended)

    await waitFor('the consumer under way', () => consumed >= 300, 30_000)
    const killedAt = Date.now()
    const failover = await killAndRestart(cluster(), client, victim, { watch: { topic, partition: 0 }, downMs: 1000 })
    await sleep(1500)
    producing = false
    await production
    const stoppedAt = Date.now()
    console.log(`[failover] producing stopped; waiting for ${sends.length - ackTimes.length} of ${sends.length} acknowledgements`)
    await Promise.all(sends)
    await producer.close()
    const drainMs = Date.now() - stoppedAt
    consuming = false
    // A consumer that read the last record before `consuming` was cleared waits in next() for
    // records that never come: once it has every record, closing it ends that wait.
    await Promise.race([consumption, waitFor('every record consumed', () => consumed >= n || consumptionEnded, 90_000)])
    await consumer.close()
    await consumption
    const longestAckGap = ackTimes.reduce((gap, t, i) => (i === 0 ? 0 : Math.max(gap, t - ackTimes[i - 1])), 0)
    console.log(
      `[failover] producer and group consumer, node ${victim} killed: ${n} records produced, ${consumed} consumed; leader moved after ` +
        `${failover.leaderMovedMs} ms, node back after ${failover.restartMs} ms; longest gap between acks ${longestAckGap} ms, between ` +
        `consumed batches ${longestBatchGap} ms; producing stopped ${stoppedAt - killedAt} ms after the kill, last ack ${drainMs} ms later`,
    )

    for (let p = 0; p < partitions; p++) {
      // Exactly the values sent to this partition, once each, in send order: in the log and as consumed.
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % partitions === p)
      expect((await readPartition(client, topic, p, 'read_uncommitted')).map((r) => Number(r.value))).toEqual(expected)
      expect(seen.get(p) ?? []).toEqual(expected)
    }
    const offsets = await client.admin().listGroupOffsets(groupId)
    expect(offsets.reduce((sum, o) => sum + o.offset, 0n)).toBe(BigInt(n))
    await waitForFullIsr(client, [topic])
    await client.deleteTopic(topic)
  }, 180_000)
})
