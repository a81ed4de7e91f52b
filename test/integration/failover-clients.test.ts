/**
 * Failover on a three-node cluster (topics with replication factor 3, min.insync.replicas=2):
 * the leader of the partitions in use is killed with SIGKILL and restarted while an idempotent
 * producer (acks=all) and a group consumer keep working. Nothing acknowledged is lost, nothing is
 * duplicated, each partition keeps its order, and the consumer neither skips nor re-reads past
 * its commits. Runs on the newest Kafka only (see clusterUnavailableReason).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '../../src/index.js'
import {
  clusterClient,
  clusterUnavailableReason,
  FAILOVER_TOPIC,
  killAndRestart,
  leaderOf,
  readPartition,
  sharedCluster,
  waitForFullIsr,
} from './cluster-helpers.js'
import { uniqueTopic } from './helpers.js'

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

  it('an idempotent acks=all producer loses and duplicates nothing and keeps per-partition order when the leader is killed', async () => {
    const topic = uniqueTopic('fo-idem')
    const partitions = 3
    await client.createTopic(topic, { partitions, ...FAILOVER_TOPIC })
    const victim = await leaderOf(client, topic, 0)
    const producer = client.producer({ lingerMs: 2, acks: -1 })
    const sends: Array<Promise<unknown>> = []
    const ackTimes: number[] = []
    let n = 0
    let stop = false
    const producing = (async () => {
      while (!stop) {
        const i = n++
        const p = producer.send({ topic, partition: i % partitions, key: Buffer.from(String(i % partitions)), value: Buffer.from(String(i)) })
        sends.push(p.then(() => ackTimes.push(Date.now())))
        // About 2,000 records/s: enough to be mid-batch at the kill without flooding two cores.
        if (i % 20 === 0) await sleep(10)
      }
    })()
    await sleep(1000)
    const killedAt = Date.now()
    const failover = await killAndRestart(cluster(), client, victim, { watch: { topic, partition: 0 }, downMs: 1000 })
    await sleep(1500)
    stop = true
    await producing
    const stoppedAt = Date.now()
    console.log(`[failover] producing stopped; waiting for ${sends.length - ackTimes.length} of ${sends.length} acknowledgements`)
    await Promise.all(sends)
    await producer.close()
    const drainMs = Date.now() - stoppedAt
    // Recovery: the first acknowledgement of a record sent after the kill.
    const longestGap = ackTimes.reduce((gap, t, i) => (i === 0 ? 0 : Math.max(gap, t - ackTimes[i - 1])), 0)
    console.log(
      `[failover] idempotent producer: ${n} records, node ${victim} killed: leader moved after ${failover.leaderMovedMs} ms, ` +
        `longest gap between acks ${longestGap} ms, node back after ${failover.restartMs} ms (${stoppedAt - killedAt} ms after the kill producing stopped; last acks ${drainMs} ms later)`,
    )

    let total = 0
    for (let p = 0; p < partitions; p++) {
      const values = (await readPartition(client, topic, p, 'read_uncommitted')).map((r) => Number(r.value))
      total += values.length
      // Exactly the values sent to this partition, once each, in send order.
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % partitions === p)
      expect(values).toEqual(expected)
    }
    expect(total).toBe(n)
    await waitForFullIsr(client, [topic])
    await client.deleteTopic(topic)
  }, 120_000)

  it('a group consumer continues after the leader moves, without losing or skipping records', async () => {
    const topic = uniqueTopic('fo-group')
    const partitions = 3
    await client.createTopic(topic, { partitions, ...FAILOVER_TOPIC })
    const groupId = uniqueTopic('fo-group-g')
    const victim = await leaderOf(client, topic, 1)

    const producer = client.producer({ lingerMs: 2 })
    let produced = 0
    let stopProducing = false
    const producing = (async () => {
      while (!stopProducing) {
        const batch = Array.from({ length: 30 }, () => {
          const i = produced++
          return { topic, partition: i % partitions, value: Buffer.from(String(i)) }
        })
        await producer.sendBatch(batch)
        await sleep(20)
      }
    })()

    const consumer = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', autoCommit: false, heartbeatIntervalMs: 500 })
    await consumer.start()
    const seen = new Map<number, number[]>()
    let consumed = 0
    let lastBatchAt = Date.now()
    let longestGap = 0
    const consume = async (until: () => boolean) => {
      while (!until()) {
        const b = await consumer.next()
        if (!b) break
        const now = Date.now()
        longestGap = Math.max(longestGap, now - lastBatchAt)
        lastBatchAt = now
        const list = seen.get(b.partition) ?? []
        for (const r of b.records) list.push(Number(r.value!.toString()))
        seen.set(b.partition, list)
        consumed += b.records.length
        await consumer.commit()
      }
    }
    await consume(() => consumed >= 300)
    const consuming = consume(() => stopProducing && consumed >= produced)
    const failover = await killAndRestart(cluster(), client, victim, { watch: { topic, partition: 1 }, downMs: 1000 })
    await sleep(1500)
    stopProducing = true
    await producing
    await producer.close()
    await consuming
    await consumer.close()
    console.log(
      `[failover] group consumer: ${produced} produced, ${consumed} consumed, node ${victim} killed: leader moved after ` +
        `${failover.leaderMovedMs} ms, longest gap between batches ${longestGap} ms`,
    )

    // Each partition delivered in order, every record exactly once (commits after each batch).
    for (let p = 0; p < partitions; p++) {
      const expected = Array.from({ length: produced }, (_, i) => i).filter((i) => i % partitions === p)
      expect(seen.get(p) ?? []).toEqual(expected)
    }
    const offsets = await client.admin().listGroupOffsets(groupId)
    expect(offsets.reduce((sum, o) => sum + o.offset, 0n)).toBe(BigInt(produced))
    await waitForFullIsr(client, [topic])
    await client.deleteTopic(topic)
  }, 120_000)
})
