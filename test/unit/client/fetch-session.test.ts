// The client side of incremental fetch sessions (KIP-227): what each request lists, and how
// answers and failures move the session id and epoch.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { FetchSession, isSessionError, type SessionPartition } from '../../../src/client/consumer/fetch-session.js'

const ID = { a: '00000000-0000-0000-0000-00000000000a', b: '00000000-0000-0000-0000-00000000000b' }
const p = (topic: 'a' | 'b', partition: number, fetchOffset: bigint, partitionMaxBytes = 1024): SessionPartition => ({
  topic,
  topicId: ID[topic],
  partition,
  fetchOffset,
  partitionMaxBytes,
  currentLeaderEpoch: -1,
})
/** `topic-partition@offset` of each listed partition. */
const listed = (req: ReturnType<FetchSession['build']>) => req.topics.flatMap((t) => t.partitions.map((x) => `${t.topic}-${x.partition}@${x.fetchOffset}`))
const forgotten = (req: ReturnType<FetchSession['build']>) => req.forgottenTopicsData.flatMap((t) => t.partitions.map((x) => `${t.topic}-${x}`))

describe('FetchSession', () => {
  it('opens with a full request (id 0, epoch 0), then sends only changed, added and forgotten partitions with rising epochs', () => {
    const s = new FetchSession()
    const r0 = s.build([p('a', 0, 0n), p('a', 1, 0n), p('b', 0, 5n)], 17)
    expect(r0).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true, forgottenTopicsData: [] })
    expect(listed(r0)).toEqual(['a-0@0', 'a-1@0', 'b-0@5'])
    s.onResponse(0, 42)
    expect([s.id, s.epoch]).toEqual([42, 1])

    // a-0 advanced, a-1 and b-0 unchanged: only a-0.
    const r1 = s.build([p('a', 0, 10n), p('a', 1, 0n), p('b', 0, 5n)], 17)
    expect(r1).toMatchObject({ sessionId: 42, sessionEpoch: 1, full: false })
    expect(listed(r1)).toEqual(['a-0@10'])
    expect(forgotten(r1)).toEqual([])
    s.onResponse(0, 42)

    // a-1 paused or revoked (left out), b-1 assigned, partition bytes of b-0 changed.
    const r2 = s.build([p('a', 0, 10n), p('b', 0, 5n, 2048), p('b', 1, 0n)], 17)
    expect(r2.sessionEpoch).toBe(2)
    expect(listed(r2)).toEqual(['b-0@5', 'b-1@0'])
    expect(forgotten(r2)).toEqual(['a-1'])
    expect(r2.forgottenTopicsData[0].topicId).toBe(ID.a)
    s.onResponse(0, 42)

    // Nothing changed: an empty incremental request (the broker still answers with new data).
    const r3 = s.build([p('a', 0, 10n), p('b', 0, 5n, 2048), p('b', 1, 0n)], 17)
    expect([r3.sessionEpoch, listed(r3), forgotten(r3)]).toEqual([3, [], []])

    // a-1 resumed: added again.
    s.onResponse(0, 42)
    expect(listed(s.build([p('a', 0, 10n), p('a', 1, 0n), p('b', 0, 5n, 2048), p('b', 1, 0n)], 17))).toEqual(['a-1@0'])
  })

  it('FETCH_SESSION_ID_NOT_FOUND: the next request is full with id 0 (a new session)', () => {
    const s = new FetchSession()
    s.build([p('a', 0, 0n)], 17)
    s.onResponse(0, 7)
    s.build([p('a', 0, 3n)], 17)
    s.onResponse(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0)
    const r = s.build([p('a', 0, 3n)], 17)
    expect(r).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true })
    expect(listed(r)).toEqual(['a-0@3'])
  })

  it('INVALID_FETCH_SESSION_EPOCH or a failed request: the next request is full with the old id and epoch 0, closing it', () => {
    for (const fail of [(s: FetchSession) => s.onResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 7), (s: FetchSession) => s.onError()]) {
      const s = new FetchSession()
      s.build([p('a', 0, 0n), p('a', 1, 0n)], 17)
      s.onResponse(0, 7)
      s.build([p('a', 0, 3n)], 17)
      fail(s)
      const r = s.build([p('a', 0, 3n), p('a', 1, 0n)], 17)
      expect(r).toMatchObject({ sessionId: 7, sessionEpoch: 0, full: true, forgottenTopicsData: [] })
      expect(listed(r)).toEqual(['a-0@3', 'a-1@0'])
      s.onResponse(0, 8)
      expect([s.id, s.epoch]).toEqual([8, 1])
    }
  })

  it('a broker that grants no session (id 0) gets full requests; so do versions before 7 and fetchSessions: false (sessionless, epoch -1)', () => {
    const s = new FetchSession()
    s.build([p('a', 0, 0n)], 17)
    s.onResponse(0, 0)
    expect(s.build([p('a', 0, 0n)], 17)).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true })
    const off = new FetchSession({ enabled: false })
    expect(off.build([p('a', 0, 0n)], 17)).toMatchObject({ sessionId: 0, sessionEpoch: -1, full: true })
    off.onResponse(0, 0)
    expect(off.build([p('a', 0, 0n)], 17)).toMatchObject({ sessionId: 0, sessionEpoch: -1, full: true })
    const old = new FetchSession()
    expect(old.build([p('a', 0, 0n)], 6)).toMatchObject({ sessionId: 0, sessionEpoch: -1, full: true })
    old.onResponse(0, 0)
    expect(old.build([p('a', 0, 0n)], 6)).toMatchObject({ sessionId: 0, sessionEpoch: -1, full: true })
  })

  it('switching between topic names (v12) and ids (v13+) restarts the session with a full request', () => {
    const s = new FetchSession()
    s.build([p('a', 0, 0n)], 17)
    s.onResponse(0, 9)
    expect(s.build([p('a', 0, 0n)], 12)).toMatchObject({ sessionId: 9, sessionEpoch: 0, full: true })
  })

  it('an incremental answer with session id 0 means the broker closed the session: the next request is full', () => {
    const s = new FetchSession()
    s.build([p('a', 0, 0n)], 17)
    s.onResponse(0, 9)
    s.build([p('a', 0, 1n)], 17)
    s.onResponse(0, 0)
    expect(s.build([p('a', 0, 1n)], 17)).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true })
  })

  it('session errors are the three KIP-227 codes', () => {
    expect([ErrorCode.FETCH_SESSION_ID_NOT_FOUND, ErrorCode.INVALID_FETCH_SESSION_EPOCH, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR].every(isSessionError)).toBe(true)
    expect(isSessionError(ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(false)
  })
})
