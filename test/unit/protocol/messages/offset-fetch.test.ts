import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { OffsetFetch, type OffsetFetchRequest } from '../../../../src/protocol/messages/offset-fetch.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const topics = fc.array(fc.record({ name, partitionIndexes: fc.array(fc.integer(), { maxLength: 3 }) }), { maxLength: 3 })

describe('OffsetFetch request', () => {
  it('v1 (non-flexible) golden bytes', () => {
    const req: OffsetFetchRequest = { groups: [{ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] }] }
    expect(encode(OffsetFetch, 1, req)).toEqual(hex`
      0001 67               # group_id "g"
      00000001              # topics: 1
        0001 74             #   name "t"
        00000002 00000000 00000001  # partition_indexes [0, 1]
    `)
  })

  it('v7 (flexible, single group) golden bytes: all topics, require stable', () => {
    expect(encode(OffsetFetch, 7, { groups: [{ groupId: 'g', topics: null }], requireStable: true })).toEqual(hex`
      02 67   # group_id "g"
      00      # topics null (all)
      01      # require_stable true
      00      # tagged fields
    `)
  })

  it('v9 (flexible, batched) golden bytes', () => {
    const req: OffsetFetchRequest = {
      groups: [
        { groupId: 'g', memberId: 'm1', memberEpoch: 7, topics: null },
        { groupId: 'h', topics: [{ name: 't', partitionIndexes: [0] }] },
      ],
    }
    expect(encode(OffsetFetch, 9, req)).toEqual(hex`
      03                  # groups: compact 2
        02 67             #   group_id "g"
        03 6d31           #   member_id "m1"
        00000007          #   member_epoch 7
        00                #   topics null
        00                #   tagged fields
        02 68             #   group_id "h"
        00                #   member_id null
        ffffffff          #   member_epoch -1
        02                #   topics: compact 1
          02 74           #     name "t"
          02 00000000     #     partition_indexes [0]
          00              #     tagged fields
        00                #   tagged fields
      00                  # require_stable false
      00                  # tagged fields
    `)
  })

  it('refuses several groups before v8, require stable before v7, all topics in v1, and v0', () => {
    const two = { groups: [{ groupId: 'a', topics: null }, { groupId: 'b', topics: null }] }
    expect(() => encode(OffsetFetch, 7, two)).toThrow(InvalidArgumentError)
    expect(() => encode(OffsetFetch, 6, { groups: [{ groupId: 'a', topics: null }], requireStable: true })).toThrow(InvalidArgumentError)
    expect(() => encode(OffsetFetch, 1, { groups: [{ groupId: 'a', topics: null }] })).toThrow(InvalidArgumentError)
    expect(() => encode(OffsetFetch, 0, { groups: [{ groupId: 'a', topics: [] }] })).toThrow(InvalidArgumentError)
  })
})

describe('OffsetFetch response', () => {
  const partition = { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, metadata: null, errorCode: 0 }

  it('decodes v1 (non-flexible) into the single-group fields and one group', () => {
    const res = decode(
      OffsetFetch,
      1,
      hex`
        00000001              # topics: 1
          0001 74             #   name "t"
          00000001            #   partitions: 1
            00000000          #     partition_index
            000000000000002a  #     committed_offset 42
            ffff              #     metadata null
            0000              #     error_code
      `,
    )
    const topics = [{ name: 't', partitions: [partition] }]
    expect(res).toEqual({ throttleTimeMs: 0, topics, errorCode: 0, groups: [{ groupId: '', topics, errorCode: 0 }] })
  })

  it('decodes v5 (non-flexible) with leader epoch and group error', () => {
    const res = decode(OffsetFetch, 5, hex`00000000 00000001 0001 74 00000001 00000000 ffffffffffffffff 00000003 0000 0000 000e`)
    expect(res.topics[0].partitions[0]).toEqual({ partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: 3, metadata: '', errorCode: 0 })
    expect(res.errorCode).toBe(14)
    expect(res.groups[0].errorCode).toBe(14)
  })

  it('decodes v8 (flexible, batched)', () => {
    const res = decode(
      OffsetFetch,
      8,
      hex`
        00000000                # throttle_time_ms
        02                      # groups: compact 1
          02 67                 #   group_id "g"
          02                    #   topics: compact 1
            02 74               #     name "t"
            02                  #     partitions: compact 1
              00000000          #       partition_index
              000000000000002a  #       committed_offset 42
              00000003          #       committed_leader_epoch 3
              01                #       metadata ""
              0000              #       error_code
              00                #       tagged fields
            00                  #     tagged fields
          0000                  #   error_code
          00                    #   tagged fields
        00                      # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      groups: [{ groupId: 'g', topics: [{ name: 't', partitions: [{ ...partition, committedLeaderEpoch: 3, metadata: '' }] }], errorCode: 0 }],
      topics: [],
      errorCode: 0,
    })
  })
})

specAndFuzzSuites(OffsetFetch, {
  spec: 'OffsetFetch',
  request: (version) => {
    const groupTopics = version >= 2 ? fc.option(topics, { nil: null }) : topics
    const group = fc.record({ groupId: name, memberId: fc.option(name, { nil: null }), memberEpoch: fc.integer(), topics: groupTopics })
    return fc.record({
      groups: version >= 8 ? fc.array(group, { maxLength: 3 }) : fc.tuple(group).map((t) => [...t]),
      requireStable: version >= 7 ? fc.boolean() : fc.constant(false),
    })
  },
  expectedRequest: (req, version) =>
    version >= 8 ? req : { groupId: req.groups[0].groupId, topics: req.groups[0].topics, requireStable: req.requireStable },
})
