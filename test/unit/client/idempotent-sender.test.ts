// Idempotent producer logic without a broker: sequence arithmetic, the transaction state
// machine, and the Sender against a simulated partition leader that de-duplicates by
// (producer id, epoch, sequence) like Kafka's ProducerStateManager.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { InitProducerId } from '../../../src/protocol/messages/init-producer-id.js'
import type { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js'
import { decodeRecordBatches } from '../../../src/protocol/records/index.js'
import type { Cluster } from '../../../src/client/cluster.js'
import { ConnectionError, ProduceOutcomeUnknownError } from '../../../src/client/errors.js'
import { RecordAccumulator, offsetInBatch, type PendingRecord } from '../../../src/client/producer/accumulator.js'
import { TransactionStateError } from '../../../src/client/producer/errors.js'
import { Sender } from '../../../src/client/producer/sender.js'
import { canTransition, incrementSequence, lastSequence, MAX_SEQUENCE, TransactionStateMachine } from '../../../src/client/producer/txn-state.js'

describe('sequence numbers', () => {
  it('increment and wrap past int32 max to 0 like the Java client', () => {
    expect(incrementSequence(0, 1)).toBe(1)
    expect(incrementSequence(10, 5)).toBe(15)
    expect(incrementSequence(MAX_SEQUENCE, 1)).toBe(0)
    expect(incrementSequence(MAX_SEQUENCE - 1, 3)).toBe(1)
    expect(incrementSequence(-1, 1)).toBe(0)
    expect(lastSequence(MAX_SEQUENCE - 1, 3)).toBe(0)
    expect(lastSequence(7, 1)).toBe(7)
  })
})

describe('transaction state machine', () => {
  it('allows the Java client transitions and refuses the rest with TransactionStateError', () => {
    const sm = new TransactionStateMachine()
    expect(() => sm.transition('in_transaction', 'begin()')).toThrow(TransactionStateError)
    expect(() => sm.transition('in_transaction', 'begin()')).toThrow(/call init\(\) first/)
    sm.transition('initializing', 'init()')
    sm.transition('ready', 'init()')
    expect(() => sm.transition('committing', 'commit()')).toThrow(/call begin\(\) first/)
    sm.transition('in_transaction', 'begin()')
    expect(() => sm.transition('in_transaction', 'begin()')).toThrow(TransactionStateError)
    sm.transition('abortable_error', 'error')
    expect(() => sm.transition('committing', 'commit()')).toThrow(/call abort\(\)/)
    sm.transition('aborting', 'abort()')
    sm.transition('initializing', 'abort()') // epoch bump after the abort
    sm.transition('ready', 'abort()')
    expect(canTransition('committing', 'outcome_unknown')).toBe(true)
    expect(canTransition('outcome_unknown', 'in_transaction')).toBe(false)
    expect(canTransition('outcome_unknown', 'initializing')).toBe(true)
    expect(canTransition('fatal_error', 'ready')).toBe(false)
    expect(canTransition('ready', 'fatal_error')).toBe(true)
    sm.transition('fatal_error', 'fenced')
    expect(() => sm.require(['ready'], 'begin()')).toThrow(TransactionStateError)
  })
})

interface Appended {
  producerId: bigint
  epoch: number
  sequence: number
  value: string
}

/**
 * One partition leader that checks sequences as Kafka does: a higher epoch must start at 0,
 * the next batch must follow the last one, a duplicate of one of the last 5 batches gets its
 * original offset back. `fault(n)` decides what happens to request n.
 */
function simulatedLeader(fault: (n: number) => 'ok' | 'lose-response' | 'not-leader' | 'unknown-producer' = () => 'ok') {
  // Kafka (ProducerAppendInfo.checkSequence) takes any sequence as a new producer's first batch.
  const log: Appended[] = []
  const batches: Array<{ producerId: bigint; epoch: number; first: number; last: number; baseOffset: bigint }> = []
  let producerId = -1n
  let epoch = -1
  let lastSeq = -1
  let requests = 0
  let nextProducerId = 1000n
  const sequencesSeen: Array<{ epoch: number; sequence: number; count: number }> = []
  const produce = (req: ProduceRequest): ProduceResponse => {
    const n = requests++
    const f = fault(n)
    const responses = req.topics.map((t) => ({
      name: t.name,
      partitionResponses: t.partitions.map((p) => {
        const res = (errorCode: number, baseOffset = -1n) => ({ index: p.index, errorCode, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null })
        if (f === 'not-leader') return res(ErrorCode.NOT_LEADER_OR_FOLLOWER)
        const [b] = decodeRecordBatches(Buffer.from(p.records!))
        sequencesSeen.push({ epoch: b.producerEpoch, sequence: b.baseSequence, count: b.recordCount })
        if (f === 'unknown-producer' && b.producerEpoch === epoch) return res(ErrorCode.UNKNOWN_PRODUCER_ID)
        const dup = batches.find((x) => x.producerId === b.producerId && x.epoch === b.producerEpoch && x.first === b.baseSequence)
        if (dup) return res(0, dup.baseOffset)
        const known = b.producerId === producerId
        if (b.producerId === -1n) {
          // Not idempotent: appended as it comes.
        } else if (!known || b.producerEpoch > epoch) {
          // A new epoch starts at 0; a producer without state may start anywhere.
          if (known && b.baseSequence !== 0) return res(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
          producerId = b.producerId
          epoch = b.producerEpoch
          lastSeq = known ? -1 : b.baseSequence - 1
        } else if (b.producerEpoch < epoch) return res(ErrorCode.INVALID_PRODUCER_EPOCH)
        if (b.producerId !== -1n && b.baseSequence !== incrementSequence(lastSeq, 1)) return res(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
        const baseOffset = BigInt(log.length)
        let i = 0
        for (const r of b.records()) log.push({ producerId: b.producerId, epoch: b.producerEpoch, sequence: b.baseSequence + i++, value: r.value!.toString() })
        lastSeq = lastSequence(b.baseSequence, b.recordCount)
        batches.push({ producerId: b.producerId, epoch: b.producerEpoch, first: b.baseSequence, last: lastSeq, baseOffset })
        if (batches.length > 5) batches.shift()
        return res(0, baseOffset)
      }),
    }))
    if (f === 'lose-response') throw new ConnectionError('connection lost after the request was sent', { requestMayHaveBeenSent: true })
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] }
  }
  const conn = {
    isOpen: true,
    address: 'simulated:9092',
    version: (_api: unknown, atMost = 12) => Math.min(11, atMost),
    send: async (api: { apiKey: number }, _version: number, req: unknown): Promise<unknown> => conn.request(api, req),
    request: async (api: { apiKey: number }, req: unknown): Promise<unknown> => {
      await new Promise((r) => setImmediate(r))
      // A refusal comes late, so that later batches can be sent meanwhile.
      if (api.apiKey !== InitProducerId.apiKey && fault(requests) === 'not-leader') await new Promise((r) => setTimeout(r, 20))
      if (api.apiKey === InitProducerId.apiKey) return { throttleTimeMs: 0, errorCode: 0, producerId: nextProducerId++, producerEpoch: 0 }
      return produce(req as ProduceRequest)
    },
  }
  const cluster = {
    options: { requestTimeoutMs: 1000, retry: { retries: 3, initialBackoffMs: 1, maxBackoffMs: 2 } },
    logger: pino({ level: 'silent' }),
    newLane: () => 'produce-test',
    releaseLane: async () => {},
    invalidate: () => {},
    topic: async (name: string) => ({ name, topicId: '', isInternal: false, partitions: [{ partition: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1] }] }),
    broker: async () => conn,
    anyBroker: async () => conn,
  } as unknown as Cluster
  return { cluster, log, sequencesSeen, get requests() { return requests } }
}

