// The producer's error paths, one Kafka error or network fault at a time, injected by the fault
// proxy in front of the real broker. Each case asserts what Kafka's Java producer does: retried
// and written exactly once, failed at once with the named error, or reported as an unknown
// outcome. One documented difference: without idempotence Java retries a lost answer (and may
// write the records twice); Peridot reports it as a ProduceOutcomeUnknownError instead. The log
// itself is read back directly from the broker.
import { describe, expect, it } from 'vitest'
import { type Client, KafkaProtocolError, ProduceOutcomeUnknownError, RecordTooLargeError } from '../../src/index.js'
import { Metadata, Produce } from '../../src/protocol/index.js'
import type { ProxiedRequest } from './fault-proxy/fault-proxy.js'
import { mentions, proxiedClient, readAll, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()

async function withProducer<T>(
  opts: Parameters<Client['producer']>[0] & { requestTimeoutMs?: number },
  run: (send: (value: string) => Promise<{ offset: bigint }>, topic: string) => Promise<T>,
): Promise<T> {
  const topic = uniqueTopic('faults-produce')
  await direct().createTopic(topic, { partitions: 1 })
  const { requestTimeoutMs, ...producerOpts } = opts
  const client = await proxiedClient(proxy(), { requestTimeoutMs })
  try {
    const producer = client.producer({ lingerMs: 0, ...producerOpts })
    // Metadata first, so that the rules below meet the record's own Produce request.
    await client.partitionClient(topic, 0)
    const result = await run((value) => producer.send({ topic, key: 'k', value }), topic)
    await producer.close()
    return result
  } finally {
    await client.close()
  }
}

const producesTo = (topic: string) => (r: ProxiedRequest) => r.apiKey === Produce.apiKey && mentions(topic)(r)

/** Producer id, epoch and base sequence of the first record batch in a Produce request (record batch v2 header). */
function firstBatchHeader(req: ProxiedRequest): { producerId: bigint; producerEpoch: number; baseSequence: number } {
  const topics = req.body.TopicData as Array<{ PartitionData: Array<{ Records: Buffer }> }>
  const batch = topics[0].PartitionData[0].Records
  return { producerId: batch.readBigInt64BE(43), producerEpoch: batch.readInt16BE(51), baseSequence: batch.readInt32BE(53) }
}

describe('producer faults', () => {
  it('NOT_LEADER_OR_FOLLOWER: refreshes metadata, retries, and writes the record once', async () => {
    await withProducer({}, async (send, topic) => {
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'error', code: 'NOT_LEADER_OR_FOLLOWER' } })
      const metadataBefore = proxy().count(Metadata.apiKey)
      const md = await send('v1')
      expect(rule.applied).toBe(1)
      expect(proxy().count(Produce.apiKey, producesTo(topic)), 'the refused request and its retry').toBe(2)
      expect(proxy().count(Metadata.apiKey), 'a metadata refresh after the leader error').toBeGreaterThan(metadataBefore)
      expect(md.offset).toBe(0n)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    })
  })

  it('a retriable error three times in a row (NOT_ENOUGH_REPLICAS): retried until written, once', async () => {
    await withProducer({}, async (send, topic) => {
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, times: 3, action: { kind: 'error', code: 'NOT_ENOUGH_REPLICAS' } })
      await send('v1')
      expect(rule.applied).toBe(3)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    })
  })

  it('a non-retriable error (INVALID_RECORD): fails at once with it, no retry, nothing written', async () => {
    await withProducer({}, async (send, topic) => {
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'error', code: 'INVALID_RECORD', message: 'refused by the test' } })
      const err = await send('v1').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafkaProtocolError)
      expect((err as KafkaProtocolError).type).toBe('INVALID_RECORD')
      expect(proxy().count(Produce.apiKey, producesTo(topic)), 'not retried').toBe(1)
      expect(await readAll(direct(), topic)).toEqual([])
      // The producer goes on with the next record.
      await send('v2')
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v2'])
    })
  })

  it('idempotent: the broker wrote the batch but the answer was lost (connection cut): retried, and the broker keeps one copy', async () => {
    await withProducer({}, async (send, topic) => {
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'drop-response', then: 'disconnect' } })
      const md = await send('v1')
      expect(rule.applied).toBe(1)
      expect(proxy().count(Produce.apiKey, producesTo(topic)), 'sent again after the lost answer').toBe(2)
      expect(md.offset).toBe(0n)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    })
  })

  it('idempotent: an answer slower than the request timeout: retried on a new connection, written once', async () => {
    await withProducer({ requestTimeoutMs: 1_500, timeoutMs: 500 }, async (send, topic) => {
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'delay', ms: 6_000 } })
      await send('v1')
      expect(rule.applied).toBe(1)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    })
  })

  it('idempotent, later records in flight behind a lost answer: all written once, in order', async () => {
    await withProducer({ maxInFlight: 5 }, async (send, topic) => {
      proxy().addRule({ apiKey: Produce.apiKey, topic, nth: 2, action: { kind: 'drop-response', then: 'disconnect' } })
      const values = Array.from({ length: 20 }, (_, i) => `v${i}`)
      await Promise.all(values.map((v) => send(v)))
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(values)
    })
  })

  it('not idempotent: a lost answer is a ProduceOutcomeUnknownError, not retried (the record is in the log once)', async () => {
    await withProducer({ idempotent: false }, async (send, topic) => {
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'drop-response', then: 'disconnect' } })
      const err = await send('v1').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ProduceOutcomeUnknownError)
      expect(proxy().count(Produce.apiKey, producesTo(topic)), 'not retried: a retry could duplicate').toBe(1)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    })
  })

  it('not idempotent, acks=all: NOT_LEADER_OR_FOLLOWER may come after an append, so it is an unknown outcome', async () => {
    await withProducer({ idempotent: false }, async (send, topic) => {
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'error', code: 'NOT_LEADER_OR_FOLLOWER' } })
      const err = await send('v1').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ProduceOutcomeUnknownError)
      expect(proxy().count(Produce.apiKey, producesTo(topic))).toBe(1)
    })
  })

  it('retries exhausted on a retriable error: fails with that error, nothing written', async () => {
    await withProducer({ retries: 2 }, async (send, topic) => {
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, times: Infinity, action: { kind: 'error', code: 'NOT_ENOUGH_REPLICAS' } })
      const err = await send('v1').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafkaProtocolError)
      expect((err as KafkaProtocolError).type).toBe('NOT_ENOUGH_REPLICAS')
      expect(rule.applied, 'the first attempt and 2 retries').toBe(3)
      rule.remove()
      expect(await readAll(direct(), topic)).toEqual([])
    })
  })

  it('a truncated Produce answer: the outcome is unknown, so the idempotent producer retries and the record is written once', async () => {
    await withProducer({}, async (send, topic) => {
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'truncate', keepBodyBytes: 5 } })
      const md = await send('v1')
      expect(rule.applied).toBe(1)
      expect(md.offset).toBe(0n)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    })
  })

  it('not idempotent: a truncated Produce answer is a ProduceOutcomeUnknownError (the broker did write the record)', async () => {
    await withProducer({ idempotent: false }, async (send, topic) => {
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'truncate', keepBodyBytes: 5 } })
      const err = await send('v1').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ProduceOutcomeUnknownError)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    })
  })

  it('PartitionClient.produce: a truncated answer is a ProduceOutcomeUnknownError, not a DecodeError', async () => {
    const topic = uniqueTopic('faults-produce-pc')
    await direct().createTopic(topic, { partitions: 1 })
    const client = await proxiedClient(proxy())
    try {
      const pc = await client.partitionClient(topic, 0)
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'truncate', keepBodyBytes: 5 } })
      const err = await pc.produce([{ value: Buffer.from('v1') }]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ProduceOutcomeUnknownError)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    } finally {
      await client.close()
    }
  })

  it.each(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID'])('idempotent: %s for the next batch: the epoch is bumped, the sequences restart at 0, the record is written once', async (code) => {
    await withProducer({}, async (send, topic) => {
      await send('v0')
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'error', code } })
      await send('v1')
      await send('v2')
      expect(rule.applied).toBe(1)
      // As Java's idempotent producer: a local epoch bump (no InitProducerId), sequences from 0 again.
      const [first, refused, retried] = proxy().requests.filter(producesTo(topic)).map(firstBatchHeader)
      expect(refused).toEqual({ producerId: first.producerId, producerEpoch: first.producerEpoch, baseSequence: 1 })
      expect(retried).toEqual({ producerId: first.producerId, producerEpoch: first.producerEpoch + 1, baseSequence: 0 })
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v0', 'v1', 'v2'])
    })
  })

  it('MESSAGE_TOO_LARGE from the broker: RecordTooLargeError, not retried; the next record goes on', async () => {
    await withProducer({}, async (send, topic) => {
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'error', code: 'MESSAGE_TOO_LARGE' } })
      await expect(send('v1')).rejects.toBeInstanceOf(RecordTooLargeError)
      expect(proxy().count(Produce.apiKey, producesTo(topic))).toBe(1)
      await send('v2')
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v2'])
    })
  })

  it('Metadata names no leader for the partition (LEADER_NOT_AVAILABLE, twice): the producer asks again and writes once a leader is known', async () => {
    const topic = uniqueTopic('faults-produce-meta')
    await direct().createTopic(topic, { partitions: 1 })
    const client = await proxiedClient(proxy())
    try {
      const rule = proxy().addRule({
        apiKey: Metadata.apiKey,
        topic,
        times: 2,
        action: {
          kind: 'rewrite',
          edit: (res) => {
            for (const t of res.Topics as Array<{ Name: string; Partitions: Array<Record<string, unknown>> }>) {
              if (t.Name !== topic) continue
              for (const p of t.Partitions) Object.assign(p, { ErrorCode: 5, LeaderId: -1 })
            }
          },
        },
      })
      const producer = client.producer({ lingerMs: 0 })
      await producer.send({ topic, value: 'v1' })
      await producer.close()
      expect(rule.applied).toBe(2)
      expect(proxy().count(Metadata.apiKey, mentions(topic))).toBeGreaterThanOrEqual(3)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1'])
    } finally {
      await client.close()
    }
  })

  it('throttle_time_ms in a Produce answer: the next Produce to that broker waits it out', async () => {
    await withProducer({}, async (send, topic) => {
      const throttleMs = 1_500
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'rewrite', edit: (res) => void (res.ThrottleTimeMs = throttleMs) } })
      await send('v1')
      await send('v2')
      const produces = proxy().requests.filter(producesTo(topic))
      expect(produces).toHaveLength(2)
      // A lower bound only: however loaded the machine, the second request cannot come sooner.
      expect(produces[1].at - produces[0].answeredAt!).toBeGreaterThanOrEqual(throttleMs - 50)
      expect((await readAll(direct(), topic)).map((r) => r.value)).toEqual(['v1', 'v2'])
    })
  })
})
