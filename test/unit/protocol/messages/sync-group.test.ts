import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { SyncGroup } from '../../../../src/protocol/messages/sync-group.js'
import { decode, encode, hex } from './admin-spec-support.js'
import { groupSpecAndFuzzSuites } from './group-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const bytes = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b))

describe('SyncGroup request', () => {
  const request = {
    groupId: 'g',
    generationId: 5,
    memberId: 'm1',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{ memberId: 'm1', assignment: Buffer.from([0, 1]) }],
  }

  it('v3 (non-flexible) golden bytes: protocol type and name are dropped', () => {
    expect(encode(SyncGroup, 3, request)).toEqual(hex`
      0001 67             # group_id "g"
      00000005            # generation_id 5
      0002 6d31           # member_id "m1"
      ffff                # group_instance_id null
      00000001            # assignments: 1
        0002 6d31         #   member_id "m1"
        00000002 0001     #   assignment
    `)
  })

  it('v5 (flexible) golden bytes', () => {
    expect(encode(SyncGroup, 5, request)).toEqual(hex`
      02 67               # group_id "g"
      00000005            # generation_id
      03 6d31             # member_id "m1"
      00                  # group_instance_id null
      09 636f6e73756d6572 # protocol_type "consumer"
      06 72616e6765       # protocol_name "range"
      02                  # assignments: compact 1
        03 6d31           #   member_id
        03 0001           #   assignment: compact bytes
        00                #   tagged fields
      00                  # tagged fields
    `)
  })

  it('refuses a static member before v3', () => {
    expect(() => encode(SyncGroup, 2, { ...request, groupInstanceId: 'i' })).toThrow(InvalidArgumentError)
  })
})

describe('SyncGroup response', () => {
  it('decodes v0 (non-flexible, no throttle time)', () => {
    expect(decode(SyncGroup, 0, hex`0000 00000003 000102`)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      protocolType: null,
      protocolName: null,
      assignment: Buffer.from([0, 1, 2]),
    })
  })

  it('decodes v5 (flexible)', () => {
    const res = decode(
      SyncGroup,
      5,
      hex`
        00000000              # throttle_time_ms
        0000                  # error_code
        09 636f6e73756d6572   # protocol_type "consumer"
        06 72616e6765         # protocol_name "range"
        03 aabb               # assignment
        01 00 00              # tagged fields: unknown tag 0, empty
      `,
    )
    expect(res).toEqual({ throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from([0xaa, 0xbb]) })
  })
})

groupSpecAndFuzzSuites(SyncGroup, {
  spec: 'SyncGroup',
  request: (version) =>
    fc.record({
      groupId: name,
      generationId: fc.integer(),
      memberId: name,
      groupInstanceId: version >= 3 ? fc.option(name, { nil: null }) : fc.constant(null),
      protocolType: fc.option(name, { nil: null }),
      protocolName: fc.option(name, { nil: null }),
      assignments: fc.array(fc.record({ memberId: name, assignment: bytes }), { maxLength: 3 }),
    }),
})
