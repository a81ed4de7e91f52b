// KafkaStreams with several instances of one application: tasks move when an instance joins or
// leaves, state follows through the changelog (or a warm standby), and the counts stay exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder, type KafkaStreamsOptions, type Topology } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { int64, latestByKey, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

function wordCount(input: string, output: string): Topology {
  const b = new StreamsBuilder()
  b.stream(input, { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.split(' '))
    .groupBy((_k, word) => word, { key: Serdes.string(), value: Serdes.string() })
    .count({ name: 'counts' })
    .toStream()
    .to(output, { key: Serdes.string(), value: Serdes.int64() })
  return b.build()
}

/** `n` lines of 4 words from a vocabulary of 2000; adds to `expected`. */
async function produce(topic: string, from: number, n: number, expected: Map<string, number>): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  const recs = []
  for (let i = from; i < from + n; i++) {
    const words = [0, 1, 2, 3].map((j) => `w${(i * 4 + j * 7) % 2000}`)
    for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1)
    recs.push({ topic, key: Buffer.from(`l${i}`), value: Buffer.from(words.join(' ')) })
  }
  await producer.sendBatch(recs)
  await producer.close()
}

async function countsExact(output: string, expected: Map<string, number>): Promise<boolean> {
  const latest = latestByKey(await readTopic(client, output), int64)
  for (const [w, n] of expected) if (latest.get(w) !== n) return false
  return true
}

const TASKS = 8 // 2 sub-topologies x 4 partitions

interface Setup {
  input: string
  output: string
  options: KafkaStreamsOptions
  topology: () => Topology
}

async function setup(standbys: number): Promise<Setup> {
  const input = uniqueTopic('rb-in')
  const output = uniqueTopic('rb-out')
  await client.createTopic(input, { partitions: 4 })
  await client.createTopic(output, { partitions: 2 })
  return {
    input,
    output,
    topology: () => wordCount(input, output),
    options: { applicationId: uniqueTopic('rb-app'), brokers: [bootstrap()], commitIntervalMs: 200, numStandbyReplicas: standbys, heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000 },
  }
}

const activeCount = (a: KafkaStreams) => a.metrics().tasks.active.length

describe('KafkaStreams rebalancing', () => {
  it('a second instance joins: tasks move, state restores from the changelog, counts stay exact', async () => {
    const s = await setup(0)
    const expected = new Map<string, number>()
    await produce(s.input, 0, 4000, expected)
    const a = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir(), applicationServer: 'a.local:1' })
    const b = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir(), applicationServer: 'b.local:2' })
    try {
      await a.start()
      await waitFor('first half counted', () => countsExact(s.output, expected), 30_000, 250)
      expect(activeCount(a)).toBe(TASKS)

      await b.start()
      await waitFor('tasks split over both instances', () => activeCount(a) === TASKS / 2 && activeCount(b) === TASKS / 2 && b.state === 'RUNNING', 30_000)
      const restored = b.metrics().restore
      // The count tasks moved with their state: B read their changelog partitions, first into
      // warm-up standbys (while A still owned the tasks), then the tail as active tasks.
      expect(restored.restoredRecords + restored.standbyRecords).toBeGreaterThan(0)
      expect(restored.restorations).toBe(TASKS / 2)

      await produce(s.input, 4000, 4000, expected)
      await waitFor('all counted', () => countsExact(s.output, expected), 40_000, 250)
      // Both instances know who hosts what; a key maps to one of them.
      const md = a.metadataForKey('counts', 'w42', Serdes.string())
      expect(['a.local:1', 'b.local:2']).toContain(md.activeHost)
      const owner = md.activeHost === 'a.local:1' ? a : b
      expect(owner.store<string, number>('counts').get('w42')).toBe(expected.get('w42'))
      console.log(`join: B read ${restored.standbyRecords} changelog records as warm-up standbys and ${restored.restoredRecords} while restoring, ${restored.restoreMs} ms (${restored.restorations} tasks)`)
    } finally {
      await b.close()
      await a.close()
    }
    // Worst case: the waits above add up to 100 s; each fails on its own before this.
  }, 120_000)

  it('with a standby, failover restores less from the changelog than without', async () => {
    const restoredOnFailover: number[] = []
    for (const standbys of [0, 1]) {
      const s = await setup(standbys)
      const expected = new Map<string, number>()
      const a = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir() })
      const b = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir() })
      try {
        await a.start()
        await b.start()
        await waitFor('tasks split', () => activeCount(a) === TASKS / 2 && activeCount(b) === TASKS / 2, 30_000)
        // Every count task (sub-topology 1) is active or standby on B.
        const onB = () => new Set([...b.metrics().tasks.active.filter((id) => id.startsWith('1_')), ...b.metrics().tasks.standby]).size
        if (standbys > 0) await waitFor('standbys assigned', () => onB() === TASKS / 2, 20_000)
        await produce(s.input, 0, 6000, expected)
        await waitFor('counted', () => countsExact(s.output, expected), 40_000, 250)
        if (standbys > 0) await waitFor('standby caught up', () => b.metrics().restore.standbyRecords > 0 && b.metrics().restore.inProgress.every((c) => c.position >= c.endOffset), 20_000)
        const before = b.metrics().restore.restoredRecords
        await a.close()
        await waitFor('B took over every task', () => activeCount(b) === TASKS && b.state === 'RUNNING', 30_000)
        restoredOnFailover.push(b.metrics().restore.restoredRecords - before)
        await produce(s.input, 6000, 2000, expected)
        await waitFor('counted after failover', () => countsExact(s.output, expected), 40_000, 250)
        if (standbys > 0) console.log(`standby: B applied ${b.metrics().restore.standbyRecords} changelog records to standbys before the failover`)
      } finally {
        await a.close()
        await b.close()
      }
    }
    console.log(`failover restore: ${restoredOnFailover[0]} changelog records without a standby, ${restoredOnFailover[1]} with one`)
    expect(restoredOnFailover[0]).toBeGreaterThan(0)
    expect(restoredOnFailover[1]).toBeLessThan(restoredOnFailover[0])
    // Worst case: two rounds of waits of up to 180 s each; each fails on its own before this.
  }, 380_000)
})
