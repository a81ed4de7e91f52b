import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AlterClientQuotas } from '../../../../src/protocol/messages/alter-client-quotas.js'
import { DescribeClientQuotas } from '../../../../src/protocol/messages/describe-client-quotas.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const str = fc.string({ maxLength: 8, unit: 'binary' })
const entity = fc.array(fc.record({ entityType: str, entityName: fc.option(str, { nil: null }) }), { maxLength: 3 })
const PRODUCER_BYTE_RATE = '70726f64756365725f627974655f72617465'

describe('DescribeClientQuotas', () => {
  it('v0 request golden bytes', () => {
    expect(encode(DescribeClientQuotas, 0, { components: [{ entityType: 'user', matchType: 0, match: 'a' }], strict: true })).toEqual(hex`
      00000001 0004 75736572 00 0001 61 01   # components: user exact "a"; strict
    `)
  })

  it('decodes a v1 response with a float64 value', () => {
    const bytes = Buffer.concat([
      hex`00000000 0000 00 02 02 05 75736572 02 61 00 02 13`,
      Buffer.from(PRODUCER_BYTE_RATE, 'hex'),
      hex`4090000000000000 00 00 00`,
    ])
    expect(decode(DescribeClientQuotas, 1, bytes)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      entries: [{ entity: [{ entityType: 'user', entityName: 'a' }], values: [{ key: 'producer_byte_rate', value: 1024 }] }],
    })
  })
})

describe('AlterClientQuotas', () => {
  it('v1 request golden bytes: the default client id', () => {
    const req = { entries: [{ entity: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }], validateOnly: false }
    expect(encode(AlterClientQuotas, 1, req)).toEqual(
      Buffer.concat([hex`02 02 0a 636c69656e742d6964 00 00 02 13`, Buffer.from(PRODUCER_BYTE_RATE, 'hex'), hex`4090000000000000 00 00 00 00 00`]),
    )
  })
})

specAndFuzzSuites(DescribeClientQuotas, {
  spec: 'DescribeClientQuotas',
  request: () =>
    fc.record({
      components: fc.array(fc.record({ entityType: str, matchType: fc.integer({ min: -128, max: 127 }), match: fc.option(str, { nil: null }) }), { maxLength: 3 }),
      strict: fc.boolean(),
    }),
})
specAndFuzzSuites(AlterClientQuotas, {
  spec: 'AlterClientQuotas',
  request: () =>
    fc.record({
      entries: fc.array(
        fc.record({ entity, ops: fc.array(fc.record({ key: str, value: fc.double({ noNaN: true }), remove: fc.boolean() }), { maxLength: 3 }) }),
        { maxLength: 3 },
      ),
      validateOnly: fc.boolean(),
    }),
})
