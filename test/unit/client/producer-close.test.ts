// close() with records that will never be acknowledged (a broker that takes requests and never
// answers): after the close timeout every pending record fails with ClientClosedError, the ones
// in flight with a ProduceOutcomeUnknownError as the cause, and the buffer is released.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { Client } from '../../../src/client/client.js'
import type { Cluster } from '../../../src/client/cluster.js'
import { ClientClosedError, ProduceOutcomeUnknownError } from '../../../src/client/errors.js'
import type { PartitionClient } from '../../../src/client/partition-client.js'
import { BatchProducer } from '../../../src/client/producer/batch-producer.js'
import { Producer } from '../../../src/client/producer/producer.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'

/** A client whose single broker accepts produce requests and never answers them. */
function silentBrokerClient() {
  let requests = 0
  let releasedLanes = 0
  const conn = {
    version: () => 9,
    send: () => {
      requests++
      return new Promise(() => undefined)
    },
  }
  const cluster = {
    options: { requestTimeoutMs: 30_000, retry: { retries: 0, initialBackoffMs: 1, maxBackoffMs: 1 } },
    logger: pino({ level: 'silent' }),
    newLane: (p: string) => `${p}-0`,
    releaseLane: async () => {
      releasedLanes++
    },
    invalidate: () => undefined,
    topic: async (name: string) => ({ name, topicId: '', isInternal: false, partitions: [0, 1].map((partition) => ({ partition, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1] })) }),
    broker: async () => conn,
    anyBroker: async () => conn,
  } as unknown as Cluster
  const untracked: unknown[] = []
  const client = { cluster, closeTimeoutMs: 5_000, untrack: (r: unknown) => untracked.push(r) } as unknown as Client
  return {
    client,
    untracked,
    get requests() {
      return requests
    },
    get releasedLanes() {
      return releasedLanes
    },
  }
}

describe('Producer.close({ timeoutMs })', () => {
  it('fails every pending record with ClientClosedError once the timeout passes (in-flight ones as possibly written) and releases the buffer', async () => {
    const env = silentBrokerClient()
    const producer = new Producer(env.client, { idempotent: false, acks: 1, lingerMs: 0, maxInFlight: 1 })
    const send = (i: number) => producer.send({ topic: 't', partition: i % 2, value: `v${i}` }).then(() => 'ok', (e: unknown) => e)
    const sends = Array.from({ length: 10 }, (_, i) => send(i))
    // Let the first batches go out (and hang); later records wait behind them, unsent.
    await new Promise((r) => setTimeout(r, 20))
    expect(env.requests).toBeGreaterThan(0)
    for (let i = 10; i < 20; i++) sends.push(send(i))
    await producer.close({ timeoutMs: 50 })
    const outcomes = await Promise.all(sends)
    for (const o of outcomes) expect(o).toBeInstanceOf(ClientClosedError)
    const inFlight = outcomes.filter((o) => (o as Error).cause instanceof ProduceOutcomeUnknownError)
    const unsent = outcomes.filter((o) => (o as Error).cause === undefined)
    expect(inFlight.length).toBeGreaterThan(0)
    expect(unsent.length).toBeGreaterThan(0)
    expect((inFlight[0] as Error).message).toMatch(/close timeout \(50 ms\).*may have been written/)
    expect(producer.buffered).toBe(0)
    expect(env.releasedLanes).toBeGreaterThan(0)
    expect(env.untracked).toEqual([producer])
    await expect(producer.send({ topic: 't', value: 'late' })).rejects.toBeInstanceOf(ClientClosedError)
  })

  it('a second close() waits for the first', async () => {
    const env = silentBrokerClient()
    const producer = new Producer(env.client, { idempotent: false, acks: 1, lingerMs: 0 })
    const sent = producer.send({ topic: 't', partition: 0, value: 'v' }).catch((e: unknown) => e)
    const first = producer.close({ timeoutMs: 30 })
    let secondDone = false
    const second = producer.close().then(() => (secondDone = true))
    await first
    await second
    expect(secondDone).toBe(true)
    expect(await sent).toBeInstanceOf(ClientClosedError)
  })

  it('refuses a negative timeout', async () => {
    const producer = new Producer(silentBrokerClient().client, { idempotent: false, acks: 1 })
    await expect(producer.close({ timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})

describe('BatchProducer.close({ timeoutMs })', () => {
  it('fails records in flight, queued and waiting for buffer space with ClientClosedError after the timeout', async () => {
    let requests = 0
    const pc = {
      topic: 't',
      partition: 0,
      produceEncoded: () => {
        requests++
        return new Promise(() => undefined)
      },
    } as unknown as PartitionClient
    const bp = new BatchProducer(pc, { lingerMs: 0, maxInFlight: 1, maxBatchBytes: 100, maxBufferedBytes: 300 })
    const outcomes = Array.from({ length: 30 }, (_, i) => bp.produce({ value: `value-${i}`.padEnd(60, '.') }).then(() => 'ok', (e: unknown) => e))
    await new Promise((r) => setTimeout(r, 20))
    expect(requests).toBe(1)
    await bp.close({ timeoutMs: 50 })
    const settled = await Promise.all(outcomes)
    for (const o of settled) expect(o).toBeInstanceOf(ClientClosedError)
    expect(settled.filter((o) => (o as Error).cause instanceof ProduceOutcomeUnknownError).length).toBeGreaterThan(0)
    expect(bp.buffered).toBe(0)
  })
})
