// The consumers' fetch error paths (PartitionClient and group consumer), injected by the fault
// proxy in front of the real broker: corrupt record batches and truncated answers surface as
// typed errors (and are fetched again, as Kafka's Java consumer does once the bytes are intact),
// OFFSET_OUT_OF_RANGE follows the reset policy, leader errors refresh metadata and go on.
import { describe, expect, it } from 'vitest'
import {
  type Client,
  ConsumerRetryError,
  ConsumerUnavailableError,
  CorruptRecordError,
  DecodeError,
  type GroupConsumer,
  KafkaProtocolError,
} from '../../src/index.js'
import { Fetch, ListOffsets, Metadata } from '../../src/protocol/index.js'
import { mentions, proxiedClient, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()

/** A one-partition topic holding `n` records v0..v(n-1), written directly to the broker. */
async function topicWith(n: number, prefix = 'faults-fetch'): Promise<string> {
  const topic = uniqueTopic(prefix)
  await direct().createTopic(topic, { partitions: 1 })
  const pc = await direct().partitionClient(topic, 0)
  // Several batches, so a corrupted first batch leaves intact ones behind it.
  for (let i = 0; i < n; i += 5) await pc.produce(Array.from({ length: Math.min(5, n - i) }, (_, j) => ({ value: Buffer.from(`v${i + j}`) })))
  return topic
}

const values = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => `v${from + i}`)

async function withClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = await proxiedClient(proxy())
  try {
    return await run(client)
  } finally {
    await client.close()
  }
}

/** The values of the next `n` records the group consumer delivers. */
async function take(consumer: GroupConsumer, n: number): Promise<string[]> {
  const out: string[] = []
  while (out.length < n) {
    const batch = await consumer.next()
    if (!batch) break
    for (const rec of batch.records) out.push(rec.value?.toString() ?? '')
  }
  return out
}

describe('fetch faults: PartitionClient', () => {
  it('a corrupt record batch is a CorruptRecordError; fetched again intact, it reads', async () => {
    const topic = await topicWith(10)
    await withClient(async (client) => {
      const pc = await client.partitionClient(topic, 0)
      const rule = proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'corrupt-batch' } })
      await expect(pc.fetchRecords(0n)).rejects.toBeInstanceOf(CorruptRecordError)
      expect(rule.applied).toBe(1)
      const res = await pc.fetchRecords(0n)
      expect(res.records.map((r) => r.value?.toString())).toEqual(values(10))
    })
  })

  it('a truncated Fetch answer is a DecodeError (the connection is replaced), and the next fetch reads', async () => {
    const topic = await topicWith(5)
    await withClient(async (client) => {
      const pc = await client.partitionClient(topic, 0)
      proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'truncate', keepBodyBytes: 30 } })
      const err = await pc.fetchRecords(0n).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(DecodeError)
      expect((await pc.fetchRecords(0n)).records.map((r) => r.value?.toString())).toEqual(values(5))
    })
  })

  it.each(['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_TOPIC_ID', 'LEADER_NOT_AVAILABLE'])(
    '%s: metadata refreshed, fetch retried and answered',
    async (code) => {
      const topic = await topicWith(5)
      await withClient(async (client) => {
        const pc = await client.partitionClient(topic, 0)
        const rule = proxy().addRule({ apiKey: Fetch.apiKey, topic, times: 2, action: { kind: 'error', code } })
        const res = await pc.fetchRecords(0n)
        expect(rule.applied).toBe(2)
        expect(res.records.map((r) => r.value?.toString())).toEqual(values(5))
      })
    },
  )

  it('OFFSET_OUT_OF_RANGE: fetchRecords throws it (not retried)', async () => {
    const topic = await topicWith(5)
    await withClient(async (client) => {
      const pc = await client.partitionClient(topic, 0)
      proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'error', code: 'OFFSET_OUT_OF_RANGE' } })
      const err = await pc.fetchRecords(2n).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafkaProtocolError)
      expect((err as KafkaProtocolError).type).toBe('OFFSET_OUT_OF_RANGE')
    })
  })

  it("OFFSET_OUT_OF_RANGE under consume({ onOffsetOutOfRange: 'earliest' }): resets to the log start and reads from there", async () => {
    const topic = await topicWith(10)
    await withClient(async (client) => {
      const pc = await client.partitionClient(topic, 0)
      proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'error', code: 'OFFSET_OUT_OF_RANGE' } })
      const listOffsetsBefore = proxy().count(ListOffsets.apiKey)
      const ac = new AbortController()
      const got: string[] = []
      for await (const batch of pc.consume({ from: 7n, onOffsetOutOfRange: 'earliest', signal: ac.signal })) {
        for (const r of batch.records) got.push(r.value?.toString() ?? '')
        if (got.length >= 10) ac.abort()
      }
      expect(got).toEqual(values(10))
      expect(proxy().count(ListOffsets.apiKey), 'the reset asked for the earliest offset').toBeGreaterThan(listOffsetsBefore)
    })
  })
})

