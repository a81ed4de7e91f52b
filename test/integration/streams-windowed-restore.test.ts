// The window store of a DSL windowed aggregation against a real broker: a new instance with an
// empty state directory restores it from its changelog (interactive queries see every window) and
// counts on exactly; with a standby replica, failover restores less than without one and the
// counts stay exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Materialized, Serdes, StreamsBuilder, TimeWindows, type KafkaStreamsOptions, type Topology } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { int64, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const WINDOW = 10_000
/** A grace longer than the input's time span: no window closes, every one stays in the store. */
const GRACE = 3_600_000
const PARTITIONS = 4
const STORE = 'win-counts'
/** Event times near now (the broker deletes segments older than its retention). */
const BASE = Math.floor(Date.now() / WINDOW) * WINDOW - 1_800_000

function windowedCount(input: string, output: string): Topology {
  const b = new StreamsBuilder()
  b.stream(input, { key: Serdes.string(), value: Serdes.string() })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, GRACE))
    .count(Materialized.as<string, number>(STORE))
    .toStream()
    .to(output, { value: Serdes.int64() })
  return b.build()
}

/** Records `from` .. `from + n - 1` over 13 keys and 3 minutes of event time (out of order); adds their counts to `expected` (`key@start`). */
async function produce(topic: string, from: number, n: number, expected: Map<string, number>): Promise<void> {
  const records = []
  for (let i = from; i < from + n; i++) {
    const key = `k${i % 13}`
    const ts = BASE + ((i * 7919) % 180_000)
    const w = `${key}@${ts - (ts % WINDOW)}`
    expected.set(w, (expected.get(w) ?? 0) + 1)
    records.push({ topic, key: Buffer.from(key), value: Buffer.from(String(i)), timestamp: ts })
  }
  const producer = client.producer({ lingerMs: 2 })
  await producer.sendBatch(records)
  await producer.close()
}

/** The windows of the store on these instances (interactive queries), as `key@start` -> count. */
function storeContents(apps: KafkaStreams[]): Map<string, number> {
  const m = new Map<string, number>()
  for (const app of apps) {
    for (const e of app.store<string, number>(STORE, 'timestampedWindow').all()) {
      expect(e.key.window.end).toBe(e.key.window.start + WINDOW)
      m.set(`${e.key.key}@${e.key.window.start}`, e.value.value)
    }
  }
  return m
}

/** Latest count per window in the output topic (Kafka Streams' windowed key bytes: key, 8-byte start). */
async function outputCounts(output: string): Promise<Map<string, number>> {
  const m = new Map<string, number>()
  for (const r of await readTopic(client, output, 'read_committed')) {
    const key = r.key!
    m.set(`${key.subarray(0, key.length - 8).toString()}@${key.readBigInt64BE(key.length - 8)}`, int64(r.value!))
  }
  return m
}

const sameCounts = (a: Map<string, number>, expected: Map<string, number>): boolean => a.size === expected.size && [...expected].every(([w, n]) => a.get(w) === n)

async function setup(prefix: string, extra: Partial<KafkaStreamsOptions>) {
  const input = uniqueTopic(`${prefix}-in`)
  const output = uniqueTopic(`${prefix}-out`)
  await client.createTopic(input, { partitions: PARTITIONS })
  await client.createTopic(output, { partitions: 2 })
  const options: KafkaStreamsOptions = {
    applicationId: uniqueTopic(`${prefix}-app`),
    brokers: [bootstrap()],
    processingGuarantee: 'exactly_once_v2',
    commitIntervalMs: 100,
    heartbeatIntervalMs: 300,
    sessionTimeoutMs: 10_000,
    ...extra,
  }
  return { input, output, options, topology: () => windowedCount(input, output) }
}

describe('DSL window store: restore and standby failover', () => {
  it('a new instance with an empty state directory restores the windowed count store from its changelog and counts on exactly', async () => {
    const s = await setup('wr', {})
    const expected = new Map<string, number>()
    await produce(s.input, 0, 1500, expected)
    const first = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir() })
    let before: Map<string, number>
    try {
      await first.start()
      await waitFor('all windows counted', () => first.state === 'RUNNING' && sameCounts(storeContents([first]), expected), 40_000, 200)
      before = storeContents([first])
    } finally {
      await first.close()
    }
    const changelog = await client.describeTopicConfigs(`${s.options.applicationId}-${STORE}-changelog`)
    expect(changelog['cleanup.policy']).toBe('compact,delete')

    const second = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir() })
    try {
      await second.start()
      await waitFor('running', () => second.state === 'RUNNING' && second.metrics().tasks.active.length === PARTITIONS, 40_000)
      // Before any new input: every window is back, from the changelog alone.
      expect(storeContents([second])).toEqual(before)
      expect(second.metrics().restore.restoredRecords).toBeGreaterThan(0)

      // New records in the same windows count on from the restored counts.
      await produce(s.input, 1500, 1500, expected)
      await waitFor('all windows counted again', async () => sameCounts(await outputCounts(s.output), expected), 40_000, 250)
      expect(storeContents([second])).toEqual(expected)
      expect(await outputCounts(s.output)).toEqual(expected)
    } finally {
      await second.close()
    }
  }, 90_000)

  it('with a standby, failover of the windowed count restores less from the changelog than without, counts exact', async () => {
    const restoredOnFailover: number[] = []
    for (const standbys of [0, 1]) {
      const s = await setup(`ws${standbys}`, { numStandbyReplicas: standbys })
      const expected = new Map<string, number>()
      const a = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir() })
      const b = new KafkaStreams(s.topology(), { ...s.options, stateDir: tempStateDir() })
      try {
        await a.start()
        await b.start()
        const active = (app: KafkaStreams) => app.metrics().tasks.active.length
        await waitFor('tasks split', () => active(a) === PARTITIONS / 2 && active(b) === PARTITIONS / 2 && b.state === 'RUNNING', 30_000)
        // Every task is active or standby on B.
        if (standbys > 0) await waitFor('standbys assigned', () => b.metrics().tasks.standby.length === PARTITIONS / 2, 20_000)
        await produce(s.input, 0, 3000, expected)
        await waitFor('counted', async () => sameCounts(await outputCounts(s.output), expected), 40_000, 250)
        if (standbys > 0) await waitFor('standby caught up', () => b.metrics().restore.standbyRecords > 0 && b.metrics().restore.inProgress.every((c) => c.position >= c.endOffset), 20_000)
        const before = b.metrics().restore.restoredRecords
        await a.close()
        await waitFor('B took over every task', () => active(b) === PARTITIONS && b.state === 'RUNNING', 30_000)
        restoredOnFailover.push(b.metrics().restore.restoredRecords - before)
        // The windows as they were, on B alone, before new input.
        expect(storeContents([b])).toEqual(expected)
        await produce(s.input, 3000, 1000, expected)
        await waitFor('counted after failover', async () => sameCounts(await outputCounts(s.output), expected), 40_000, 250)
        expect(storeContents([b])).toEqual(expected)
      } finally {
        await a.close()
        await b.close()
      }
    }
    console.log(`windowed failover restore: ${restoredOnFailover[0]} changelog records without a standby, ${restoredOnFailover[1]} with one`)
    expect(restoredOnFailover[0]).toBeGreaterThan(0)
    expect(restoredOnFailover[1]).toBeLessThan(restoredOnFailover[0])
  }, 120_000)
})
