import { describe, expect, it } from 'vitest'
import { Fetch, type FetchRequest } from '../../../../src/protocol/messages/fetch.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { cat, cstr, encode, hex, i16, i32, i64, i8, NO_TAGS, str, u8, uuidBytes } from './bytes.js'

const TID = '0123abcd-0000-4000-8000-00000000beef'
const ZERO = '00000000-0000-0000-0000-000000000000'

const req = (over: Partial<FetchRequest> = {}): FetchRequest => ({
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 1 << 20,
  topics: [{ topic: 'wal', topicId: TID, partitions: [{ partition: 0, fetchOffset: 10n, partitionMaxBytes: 65536 }] }],
  ...over,
})

describe('Fetch request', () => {
  it('v4: replica id, waits, max bytes, isolation, topic names; no session fields', () => {
    expect(encode(Fetch, 4, req({ isolationLevel: 1 }))).toEqual(
      cat(i32(-1), i32(500), i32(1), i32(1 << 20), i8(1), i32(1), str('wal'), i32(1), i32(0), i64(10n), i32(65536)),
    )
  })

  it('v11: sessionless, leader epoch, log start offset, forgotten topics, rack id', () => {
    expect(encode(Fetch, 11, req({ rackId: 'r' }))).toEqual(
      cat(
        i32(-1), i32(500), i32(1), i32(1 << 20), i8(0), i32(0), i32(-1),
        i32(1), str('wal'), i32(1), i32(0), i32(-1), i64(10n), i64(-1n), i32(65536),
        i32(0), // forgotten topics
        str('r'),
      ),
    )
  })

  it('v12 (flexible): compact types, last fetched epoch, tag buffers, cluster id tag', () => {
    expect(encode(Fetch, 12, req({ clusterId: 'c' }))).toEqual(
      cat(
        i32(-1), i32(500), i32(1), i32(1 << 20), i8(0), i32(0), i32(-1),
        u8(2), cstr('wal'), u8(2), i32(0), i32(-1), i64(10n), i32(-1), i64(-1n), i32(65536), NO_TAGS, NO_TAGS,
        u8(1), // forgotten topics: empty compact array
        cstr(''),
        u8(1), u8(0), u8(2), cstr('c'),
      ),
    )
  })

  it('v13+: topic ids instead of names', () => {
    const forgotten = [{ topic: 'old', topicId: TID, partitions: [1, 2] }]
    expect(encode(Fetch, 13, req({ forgottenTopicsData: forgotten }))).toEqual(
      cat(
        i32(-1), i32(500), i32(1), i32(1 << 20), i8(0), i32(0), i32(-1),
        u8(2), uuidBytes(TID), u8(2), i32(0), i32(-1), i64(10n), i32(-1), i64(-1n), i32(65536), NO_TAGS, NO_TAGS,
        u8(2), uuidBytes(TID), u8(3), i32(1), i32(2), NO_TAGS,
        cstr(''),
        NO_TAGS,
      ),
    )
  })

  it('v15+: no replica id field; a follower sends it in the replica state tag', () => {
    const head = cat(i32(500), i32(1), i32(1 << 20), i8(0), i32(0), i32(-1))
    const topics = cat(u8(2), uuidBytes(TID), u8(2), i32(0), i32(-1), i64(10n), i32(-1), i64(-1n), i32(65536), NO_TAGS, NO_TAGS)
    expect(encode(Fetch, 15, req())).toEqual(cat(head, topics, u8(1), cstr(''), NO_TAGS))
    expect(encode(Fetch, 15, req({ replicaId: 3, replicaEpoch: 9n }))).toEqual(
      cat(head, topics, u8(1), cstr(''), u8(1), u8(1), u8(13), i32(3), i64(9n), NO_TAGS),
    )
  })

  it('v17: replica directory id tag on a partition', () => {
    const r = req({ topics: [{ topicId: TID, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1, replicaDirectoryId: TID }] }] })
    const out = encode(Fetch, 17, r)
    // Skip the fixed fields (21 bytes), topic count, topic id and partition count.
    expect(out.subarray(21, 39)).toEqual(cat(u8(2), uuidBytes(TID), u8(2)))
    expect(out.subarray(21 + 1 + 16 + 1)).toEqual(
      cat(i32(0), i32(-1), i64(0n), i32(-1), i64(-1n), i32(1), u8(1), u8(0), u8(16), uuidBytes(TID), NO_TAGS, u8(1), cstr(''), NO_TAGS),
    )
  })

  it('needs a topic name below v13 and a topic id from v13', () => {
    expect(() => encode(Fetch, 12, req({ topics: [{ topicId: TID, partitions: [] }] }))).toThrow(InvalidArgumentError)
    expect(() => encode(Fetch, 13, req({ topics: [{ topic: 'wal', partitions: [] }] }))).toThrow(InvalidArgumentError)
    expect(() => encode(Fetch, 3, req())).toThrow(InvalidArgumentError)
  })
})

