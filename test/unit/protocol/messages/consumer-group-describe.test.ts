import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConsumerGroupDescribe } from '../../../../src/protocol/messages/consumer-group-describe.js'
import { decode, encode, hex } from './admin-spec-support.js'
import { groupSpecAndFuzzSuites } from './group-spec-support.js'
import { whenSpecCovers } from './share-group-specs.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const TID = '0123abcd-0000-4000-8000-00000000beef'

const response = hex`
  00000000                          # throttle_time_ms
  02                                # groups: compact 1
    0000                            #   error_code
    00                              #   error_message null
    02 67                           #   group_id "g"
    07 537461626c65                 #   group_state "Stable"
    00000003                        #   group_epoch 3
    00000003                        #   assignment_epoch 3
    08 756e69666f726d               #   assignor_name "uniform"
    02                              #   members: compact 1
      03 6d31                       #     member_id "m1"
      00                            #     instance_id null
      02 72                         #     rack_id "r"
      00000003                      #     member_epoch 3
      02 63                         #     client_id "c"
      0b 2f3132372e302e302e31       #     client_host "/127.0.0.1"
      02 02 74                      #     subscribed_topic_names ["t"]
      00                            #     subscribed_topic_regex null
      02                            #     assignment.topic_partitions: compact 1
        0123abcd00004000800000000000beef
        02 74                       #       topic_name "t"
        02 00000000                 #       partitions [0]
        00                          #       tagged fields
      00                            #     assignment tagged fields
      01 00                         #     target_assignment: no partitions, no tags
      00                            #     tagged fields
    80000000                        #   authorized_operations (omitted)
    00                              #   tagged fields
  00                                # tagged fields
`

// Flexible in every version: there is no non-flexible encoding to pin.
describe('ConsumerGroupDescribe', () => {
  it('v0 request golden bytes', () => {
    expect(encode(ConsumerGroupDescribe, 0, { groupIds: ['g'] })).toEqual(hex`02 02 67 00 00`)
  })

  it('decodes a v0 response', () => {
    expect(decode(ConsumerGroupDescribe, 0, response)).toEqual({
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          errorMessage: null,
          groupId: 'g',
          groupState: 'Stable',
          groupEpoch: 3,
          assignmentEpoch: 3,
          assignorName: 'uniform',
          members: [
            {
              memberId: 'm1',
              instanceId: null,
              rackId: 'r',
              memberEpoch: 3,
              clientId: 'c',
              clientHost: '/127.0.0.1',
              subscribedTopicNames: ['t'],
              subscribedTopicRegex: null,
              assignment: { topicPartitions: [{ topicId: TID, topicName: 't', partitions: [0] }] },
              targetAssignment: { topicPartitions: [] },
              memberType: -1,
            },
          ],
          authorizedOperations: -2147483648,
        },
      ],
    })
  })
})

describe('ConsumerGroupDescribe v1', () => {
  it('decodes member_type after the target assignment', () => {
    // The v0 response with member_type 1 (consumer) inserted before the member's tagged fields.
    // The member's tagged fields are followed by authorized_operations and two tag sections (7 bytes).
    const at = response.length - 7
    const v1 = Buffer.concat([response.subarray(0, at), hex`01`, response.subarray(at)])
    expect(decode(ConsumerGroupDescribe, 1, v1).groups[0].members[0].memberType).toBe(1)
  })
})

// Kafka 3.9's specs predate the newest version (a field added in 4.x): checked against 4.x's.
whenSpecCovers(ConsumerGroupDescribe, 'ConsumerGroupDescribe', () => {
  groupSpecAndFuzzSuites(ConsumerGroupDescribe, {
    spec: 'ConsumerGroupDescribe',
    request: () => fc.record({ groupIds: fc.array(name, { maxLength: 3 }), includeAuthorizedOperations: fc.boolean() }),
    // The shared generator cannot build the Assignment structs: fuzz this response instead.
    responseSeeds: () => [response],
  })
})
