import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { DeleteGroups } from '../../../../src/protocol/messages/delete-groups.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('DeleteGroups', () => {
  it('v1 (non-flexible) request golden bytes', () => {
    expect(encode(DeleteGroups, 1, { groupsNames: ['g'] })).toEqual(hex`00000001 0001 67`)
  })

  it('v2 (flexible) request golden bytes', () => {
    expect(encode(DeleteGroups, 2, { groupsNames: ['g'] })).toEqual(hex`02 02 67 00`)
  })

  it('refuses v0 (removed in Kafka 4.0)', () => {
    expect(() => encode(DeleteGroups, 0, { groupsNames: [] })).toThrow(InvalidArgumentError)
  })

  it('decodes a v1 (non-flexible) response', () => {
    expect(decode(DeleteGroups, 1, hex`00000000 00000001 0001 67 0045`)).toEqual({
      throttleTimeMs: 0,
      results: [{ groupId: 'g', errorCode: 69 }],
    })
  })

  it('decodes a v2 (flexible) response', () => {
    expect(decode(DeleteGroups, 2, hex`00000000 02 02 67 0000 00 00`)).toEqual({
      throttleTimeMs: 0,
      results: [{ groupId: 'g', errorCode: 0 }],
    })
  })
})

specAndFuzzSuites(DeleteGroups, {
  spec: 'DeleteGroups',
  request: () => fc.record({ groupsNames: fc.array(name, { maxLength: 3 }) }),
})
