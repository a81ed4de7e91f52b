// EmitStrategy.onWindowClose across a restart (exactly_once_v2 and at_least_once): the last emitted window close
// time is committed with the input offsets (Kafka Streams' processor metadata), so an instance
// started after another closed (with a fresh state dir: the window store restores from its
// changelog) does not emit the windows the first one emitted again. Read with read_committed,
// every window's final count is there exactly once.
import { describe, expect, it } from 'vitest'
import { EmitStrategy, KafkaStreams, Materialized, Serdes, StreamsBuilder, TimeWindows, WindowedSerdes } from '../../src/streams/index.js'
import { sharedClient, uniqueTopic } from './helpers.js'
import { decodeTaskOffsetMetadata } from '../../src/streams/runtime/task-metadata.js'
import { int64, readTopic, testStreamsApp, waitFor } from './streams-helpers.js'

const client = sharedClient()

const MINUTE = 60_000
const PARTITIONS = 2
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']

describe('onWindowClose across a restart', () => {
  it.each(['exactly_once_v2', 'at_least_once'] as const)('%s: a restarted instance with a fresh state dir emits each closed window once', async (guarantee) => {
    const input = uniqueTopic('emit-restart-in')
    const output = uniqueTopic('emit-restart-out')
    const appId = uniqueTopic('emit-restart-app')
    await client().createTopic(input, { partitions: PARTITIONS })
    await client().createTopic(output, { partitions: 1 })
    const base = Math.floor(Date.now() / MINUTE) * MINUTE - 20 * MINUTE
    const expected = new Map<string, number>()
    const producer = client().producer({ lingerMs: 2 })
    // Records of every key in windows [from, to), in time order; ticks (one per partition, at
    // `tickTime`) let the wall-clock throttled emit check run again without advancing stream time.
    const produce = async (from: number, to: number): Promise<void> => {
      const records = []
      for (let w = from; w < to; w++) {
        for (let i = 0; i < 20; i++) {
          const key = KEYS[i % KEYS.length]
          const timestamp = base + w * MINUTE + i * 1000
          expected.set(`${key}@${base + w * MINUTE}`, (expected.get(`${key}@${base + w * MINUTE}`) ?? 0) + 1)
          records.push({ topic: input, key: Buffer.from(key), value: Buffer.from('v'), timestamp })
        }
      }
      await producer.sendBatch(records)
    }
    const tick = async (window: number): Promise<void> => {
      const timestamp = base + window * MINUTE
      for (let p = 0; p < PARTITIONS; p++) {
        const key = `tick${p}`
        expected.set(`${key}@${timestamp}`, (expected.get(`${key}@${timestamp}`) ?? 0) + 1)
        await producer.send({ topic: input, partition: p, key: Buffer.from(key), value: Buffer.from('t'), timestamp })
      }
    }
    const serde = WindowedSerdes.timeWindowedSerdeFrom(Serdes.string(), MINUTE)
    const emitted = async (): Promise<Array<[string, number]>> =>
      (await readTopic(client(), output, 'read_committed')).map((r) => {
        const k = serde.deserialize(output, r.key)
        return [`${k.key}@${k.window.start}`, int64(r.value as Buffer)]
      })
    const closedBefore = (window: number): string[] => [...expected.keys()].filter((w) => Number(w.split('@')[1]) < base + window * MINUTE).sort()
    const emittedAll = async (windows: string[]): Promise<boolean> => {
      const seen = new Set((await emitted()).map(([w]) => w))
      return windows.every((w) => seen.has(w))
    }
    const newApp = (): KafkaStreams => {
      const b = new StreamsBuilder()
      b.stream(input, { key: Serdes.string(), value: Serdes.string() })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(MINUTE))
        .emitStrategy(EmitStrategy.onWindowClose())
        // A day's retention: closed windows stay in the store (and its changelog) after they were emitted.
        .count(Materialized.as<string, number>('counts').withRetention(24 * 60 * MINUTE))
        .toStream()
        .to(output, { value: Serdes.int64() })
      return testStreamsApp(b.build(), appId, guarantee)
    }

    try {
      // First instance: windows 0-3; 0-2 close and are emitted.
      await produce(0, 4)
      const first = newApp()
      try {
        await first.start()
        const want = closedBefore(3)
        await waitFor('windows 0-2 emitted', async () => (await emittedAll(want)) || (await tick(3), false), 60_000, 1100)
      } finally {
        await first.close()
      }
      // Second instance, fresh state dir: windows 4-5 close 3-4.
      await produce(4, 6)
      const second = newApp()
      try {
        await second.start()
        const want = closedBefore(5)
        await waitFor('windows 3-4 emitted', async () => (await emittedAll(want)) || (await tick(5), false), 60_000, 1100)
      } finally {
        await second.close()
      }
      const out = await emitted()
      const windows = out.map(([w]) => w)
      // Each closed window exactly once (none emitted again by the second instance), with its exact count.
      expect(windows.filter((w, i) => windows.indexOf(w) !== i)).toEqual([])
      expect(new Map(out)).toEqual(new Map(closedBefore(5).map((w) => [w, expected.get(w)])))
      // The committed offsets carry it in Kafka Streams' offset metadata: partition time (the
      // partition's largest timestamp, in window 5) and the emitted close time (at least the end
      // of window 4, which was emitted) under the store's name.
      const committed = await client().admin().listGroupOffsets(appId)
      expect(committed.map((c) => c.partition)).toEqual([0, 1])
      for (const c of committed) {
        const meta = decodeTaskOffsetMetadata(c.metadata)
        expect(meta.partitionTime).toBeGreaterThanOrEqual(base + 5 * MINUTE)
        expect(meta.partitionTime).toBeLessThan(base + 6 * MINUTE)
        expect([...meta.processorMetadata.keys()]).toEqual(['counts'])
        expect(meta.processorMetadata.get('counts')).toBeGreaterThanOrEqual(base + 5 * MINUTE)
      }
    } finally {
      await producer.close()
    }
  }, 150_000)
})