describe('Fetch response', () => {
  it('decodes v4 (no log start offset, records as a zero-copy view)', () => {
    const records = hex('0000000000000000 0000000c deadbeef')
    const body = cat(
      i32(0),
      i32(1), str('wal'),
      i32(1), i32(0), i16(0), i64(100n), i64(90n),
      i32(1), i64(7n), i64(50n),
      i32(records.length), records,
    )
    const res = Fetch.decodeResponse(new Reader(body), 4)
    expect(res).toMatchObject({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [] })
    const t = res.responses[0]
    expect(t.topic).toBe('wal')
    expect(t.topicId).toBe(ZERO)
    const p = t.partitions[0]
    expect(p).toMatchObject({
      partitionIndex: 0, errorCode: 0, highWatermark: 100n, lastStableOffset: 90n, logStartOffset: -1n,
      abortedTransactions: [{ producerId: 7n, firstOffset: 50n }], preferredReadReplica: -1,
    })
    expect(p.records).toEqual(records)
    expect(p.records!.buffer).toBe(body.buffer)
    expect(p.records!.byteOffset).toBe(body.byteOffset + body.length - records.length)
  })

  it('decodes v11 with session fields, null aborted transactions and null records', () => {
    const body = cat(
      i32(3), i16(0), i32(77),
      i32(1), str('wal'),
      i32(1), i32(2), i16(1), i64(-1n), i64(-1n), i64(5n), i32(-1), i32(2), i32(-1),
    )
    const res = Fetch.decodeResponse(new Reader(body), 11)
    expect(res.throttleTimeMs).toBe(3)
    expect(res.sessionId).toBe(77)
    expect(res.responses[0].partitions[0]).toEqual({
      partitionIndex: 2, errorCode: 1, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: 5n,
      abortedTransactions: null, preferredReadReplica: 2, records: null,
    })
  })

  it('decodes v16 (flexible, topic ids, partition tags, node endpoints)', () => {
    const diverging = cat(i32(4), i64(80n), NO_TAGS)
    const leader = cat(i32(2), i32(6), NO_TAGS)
    const snapshot = cat(i64(70n), i32(3), NO_TAGS)
    const endpoints = cat(u8(2), i32(2), cstr('b2'), i32(9093), cstr('r'), NO_TAGS)
    const records = hex('cafe')
    const body = cat(
      i32(0), i16(0), i32(0),
      u8(2), uuidBytes(TID),
      u8(2), i32(0), i16(74), i64(100n), i64(100n), i64(0n),
      u8(2), i64(9n), i64(1n), NO_TAGS, // aborted transactions
      i32(-1),
      u8(records.length + 1), records,
      u8(4),
      u8(0), u8(diverging.length), diverging,
      u8(1), u8(leader.length), leader,
      u8(2), u8(snapshot.length), snapshot,
      u8(42), u8(0),
      NO_TAGS,
      u8(1), u8(0), u8(endpoints.length), endpoints,
    )
    const r = new Reader(body)
    const res = Fetch.decodeResponse(r, 16)
    expect(r.offset).toBe(body.length)
    expect(res.responses[0].topic).toBeNull()
    expect(res.responses[0].topicId).toBe(TID)
    expect(res.responses[0].partitions[0]).toEqual({
      partitionIndex: 0, errorCode: 74, highWatermark: 100n, lastStableOffset: 100n, logStartOffset: 0n,
      abortedTransactions: [{ producerId: 9n, firstOffset: 1n }], preferredReadReplica: -1, records,
      divergingEpoch: { epoch: 4, endOffset: 80n },
      currentLeader: { leaderId: 2, leaderEpoch: 6 },
      snapshotId: { endOffset: 70n, epoch: 3 },
    })
    expect(res.nodeEndpoints).toEqual([{ nodeId: 2, host: 'b2', port: 9093, rack: 'r' }])
  })

  it('decodes v12 (flexible, still topic names)', () => {
    const body = cat(i32(0), i16(0), i32(0), u8(2), cstr('wal'), u8(1), NO_TAGS, NO_TAGS)
    const res = Fetch.decodeResponse(new Reader(body), 12)
    expect(res.responses).toEqual([{ topic: 'wal', topicId: ZERO, partitions: [] }])
  })
})
