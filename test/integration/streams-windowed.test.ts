// A windowed count end to end under exactly_once_v2: the output topic, read with read_committed and
// decoded with Kafka Streams' windowed key layout, holds exact per-window counts. Then the same
// with suppress(untilWindowCloses): each closed window's final count exactly once, open windows
// and late records held back.
import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../src/index.js'
import { BufferConfig, Materialized, Serdes, StreamsBuilder, Suppressed, TimeWindows, WindowedSerdes } from '../../src/streams/index.js'
import { sharedClient, uniqueTopic } from './helpers.js'
import { int64, readTopic, testStreamsApp, waitFor } from './streams-helpers.js'

const client = sharedClient()

const MINUTE = 60_000
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']

describe('KafkaStreams windowed count', () => {
  it('exactly_once_v2: exact counts per key and 1-minute window, Kafka Streams windowed key bytes', async () => {
    const input = uniqueTopic('win-in')
    const output = uniqueTopic('win-out')
    const appId = uniqueTopic('win-app')
    await client().createTopic(input, { partitions: 3 })
    await client().createTopic(output, { partitions: 2 })

    // Timestamps near now (broker retention is time based), over 5 windows, in order per key.
    const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE
    const expected = new Map<string, number>()
    const maxTimestamp = new Map<string, number>()
    const records = []
    for (let i = 0; i < 2000; i++) {
      const key = KEYS[(i * 5) % KEYS.length]
      const timestamp = base + Math.floor((i * 5 * MINUTE) / 2000)
      const start = Math.floor(timestamp / MINUTE) * MINUTE
      expected.set(`${key}@${start}`, (expected.get(`${key}@${start}`) ?? 0) + 1)
      maxTimestamp.set(`${key}@${start}`, Math.max(maxTimestamp.get(`${key}@${start}`) ?? 0, timestamp))
      records.push({ topic: input, key: Buffer.from(key), value: Buffer.from(String(i)), timestamp })
    }
    // Two days late (grace is one day), after k0's other records: dropped, counted in droppedRecords.
    const late = { topic: input, key: Buffer.from('k0'), value: Buffer.from('late'), timestamp: base - 2 * 24 * 60 * MINUTE }
    const producer = client().producer({ lingerMs: 2 })
    await producer.sendBatch(records)
    await producer.sendBatch([late])
    await producer.close()

    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(MINUTE, 24 * 60 * MINUTE))
      .count(Materialized.as<string, number>('per-minute').withCachingDisabled()) // every update is counted below
      .toStream()
      .to(output, { value: Serdes.int64() })
    const app = testStreamsApp(b.build(), appId)
    const serde = WindowedSerdes.timeWindowedSerdeFrom(Serdes.string(), MINUTE)
    const latest = async (): Promise<Map<string, { count: number; timestamp: number }>> => {
      const m = new Map<string, { count: number; timestamp: number }>()
      for (const r of await readTopic(client(), output, 'read_committed')) {
        const k = serde.deserialize(output, r.key)
        expect(k.window.end).toBe(k.window.start + MINUTE)
        m.set(`${k.key}@${k.window.start}`, { count: int64(r.value as Buffer), timestamp: r.timestamp })
      }
      return m
    }
    try {
      await app.start()
      await waitFor('all windows', async () => {
        const l = await latest()
        return [...expected].every(([w, n]) => l.get(w)?.count === n)
      }, 40_000, 250)
      const l = await latest()
      expect(new Map([...l].map(([w, v]) => [w, v.count]))).toEqual(expected)
      // Each window's last update carries the largest timestamp of its records.
      expect(new Map([...l].map(([w, v]) => [w, v.timestamp]))).toEqual(maxTimestamp)
      // One update per record (no cache), none twice under exactly-once without failures.
      expect((await readTopic(client(), output, 'read_committed')).length).toBe(records.length)
      await waitFor('the late record dropped', () => app.metrics().droppedRecords === 1, 20_000)
      const config = await client().describeTopicConfigs(`${appId}-per-minute-changelog`)
      expect(config['cleanup.policy']).toBe('compact,delete')
    } finally {
      await app.close()
    }
  }, 60_000)

  it('exactly_once_v2 with suppress(untilWindowCloses): each closed hopping window\'s final count once and exact, open windows and late records held back', async () => {
    const input = uniqueTopic('winsup-in')
    const output = uniqueTopic('winsup-out')
    const appId = uniqueTopic('winsup-app')
    const PARTITIONS = 3
    const SIZE = 10_000
    const ADVANCE = 5_000
    const GRACE = 2_000
    await client().createTopic(input, { partitions: PARTITIONS })
    await client().createTopic(output, { partitions: 2 })

    // Event time moves forward ~10 ms per record with up to 1.5 s of disorder (within the grace):
    // no record is late, and windows close as the partitions' stream times pass end + grace.
    const base = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE
    const counts = new Map<string, number>()
    const maxTimestamp = new Map<string, number>()
    const partitionOf = new Map<string, number>()
    const streamTime = new Array<number>(PARTITIONS).fill(-1)
    const records = []
    for (let i = 0; i < 3000; i++) {
      const key = KEYS[(i * 3) % KEYS.length]
      const timestamp = base + i * 10 + ((i * 7919) % 1_500)
      const partition = partitionForKey(key, PARTITIONS)
      streamTime[partition] = Math.max(streamTime[partition], timestamp)
      for (let start = timestamp - (timestamp % ADVANCE); start > timestamp - SIZE; start -= ADVANCE) {
        const w = `${key}@${start}`
        counts.set(w, (counts.get(w) ?? 0) + 1)
        maxTimestamp.set(w, Math.max(maxTimestamp.get(w) ?? 0, timestamp))
        partitionOf.set(w, partition)
      }
      records.push({ topic: input, partition, key: Buffer.from(key), value: Buffer.from(String(i)), timestamp })
    }
    // Late for every window it falls in (end + grace <= its partition's stream time): dropped.
    const late = { topic: input, partition: partitionForKey('k0', PARTITIONS), key: Buffer.from('k0'), value: Buffer.from('late'), timestamp: base + 20_000 }
    const closed = new Map([...counts].filter(([w]) => Number(w.split('@')[1]) + SIZE + GRACE <= streamTime[partitionOf.get(w)!]))
    expect(closed.size).toBeLessThan(counts.size)
    const producer = client().producer({ lingerMs: 2 })
    await producer.sendBatch(records)
    await producer.sendBatch([late])
    await producer.close()

    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE).advanceBy(ADVANCE))
      .count()
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .to(output, { value: Serdes.int64() })
    const app = testStreamsApp(b.build(), appId)
    const serde = WindowedSerdes.timeWindowedSerdeFrom(Serdes.string(), SIZE)
    const finals = async () =>
      (await readTopic(client(), output, 'read_committed')).map((r) => {
        const k = serde.deserialize(output, r.key)
        return { window: `${k.key}@${k.window.start}`, count: int64(r.value as Buffer), timestamp: r.timestamp }
      })
    try {
      await app.start()
      await waitFor('the late record dropped', () => app.metrics().droppedRecords === 1, 40_000, 200)
      const committed = async () => {
        let sum = 0
        for (const o of await client().admin().listGroupOffsets(appId)) if (o.topic === input && o.offset > 0n) sum += Number(o.offset)
        return sum
      }
      await waitFor('all input committed', async () => (await committed()) === records.length + 1, 20_000, 200)
      // Everything is processed and committed: nothing more can come out.
      const out = await finals()
      expect(out.length).toBe(closed.size)
      expect(new Map(out.map((f) => [f.window, f.count]))).toEqual(closed)
      // A final result carries the window's last update's timestamp: its largest record timestamp.
      for (const f of out) expect(f.timestamp, f.window).toBe(maxTimestamp.get(f.window))
    } finally {
      await app.close()
    }
  }, 60_000)
})
