// Joins on the broker runtime, beyond one instance's steady state:
// - a stream-stream join under exactly_once_v2 while a second instance joins mid-run: tasks move
//   with their window stores (restored from the changelogs), and every order is joined with its
//   payment exactly once, also when the payment arrives after the move;
// - timestamp-ordered processing: a task reading two topics processes the buffered record with
//   the lowest timestamp next (Kafka Streams' partition group), so the merged output is in
//   timestamp order whatever order the fetches returned the two topics in.
import { describe, expect, it } from 'vitest'
import { JoinWindows, KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { bootstrap, sharedClient, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, testStreamsApp, waitFor } from './streams-helpers.js'

const client = sharedClient()
const SS = { key: Serdes.string(), value: Serdes.string() }
const PARTITIONS = 4
const ORDERS = 120

describe('joins on the broker runtime', () => {
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

  it('a task reading two topics processes the lowest buffered timestamp first', async () => {
    const left = uniqueTopic('ts-left')
    const right = uniqueTopic('ts-right')
    const output = uniqueTopic('ts-out')
    for (const t of [left, right, output]) await client().createTopic(t, { partitions: 1 })
    const producer = client().producer({ lingerMs: 2 })
    const base = Date.now() - 60_000
    // Produced topic after topic: left holds the odd timestamps, right the even ones.
    await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic: left, key: Buffer.from('k'), value: Buffer.from(`l${i}`), timestamp: base + 2 * i + 1 })))
    await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic: right, key: Buffer.from('k'), value: Buffer.from(`r${i}`), timestamp: base + 2 * i })))
    await producer.close()
    const b = new StreamsBuilder()
    b.stream(left, SS).merge(b.stream(right, SS)).to(output, SS)
    const app = testStreamsApp(b.build(), uniqueTopic('ts-app'))
    try {
      await app.start()
      await waitFor('all merged', async () => (await readTopic(client(), output, 'read_committed')).length >= 100, 40_000, 250)
      const out = await readTopic(client(), output, 'read_committed')
      const timestamps = out.map((r) => Number(r.timestamp) - base)
      expect(timestamps).toEqual(Array.from({ length: 100 }, (_, i) => i))
    } finally {
      await app.close()
    }
  }, 60_000)
})
