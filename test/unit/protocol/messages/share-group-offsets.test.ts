import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AlterShareGroupOffsets } from '../../../../src/protocol/messages/alter-share-group-offsets.js'
import { DeleteShareGroupOffsets } from '../../../../src/protocol/messages/delete-share-group-offsets.js'
import { DescribeShareGroupOffsets } from '../../../../src/protocol/messages/describe-share-group-offsets.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'
import { whenSpecCovers } from './share-group-specs.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })
const TID = '0123abcd-0000-4000-8000-00000000beef'

describe('DescribeShareGroupOffsets', () => {
  it('v1 request golden bytes: null topics for all of the group', () => {
    expect(encode(DescribeShareGroupOffsets, 1, { groups: [{ groupId: 'g', topics: null }] })).toEqual(hex`
      02 02 67 00 00   # groups: compact 1: group_id "g", topics null, tagged fields
      00
    `)
  })

  it('decodes v1 lag; v0 has none', () => {
    const body = (lag: boolean) =>
      Buffer.concat([
        hex`00000000 02 02 67 02 02 74 0123abcd00004000800000000000beef 02 00000000 0000000000000007 00000000`,
        lag ? hex`0000000000000003` : Buffer.alloc(0),
        hex`0000 00 00 00 0000 00 00 00`,
      ])
    expect(decode(DescribeShareGroupOffsets, 1, body(true)).groups[0]).toEqual({
      groupId: 'g',
      topics: [{ topicName: 't', topicId: TID, partitions: [{ partitionIndex: 0, startOffset: 7n, leaderEpoch: 0, lag: 3n, errorCode: 0, errorMessage: null }] }],
      errorCode: 0,
      errorMessage: null,
    })
    expect(decode(DescribeShareGroupOffsets, 0, body(false)).groups[0].topics[0].partitions[0].lag).toBe(-1n)
  })
})

describe('AlterShareGroupOffsets and DeleteShareGroupOffsets', () => {
  it('v0 request golden bytes', () => {
    expect(encode(AlterShareGroupOffsets, 0, { groupId: 'g', topics: [{ topicName: 't', partitions: [{ partitionIndex: 1, startOffset: 9n }] }] })).toEqual(hex`
      02 67                                   # group_id "g"
      02 02 74 02 00000001 0000000000000009 00 00  # t: partition 1 -> 9
      00
    `)
    expect(encode(DeleteShareGroupOffsets, 0, { groupId: 'g', topics: [{ topicName: 't' }] })).toEqual(hex`02 67 02 02 74 00 00`)
  })
})

whenSpecCovers(DescribeShareGroupOffsets, 'DescribeShareGroupOffsets', () =>
  specAndFuzzSuites(DescribeShareGroupOffsets, {
    spec: 'DescribeShareGroupOffsets',
    request: () =>
      fc.record({
        groups: fc.array(
          fc.record({
            groupId: name,
            topics: fc.option(fc.array(fc.record({ topicName: name, partitions: fc.array(fc.integer(), { maxLength: 3 }) }), { maxLength: 2 }), { nil: null }),
          }),
          { maxLength: 2 },
        ),
      }),
  }),
)

whenSpecCovers(AlterShareGroupOffsets, 'AlterShareGroupOffsets', () =>
  specAndFuzzSuites(AlterShareGroupOffsets, {
    spec: 'AlterShareGroupOffsets',
    request: () =>
      fc.record({
        groupId: name,
        topics: fc.array(fc.record({ topicName: name, partitions: fc.array(fc.record({ partitionIndex: fc.integer(), startOffset: int64 }), { maxLength: 3 }) }), { maxLength: 2 }),
      }),
  }),
)

whenSpecCovers(DeleteShareGroupOffsets, 'DeleteShareGroupOffsets', () =>
  specAndFuzzSuites(DeleteShareGroupOffsets, {
    spec: 'DeleteShareGroupOffsets',
    request: () => fc.record({ groupId: name, topics: fc.array(fc.record({ topicName: name }), { maxLength: 3 }) }),
  }),
)
