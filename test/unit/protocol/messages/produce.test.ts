import { describe, expect, it } from 'vitest'
import { Produce } from '../../../../src/protocol/messages/produce.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { cat, cstr, encode, hex, i16, i32, i64, NO_TAGS, str, u8 } from './bytes.js'

const BATCH = hex('00112233445566778899')

describe('Produce request', () => {
  it('v3: nullable transactional id, acks, timeout, topics with records as BYTES', () => {
    expect(
      encode(Produce, 3, { acks: -1, timeoutMs: 30000, topics: [{ name: 'wal', partitions: [{ index: 1, records: BATCH }] }] }),
    ).toEqual(cat(str(null), i16(-1), i32(30000), i32(1), str('wal'), i32(1), i32(1), i32(10), BATCH))
  })

  it('v8 with a transactional id', () => {
    expect(encode(Produce, 8, { transactionalId: 'tx', acks: 1, timeoutMs: 5, topics: [] })).toEqual(
      cat(str('tx'), i16(1), i32(5), i32(0)),
    )
  })

  it('v9 (flexible): compact strings, arrays and records, tag buffers', () => {
    expect(
      encode(Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topics: [{ name: 'wal', partitions: [{ index: 0, records: BATCH }, { index: 2, records: null }] }],
      }),
    ).toEqual(
      cat(u8(0), i16(1), i32(1000), u8(2), cstr('wal'), u8(3), i32(0), u8(11), BATCH, NO_TAGS, i32(2), u8(0), NO_TAGS, NO_TAGS, NO_TAGS),
    )
  })

  it('refuses invalid acks and versions', () => {
    expect(() => encode(Produce, 9, { acks: 2 as 1, timeoutMs: 1, topics: [] })).toThrow(InvalidArgumentError)
    expect(() => encode(Produce, 2, { acks: 1, timeoutMs: 1, topics: [] })).toThrow(InvalidArgumentError)
    expect(() => encode(Produce, 13, { acks: 1, timeoutMs: 1, topics: [] })).toThrow(InvalidArgumentError)
    // v12 is v11's layout (it only means "transaction version 2" to the broker).
    expect(encode(Produce, 12, { acks: -1, timeoutMs: 5, topics: [] })).toEqual(encode(Produce, 11, { acks: -1, timeoutMs: 5, topics: [] }))
  })
})

describe('Produce response', () => {
  it('decodes v3 (no log start offset, no record errors)', () => {
    const body = cat(i32(1), str('wal'), i32(1), i32(0), i16(0), i64(42n), i64(-1n), i32(7))
    const r = new Reader(body)
    expect(Produce.decodeResponse(r, 3)).toEqual({
      responses: [
        {
          name: 'wal',
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 42n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: null },
          ],
        },
      ],
      throttleTimeMs: 7,
      nodeEndpoints: [],
    })
    expect(r.offset).toBe(body.length)
  })

  it('decodes v8 with record errors and an error message', () => {
    const body = cat(
      i32(1), str('wal'), i32(1),
      i32(0), i16(87), i64(-1n), i64(-1n), i64(0n),
      i32(1), i32(3), str('bad record'), str('batch dropped'),
      i32(0),
    )
    const p = Produce.decodeResponse(new Reader(body), 8).responses[0].partitionResponses[0]
    expect(p.errorCode).toBe(87)
    expect(p.logStartOffset).toBe(0n)
    expect(p.recordErrors).toEqual([{ batchIndex: 3, batchIndexErrorMessage: 'bad record' }])
    expect(p.errorMessage).toBe('batch dropped')
  })

  it('decodes v10 (flexible) with current leader and node endpoints tagged fields', () => {
    const leader = cat(i32(2), i32(5), NO_TAGS)
    const endpoints = cat(u8(2), i32(2), cstr('b2'), i32(9093), cstr(null), NO_TAGS)
    const body = cat(
      u8(2), cstr('wal'),
      u8(2), i32(0), i16(6), i64(-1n), i64(-1n), i64(-1n), u8(1), u8(0) /* null error message */,
      u8(2), u8(0), u8(leader.length), leader, u8(4), u8(1), u8(0) /* unknown tag */,
      NO_TAGS,
      i32(0),
      u8(1), u8(0), u8(endpoints.length), endpoints,
    )
    const r = new Reader(body)
    const res = Produce.decodeResponse(r, 10)
    expect(r.offset).toBe(body.length)
    expect(res.responses[0].partitionResponses[0]).toEqual({
      index: 0, errorCode: 6, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: null,
      currentLeader: { leaderId: 2, leaderEpoch: 5 },
    })
    expect(res.nodeEndpoints).toEqual([{ nodeId: 2, host: 'b2', port: 9093, rack: null }])
  })

  it('treats tag 0 as unknown at v9, where it is not defined yet', () => {
    const body = cat(u8(1), i32(0), u8(1), u8(0), u8(2), hex('abcd'))
    expect(Produce.decodeResponse(new Reader(body), 9).nodeEndpoints).toEqual([])
  })
})
