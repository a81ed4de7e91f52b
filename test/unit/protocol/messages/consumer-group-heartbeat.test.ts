import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import {
  ConsumerGroupHeartbeat,
  ConsumerGroupMemberEpoch,
  type ConsumerGroupHeartbeatRequest,
} from '../../../../src/protocol/messages/consumer-group-heartbeat.js'
import { decode, encode, hex } from './admin-spec-support.js'
import { groupSpecAndFuzzSuites } from './group-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const TID = '0123abcd-0000-4000-8000-00000000beef'

const request: ConsumerGroupHeartbeatRequest = {
  groupId: 'g',
  memberId: '',
  memberEpoch: ConsumerGroupMemberEpoch.JOIN,
  rebalanceTimeoutMs: 60_000,
  subscribedTopicNames: ['t'],
  serverAssignor: 'uniform',
  topicPartitions: [],
}

// Flexible in every version: there is no non-flexible encoding to pin.
describe('ConsumerGroupHeartbeat request', () => {
  it('v0 golden bytes', () => {
    expect(encode(ConsumerGroupHeartbeat, 0, request)).toEqual(hex`
      02 67             # group_id "g"
      01                # member_id ""
      00000000          # member_epoch 0 (join)
      00                # instance_id null
      00                # rack_id null
      0000ea60          # rebalance_timeout_ms 60000
      02 02 74          # subscribed_topic_names ["t"]
      08 756e69666f726d # server_assignor "uniform"
      01                # topic_partitions: compact 0
      00                # tagged fields
    `)
  })

  it('v1 golden bytes: regex after the topic names', () => {
    const req: ConsumerGroupHeartbeatRequest = {
      groupId: 'g',
      memberId: 'm1',
      memberEpoch: 3,
      subscribedTopicRegex: 'a.*',
      topicPartitions: [{ topicId: TID, partitions: [0, 1] }],
    }
    expect(encode(ConsumerGroupHeartbeat, 1, req)).toEqual(hex`
      02 67             # group_id "g"
      03 6d31           # member_id "m1"
      00000003          # member_epoch 3
      00 00             # instance_id, rack_id null
      ffffffff          # rebalance_timeout_ms -1 (unchanged)
      00                # subscribed_topic_names null (unchanged)
      04 612e2a         # subscribed_topic_regex "a.*"
      00                # server_assignor null
      02                # topic_partitions: compact 1
        0123abcd00004000800000000000beef  # topic_id
        03 00000000 00000001              # partitions [0, 1]
        00              #   tagged fields
      00                # tagged fields
    `)
  })

  it('refuses a regex in v0', () => {
    expect(() => encode(ConsumerGroupHeartbeat, 0, { ...request, subscribedTopicRegex: '.*' })).toThrow(InvalidArgumentError)
  })
})

const withAssignment = hex`
  00000000                          # throttle_time_ms
  0000                              # error_code
  00                                # error_message null
  03 6d31                           # member_id "m1"
  00000001                          # member_epoch 1
  00001388                          # heartbeat_interval_ms 5000
  01                                # assignment present
    02                              #   topic_partitions: compact 1
      0123abcd00004000800000000000beef
      03 00000000 00000001          #     partitions [0, 1]
      00                            #     tagged fields
    00                              #   tagged fields
  01 09 01 ff                       # tagged fields: unknown tag 9
`
const withoutAssignment = hex`00000000 0000 00 00 00000002 00001388 ff 00`

describe('ConsumerGroupHeartbeat response', () => {
  it('decodes v0 with an assignment, skipping unknown tags', () => {
    expect(decode(ConsumerGroupHeartbeat, 0, withAssignment)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      memberId: 'm1',
      memberEpoch: 1,
      heartbeatIntervalMs: 5000,
      assignment: { topicPartitions: [{ topicId: TID, partitions: [0, 1] }] },
    })
  })

  it('decodes v1 without an assignment (int8 -1 marker)', () => {
    expect(decode(ConsumerGroupHeartbeat, 1, withoutAssignment)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      memberId: null,
      memberEpoch: 2,
      heartbeatIntervalMs: 5000,
      assignment: null,
    })
  })
})

groupSpecAndFuzzSuites(ConsumerGroupHeartbeat, {
  spec: 'ConsumerGroupHeartbeat',
  request: (version) =>
    fc.record({
      groupId: name,
      memberId: name,
      memberEpoch: fc.integer(),
      instanceId: fc.option(name, { nil: null }),
      rackId: fc.option(name, { nil: null }),
      rebalanceTimeoutMs: fc.integer(),
      subscribedTopicNames: fc.option(fc.array(name, { maxLength: 3 }), { nil: null }),
      subscribedTopicRegex: version >= 1 ? fc.option(name, { nil: null }) : fc.constant(null),
      serverAssignor: fc.option(name, { nil: null }),
      topicPartitions: fc.option(
        fc.array(fc.record({ topicId: fc.uuid(), partitions: fc.array(fc.integer(), { maxLength: 3 }) }), { maxLength: 3 }),
        { nil: null },
      ),
    }),
  // The shared generator cannot build the nullable Assignment struct: fuzz these instead.
  responseSeeds: () => [withAssignment, withoutAssignment],
})
