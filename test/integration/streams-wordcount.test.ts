// KafkaStreams end to end against a real broker: word count (at_least_once and exactly_once_v2)
// and a KTable groupBy aggregation with updates and deletes. Results are read back with the client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder, type Topology } from '../../src/streams/index.js'
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
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_k, word) => word, { key: Serdes.string(), value: Serdes.string() })
    .count({ name: 'word-counts' })
    .toStream()
    .to(output, { key: Serdes.string(), value: Serdes.int64() })
  return b.build()
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa']

/** Lines of words with known totals. */
function makeLines(n: number): { lines: string[]; expected: Map<string, number>; words: number } {
  const lines: string[] = []
  const expected = new Map<string, number>()
  let words = 0
  for (let i = 0; i < n; i++) {
    const ws = [WORDS[i % WORDS.length], WORDS[(i * 7 + 3) % WORDS.length], WORDS[(i * 3 + 1) % WORDS.length]]
    for (const w of ws) expected.set(w, (expected.get(w) ?? 0) + 1)
    words += ws.length
    lines.push(ws.map((w) => (i % 2 === 0 ? w.toUpperCase() : w)).join(' '))
  }
  return { lines, expected, words }
}

async function produceLines(topic: string, lines: string[]): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  await producer.sendBatch(lines.map((line, i) => ({ topic, key: Buffer.from(`line-${i}`), value: Buffer.from(line) })))
  await producer.close()
}

describe('KafkaStreams word count', () => {
  for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
    it(`${guarantee}: counts are exact in the output topic`, async () => {
      const input = uniqueTopic('wc-in')
      const output = uniqueTopic('wc-out')
      const appId = uniqueTopic('wc-app')
      await client.createTopic(input, { partitions: 3 })
      await client.createTopic(output, { partitions: 2 })
      const { lines, expected, words } = makeLines(3000)
      await produceLines(input, lines)

      const app = new KafkaStreams(wordCount(input, output), {
        applicationId: appId,
        brokers: [bootstrap()],
        processingGuarantee: guarantee,
        commitIntervalMs: guarantee === 'exactly_once_v2' ? 100 : 500,
        stateDir: tempStateDir(),
        heartbeatIntervalMs: 500,
        cacheMaxBytes: 0, // every update is counted below
      })
      const states: string[] = []
      app.onStateChange((s) => states.push(s))
      try {
        await app.start()
        const isolation = guarantee === 'exactly_once_v2' ? 'read_committed' : 'read_uncommitted'
        await waitFor('all counts', async () => {
          const latest = latestByKey(await readTopic(client, output, isolation), int64)
          return [...expected].every(([w, n]) => latest.get(w) === n)
        }, 40_000, 250)
        const records = await readTopic(client, output, isolation)
        const latest = latestByKey(records, int64)
        expect(Object.fromEntries(latest)).toEqual(Object.fromEntries(expected))
        // No caching: one update per word occurrence, and no duplicates without failures.
        expect(records.length).toBe(words)
        // Internal topics with Kafka Streams' names and partition counts.
        const topics = await client.listTopics()
        const repartition = topics.find((t) => t.startsWith(`${appId}-`) && t.endsWith('-repartition'))!
        expect(repartition).toBeDefined()
        expect((await client.describeTopic(repartition)).partitions.length).toBe(3)
        expect((await client.describeTopic(`${appId}-word-counts-changelog`)).partitions.length).toBe(3)
        expect((await client.describeTopicConfigs(`${appId}-word-counts-changelog`))['cleanup.policy']).toBe('compact')
        // Interactive query over the local stores.
        await waitFor('RUNNING', () => app.state === 'RUNNING')
        const store = app.store<string, number>('word-counts')
        expect(store.get('alpha')).toBe(expected.get('alpha'))
        expect([...store.all()].length).toBe(expected.size)
        // Under at_least_once the output is visible before the first commit: wait for one.
        await waitFor('a commit', () => app.metrics().commits > 0, 20_000)
        const m = app.metrics()
        expect(m.recordsProcessed).toBe(lines.length + words)
        expect(m.commits).toBeGreaterThan(0)
        console.log(`${guarantee}: ${m.recordsProcessed} records processed, ${m.commits} commits, commit latency avg ${m.commitLatencyAvgMs.toFixed(1)} ms max ${m.commitLatencyMaxMs.toFixed(1)} ms`)
      } finally {
        await app.close()
      }
      expect(states).toContain('RUNNING')
      expect(states.at(-1)).toBe('NOT_RUNNING')
      // Worst case: the waits above add up to 80 s; each fails on its own before this.
    }, 100_000)
  }

  it('exactly_once_v2 with the record cache (the default): counts exact, updates of a word between commits sent as one', async () => {
    const input = uniqueTopic('wcc-in')
    const output = uniqueTopic('wcc-out')
    await client.createTopic(input, { partitions: 3 })
    await client.createTopic(output, { partitions: 2 })
    const { lines, expected, words } = makeLines(3000)
    await produceLines(input, lines)
    const app = new KafkaStreams(wordCount(input, output), {
      applicationId: uniqueTopic('wcc-app'),
      brokers: [bootstrap()],
      processingGuarantee: 'exactly_once_v2',
      commitIntervalMs: 500,
      stateDir: tempStateDir(),
      heartbeatIntervalMs: 500,
    })
    try {
      await app.start()
      await waitFor('all counts', async () => {
        const latest = latestByKey(await readTopic(client, output, 'read_committed'), int64)
        return [...expected].every(([w, n]) => latest.get(w) === n)
      }, 40_000, 250)
      const records = await readTopic(client, output, 'read_committed')
      expect(Object.fromEntries(latestByKey(records, int64))).toEqual(Object.fromEntries(expected))
      // 9,000 updates of 10 words, read in batches within 500 ms commits: far fewer records.
      expect(records.length).toBeLessThan(words / 10)
      // Counts only go up: each word's records are increasing (collapsed, never reordered).
      const byWord = new Map<string, number[]>()
      for (const r of records) byWord.set(r.key!.toString(), [...(byWord.get(r.key!.toString()) ?? []), int64(r.value!)])
      for (const counts of byWord.values()) expect(counts).toEqual([...counts].sort((a, b) => a - b))
      // The store has every update.
      expect(app.store<string, number>('word-counts').get('alpha')).toBe(expected.get('alpha'))
    } finally {
      await app.close()
    }
  }, 60_000)
})
