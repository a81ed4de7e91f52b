import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { LeaveGroup, type LeaveGroupRequest } from '../../../../src/protocol/messages/leave-group.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('LeaveGroup request', () => {
  it('v2 (non-flexible) golden bytes: one member id', () => {
    expect(encode(LeaveGroup, 2, { groupId: 'g', members: [{ memberId: 'm1' }] })).toEqual(hex`
      0001 67       # group_id "g"
      0002 6d31     # member_id "m1"
    `)
  })

  it('v3 (non-flexible) golden bytes: members array', () => {
    expect(encode(LeaveGroup, 3, { groupId: 'g', members: [{ memberId: '', groupInstanceId: 'i', reason: 'r' }] })).toEqual(hex`
      0001 67       # group_id "g"
      00000001      # members: 1
        0000        #   member_id ""
        0001 69     #   group_instance_id "i" (reason dropped before v5)
    `)
  })

  it('v5 (flexible) golden bytes', () => {
    const req: LeaveGroupRequest = {
      groupId: 'g',
      members: [
        { memberId: 'm1', reason: 'r' },
        { memberId: '', groupInstanceId: 'i' },
      ],
    }
    expect(encode(LeaveGroup, 5, req)).toEqual(hex`
      02 67         # group_id "g"
      03            # members: compact 2
        03 6d31     #   member_id "m1"
        00          #   group_instance_id null
        02 72       #   reason "r"
        00          #   tagged fields
        01          #   member_id ""
        02 69       #   group_instance_id "i"
        00          #   reason null
        00          #   tagged fields
      00            # tagged fields
    `)
  })

  it('refuses batches and static members before v3', () => {
    expect(() => encode(LeaveGroup, 2, { groupId: 'g', members: [{ memberId: 'a' }, { memberId: 'b' }] })).toThrow(InvalidArgumentError)
    expect(() => encode(LeaveGroup, 1, { groupId: 'g', members: [{ memberId: 'a', groupInstanceId: 'i' }] })).toThrow(InvalidArgumentError)
  })
})

describe('LeaveGroup response', () => {
  it('decodes v0 (non-flexible)', () => {
    expect(decode(LeaveGroup, 0, hex`0000`)).toEqual({ throttleTimeMs: 0, errorCode: 0, members: [] })
  })

  it('decodes v3 (non-flexible) per-member errors', () => {
    expect(decode(LeaveGroup, 3, hex`00000000 0000 00000001 0002 6d31 ffff 0019`)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      members: [{ memberId: 'm1', groupInstanceId: null, errorCode: 25 }],
    })
  })

  it('decodes v4 (flexible)', () => {
    const res = decode(
      LeaveGroup,
      4,
      hex`
        00000000          # throttle_time_ms
        0000              # error_code
        02                # members: compact 1
          03 6d31         #   member_id "m1"
          02 69           #   group_instance_id "i"
          0000            #   error_code
          00              #   tagged fields
        00                # tagged fields
      `,
    )
    expect(res).toEqual({ throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'm1', groupInstanceId: 'i', errorCode: 0 }] })
  })
})

specAndFuzzSuites(LeaveGroup, {
  spec: 'LeaveGroup',
  request: (version) =>
    version < 3
      ? fc.record({ groupId: name, members: fc.tuple(fc.record({ memberId: name })).map((t) => [...t]) })
      : fc.record({
          groupId: name,
          members: fc.array(
            fc.record({ memberId: name, groupInstanceId: fc.option(name, { nil: null }), reason: fc.option(name, { nil: null }) }),
            { maxLength: 3 },
          ),
        }),
  expectedRequest: (req, version) => (version < 3 ? { groupId: req.groupId, memberId: req.members[0].memberId } : req),
})
