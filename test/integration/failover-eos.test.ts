/**
 * Exactly-once across failover on a three-node cluster (replication factor 3,
 * min.insync.replicas=2): a transactional consume-transform-produce loop and a KafkaStreams
 * exactly_once_v2 count, running side by side, keep exact results while a node is killed with
 * SIGKILL and restarted: once the leader of the data partitions in use, once the broker of the
 * group coordinator. Runs on the newest Kafka only (see clusterUnavailableReason).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '../../src/index.js'
import { Serdes, StreamsBuilder, KafkaStreams } from '../../src/streams/index.js'
import {
  clusterClient,
  clusterUnavailableReason,
  FAILOVER_TOPIC,
  groupCoordinatorNode,
  killAndRestart,
  leaderOf,
  moveLeader,
  readPartition,
  sharedCluster,
  waitForFullIsr,
  type Failover,
} from './cluster-helpers.js'
import { uniqueTopic } from './helpers.js'
import { int64, latestByKey, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

const skip = clusterUnavailableReason()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Which node a test kills: the leader of a data partition, or the group coordinator's broker. */
type Victim = 'partition leader' | 'coordinator'

describe.skipIf(skip !== undefined)('failover: exactly-once', () => {
  const cluster = sharedCluster()
  let client: Client
  beforeAll(async () => {
    client = await clusterClient(cluster())
  })
  afterAll(async () => {
    await client?.close()
  })

  /**
   * The node to kill: the group (and, with one partition each, transaction) coordinator's broker,
   * or the leader of `topic`-0 when it is another node (so the kinds of failover stay apart).
   */
  async function victimNode(victim: Victim, topic: string): Promise<number> {
    const coordinator = await groupCoordinatorNode(client, uniqueTopic('fo-probe'))
    if (victim === 'coordinator') return coordinator
    const leader = await leaderOf(client, topic, 0)
    if (leader !== coordinator) return leader
    const info = await client.describeTopic(topic)
    const other = info.partitions[0].replicas.find((r) => r !== coordinator)!
    await moveLeader(client, topic, 0, other)
    return other
  }

  /** A transactional consume-transform-produce loop: each input record upper-cased to the same output partition. */
  async function startCopyLoop(partitions: number) {
    const input = uniqueTopic('fo-ctp-in')
    const output = uniqueTopic('fo-ctp-out')
    const groupId = uniqueTopic('fo-ctp-g')
    await client.createTopic(input, { partitions, ...FAILOVER_TOPIC })
    await client.createTopic(output, { partitions, ...FAILOVER_TOPIC })
    const feeder = client.producer({ lingerMs: 2 })
    let produced = 0
    let feeding = true
    const feeding$ = (async () => {
      while (feeding) {
        await feeder.sendBatch(Array.from({ length: 30 }, () => ({ topic: input, partition: produced % partitions, value: Buffer.from(`v${produced++}`) })))
        await sleep(50)
      }
    })()
    const consumer = client.groupConsumer({ groupId, topics: [input], autoOffsetReset: 'earliest', autoCommit: false, isolationLevel: 'read_committed', heartbeatIntervalMs: 500 })
    await consumer.start()
    const producer = client.transactionalProducer({ transactionalId: uniqueTopic('fo-ctp-id'), lingerMs: 2, transactionTimeoutMs: 30_000 })
    await producer.init()
    const stats = { copied: 0, transactions: 0, longestTxnMs: 0 }
    /** The call the loop is waiting in (named when it is stuck). */
    let waitingIn = 'start'
    let stop = false
    const loop = (async () => {
      while (!stop || stats.copied < produced) {
        waitingIn = 'next()'
        const first = await consumer.next()
        if (!first) break
        // One transaction takes what arrives within 50 ms (a transaction costs several round trips).
        const batches = [first]
        let inTxn = first.records.length
        const t0 = Date.now()
        while (Date.now() - t0 < 50 && stats.copied + inTxn < produced) {
          const more = await consumer.next()
          if (!more) break
          batches.push(more)
          inTxn += more.records.length
        }
        producer.begin()
        const next = new Map<number, bigint>()
        for (const b of batches) {
          for (const r of b.records) producer.send({ topic: output, partition: b.partition, value: Buffer.from(r.value!.toString().toUpperCase()) })
          next.set(b.partition, b.nextOffset)
        }
        waitingIn = 'sendOffsets()'
        await producer.sendOffsets([...next].map(([partition, offset]) => ({ topic: input, partition, offset })), consumer.groupMetadata())
        waitingIn = 'commit()'
        await producer.commit()
        stats.longestTxnMs = Math.max(stats.longestTxnMs, Date.now() - t0)
        stats.copied += inTxn
        stats.transactions++
      }
    })()
    let loopEnded = false
    const ended = () => {
      loopEnded = true
    }
    loop.then(ended, ended)
    return {
      input,
      output,
      stats,
      /** Stops the input, lets the loop copy the rest, and checks the output and the committed offsets. */
      async finish(): Promise<number> {
        feeding = false
        await feeding$
        await feeder.close()
        stop = true
        // A stuck loop fails with what it had copied, not at the test's timeout.
        let timer: NodeJS.Timeout | undefined
        let watching = true
        const stuck = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the copy loop did not finish: copied ${stats.copied} of ${produced} records in ${stats.transactions} transactions, waiting in ${waitingIn}`)),
            90_000,
          )
        })
        const caughtUp = (async () => {
          while (watching && !loopEnded && stats.copied < produced) await sleep(50)
        })()
        try {
          // The loop may have copied the last record before `stop` was set: it then waits in
          // next() for records that never come. Once every record is copied (and committed),
          // closing the consumer ends that wait (next() resolves undefined).
          await Promise.race([loop, caughtUp, stuck])
          await consumer.close()
          await Promise.race([loop, stuck])
        } finally {
          watching = false
          clearTimeout(timer)
        }
        await producer.close()
        for (let p = 0; p < partitions; p++) {
          const expected = Array.from({ length: produced }, (_, i) => i).filter((i) => i % partitions === p).map((i) => `V${i}`)
          expect((await readPartition(client, output, p)).map((r) => r.value)).toEqual(expected)
        }
        const offsets = await client.admin().listGroupOffsets(groupId)
        expect(offsets.reduce((sum, o) => sum + o.offset, 0n)).toBe(BigInt(produced))
        return produced
      },
    }
  }

  /** A KafkaStreams exactly_once_v2 count per key of a continuously fed input. */
  async function startCountApp(partitions: number) {
    const input = uniqueTopic('fo-kstr-in')
    const output = uniqueTopic('fo-kstr-out')
    await client.createTopic(input, { partitions, ...FAILOVER_TOPIC })
    await client.createTopic(output, { partitions, ...FAILOVER_TOPIC })
    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() })
      .groupByKey()
      .count({ name: 'counts' })
      .toStream()
      .to(output, { key: Serdes.string(), value: Serdes.int64() })
    const app = new KafkaStreams(b.build(), {
      applicationId: uniqueTopic('fo-kstr'),
      brokers: cluster().brokers,
      processingGuarantee: 'exactly_once_v2',
      commitIntervalMs: 100,
      stateDir: tempStateDir(),
      heartbeatIntervalMs: 500,
      replicationFactor: 3,
      clientOptions: { retry: { retries: 30, initialBackoffMs: 100, maxBackoffMs: 1000 }, requestTimeoutMs: 10_000 },
    })
    const errors: Error[] = []
    app.onUncaughtError((err) => {
      errors.push(err)
      return 'shutdown-client'
    })
    await app.start()
    await waitFor('RUNNING', () => app.state === 'RUNNING', 60_000)
    const keys = 30
    const feeder = client.producer({ lingerMs: 2 })
    let produced = 0
    let feeding = true
    const feeding$ = (async () => {
      while (feeding) {
        await feeder.sendBatch(Array.from({ length: 30 }, () => ({ topic: input, key: Buffer.from(`k${produced % keys}`), value: Buffer.from(String(produced++)) })))
        await sleep(50)
      }
    })()
    return {
      input,
      output,
      /** Stops the input, waits for the final counts and checks them; returns records counted and ms to settle. */
      async finish(): Promise<{ produced: number; settleMs: number }> {
        feeding = false
        await feeding$
        await feeder.close()
        const expected = new Map<string, number>()
        for (let i = 0; i < produced; i++) expected.set(`k${i % keys}`, (expected.get(`k${i % keys}`) ?? 0) + 1)
        const t0 = Date.now()
        let counts = new Map<string, number | null>()
        await waitFor(
          'the final counts',
          async () => {
            counts = latestByKey(await readTopic(client, output, 'read_committed'), int64)
            return [...expected].every(([k, n]) => (counts.get(k) ?? 0) >= n) || app.state === 'ERROR'
          },
          60_000,
          250,
        )
        const settleMs = Date.now() - t0
        const state = app.state
        await app.close()
        expect(errors).toEqual([])
        expect(state).toBe('RUNNING')
        // Never a count above the truth (a record processed twice), none below (one lost).
        expect(new Map([...counts].sort())).toEqual(new Map([...expected].sort()))
        // Every committed update of a key is higher than the one before.
        const updates = new Map<string, number[]>()
        for (const r of await readTopic(client, output, 'read_committed')) {
          const list = updates.get(r.key!.toString()) ?? []
          list.push(int64(r.value!))
          updates.set(r.key!.toString(), list)
        }
        for (const list of updates.values()) for (let i = 1; i < list.length; i++) expect(list[i]).toBeGreaterThan(list[i - 1])
        return { produced, settleMs }
      },
    }
  }

  // Both exactly-once workloads run together through one kill (a restart costs most of a test's time).
  for (const victim of ['partition leader', 'coordinator'] as const) {
    it(`a transactional consume-transform-produce loop and a KafkaStreams exactly_once_v2 count stay exact when the ${victim} is killed`, async () => {
      const partitions = 3
      const copy = await startCopyLoop(partitions)
      const count = await startCountApp(partitions)
      // The victim leads partition 0 of the copy loop's output and of the count's input, or is the group coordinator's broker.
      const node = await victimNode(victim, copy.output)
      if (victim === 'partition leader') await moveLeader(client, count.input, 0, node)
      await waitFor('a first copied batch', () => copy.stats.copied > 300, 30_000)
      const failover: Failover = await killAndRestart(cluster(), client, node, {
        watch: { topic: victim === 'coordinator' ? '__consumer_offsets' : copy.output, partition: 0 },
        downMs: 1000,
      })
      await sleep(1500)
      const copied = await copy.finish()
      const counted = await count.finish()
      console.log(
        `[failover] ${victim} (node ${node}) killed, leader moved after ${failover.leaderMovedMs} ms, back after ${failover.restartMs} ms: ` +
          `consume-transform-produce ${copied} records in ${copy.stats.transactions} transactions (longest ${copy.stats.longestTxnMs} ms); ` +
          `KafkaStreams counted ${counted.produced} records, final counts ${counted.settleMs} ms after input stopped`,
      )
      await waitForFullIsr(client, [copy.input, copy.output, count.input, count.output])
      for (const t of [copy.input, copy.output, count.input, count.output]) await client.deleteTopic(t)
    }, 240_000)
  }
})
