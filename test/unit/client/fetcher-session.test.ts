// The Fetcher's per-broker fetch session (KIP-227): one request in flight, answers left out of
// an incremental response rebuilt from the partition's last answer, and every kind of trouble
// turning the next request full.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import type { FetchPartitionResponse } from '../../../src/protocol/messages/fetch.js'
import type { SessionPartition } from '../../../src/client/consumer/fetch-session.js'
import { FetcherSession } from '../../../src/client/consumer/fetcher-session.js'

const V = 17
const p = (partition: number, fetchOffset: bigint): SessionPartition => ({
  topic: 't',
  topicId: '00000000-0000-0000-0000-00000000000a',
  partition,
  fetchOffset,
  partitionMaxBytes: 1024,
  currentLeaderEpoch: -1,
})
const key = (partition: number): string => `t\u0000${partition}`
const answer = (partition: number, highWatermark: bigint, extra: Partial<FetchPartitionResponse> = {}): [string, FetchPartitionResponse] => [
  key(partition),
  {
    partitionIndex: partition,
    errorCode: 0,
    highWatermark,
    lastStableOffset: highWatermark,
    logStartOffset: 0n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: Buffer.from([1, 2, 3]),
    ...extra,
  },
]
const listed = (req: { topics: Array<{ partitions: Array<{ partition: number; fetchOffset: bigint }> }> } | undefined): string[] =>
  (req?.topics ?? []).flatMap((t) => t.partitions.map((x) => `${x.partition}@${x.fetchOffset}`))

/** A session opened by a full fetch of partitions 0..2 (high watermarks 10, 20, 30). */
function opened(): FetcherSession {
  const s = new FetcherSession()
  const req = s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)
  expect(req).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true })
  const out = s.complete(0, 7, new Map([answer(0, 10n), answer(1, 20n), answer(2, 30n)]), [key(0), key(1), key(2)])
  expect(out.kind).toBe('answers')
  return s
}

describe('FetcherSession', () => {
  it('rebuilds partitions left out of an incremental answer as empty ones with their last offsets', () => {
    const s = opened()
    const req = s.start([p(0, 10n), p(1, 0n), p(2, 0n)], V)
    expect(req).toMatchObject({ sessionId: 7, sessionEpoch: 1, full: false })
    // The caller moved partition 0 to the position after what it was given: a changed partition.
    expect(listed(req)).toEqual(['0@10'])
    const out = s.complete(0, 7, new Map([answer(2, 31n)]), [key(0), key(1), key(2)])
    if (out.kind !== 'answers') throw new Error(out.kind)
    expect(out.answers.get(key(0))).toEqual({ partitionIndex: 0, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records: null })
    expect(out.answers.get(key(1))).toMatchObject({ partitionIndex: 1, highWatermark: 20n, records: null })
    expect(out.answers.get(key(2))).toMatchObject({ partitionIndex: 2, highWatermark: 31n })
  })

  it('allows one request in flight: a second start gets none until the first ends', () => {
    const s = opened()
    expect(s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)).toBeDefined()
    expect(s.start([p(0, 0n)], V)).toBeUndefined()
    s.complete(0, 7, new Map(), [key(0), key(1), key(2)])
    expect(s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)).toMatchObject({ sessionEpoch: 2, full: false })
  })

  it('forgets a partition no longer asked for, and a re-added one must be answered before it is rebuilt', () => {
    const s = opened()
    const req = s.start([p(0, 0n), p(1, 0n)], V)
    expect(req?.forgottenTopicsData.flatMap((t) => t.partitions)).toEqual([2])
    s.complete(0, 7, new Map(), [key(0), key(1)])
    const again = s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)
    expect(listed(again)).toEqual(['2@0'])
    // The broker must answer a partition new to the session; without that answer nothing is known.
    expect(s.complete(0, 7, new Map(), [key(0), key(1), key(2)])).toEqual({ kind: 'retry' })
    expect(s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)).toMatchObject({ sessionEpoch: 0, full: true })
  })

  it('does not rebuild a partition whose last answer was an error', () => {
    const s = opened()
    s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)
    const out = s.complete(0, 7, new Map([answer(1, -1n, { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, records: null })]), [key(0), key(1), key(2)])
    if (out.kind !== 'answers') throw new Error(out.kind)
    expect(out.answers.get(key(1))?.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)
    expect(s.complete(0, 7, new Map(), [key(0), key(1), key(2)])).toEqual({ kind: 'retry' })
  })

  for (const [name, code, id] of [
    ['FETCH_SESSION_ID_NOT_FOUND', ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0],
    ['INVALID_FETCH_SESSION_EPOCH', ErrorCode.INVALID_FETCH_SESSION_EPOCH, 7],
  ] as const) {
    it(`${name}: retry, with a full request (session id ${id}, epoch 0)`, () => {
      const s = opened()
      s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)
      expect(s.complete(code, 0, new Map(), [key(0), key(1), key(2)])).toEqual({ kind: 'retry' })
      const req = s.start([p(0, 0n), p(1, 0n), p(2, 0n)], V)
      expect(req).toMatchObject({ sessionId: id, sessionEpoch: 0, full: true })
      expect(listed(req)).toEqual(['0@0', '1@0', '2@0'])
    })
  }

  it('another top-level error is reported, and a lost request makes the next one full', () => {
    const s = opened()
    s.start([p(0, 0n)], V)
    expect(s.complete(ErrorCode.UNKNOWN_SERVER_ERROR, 0, new Map(), [key(0)])).toEqual({ kind: 'error', errorCode: ErrorCode.UNKNOWN_SERVER_ERROR })
    expect(s.start([p(0, 0n)], V)).toMatchObject({ full: true })
    s.fail()
    expect(s.start([p(0, 0n)], V)).toMatchObject({ sessionEpoch: 0, full: true })
  })

  it('a broker that grants no session (id 0) gets full requests each time', () => {
    const s = new FetcherSession()
    s.start([p(0, 0n)], V)
    s.complete(0, 0, new Map([answer(0, 5n)]), [key(0)])
    expect(s.start([p(0, 5n)], V)).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true })
  })
})
