import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { ListGroups } from '../../../../src/protocol/messages/list-groups.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('ListGroups request', () => {
  it('v2 (non-flexible) has an empty body', () => {
    expect(encode(ListGroups, 2, {})).toEqual(Buffer.alloc(0))
  })

  it('v5 (flexible) golden bytes', () => {
    expect(encode(ListGroups, 5, { statesFilter: ['Stable'], typesFilter: ['consumer'] })).toEqual(hex`
      02 07 537461626c65          # states_filter ["Stable"]
      02 09 636f6e73756d6572      # types_filter ["consumer"]
      00                          # tagged fields
    `)
  })

  it('v3 (flexible) is only a tag section', () => {
    expect(encode(ListGroups, 3, {})).toEqual(hex`00`)
  })

  it('refuses filters a version cannot carry', () => {
    expect(() => encode(ListGroups, 3, { statesFilter: ['Stable'] })).toThrow(InvalidArgumentError)
    expect(() => encode(ListGroups, 4, { typesFilter: ['consumer'] })).toThrow(InvalidArgumentError)
  })
})

describe('ListGroups response', () => {
  it('decodes v0 (non-flexible)', () => {
    expect(decode(ListGroups, 0, hex`0000 00000001 0001 67 0008 636f6e73756d6572`)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g', protocolType: 'consumer', groupState: '', groupType: '' }],
    })
  })

  it('decodes v5 (flexible)', () => {
    const res = decode(
      ListGroups,
      5,
      hex`
        00000000                    # throttle_time_ms
        0000                        # error_code
        02                          # groups: compact 1
          02 67                     #   group_id "g"
          09 636f6e73756d6572       #   protocol_type "consumer"
          07 537461626c65           #   group_state "Stable"
          08 636c6173736963         #   group_type "classic"
          00                        #   tagged fields
        00                          # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }],
    })
  })
})

specAndFuzzSuites(ListGroups, {
  spec: 'ListGroups',
  request: (version) =>
    fc.record({
      statesFilter: version >= 4 ? fc.array(name, { maxLength: 3 }) : fc.constant([]),
      typesFilter: version >= 5 ? fc.array(name, { maxLength: 3 }) : fc.constant([]),
    }),
})
