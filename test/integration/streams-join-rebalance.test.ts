// A stream-stream join under exactly_once_v2 while a second instance joins mid-run: tasks move
// with their window stores (restored from the changelogs), and every order is joined with its
// payment exactly once, also when the payment arrives after the move.
import { describe, expect, it } from 'vitest'
import { JoinWindows, KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { bootstrap, sharedClient, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'

const client = sharedClient()
const SS = { key: Serdes.string(), value: Serdes.string() }
const PARTITIONS = 4
const ORDERS = 120

describe('stream-stream join across a rebalance', () => {
  it('exactly_once_v2: a second instance joins mid-run; every order is joined with its payment exactly once', async () => {
    const orders = uniqueTopic('jr-orders')
    const payments = uniqueTopic('jr-payments')
    const output = uniqueTopic('jr-out')
    for (const t of [orders, payments, output]) await client().createTopic(t, { partitions: PARTITIONS })
    const b = new StreamsBuilder()
    b.stream(orders, SS)
      .join(b.stream(payments, SS), (o, p) => `${o}:${p}`, JoinWindows.ofTimeDifferenceWithNoGrace(10 * 60_000))
      .to(output, SS)
    const topology = b.build()
    const appId = uniqueTopic('jr-app')
    const options = { applicationId: appId, brokers: [bootstrap()], processingGuarantee: 'exactly_once_v2' as const, commitIntervalMs: 100, heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000 }
    const base = Date.now() - 30 * 60_000
    const rec = (topic: string, i: number, value: string, offsetMs: number) => ({ topic, key: Buffer.from(`o${i}`), value: Buffer.from(value), timestamp: base + i * 1000 + offsetMs })
    const producer = client().producer({ lingerMs: 2 })
    const joined = async () => (await readTopic(client(), output, 'read_committed')).map((r) => `${r.key!.toString()}=${r.value!.toString()}`)
    const a = new KafkaStreams(topology, { ...options, stateDir: tempStateDir() })
    const second = new KafkaStreams(topology, { ...options, stateDir: tempStateDir() })
    try {
      // Every order now; the even ones paid now, the odd ones after the second instance took its tasks.
      await producer.sendBatch(Array.from({ length: ORDERS }, (_, i) => rec(orders, i, `a${i}`, 0)))
      await producer.sendBatch(Array.from({ length: ORDERS / 2 }, (_, j) => rec(payments, 2 * j, `p${2 * j}`, 5_000)))
      await a.start()
      await waitFor('the even orders joined', async () => (await joined()).length >= ORDERS / 2, 40_000, 250)
      await second.start()
      const active = (s: KafkaStreams) => s.metrics().tasks.active.length
      await waitFor('tasks split over both instances', () => active(a) > 0 && active(second) > 0 && active(a) + active(second) === PARTITIONS && second.state === 'RUNNING', 40_000, 100)
      await producer.sendBatch(Array.from({ length: ORDERS / 2 }, (_, j) => rec(payments, 2 * j + 1, `p${2 * j + 1}`, 5_000)))
      await waitFor('every order joined', async () => (await joined()).length >= ORDERS, 40_000, 250)
      await new Promise((r) => setTimeout(r, 1000))
      const expected = Array.from({ length: ORDERS }, (_, i) => `o${i}=a${i}:p${i}`).sort()
      expect((await joined()).sort()).toEqual(expected)
    } finally {
      await second.close()
      await a.close()
      await producer.close()
    }
  }, 120_000)
})
