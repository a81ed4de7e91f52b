// KTable.suppress end to end under exactly_once_v2: the suppression buffer lives in a logged store,
// so when its tasks move to another instance (a second instance joins, then the first one closes,
// or the only instance is closed and restarted) the buffer is restored from its changelog and
// every result is emitted exactly once (read_committed): none lost, none twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { BufferConfig, KafkaStreams, Serdes, StreamsBuilder, Suppressed, type KafkaStreamsOptions } from '../../src/streams/index.js'
import { TimeWindows } from '../../src/streams/dsl/windows.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const PARTITIONS = 4
const KEYS = 40
const ROUND_MS = 10_000
const LIMIT_MS = 5_000
const UPDATES = 3
/**
 * Event times start near now: records from 1970 would be past the topics' retention and the
 * broker deletes their segments (fetching them then is OFFSET_OUT_OF_RANGE).
 */
const BASE = Math.floor(Date.now() / 60_000) * 60_000

/**
 * Round r: a tick per partition at r * ROUND_MS (it moves stream time past the limit for the
 * previous round), then every key gets UPDATES updates at r * ROUND_MS + 100 + key + j (well
 * within the limit). So each key's round-r update is held until the ticks of round r + 1 arrive:
 * exactly one result per key and round, the round's last value. Keys go to partition
 * key % PARTITIONS. (A tick comes first because a key's new update replaces its buffered one
 * before due updates are emitted, as in Kafka Streams.)
 */
function round(topic: string, r: number) {
  const out = []
  for (let p = 0; p < PARTITIONS; p++) out.push({ topic, partition: p, key: Buffer.from(`tick-${p}`), value: Buffer.from(`tick:r${r}`), timestamp: BASE + r * ROUND_MS })
  for (let j = 0; j < UPDATES; j++) {
    for (let k = 0; k < KEYS; k++) {
      out.push({ topic, partition: k % PARTITIONS, key: Buffer.from(`k${k}`), value: Buffer.from(`k${k}:r${r}:u${j}`), timestamp: BASE + r * ROUND_MS + 100 + k + j })
    }
  }
  return out
}

function eosOptions(appPrefix: string): KafkaStreamsOptions {
  return { applicationId: uniqueTopic(appPrefix), brokers: [bootstrap()], processingGuarantee: 'exactly_once_v2', commitIntervalMs: 100, heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000 }
}

async function produce(records: ReturnType<typeof round>): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  await producer.sendBatch(records)
  await producer.close()
}