function producerOn(cluster: Cluster, maxBatchBytes = 200, opts: { idempotent?: boolean; acks?: -1 | 1 } = {}) {
  let sender!: Sender
  const acc = new RecordAccumulator({ lingerMs: 0, maxBatchBytes, maxBufferedBytes: 1 << 20 }, () => sender.wake())
  sender = new Sender(cluster, acc, {
    acks: opts.acks ?? -1,
    timeoutMs: 1000,
    compression: 'none',
    maxInFlight: 5,
    retries: Number.MAX_SAFE_INTEGER,
    deliveryTimeoutMs: 60_000,
    maxRequestBytes: 1 << 20,
    idempotent: opts.idempotent ?? true,
  })
  const q = acc.queue('t', 0)
  const send = (value: string): Promise<bigint> =>
    new Promise<bigint>((resolve, reject) => {
      const item: PendingRecord = { resolve: (base, index) => resolve(offsetInBatch(base, index)), reject }
      acc.budget.reserve(40)
      acc.append(q, { key: null, value: Buffer.from(value) }, item, 40)
    })
  return { acc, sender, send }
}

describe('Sender (not idempotent) against a simulated leader', () => {
  it('reports NOT_LEADER_OR_FOLLOWER to an acks=all produce as an unknown outcome, without retrying (it may follow an append)', async () => {
    const leader = simulatedLeader((n) => (n === 0 ? 'not-leader' : 'ok'))
    const { send, sender } = producerOn(leader.cluster, 200, { idempotent: false, acks: -1 })
    const err = await send('v0').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProduceOutcomeUnknownError)
    expect((err as Error).message).toMatch(/NOT_LEADER_OR_FOLLOWER/)
    expect(leader.requests).toBe(1)
    // The producer goes on with the next records.
    expect(await send('v1')).toBe(0n)
    await sender.close()
  })

  it('retries NOT_LEADER_OR_FOLLOWER with acks=1 (the leader refuses before appending)', async () => {
    const leader = simulatedLeader((n) => (n === 0 ? 'not-leader' : 'ok'))
    const { send, sender } = producerOn(leader.cluster, 200, { idempotent: false, acks: 1 })
    expect(await send('v0')).toBe(0n)
    expect(leader.requests).toBe(2)
    expect(leader.log.map((r) => r.value)).toEqual(['v0'])
    await sender.close()
  })
})

