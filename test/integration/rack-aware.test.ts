/**
 * Rack-aware fetching (KIP-392) on the three-node cluster of the failover tests, whose nodes sit
 * in racks rack-a..c under Kafka's RackAwareReplicaSelector: a group consumer that names the rack
 * of a follower reads from that follower, and when the follower is killed it goes back to the
 * leader, losing and repeating nothing. Runs on the newest Kafka only (see clusterUnavailableReason).
 */
import diagnostics_channel from 'node:diagnostics_channel'
import { afterAll, describe, expect, it } from 'vitest'
import type { Client, GroupConsumer } from '../../src/index.js'
import { channelNames, type RequestEndEvent } from '../../src/client/telemetry/channels.js'
import { clusterClient, clusterUnavailableReason, FAILOVER_TOPIC, leaderOf, sharedCluster, waitForFullIsr } from './cluster-helpers.js'
import { uniqueTopic } from './helpers.js'

const skip = clusterUnavailableReason()

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

describe.skipIf(skip !== undefined)('rack-aware fetching (KIP-392)', () => {
  const cluster = sharedCluster()
  const clients: Client[] = []
  afterAll(async () => {
    for (const c of clients) await c.close()
  })

  it('a consumer in a follower\'s rack reads from that follower, and from the leader once the follower is killed', async () => {
    const c = cluster()
    const admin = await clusterClient(c)
    clients.push(admin)
    const topic = uniqueTopic('rack-aware')
    await admin.createTopic(topic, { partitions: 1, ...FAILOVER_TOPIC })
    await waitForFullIsr(admin, [topic])
    const leader = await leaderOf(admin, topic, 0)
    const follower = c.nodes.find((n) => n.nodeId !== leader)!
    expect(follower.rack, 'the cluster runs with racks (a cluster started earlier without them is reused?)').toBeDefined()
    const pc = await admin.partitionClient(topic, 0)
    const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => `v${from + i}`)
    await pc.produce(values(0, 50).map((v) => ({ value: Buffer.from(v) })))

    const clientId = uniqueTopic('rack-client')
    const fetchesTo = new Map<string, number>()
    const onEnd = (e: unknown) => {
      const ev = e as RequestEndEvent
      if (ev.clientId === clientId && ev.apiName === 'Fetch') fetchesTo.set(ev.broker, (fetchesTo.get(ev.broker) ?? 0) + 1)
    }
    diagnostics_channel.subscribe(channelNames.requestEnd, onEnd)
    const client = await clusterClient(c, { clientId, rack: follower.rack })
    clients.push(client)
    const consumer = client.groupConsumer({ groupId: uniqueTopic('rack-group'), topics: [topic], autoOffsetReset: 'earliest', maxWaitMs: 200 })
    try {
      const got = await take(consumer, 50)
      expect(got).toEqual(values(0, 50))
      // The leader named the follower in the consumer's rack, and the records came from it.
      expect(fetchesTo.get(follower.bootstrap) ?? 0).toBeGreaterThan(0)

      await c.node(follower.nodeId).kill()
      const leaderFetchesBefore = fetchesTo.get(c.node(leader).bootstrap) ?? 0
      await pc.produce(values(50, 50).map((v) => ({ value: Buffer.from(v) })))
      got.push(...(await take(consumer, 50)))
      expect(got).toEqual(values(0, 100))
      expect(fetchesTo.get(c.node(leader).bootstrap) ?? 0).toBeGreaterThan(leaderFetchesBefore)
    } finally {
      diagnostics_channel.unsubscribe(channelNames.requestEnd, onEnd)
      await consumer.close()
      await c.node(follower.nodeId).start()
    }
  }, 120_000)
})
