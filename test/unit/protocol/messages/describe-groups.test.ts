import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { AUTHORIZED_OPERATIONS_OMITTED, DescribeGroups } from '../../../../src/protocol/messages/describe-groups.js'
import { decode, encode, hex } from './admin-spec-support.js'
import { groupSpecAndFuzzSuites } from './group-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('DescribeGroups request', () => {
  it('v0 (non-flexible) golden bytes', () => {
    expect(encode(DescribeGroups, 0, { groups: ['g'] })).toEqual(hex`00000001 0001 67`)
  })

  it('v5 (flexible) golden bytes', () => {
    expect(encode(DescribeGroups, 5, { groups: ['g'], includeAuthorizedOperations: true })).toEqual(hex`
      02 02 67    # groups ["g"]
      01          # include_authorized_operations true
      00          # tagged fields
    `)
  })

  it('refuses authorized operations before v3', () => {
    expect(() => encode(DescribeGroups, 2, { groups: [], includeAuthorizedOperations: true })).toThrow(InvalidArgumentError)
  })
})

describe('DescribeGroups response', () => {
  const member = {
    memberId: 'm1',
    clientId: 'c',
    clientHost: '/127.0.0.1',
    memberMetadata: Buffer.from([0, 0]),
    memberAssignment: Buffer.alloc(0),
  }

  it('decodes v0 (non-flexible)', () => {
    const res = decode(
      DescribeGroups,
      0,
      hex`
        00000001                      # groups: 1
          0000                        #   error_code
          0001 67                     #   group_id "g"
          0006 537461626c65           #   group_state "Stable"
          0008 636f6e73756d6572       #   protocol_type "consumer"
          0005 72616e6765             #   protocol_data "range"
          00000001                    #   members: 1
            0002 6d31                 #     member_id "m1"
            0001 63                   #     client_id "c"
            000a 2f3132372e302e302e31 #     client_host "/127.0.0.1"
            00000002 0000             #     member_metadata
            00000000                  #     member_assignment (empty)
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: 'g',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [{ ...member, groupInstanceId: null }],
          authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        },
      ],
    })
  })

  it('decodes v5 (flexible)', () => {
    const res = decode(
      DescribeGroups,
      5,
      hex`
        00000000                      # throttle_time_ms
        02                            # groups: compact 1
          0000                        #   error_code
          02 67                       #   group_id "g"
          07 537461626c65             #   group_state "Stable"
          09 636f6e73756d6572         #   protocol_type "consumer"
          06 72616e6765               #   protocol_data "range"
          02                          #   members: compact 1
            03 6d31                   #     member_id "m1"
            02 69                     #     group_instance_id "i"
            02 63                     #     client_id "c"
            0b 2f3132372e302e302e31   #     client_host
            03 0000                   #     member_metadata
            01                        #     member_assignment (empty)
            00                        #     tagged fields
          00000008                    #   authorized_operations
          00                          #   tagged fields
        00                            # tagged fields
      `,
    )
    expect(res.groups[0].members).toEqual([{ ...member, groupInstanceId: 'i' }])
    expect(res.groups[0].authorizedOperations).toBe(8)
  })
})

groupSpecAndFuzzSuites(DescribeGroups, {
  spec: 'DescribeGroups',
  request: (version) =>
    fc.record({
      groups: fc.array(name, { maxLength: 3 }),
      includeAuthorizedOperations: version >= 3 ? fc.boolean() : fc.constant(false),
    }),
})
