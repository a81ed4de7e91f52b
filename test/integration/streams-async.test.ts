// KStream's async operators on the real broker under exactly_once_v2: records with random
// latencies, many in flight per task, while a second instance joins and the first one leaves
// (tasks move with records in flight: abandoned, aborted, processed again by the new owner).
// The output, read with read_committed, holds every input exactly once and each key's records
// in input order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder, type Topology } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const KEYS = 40
const PER_KEY = 100
const N = KEYS * PER_KEY

/** Input records `from` to `to` (exclusive): key `k<i % KEYS>`, value the key's sequence number. */
async function produce(topic: string, from: number, to: number): Promise<void> {
  const producer = client.producer({ lingerMs: 2 })
  const recs = []
  for (let i = from; i < to; i++) recs.push({ topic, key: Buffer.from(`k${i % KEYS}`), value: Buffer.from(String(Math.floor(i / KEYS))) })
  await producer.sendBatch(recs)
  await producer.close()
}

/** Per key, the sequence numbers in the output (values `<key>:<seq>`), checking each value names its record's key. */
function sequencesByKey(records: Array<{ key: Buffer | null; value: Buffer | null }>): Map<string, number[]> {
  const perKey = new Map<string, number[]>()
  for (const r of records) {
    const key = r.key!.toString()
    const [k, seq] = r.value!.toString().split(':')
    expect(k).toBe(key)
    let l = perKey.get(key)
    if (l === undefined) perKey.set(key, (l = []))
    l.push(Number(seq))
  }
  return perKey
}

function topology(input: string, output: string, counters: { calls: number; aborted: number }): Topology {
  const b = new StreamsBuilder()
  b.stream(input, { key: Serdes.string(), value: Serdes.string() })
    .mapValuesAsync(
      (v, k, call) =>
        new Promise<string>((resolve, reject) => {
          counters.calls++
          const timer = setTimeout(() => resolve(`${k}:${v}`), 2 + Math.floor(Math.random() * 60))
          call.signal.addEventListener('abort', () => {
            counters.aborted++
            clearTimeout(timer)
            reject(call.signal.reason as Error)
          })
        }),
      { concurrency: 16, timeoutMs: 10_000, maxBufferedRecords: 64 },
    )
    .to(output, { key: Serdes.string(), value: Serdes.string() })
  return b.build()
}

describe('KStream async operators under exactly_once_v2', () => {
  it('output exactly once and in per-key order with random latencies, across instances joining and leaving', async () => {
    const input = uniqueTopic('async-in')
    const output = uniqueTopic('async-out')
    await client.createTopic(input, { partitions: 4 })
    await client.createTopic(output, { partitions: 4 })
    const applicationId = uniqueTopic('async-app')
    const options = { applicationId, brokers: [bootstrap()], processingGuarantee: 'exactly_once_v2' as const, commitIntervalMs: 100, heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000 }
    const counters = { calls: 0, aborted: 0 }
    const a = new KafkaStreams(topology(input, output, counters), { ...options, stateDir: tempStateDir() })
    const b = new KafkaStreams(topology(input, output, counters), { ...options, stateDir: tempStateDir() })
    const committedOut = async (): Promise<number> => (await readTopic(client, output, 'read_committed')).length
    try {
      await produce(input, 0, N / 2)
      await a.start()
      await waitFor('A has committed output', async () => (await committedOut()) > 100, 30_000, 50)
      // B joins while A has records in flight, and the second half arrives.
      await Promise.all([b.start(), produce(input, N / 2, N)])
      await waitFor('B runs tasks', () => b.metrics().tasks.active.length > 0 && b.state === 'RUNNING', 30_000, 50)
      const atJoin = await committedOut()
      await waitFor('more output', async () => (await committedOut()) >= Math.min(N, atJoin + 500), 30_000, 200)
      // A leaves with records in flight: its tasks move to B.
      const atLeave = await committedOut()
      await a.close()
      console.log(`async EOS: B ran tasks at ${atJoin} and A left at ${atLeave} of ${N} records committed`)
      await waitFor('all input committed', async () => (await committedOut()) >= N, 60_000, 200)
    } finally {
      await b.close()
      await a.close()
    }
    const out = await readTopic(client, output, 'read_committed')
    const perKey = sequencesByKey(out)
    expect(out).toHaveLength(N)
    for (let k = 0; k < KEYS; k++) expect(perKey.get(`k${k}`)).toEqual(Array.from({ length: PER_KEY }, (_, i) => i))
    // Records were processed concurrently (more calls than a rebalance-free run needs happen only when work was abandoned).
    expect(counters.calls).toBeGreaterThanOrEqual(N)
    console.log(`async EOS: ${counters.calls} calls for ${N} records, ${counters.aborted} aborted by task moves`)
  }, 120_000)
})

describe('KStream async operators under at_least_once', () => {
  it('a graceful close mid-run waits for the records in flight: after a restart the output has every input once, in per-key order', async () => {
    const input = uniqueTopic('async-alos-in')
    const output = uniqueTopic('async-alos-out')
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })
    const applicationId = uniqueTopic('async-alos-app')
    const options = { applicationId, brokers: [bootstrap()], processingGuarantee: 'at_least_once' as const, commitIntervalMs: 100, heartbeatIntervalMs: 300, stateDir: tempStateDir() }
    const counters = { calls: 0, aborted: 0 }
    const total = (): Promise<number> => readTopic(client, output).then((r) => r.length)
    await produce(input, 0, N)
    const first = new KafkaStreams(topology(input, output, counters), options)
    try {
      await first.start()
      await waitFor('some output', async () => (await total()) > 300, 30_000, 50)
    } finally {
      // Records are in flight now (16 per task, 2-62 ms each): close commits only once they are out.
      await first.close()
    }
    const atClose = await total()
    const second = new KafkaStreams(topology(input, output, counters), options)
    try {
      await second.start()
      await waitFor('all output', async () => (await total()) >= N, 60_000, 200)
    } finally {
      await second.close()
    }
    const out = await readTopic(client, output)
    const perKey = sequencesByKey(out)
    expect(out, `the first run closed at ${atClose} records`).toHaveLength(N)
    for (let k = 0; k < KEYS; k++) expect(perKey.get(`k${k}`)).toEqual(Array.from({ length: PER_KEY }, (_, i) => i))
    expect(atClose).toBeLessThan(N) // the close came mid-run
  }, 120_000)
})