describe('KTable.suppress under exactly_once_v2', () => {
  it('untilTimeLimit: each result once across failover and restart, the buffer restored from its changelog', async () => {
    const input = uniqueTopic('sup-in')
    const output = uniqueTopic('sup-out')
    await client.createTopic(input, { partitions: PARTITIONS })
    await client.createTopic(output, { partitions: PARTITIONS })
    const topology = () => {
      const b = new StreamsBuilder()
      // Uncached: every update reaches the suppression (the record cache would collapse rounds that share a commit).
      b.table(input, { key: Serdes.string(), value: Serdes.string() }, { name: 'latest', cachingEnabled: false })
        .suppress(Suppressed.untilTimeLimit(LIMIT_MS, BufferConfig.unbounded()).withName('hold'))
        .toStream()
        .to(output, { key: Serdes.string(), value: Serdes.string() })
      return b.build()
    }
    const options = eosOptions('sup-app')
    const results = async () => (await readTopic(client, output, 'read_committed')).map((r) => r.value!.toString()).filter((v) => !v.startsWith('tick'))
    const expectedUpTo = (rounds: number) => {
      const e: string[] = []
      for (let r = 0; r < rounds; r++) for (let k = 0; k < KEYS; k++) e.push(`k${k}:r${r}:u${UPDATES - 1}`)
      return e.sort()
    }

    const a = new KafkaStreams(topology(), { ...options, stateDir: tempStateDir() })
    const b = new KafkaStreams(topology(), { ...options, stateDir: tempStateDir() })
    try {
      await produce([...round(input, 0), ...round(input, 1)])
      await a.start()
      // Round 0 is out; round 1 sits in A's buffers.
      await waitFor('round 0 emitted', async () => (await results()).length >= KEYS, 30_000, 200)

      // B joins: half of the tasks move with their buffers (restored from the changelog).
      await b.start()
      await waitFor('tasks split', () => a.metrics().tasks.active.length === PARTITIONS / 2 && b.metrics().tasks.active.length === PARTITIONS / 2 && b.state === 'RUNNING', 30_000)
      await produce(round(input, 2))
      await waitFor('round 1 emitted', async () => (await results()).length >= 2 * KEYS, 30_000, 200)

      // A closes: B takes over everything, restoring A's buffers (round 2).
      await a.close()
      await waitFor('B runs every task', () => b.metrics().tasks.active.length === PARTITIONS && b.state === 'RUNNING', 30_000)
      await produce(round(input, 3))
      await waitFor('round 2 emitted', async () => (await results()).length >= 3 * KEYS, 30_000, 200)
      await b.close()

      // A restarts on a fresh state directory: everything restores from the changelogs.
      const a2 = new KafkaStreams(topology(), { ...options, stateDir: tempStateDir() })
      try {
        await a2.start()
        await produce(round(input, 4))
        await waitFor('round 3 emitted', async () => (await results()).length >= 4 * KEYS, 30_000, 200)
        // Nothing more is due: give a duplicate the time to show up.
        await new Promise((r) => setTimeout(r, 500))
      } finally {
        await a2.close()
      }
      expect((await results()).sort()).toEqual(expectedUpTo(4))
      const restored = b.metrics().restore
      expect(restored.restoredRecords + restored.standbyRecords).toBeGreaterThan(0)
    } finally {
      await b.close()
      await a.close()
    }
  }, 120_000)

  it('windowed count + suppress(untilWindowCloses): each window\'s final count exactly once across a restart mid-stream', async () => {
    const input = uniqueTopic('supw-in')
    const output = uniqueTopic('supw-out')
    await client.createTopic(input, { partitions: PARTITIONS })
    await client.createTopic(output, { partitions: PARTITIONS })
    const SIZE = 1_000
    const GRACE = 5
    const topology = () => {
      const b = new StreamsBuilder()
      b.stream(input, { key: Serdes.string(), value: Serdes.string() })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE))
        .count()
        .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
        .toStream()
        .to(output, { value: Serdes.int64() })
      return b.build()
    }
    // Round r: key k clicks (k % 3) + 1 times in window [r * SIZE, (r + 1) * SIZE), not in time
    // order; round r + 1's first click on a partition closes round r's windows there.
    const clicks = (r: number) => {
      const out = []
      for (let k = 0; k < KEYS; k++) {
        for (let j = 0; j <= k % 3; j++) {
          out.push({ topic: input, partition: k % PARTITIONS, key: Buffer.from(`k${k}`), value: Buffer.from('x'), timestamp: BASE + r * SIZE + 10 + ((k + 7 * j) % 50) })
        }
      }
      return out
    }
    const results = async () =>
      (await readTopic(client, output, 'read_committed')).map((rec) => {
        const key = rec.key!
        return `${key.subarray(0, key.length - 8).toString()}@${key.readBigInt64BE(key.length - 8)}=${rec.value!.readBigInt64BE(0)}`
      })
    const expectedUpTo = (rounds: number) => {
      const e: string[] = []
      for (let r = 0; r < rounds; r++) for (let k = 0; k < KEYS; k++) e.push(`k${k}@${BASE + r * SIZE}=${(k % 3) + 1}`)
      return e.sort()
    }
    const options = eosOptions('supw-app')

    const first = new KafkaStreams(topology(), { ...options, stateDir: tempStateDir() })
    try {
      await first.start()
      await produce([...clicks(0), ...clicks(1), ...clicks(2)])
      await waitFor('round 1 emitted', async () => (await results()).length >= 2 * KEYS, 30_000, 200)
    } finally {
      await first.close()
    }
    // Round 2's windows are in the suppression buffers (and the window stores): a new instance with
    // a fresh state directory has only the changelogs.
    const second = new KafkaStreams(topology(), { ...options, stateDir: tempStateDir() })
    try {
      await second.start()
      await produce([...clicks(3), ...clicks(4)])
      await waitFor('round 3 emitted', async () => (await results()).length >= 4 * KEYS, 30_000, 200)
      await new Promise((r) => setTimeout(r, 500)) // time for a duplicate to show up
      expect((await results()).sort()).toEqual(expectedUpTo(4))
      expect(second.metrics().restore.restoredRecords).toBeGreaterThan(0)
    } finally {
      await second.close()
    }
  }, 120_000)
})
