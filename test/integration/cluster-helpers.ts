// Helpers of the failover tests: the three-node cluster shared by their files (started by the
// first file that needs it, in the dir global-setup.ts chose, and stopped at teardown), partition
// leaders, and killing a node with SIGKILL and bringing it back.
import { beforeAll, expect, inject } from 'vitest'
import { Client, type ClientOptions } from '../../src/index.js'
import { DEFAULT_KAFKA_VERSION, startLocalCluster, type LocalCluster } from '../../src/dev/index.js'

/** Nodes of the failover cluster: a replication factor of 3 with min.insync.replicas=2 survives one dead node. */
export const CLUSTER_NODES = 3

/**
 * Racks of the cluster's nodes, in node order. With Kafka's rack-aware replica selector they let
 * a consumer that names its rack read from a follower (KIP-392); clients without a rack (every
 * failover test) fetch from leaders as usual.
 */
export const CLUSTER_RACKS = ['rack-a', 'rack-b', 'rack-c'] as const

/** Configs of every failover test topic: acks=all needs two in-sync replicas. */
export const FAILOVER_TOPIC = { replicationFactor: 3, configs: { 'min.insync.replicas': '2' } } as const

/**
 * Why the failover tests do not run, or undefined when they do. They run on the newest Kafka
 * only: a three-node cluster costs about a minute of CI time per run, and the client code they
 * exercise does not depend on the broker version (the single-broker restart tests cover 3.x).
 */
export function clusterUnavailableReason(): string | undefined {
  const info = inject('kafkaCluster')
  if (!info) return 'the Kafka version under test is unknown (KAFKA_CONNECT without PERIDOT_KAFKA_VERSION)'
  if (info.kafkaVersion !== DEFAULT_KAFKA_VERSION) return `failover tests run on Kafka ${DEFAULT_KAFKA_VERSION} only (CI time budget)`
  return undefined
}

/**
 * The shared cluster for the tests of one file: started (or found running) in `beforeAll`; the
 * run's teardown stops it. Call at the top of the file; the returned function gives the cluster.
 */
export function sharedCluster(): () => LocalCluster {
  let cluster: LocalCluster | undefined
  beforeAll(async () => {
    const info = inject('kafkaCluster')
    if (!info || clusterUnavailableReason()) return
    const t0 = Date.now()
    cluster = await startLocalCluster({
      nodes: CLUSTER_NODES,
      kafkaVersion: info.kafkaVersion,
      dataDir: info.dataDir,
      port: info.port,
      heapMb: 384,
      racks: CLUSTER_RACKS,
      serverProperties: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' },
    })
    if (!cluster.reused) console.log(`[kafka] ${CLUSTER_NODES}-node cluster ${cluster.bootstrap} started in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    // A node killed by an earlier file is back and every partition has all its replicas in sync.
    await Promise.all(cluster.nodes.map((n) => n.start()))
  }, 180_000)
  return () => {
    if (!cluster) throw new Error('sharedCluster: used before beforeAll started it')
    return cluster
  }
}

/** A client of the cluster with enough retries to ride out a dead node (fenced after ~3 s). */
export function clusterClient(cluster: LocalCluster, options: Partial<ClientOptions> = {}): Promise<Client> {
  return Client.connect({
    brokers: cluster.brokers,
    retry: { retries: 30, initialBackoffMs: 100, maxBackoffMs: 1000 },
    requestTimeoutMs: 10_000,
    ...options,
  })
}

/** The node id leading a partition now (fresh metadata). */
export async function leaderOf(client: Client, topic: string, partition = 0): Promise<number> {
  const info = await client.describeTopic(topic)
  const p = info.partitions.find((x) => x.partition === partition)
  if (!p) throw new Error(`no partition ${partition} in ${topic}`)
  return p.leader
}

/** Makes `node` the leader of `topic`-`partition`: first in its replica list, then a preferred election. */
export async function moveLeader(client: Client, topic: string, partition: number, node: number): Promise<void> {
  if ((await leaderOf(client, topic, partition)) === node) return
  const replicas = (await client.describeTopic(topic)).partitions.find((p) => p.partition === partition)!.replicas
  await client.admin().alterPartitionReassignments([{ topic, partition, replicas: [node, ...replicas.filter((r) => r !== node)] }])
  await client.admin().electLeaders([{ topic, partition }])
  await expect.poll(() => leaderOf(client, topic, partition), { timeout: 30_000 }).toBe(node)
}

/** The broker of a group's coordinator (looking it up creates __consumer_offsets on a fresh cluster). */
export async function groupCoordinatorNode(client: Client, groupId: string): Promise<number> {
  await client.admin().listGroupOffsets(groupId)
  // The failover cluster's __consumer_offsets has one partition: its leader coordinates every group.
  return leaderOf(client, '__consumer_offsets', 0)
}

/** Waits until every partition of the topics has all its replicas in sync again. */
export async function waitForFullIsr(client: Client, topics: string[]): Promise<void> {
  await expect
    .poll(
      async () => {
        for (const t of topics) {
          const info = await client.describeTopic(t)
          if (info.partitions.some((p) => p.isr.length < p.replicas.length || p.leader < 0)) return false
        }
        return true
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe(true)
}

/** Timings of {@link killAndRestart}. */
export interface Failover {
  nodeId: number
  /** How long until a different node led the watched partition (metadata), ms. */
  leaderMovedMs: number
  /** How long the killed node took to serve again after its restart began, ms. */
  restartMs: number
}

/**
 * Kills `nodeId` with SIGKILL, waits until another node leads `watch` (a topic-partition), keeps
 * the node down `downMs` longer, then restarts it and waits until it serves again.
 */
export async function killAndRestart(
  cluster: LocalCluster,
  client: Client,
  nodeId: number,
  opts: { watch?: { topic: string; partition: number }; downMs?: number } = {},
): Promise<Failover> {
  const t0 = Date.now()
  // Phases are logged as they happen: when a failover test hangs, the log says where.
  const phase = (what: string) => console.log(`[failover] node ${nodeId}: ${what} at +${Date.now() - t0} ms`)
  await cluster.node(nodeId).kill()
  phase('killed (SIGKILL)')
  let leaderMovedMs = 0
  if (opts.watch) {
    const { topic, partition } = opts.watch
    const moved = async () => {
      const leader = await leaderOf(client, topic, partition).catch(() => -1)
      return leader >= 0 && leader !== nodeId
    }
    await expect.poll(moved, { timeout: 30_000, interval: 100 }).toBe(true)
    leaderMovedMs = Date.now() - t0
    phase(`${topic}-${partition} has another leader`)
  }
  if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs))
  const t1 = Date.now()
  phase('restarting')
  await cluster.node(nodeId).start()
  phase('serving again')
  return { nodeId, leaderMovedMs, restartMs: Date.now() - t1 }
}

/** Reads every record value of a partition (read_committed by default) from offset 0 to the end. */
export async function readPartition(client: Client, topic: string, partition: number, isolationLevel: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<Array<{ key: string | null; value: string }>> {
  const pc = await client.partitionClient(topic, partition)
  const end = await pc.getOffset('latest')
  const out: Array<{ key: string | null; value: string }> = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { maxBytes: 4 << 20, maxWaitMs: 200, isolationLevel })
    for (const r of res.records) out.push({ key: r.key?.toString() ?? null, value: r.value!.toString() })
    if (res.nextOffset === next) break
    next = res.nextOffset
  }
  return out
}
