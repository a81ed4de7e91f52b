import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { OffsetCommit, type OffsetCommitRequest } from '../../../../src/protocol/messages/offset-commit.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })

describe('OffsetCommit request', () => {
  const request: OffsetCommitRequest = {
    groupId: 'g',
    generationIdOrMemberEpoch: 5,
    memberId: 'm1',
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: '' }] }],
  }

  it('v2 (non-flexible) golden bytes: retention time, no leader epoch', () => {
    expect(encode(OffsetCommit, 2, { ...request, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n }] }] })).toEqual(hex`
      0001 67               # group_id "g"
      00000005              # generation_id_or_member_epoch 5
      0002 6d31             # member_id "m1"
      ffffffffffffffff      # retention_time_ms -1 (broker default)
      00000001              # topics: 1
        0001 74             #   name "t"
        00000001            #   partitions: 1
          00000000          #     partition_index 0
          000000000000002a  #     committed_offset 42
          ffff              #     committed_metadata null
    `)
  })

  it('v8 (flexible) golden bytes', () => {
    expect(encode(OffsetCommit, 8, request)).toEqual(hex`
      02 67                 # group_id "g"
      00000005              # generation_id_or_member_epoch
      03 6d31               # member_id "m1"
      00                    # group_instance_id null
      02                    # topics: compact 1
        02 74               #   name "t"
        02                  #   partitions: compact 1
          00000000          #     partition_index
          000000000000002a  #     committed_offset 42
          00000003          #     committed_leader_epoch 3
          01                #     committed_metadata ""
          00                #     tagged fields
        00                  #   tagged fields
      00                    # tagged fields
    `)
  })

  it('simple commits default to generation -1 and member ""', () => {
    const bytes = encode(OffsetCommit, 5, { groupId: 'g', topics: [] })
    expect(bytes).toEqual(hex`0001 67 ffffffff 0000 00000000`)
  })

  it('refuses a static member before v7 and the removed v0-1', () => {
    expect(() => encode(OffsetCommit, 6, { ...request, groupInstanceId: 'i' })).toThrow(InvalidArgumentError)
    expect(() => encode(OffsetCommit, 1, request)).toThrow(InvalidArgumentError)
  })
})

describe('OffsetCommit response', () => {
  it('decodes v2 (non-flexible, no throttle time)', () => {
    expect(decode(OffsetCommit, 2, hex`00000001 0001 74 00000001 00000000 001b`)).toEqual({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 27 }] }],
    })
  })

  it('decodes v8 (flexible)', () => {
    const res = decode(
      OffsetCommit,
      8,
      hex`
        00000000        # throttle_time_ms
        02              # topics: compact 1
          02 74         #   name "t"
          02            #   partitions: compact 1
            00000000    #     partition_index
            0000        #     error_code
            00          #     tagged fields
          00            #   tagged fields
        00              # tagged fields
      `,
    )
    expect(res).toEqual({ throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] })
  })
})

specAndFuzzSuites(OffsetCommit, {
  spec: 'OffsetCommit',
  request: (version) =>
    fc.record({
      groupId: name,
      generationIdOrMemberEpoch: fc.integer(),
      memberId: name,
      groupInstanceId: version >= 7 ? fc.option(name, { nil: null }) : fc.constant(null),
      retentionTimeMs: int64,
      topics: fc.array(
        fc.record({
          name,
          partitions: fc.array(
            fc.record({
              partitionIndex: fc.integer(),
              committedOffset: int64,
              committedLeaderEpoch: fc.integer(),
              committedMetadata: fc.option(name, { nil: null }),
            }),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 3 },
      ),
    }),
})
