// A task with two co-partitioned input topics processes their records lowest timestamp first
// (Kafka Streams' partition group), whichever topic's batches are fetched first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

describe('KafkaStreams timestamp-ordered processing', () => {
  it('merges two co-partitioned topics in timestamp order per partition', async () => {
    const prefix = uniqueTopic('tsorder')
    const left = `${prefix}-left`
    const right = `${prefix}-right`
    const output = `${prefix}-out`
    const partitions = 2
    const perTopic = 200
    for (const t of [left, right, output]) await client.createTopic(t, { partitions })
    // Interleaved timestamps: left has the even ones, right the odd ones, each topic written in
    // its own batches (all of left first), so fetch order alone would put left's records first.
    const base = Date.now() - 60_000
    const producer = client.producer({ lingerMs: 5 })
    for (const [topic, parity] of [[left, 0], [right, 1]] as const) {
      for (let chunk = 0; chunk < 4; chunk++) {
        await producer.sendBatch(
          Array.from({ length: perTopic / 4 }, (_, j) => {
            const i = chunk * (perTopic / 4) + j
            const partition = i % partitions
            return { topic, partition, key: Buffer.from(`k${partition}`), value: Buffer.from(`${topic === left ? 'L' : 'R'}${i}`), timestamp: base + 2 * i + parity }
          }),
        )
      }
    }
    await producer.close()

    const str = { key: Serdes.string(), value: Serdes.string() }
    const b = new StreamsBuilder()
    b.stream(left, str).merge(b.stream(right, str)).to(output, str)
    const app = new KafkaStreams(b.build(), { applicationId: uniqueTopic('tsorder-app'), brokers: [bootstrap()], stateDir: tempStateDir(), commitIntervalMs: 200 })
    try {
      await app.start()
      await waitFor('all outputs', async () => (await readTopic(client, output)).length >= 2 * perTopic, 60_000, 250)
      // Each input partition's task wrote its key (k<partition>) in processing order.
      const out = await readTopic(client, output)
      for (let p = 0; p < partitions; p++) {
        const records = out.filter((r) => r.key!.toString() === `k${p}`)
        const timestamps = records.map((r) => r.timestamp)
        expect(timestamps.length).toBe(perTopic) // half of each topic
        expect(timestamps).toEqual([...timestamps].sort((x, y) => x - y))
        // Both topics, alternating: the order is by timestamp, not by topic.
        expect(records.slice(0, 4).map((r) => r.value!.toString()[0])).toEqual(['L', 'R', 'L', 'R'])
      }
    } finally {
      await app.close()
    }
  }, 120_000)
})