describe('fetch faults: group consumer', () => {
  const group = () => uniqueTopic('faults-fetch-group')

  it('a corrupt batch once: reported to onError as a corrupt fetch (cause CorruptRecordError), fetched again, every record delivered once', async () => {
    const topic = await topicWith(20)
    await withClient(async (client) => {
      const errors: ConsumerRetryError[] = []
      proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'corrupt-batch' } })
      const consumer = client.groupConsumer({ groupId: group(), topics: [topic], autoOffsetReset: 'earliest', onError: (e) => errors.push(e) })
      try {
        expect(await take(consumer, 20)).toEqual(values(20))
      } finally {
        await consumer.close()
      }
      expect(errors.map((e) => e.kind)).toContain('corrupt-fetch')
      expect(errors.find((e) => e.kind === 'corrupt-fetch')?.cause).toBeInstanceOf(CorruptRecordError)
    })
  })

  it('a batch corrupt on every fetch: next() throws ConsumerUnavailableError (corrupt-fetch, cause CorruptRecordError) after unavailableTimeoutMs', async () => {
    const topic = await topicWith(10)
    await withClient(async (client) => {
      // Every Fetch, not only those naming the topic: in an incremental fetch session (KIP-227) a
      // partition whose position did not move is not listed, and the broker answers it anyway.
      const rule = proxy().addRule({ apiKey: Fetch.apiKey, times: Infinity, action: { kind: 'corrupt-batch' } })
      const consumer = client.groupConsumer({ groupId: group(), topics: [topic], autoOffsetReset: 'earliest', unavailableTimeoutMs: 1_500 })
      try {
        const err = await consumer.next().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(ConsumerUnavailableError)
        expect((err as ConsumerUnavailableError).kind).toBe('corrupt-fetch')
        expect((err as ConsumerUnavailableError).cause).toBeInstanceOf(CorruptRecordError)
        // Once the bytes arrive intact, the same consumer reads every record.
        rule.remove()
        expect(await take(consumer, 10)).toEqual(values(10))
      } finally {
        await consumer.close()
      }
    })
  })

  it('a truncated Fetch answer: fetched again, every record delivered once', async () => {
    const topic = await topicWith(10)
    await withClient(async (client) => {
      const rule = proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'truncate', keepBodyBytes: 40 } })
      const consumer = client.groupConsumer({ groupId: group(), topics: [topic], autoOffsetReset: 'earliest' })
      try {
        expect(await take(consumer, 10)).toEqual(values(10))
        expect(rule.applied).toBe(1)
      } finally {
        await consumer.close()
      }
    })
  })

  it('a Fetch answer slower than the request timeout: the connection is replaced, fetched again, every record delivered once', async () => {
    const topic = await topicWith(10)
    const client = await proxiedClient(proxy(), { requestTimeoutMs: 1_500 })
    try {
      const rule = proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'delay', ms: 5_000 } })
      const consumer = client.groupConsumer({ groupId: group(), topics: [topic], autoOffsetReset: 'earliest', maxWaitMs: 200 })
      try {
        expect(await take(consumer, 10)).toEqual(values(10))
        expect(rule.applied).toBe(1)
      } finally {
        await consumer.close()
      }
    } finally {
      await client.close()
    }
  })

  it.each(['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_TOPIC_ID'])('%s on fetch: metadata refreshed, every record delivered once', async (code) => {
    const topic = await topicWith(10)
    await withClient(async (client) => {
      const rule = proxy().addRule({ apiKey: Fetch.apiKey, topic, times: 3, action: { kind: 'error', code } })
      const consumer = client.groupConsumer({ groupId: group(), topics: [topic], autoOffsetReset: 'earliest' })
      try {
        expect(await take(consumer, 10)).toEqual(values(10))
        expect(rule.applied).toBe(3)
      } finally {
        await consumer.close()
      }
    })
  })

  // The failover stall of a consume-transform-produce loop (issue 13): the group fetcher read
  // its partitions' leaders from the client's metadata cache and never refreshed it itself, so an
  // answer cached without a leader (an election under way) stalled it for good once nothing else
  // (a producer to the same topic) refreshed the cache.
  it('a metadata answer without a leader after a leader error: the consumer asks again and goes on (it stalled on the cached answer)', async () => {
    const topic = await topicWith(10)
    await withClient(async (client) => {
      const consumer = client.groupConsumer({ groupId: group(), topics: [topic], autoOffsetReset: 'earliest', maxWaitMs: 200, unavailableTimeoutMs: 5_000 })
      try {
        expect(await take(consumer, 10)).toEqual(values(10))
        const noLeader = proxy().addRule({
          apiKey: Metadata.apiKey,
          topic,
          action: {
            kind: 'rewrite',
            edit: (res) => {
              for (const t of res.Topics as Array<{ Name: string; Partitions: Array<Record<string, unknown>> }>) {
                if (t.Name === topic) for (const p of t.Partitions) Object.assign(p, { ErrorCode: 5, LeaderId: -1 })
              }
            },
          },
        })
        // The leader error sends the fetcher to the metadata, which answers "no leader" once.
        const moved = proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'error', code: 'NOT_LEADER_OR_FOLLOWER' } })
        const pc = await direct().partitionClient(topic, 0)
        await pc.produce(Array.from({ length: 10 }, (_, i) => ({ value: Buffer.from(`v${10 + i}`) })))
        expect(await take(consumer, 10)).toEqual(values(20, 10))
        expect(moved.applied).toBe(1)
        expect(noLeader.applied).toBe(1)
      } finally {
        await consumer.close()
      }
    })
  })

  it('a fetch connection cut: the leader is looked up again before the next fetch (the broker may be gone), every record delivered once', async () => {
    const topic = await topicWith(10)
    await withClient(async (client) => {
      const consumer = client.groupConsumer({ groupId: group(), topics: [topic], autoOffsetReset: 'earliest', maxWaitMs: 200 })
      try {
        expect(await take(consumer, 10)).toEqual(values(10))
        const asked = proxy().count(Metadata.apiKey, mentions(topic))
        const cut = proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'disconnect' } })
        const pc = await direct().partitionClient(topic, 0)
        await pc.produce(Array.from({ length: 10 }, (_, i) => ({ value: Buffer.from(`v${10 + i}`) })))
        expect(await take(consumer, 10)).toEqual(values(20, 10))
        expect(cut.applied).toBe(1)
        expect(proxy().count(Metadata.apiKey, mentions(topic))).toBeGreaterThan(asked)
      } finally {
        await consumer.close()
      }
    })
  })

  it("OFFSET_OUT_OF_RANGE with autoOffsetReset 'earliest': resets to the log start (records after the committed offset come again, as in Java)", async () => {
    const topic = await topicWith(10)
    const groupId = group()
    await direct().admin().alterGroupOffsets(groupId, [{ topic, partition: 0, offset: 6n }])
    await withClient(async (client) => {
      proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'error', code: 'OFFSET_OUT_OF_RANGE' } })
      const consumer = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
      try {
        expect(await take(consumer, 10)).toEqual(values(10))
      } finally {
        await consumer.close()
      }
    })
  })

  it("OFFSET_OUT_OF_RANGE with autoOffsetReset 'latest': resets to the end, only later records are delivered", async () => {
    const topic = await topicWith(10)
    const groupId = group()
    await direct().admin().alterGroupOffsets(groupId, [{ topic, partition: 0, offset: 6n }])
    await withClient(async (client) => {
      const rule = proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'error', code: 'OFFSET_OUT_OF_RANGE' } })
      const consumer = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'latest' })
      try {
        // The reset's ListOffsets: produce only once its answer is out, so the record lies past the new position.
        const lookup = proxy().addRule({ apiKey: ListOffsets.apiKey, topic, match: () => rule.applied > 0, action: { kind: 'delay', ms: 1 } })
        const first = consumer.next()
        await lookup.appliedTimes(1)
        const request = proxy().requests.findLast((x) => x.apiKey === ListOffsets.apiKey)!
        while (request.answeredAt === undefined) await new Promise((r) => setTimeout(r, 10))
        await (await direct().partitionClient(topic, 0)).produce([{ value: Buffer.from('after-reset') }])
        const batch = await first
        expect(batch?.records.map((x) => x.value?.toString())).toEqual(['after-reset'])
      } finally {
        await consumer.close()
      }
    })
  })

  it("OFFSET_OUT_OF_RANGE with autoOffsetReset 'error': next() throws it", async () => {
    const topic = await topicWith(10)
    const groupId = group()
    await direct().admin().alterGroupOffsets(groupId, [{ topic, partition: 0, offset: 6n }])
    await withClient(async (client) => {
      proxy().addRule({ apiKey: Fetch.apiKey, topic, action: { kind: 'error', code: 'OFFSET_OUT_OF_RANGE' } })
      const consumer = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'error' })
      try {
        const err = await consumer.next().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(KafkaProtocolError)
        expect((err as KafkaProtocolError).type).toBe('OFFSET_OUT_OF_RANGE')
      } finally {
        await consumer.close()
      }
    })
  })
})
