import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { Heartbeat } from '../../../../src/protocol/messages/heartbeat.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('Heartbeat request', () => {
  it('v3 (non-flexible) golden bytes', () => {
    expect(encode(Heartbeat, 3, { groupId: 'g', generationId: 5, memberId: 'm1', groupInstanceId: 'i' })).toEqual(hex`
      0001 67       # group_id "g"
      00000005      # generation_id 5
      0002 6d31     # member_id "m1"
      0001 69       # group_instance_id "i"
    `)
  })

  it('v4 (flexible) golden bytes', () => {
    expect(encode(Heartbeat, 4, { groupId: 'g', generationId: 5, memberId: 'm1' })).toEqual(hex`
      02 67 00000005 03 6d31
      00            # group_instance_id null
      00            # tagged fields
    `)
  })

  it('refuses a static member before v3', () => {
    expect(() => encode(Heartbeat, 2, { groupId: 'g', generationId: 5, memberId: 'm1', groupInstanceId: 'i' })).toThrow(InvalidArgumentError)
  })
})

describe('Heartbeat response', () => {
  it('decodes v0 (non-flexible, no throttle time)', () => {
    expect(decode(Heartbeat, 0, hex`001b`)).toEqual({ throttleTimeMs: 0, errorCode: 27 })
  })

  it('decodes v4 (flexible)', () => {
    expect(decode(Heartbeat, 4, hex`00000064 001b 01 02 01 00`)).toEqual({ throttleTimeMs: 100, errorCode: 27 })
  })
})

specAndFuzzSuites(Heartbeat, {
  spec: 'Heartbeat',
  request: (version) =>
    fc.record({
      groupId: name,
      generationId: fc.integer(),
      memberId: name,
      groupInstanceId: version >= 3 ? fc.option(name, { nil: null }) : fc.constant(null),
    }),
})
