import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ShareGroupDescribe } from '../../../../src/protocol/messages/share-group-describe.js'
import { ShareGroupHeartbeat, ShareGroupMemberEpoch } from '../../../../src/protocol/messages/share-group-heartbeat.js'
import { decode, encode, hex } from './admin-spec-support.js'
import { groupSpecAndFuzzSuites } from './group-spec-support.js'
import { whenSpecCovers } from './share-group-specs.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const TID = '0123abcd-0000-4000-8000-00000000beef'

describe('ShareGroupHeartbeat', () => {
  it('v1 request golden bytes (join)', () => {
    expect(encode(ShareGroupHeartbeat, 1, { groupId: 'g', memberId: 'm1', memberEpoch: ShareGroupMemberEpoch.JOIN, subscribedTopicNames: ['t'] })).toEqual(hex`
      02 67       # group_id "g"
      03 6d31     # member_id "m1"
      00000000    # member_epoch 0 (join)
      00          # rack_id null
      02 02 74    # subscribed_topic_names ["t"]
      00          # tagged fields
    `)
  })

  it('decodes an assignment and its absence', () => {
    const withAssignment = hex`00000000 0000 00 03 6d31 00000001 00001388 01 02 0123abcd00004000800000000000beef 03 00000000 00000001 00 00 00`
    expect(decode(ShareGroupHeartbeat, 1, withAssignment)).toEqual({
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 5000,
      assignment: { topicPartitions: [{ topicId: TID, partitions: [0, 1] }] },
    })
    expect(decode(ShareGroupHeartbeat, 1, hex`00000000 0000 00 00 00000002 00001388 ff 00`).assignment).toBeNull()
  })
})

describe('ShareGroupDescribe', () => {
  it('decodes a group with one member', () => {
    const res = decode(
      ShareGroupDescribe,
      1,
      hex`
        00000000                  # throttle_time_ms
        02                        # groups: compact 1
          0000 00                 #   error_code, error_message null
          02 67                   #   group_id "g"
          07 537461626c65         #   group_state "Stable"
          00000003 00000003       #   group_epoch, assignment_epoch
          07 73696d706c65         #   assignor_name "simple"
          02                      #   members: compact 1
            03 6d31 00 00000003   #     member_id "m1", rack null, epoch 3
            02 63 0b 2f3132372e302e302e31  # client_id "c", client_host "/127.0.0.1"
            02 02 74              #     subscribed_topic_names ["t"]
            02 0123abcd00004000800000000000beef 02 74 02 00000000 00 00  # assignment: t-0
            00                    #     tagged fields
          80000000                #   authorized_operations omitted
          00
        00
      `,
    )
    expect(res.groups[0].members[0]).toEqual({
      memberId: 'm1', rackId: null, memberEpoch: 3, clientId: 'c', clientHost: '/127.0.0.1', subscribedTopicNames: ['t'],
      assignment: { topicPartitions: [{ topicId: TID, topicName: 't', partitions: [0] }] },
    })
    expect(res.groups[0]).toMatchObject({ groupId: 'g', groupState: 'Stable', assignorName: 'simple', authorizedOperations: -2147483648 })
  })
})

whenSpecCovers(ShareGroupHeartbeat, 'ShareGroupHeartbeat', () =>
  groupSpecAndFuzzSuites(ShareGroupHeartbeat, {
    spec: 'ShareGroupHeartbeat',
    request: () =>
      fc.record({
        groupId: name,
        memberId: name,
        memberEpoch: fc.integer(),
        rackId: fc.option(name, { nil: null }),
        subscribedTopicNames: fc.option(fc.array(name, { maxLength: 3 }), { nil: null }),
      }),
    responseSeeds: () => [
      hex`00000000 0000 00 03 6d31 00000001 00001388 01 02 0123abcd00004000800000000000beef 03 00000000 00000001 00 00 00`,
      hex`00000000 0000 00 00 00000002 00001388 ff 00`,
    ],
  }),
)

whenSpecCovers(ShareGroupDescribe, 'ShareGroupDescribe', () =>
  groupSpecAndFuzzSuites(ShareGroupDescribe, {
    spec: 'ShareGroupDescribe',
    request: () => fc.record({ groupIds: fc.array(name, { maxLength: 3 }), includeAuthorizedOperations: fc.boolean() }),
    responseSeeds: () => [
      hex`00000000 02 0000 00 02 67 07 537461626c65 00000003 00000003 07 73696d706c65 02 03 6d31 00 00000003 02 63 0b 2f3132372e302e302e31 02 02 74 02 0123abcd00004000800000000000beef 02 74 02 00000000 00 00 00 80000000 00 00`,
    ],
  }),
)



