import { describe, expect, it } from 'vitest'
import { Metadata } from '../../../../src/protocol/messages/metadata.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { cat, cstr, encode, hex, i16, i32, NO_TAGS, str, u8, uuidBytes } from './bytes.js'

const TID = '0123abcd-0000-4000-8000-00000000beef'
const ZERO = '00000000-0000-0000-0000-000000000000'

describe('Metadata request', () => {
  it('v1: null topics means all topics', () => {
    expect(encode(Metadata, 1, { topics: null })).toEqual(hex('ffffffff'))
  })

  it('v8: names, auto-create, cluster and topic authorized operations', () => {
    expect(
      encode(Metadata, 8, {
        topics: [{ name: 'ab' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: true,
        includeTopicAuthorizedOperations: true,
      }),
    ).toEqual(cat(i32(1), str('ab'), u8(0), u8(1), u8(1)))
  })

  it('v12 (flexible): compact array, topic id, nullable name, no cluster operations flag', () => {
    expect(
      encode(Metadata, 12, { topics: [{ name: 'ab', topicId: TID }, { name: null, topicId: TID }], includeTopicAuthorizedOperations: true }),
    ).toEqual(
      cat(u8(3), uuidBytes(TID), cstr('ab'), NO_TAGS, uuidBytes(TID), u8(0), NO_TAGS, u8(1) /* auto-create */, u8(1), NO_TAGS),
    )
  })

  it('v9 (flexible, no topic id) and v10 (zero topic id by default)', () => {
    expect(encode(Metadata, 9, { topics: [{ name: 'a' }] })).toEqual(hex('02 02 61 00  01 00 00 00'))
    expect(encode(Metadata, 10, { topics: [{ name: 'a' }] })).toEqual(cat(u8(2), uuidBytes(ZERO), hex('02 61 00  01 00 00 00')))
  })

  it('refuses what an old version cannot express', () => {
    expect(() => encode(Metadata, 3, { topics: [], allowAutoTopicCreation: false })).toThrow(InvalidArgumentError)
    expect(() => encode(Metadata, 9, { topics: [{ name: null, topicId: TID }] })).toThrow(InvalidArgumentError)
    expect(() => encode(Metadata, 0, { topics: [] })).toThrow(InvalidArgumentError)
  })
})

describe('Metadata response', () => {
  it('decodes v1 (rack, controller, isInternal; defaults for the rest)', () => {
    const body = cat(
      i32(1), i32(1), str('h1'), i32(9092), str(null),
      i32(2), // controller
      i32(1), i16(0), str('t'), u8(1),
      i32(1), i16(0), i32(0), i32(1), i32(1), i32(1), i32(1), i32(1),
    )
    const r = new Reader(body)
    expect(Metadata.decodeResponse(r, 1)).toEqual({
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'h1', port: 9092, rack: null }],
      clusterId: null,
      controllerId: 2,
      topics: [
        {
          errorCode: 0,
          name: 't',
          topicId: ZERO,
          isInternal: true,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: -1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
          topicAuthorizedOperations: -2147483648,
        },
      ],
      clusterAuthorizedOperations: -2147483648,
    })
    expect(r.offset).toBe(body.length)
  })

  it('decodes v8 (non-flexible, with epochs, offline replicas and authorized operations)', () => {
    const body = cat(
      i32(5), // throttle
      i32(1), i32(1), str('h'), i32(1), str('r1'),
      str('cid'), i32(1),
      i32(1), i16(0), str('t'), u8(0),
      i32(1), i16(9), i32(3), i32(1), i32(4), i32(2), i32(1), i32(2), i32(1), i32(1), i32(1), i32(2),
      i32(0x0ff8),
      i32(0x0fff),
    )
    const res = Metadata.decodeResponse(new Reader(body), 8)
    expect(res.throttleTimeMs).toBe(5)
    expect(res.brokers[0].rack).toBe('r1')
    expect(res.clusterId).toBe('cid')
    expect(res.topics[0].partitions[0]).toEqual({
      errorCode: 9, partitionIndex: 3, leaderId: 1, leaderEpoch: 4, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2],
    })
    expect(res.topics[0].topicAuthorizedOperations).toBe(0x0ff8)
    expect(res.clusterAuthorizedOperations).toBe(0x0fff)
  })

  it('decodes v12 (flexible, topic ids, null name for an unknown id, unknown tags skipped)', () => {
    const body = cat(
      i32(0),
      u8(2), i32(1), cstr('localhost'), i32(9092), cstr('rack-a'), hex('01 07 01 ff'), // broker with an unknown tag
      cstr('cluster'), i32(1),
      u8(3),
      i16(0), cstr('t'), uuidBytes(TID), u8(0),
      u8(2), i16(0), i32(0), i32(1), i32(7), u8(2), i32(1), u8(2), i32(1), u8(1), NO_TAGS,
      i32(-2147483648), NO_TAGS,
      i16(100), u8(0), uuidBytes(TID), u8(0), u8(1), i32(-2147483648), NO_TAGS,
      NO_TAGS,
    )
    const r = new Reader(body)
    const res = Metadata.decodeResponse(r, 12)
    expect(r.offset).toBe(body.length)
    expect(res.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: 9092, rack: 'rack-a' }])
    expect(res.clusterId).toBe('cluster')
    expect(res.controllerId).toBe(1)
    expect(res.topics[0]).toMatchObject({ name: 't', topicId: TID, isInternal: false })
    expect(res.topics[0].partitions[0]).toEqual({
      errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 7, replicaNodes: [1], isrNodes: [1], offlineReplicas: [],
    })
    expect(res.topics[1]).toEqual({ errorCode: 100, name: null, topicId: TID, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 })
    expect(res.clusterAuthorizedOperations).toBe(-2147483648)
  })
})
