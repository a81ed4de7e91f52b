import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { JoinGroup } from '../../../../src/protocol/messages/join-group.js'
import { decode, encode, hex } from './admin-spec-support.js'
import { groupSpecAndFuzzSuites } from './group-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const bytes = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b))

describe('JoinGroup request', () => {
  const request = {
    groupId: 'g',
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 60_000,
    memberId: '',
    groupInstanceId: 'i',
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }],
    reason: 'r',
  }

  it('v5 (non-flexible) golden bytes: reason is dropped', () => {
    expect(encode(JoinGroup, 5, request)).toEqual(hex`
      0001 67                   # group_id "g"
      00007530                  # session_timeout_ms 30000
      0000ea60                  # rebalance_timeout_ms 60000
      0000                      # member_id ""
      0001 69                   # group_instance_id "i"
      0008 636f6e73756d6572     # protocol_type "consumer"
      00000001                  # protocols: 1
        0005 72616e6765         #   name "range"
        00000002 0102           #   metadata
    `)
  })

  it('v8 (flexible) golden bytes', () => {
    expect(encode(JoinGroup, 8, { ...request, groupInstanceId: null })).toEqual(hex`
      02 67                     # group_id "g"
      00007530                  # session_timeout_ms
      0000ea60                  # rebalance_timeout_ms
      01                        # member_id ""
      00                        # group_instance_id null
      09 636f6e73756d6572       # protocol_type "consumer"
      02                        # protocols: compact 1
        06 72616e6765           #   name "range"
        03 0102                 #   metadata: compact bytes
        00                      #   tagged fields
      02 72                     # reason "r"
      00                        # tagged fields
    `)
  })

  it('refuses a static member before v5 and the removed v0-1', () => {
    expect(() => encode(JoinGroup, 4, request)).toThrow(InvalidArgumentError)
    expect(() => encode(JoinGroup, 1, { ...request, groupInstanceId: null })).toThrow(InvalidArgumentError)
  })
})

describe('JoinGroup response', () => {
  it('decodes v2 (non-flexible)', () => {
    const res = decode(
      JoinGroup,
      2,
      hex`
        00000000              # throttle_time_ms
        0000                  # error_code
        00000005              # generation_id 5
        0005 72616e6765       # protocol_name "range"
        0002 6d31             # leader "m1"
        0002 6d31             # member_id "m1"
        00000001              # members: 1
          0002 6d31           #   member_id "m1"
          00000001 ff         #   metadata
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 5,
      protocolType: null,
      protocolName: 'range',
      leader: 'm1',
      skipAssignment: false,
      memberId: 'm1',
      members: [{ memberId: 'm1', groupInstanceId: null, metadata: Buffer.from([0xff]) }],
    })
  })

  it('decodes v9 (flexible), skipping unknown tags', () => {
    const res = decode(
      JoinGroup,
      9,
      hex`
        00000000              # throttle_time_ms
        0000                  # error_code
        00000005              # generation_id
        09 636f6e73756d6572   # protocol_type "consumer"
        06 72616e6765         # protocol_name "range"
        03 6d31               # leader "m1"
        01                    # skip_assignment true
        03 6d32               # member_id "m2"
        02                    # members: compact 1
          03 6d31             #   member_id "m1"
          02 69               #   group_instance_id "i"
          02 ff               #   metadata
          01 05 01 aa         #   tagged fields: unknown tag 5
        00                    # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 5,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: 'm1',
      skipAssignment: true,
      memberId: 'm2',
      members: [{ memberId: 'm1', groupInstanceId: 'i', metadata: Buffer.from([0xff]) }],
    })
  })
})

groupSpecAndFuzzSuites(JoinGroup, {
  spec: 'JoinGroup',
  request: (version) =>
    fc.record({
      groupId: name,
      sessionTimeoutMs: fc.integer(),
      rebalanceTimeoutMs: fc.integer(),
      memberId: name,
      groupInstanceId: version >= 5 ? fc.option(name, { nil: null }) : fc.constant(null),
      protocolType: name,
      protocols: fc.array(fc.record({ name, metadata: bytes }), { maxLength: 3 }),
      reason: fc.option(name, { nil: null }),
    }),
})