describe('Sender (idempotent) against a simulated leader', () => {
  it('numbers batches per partition from 0 by record count, with the producer id from InitProducerId', async () => {
    const leader = simulatedLeader()
    const { send, sender } = producerOn(leader.cluster)
    const offsets = await Promise.all(Array.from({ length: 100 }, (_, i) => send(`v${i}`)))
    expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)))
    expect(leader.log.map((r) => r.value)).toEqual(offsets.map((_, i) => `v${i}`))
    expect(leader.log.map((r) => r.sequence)).toEqual(offsets.map((_, i) => i))
    expect(leader.log.every((r) => r.producerId === 1000n && r.epoch === 0)).toBe(true)
    // Several batches: each starts where the previous one ended.
    let expected = 0
    for (const s of leader.sequencesSeen) {
      expect(s.sequence).toBe(expected)
      expected += s.count
    }
    expect(leader.sequencesSeen.length).toBeGreaterThan(3)
    await sender.close()
  })

  it('re-sends batches whose answers were lost with the same sequences: no duplicates, order kept', async () => {
    // Every 3rd request is applied by the leader but its response is lost.
    const leader = simulatedLeader((n) => (n % 3 === 1 ? 'lose-response' : n % 7 === 5 ? 'not-leader' : 'ok'))
    const { send, sender } = producerOn(leader.cluster)
    const values = Array.from({ length: 120 }, (_, i) => `v${i}`)
    const offsets = await Promise.all(values.map((v) => send(v)))
    expect(leader.log.map((r) => r.value)).toEqual(values)
    expect(offsets).toEqual(values.map((_, i) => BigInt(i)))
    // Retries happened and reused sequences the leader had already seen.
    const seen = leader.sequencesSeen.map((s) => `${s.epoch}/${s.sequence}`)
    expect(new Set(seen).size).toBeLessThan(seen.length)
    await sender.close()
  })

  it('sends the first batch alone, so a refused first batch is not overtaken by the next (which the broker would take as the first)', async () => {
    // The first request fails as on a topic whose leader is not ready yet.
    const leader = simulatedLeader((n) => (n === 0 ? 'not-leader' : 'ok'))
    const { send, sender } = producerOn(leader.cluster, 100)
    const values = Array.from({ length: 60 }, (_, i) => `v${i}`)
    // Batches sealed one after another while the first is still unanswered.
    const pending: Array<Promise<bigint>> = []
    for (const v of values) {
      pending.push(send(v))
      await new Promise((r) => setImmediate(r))
    }
    const all = Promise.all(pending)
    const stalled = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`stalled with ${leader.log.length} records written`)), 3_000))
    const offsets = await Promise.race([all, stalled])
    expect(leader.log.map((r) => r.value)).toEqual(values)
    expect(offsets).toEqual(values.map((_, i) => BigInt(i)))
    expect(leader.log[0].sequence).toBe(0)
    await sender.close()
  })

  it('UNKNOWN_PRODUCER_ID bumps the epoch and restarts the sequences at 0, delivering each record once', async () => {
    const leader = simulatedLeader((n) => (n === 4 ? 'unknown-producer' : 'ok'))
    const { send, sender } = producerOn(leader.cluster, 100)
    const values = Array.from({ length: 60 }, (_, i) => `v${i}`)
    const sends = values.map((v) => send(v))
    await Promise.all(sends)
    expect(leader.log.map((r) => r.value)).toEqual(values)
    const epochs = [...new Set(leader.log.map((r) => r.epoch))]
    expect(epochs).toEqual([0, 1])
    const firstOfNewEpoch = leader.log.find((r) => r.epoch === 1)!
    expect(firstOfNewEpoch.sequence).toBe(0)
    expect(sender.producerEpoch).toBe(1)
    await sender.close()
  })
})
