// GroupConsumer.fetchCommitted() (Java's KafkaConsumer.committed()) and the positions
// seekToCommitted() and assignment set share one read of the group's committed offsets: stable
// ones only (an open transaction's offsets are waited out), with their metadata strings.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ClientClosedError, GroupConsumer, InvalidArgumentError, KafkaProtocolError } from '../../../src/index.js'
import type { Cluster } from '../../../src/client/cluster.js'
import type { Coordinators } from '../../../src/client/coordinator.js'
import { GroupOffsets } from '../../../src/client/consumer/group-offsets.js'
import type { ResolvedGroupConsumerOptions } from '../../../src/client/consumer/group-consumer-options.js'
import { newPartitionState, type PartitionState } from '../../../src/client/consumer/partition-state.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'

const UNSTABLE = ErrorCode.UNSTABLE_OFFSET_COMMIT

interface Committed {
  [topicPartition: string]: { offset: bigint; metadata?: string | null; errorCode?: number }
}

/** An OffsetFetch answer for one group: `committed` by `topic-partition`, or a group-level error. */
function answer(request: OffsetFetchRequest, committed: Committed, groupError = 0) {
  const group = request.groups[0]
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    topics: [],
    groups: [
      {
        groupId: group.groupId,
        errorCode: groupError,
        topics: groupError !== 0 ? [] : group.topics.map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((p) => {
            const c = committed[`${t.name}-${p}`]
            return { partitionIndex: p, committedOffset: c?.offset ?? -1n, committedLeaderEpoch: -1, metadata: c?.metadata ?? null, errorCode: c?.errorCode ?? 0 }
          }),
        })),
      },
    ],
  }
}

interface OffsetFetchRequest {
  groups: Array<{ groupId: string; topics: Array<{ name: string; partitionIndexes: number[] }> }>
  requireStable: boolean
}

/** A broker that answers FindCoordinator, and OffsetFetch with the next of `answers` (the last one repeats). */
function fakeBroker(answers: Array<(r: OffsetFetchRequest) => unknown>) {
  const requests: OffsetFetchRequest[] = []
  const conn = {
    isOpen: true,
    request: async (api: { name: string }, body: unknown) => {
      if (api.name === 'FindCoordinator') return { throttleTimeMs: 0, coordinators: [{ key: 'g', nodeId: 1, host: '127.0.0.1', port: 1, errorCode: 0, errorMessage: null }] }
      if (api.name !== 'OffsetFetch') throw new Error(`unexpected ${api.name}`)
      const r = body as OffsetFetchRequest
      requests.push(r)
      return answers[Math.min(requests.length - 1, answers.length - 1)](r)
    },
  }
  const retry = { retries: 3, initialBackoffMs: 1, maxBackoffMs: 2 }
  const cluster = {
    options: { retry, clientId: 'test', requestTimeoutMs: 1000 },
    logger: pino({ level: 'silent' }),
    newLane: (name: string) => name,
    releaseLane: async () => undefined,
    anyBroker: async () => conn,
    broker: async () => conn,
  } as unknown as Cluster
  return { cluster, conn, requests }
}

describe('GroupConsumer.fetchCommitted', () => {
  it('returns offset and metadata of the partitions that have a committed offset, in the order asked, assigned or not', async () => {
    const b = fakeBroker([(r) => answer(r, { 't-1': { offset: 7n, metadata: 'm1' }, 'u-0': { offset: 3n } })])
    const consumer = new GroupConsumer(b.cluster, { groupId: 'g', topics: ['t'] })
    const committed = await consumer.fetchCommitted([
      { topic: 'u', partition: 0 },
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ])
    expect(committed).toEqual([
      { topic: 'u', partition: 0, offset: 3n, metadata: null },
      { topic: 't', partition: 1, offset: 7n, metadata: 'm1' },
    ])
    expect(b.requests).toHaveLength(1)
    expect(b.requests[0].requireStable).toBe(true)
    expect(b.requests[0].groups[0]).toEqual({ groupId: 'g', topics: [{ name: 'u', partitionIndexes: [0] }, { name: 't', partitionIndexes: [0, 1] }] })
    // Nothing asked, nothing assigned: no request.
    expect(await consumer.fetchCommitted()).toEqual([])
    expect(b.requests).toHaveLength(1)
  })

  it('waits out offsets an open transaction sent (UNSTABLE_OFFSET_COMMIT, per partition or for the group) and returns the stable ones', async () => {
    const b = fakeBroker([
      (r) => answer(r, { 't-0': { offset: 4n }, 't-1': { offset: 5n, errorCode: UNSTABLE } }),
      (r) => answer(r, {}, UNSTABLE),
      (r) => answer(r, { 't-0': { offset: 4n, metadata: 'a' }, 't-1': { offset: 9n, metadata: 'b' } }),
    ])
    const consumer = new GroupConsumer(b.cluster, { groupId: 'g', topics: ['t'] })
    const committed = await consumer.fetchCommitted([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }])
    expect(committed).toEqual([
      { topic: 't', partition: 0, offset: 4n, metadata: 'a' },
      { topic: 't', partition: 1, offset: 9n, metadata: 'b' },
    ])
    expect(b.requests).toHaveLength(3)
  })

  it('stops waiting with the UNSTABLE_OFFSET_COMMIT error when the consumer closes', async () => {
    const b = fakeBroker([(r) => answer(r, {}, UNSTABLE)])
    const consumer = new GroupConsumer(b.cluster, { groupId: 'g', topics: ['t'] })
    const pending = consumer.fetchCommitted([{ topic: 't', partition: 0 }])
    while (b.requests.length === 0) await new Promise((r) => setTimeout(r, 1))
    await consumer.close()
    const err = await pending.then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaProtocolError)
    expect((err as KafkaProtocolError).code).toBe(UNSTABLE)
  })

  it('refuses partitions that are not { topic, partition } and a closed consumer', async () => {
    const b = fakeBroker([(r) => answer(r, {})])
    const consumer = new GroupConsumer(b.cluster, { groupId: 'g', topics: ['t'] })
    await expect(consumer.fetchCommitted([{ topic: '', partition: 0 }])).rejects.toThrow(InvalidArgumentError)
    await expect(consumer.fetchCommitted([{ topic: 't', partition: -1 }])).rejects.toThrow(/fetchCommitted partitions: each entry must be \{ topic, partition \}/)
    await expect(consumer.fetchCommitted('t' as never)).rejects.toThrow(/fetchCommitted partitions must be an array/)
    expect(b.requests).toHaveLength(0)
    await consumer.close()
    await expect(consumer.fetchCommitted([{ topic: 't', partition: 0 }])).rejects.toThrow(ClientClosedError)
  })
})

describe('GroupOffsets.initPositions (assignment and seekToCommitted)', () => {
  it('sets positions from the stable committed offsets, and from the reset policy where none is committed', async () => {
    const b = fakeBroker([
      (r) => answer(r, { 't-0': { offset: 2n, errorCode: UNSTABLE } }),
      (r) => answer(r, { 't-0': { offset: 6n, metadata: 'meta' } }),
    ])
    const offsets = new GroupOffsets(b.cluster, coordinatorsOf(b.conn), { groupId: 'g', autoOffsetReset: 'earliest' } as ResolvedGroupConsumerOptions)
    const states = [state('t', 0), state('t', 1)]
    await offsets.initPositions(states)
    expect(states.map((s) => [s.fetchPosition, s.consumed, s.committed, s.committedMetadata])).toEqual([
      [6n, 6n, 6n, 'meta'],
      [100n, 100n, undefined, null], // earliest, from the partition client
    ])
    expect(b.requests).toHaveLength(2)
  })

  it('gives up waiting with the UNSTABLE_OFFSET_COMMIT error once stopped() says so', async () => {
    const b = fakeBroker([(r) => answer(r, { 't-0': { offset: 2n, errorCode: UNSTABLE } })])
    const offsets = new GroupOffsets(b.cluster, coordinatorsOf(b.conn), { groupId: 'g', autoOffsetReset: 'earliest' } as ResolvedGroupConsumerOptions)
    const s = state('t', 0)
    await expect(offsets.initPositions([s], () => b.requests.length >= 2)).rejects.toMatchObject({ code: UNSTABLE })
    expect(b.requests).toHaveLength(2)
    expect(s.fetchPosition).toBeUndefined()
  })
})

function coordinatorsOf(conn: unknown): Coordinators {
  return { get: async () => conn, invalidate: () => undefined } as unknown as Coordinators
}

/** A partition's state whose partition client answers 100n for the reset policy. */
function state(topic: string, partition: number): PartitionState {
  return { ...newPartitionState({ newLane: () => 'fetch' } as unknown as Cluster, { topic, partition }), pc: { getOffset: async () => 100n } as unknown as PartitionState['pc'] }
}
