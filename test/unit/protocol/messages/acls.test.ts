import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CreateAcls } from '../../../../src/protocol/messages/create-acls.js'
import { DeleteAcls } from '../../../../src/protocol/messages/delete-acls.js'
import { DescribeAcls } from '../../../../src/protocol/messages/describe-acls.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const int8 = fc.integer({ min: -128, max: 127 })
const str = fc.string({ maxLength: 8, unit: 'binary' })
const nullableStr = fc.option(str, { nil: null })
const filter = fc.record({
  resourceTypeFilter: int8,
  resourceNameFilter: nullableStr,
  patternTypeFilter: int8,
  principalFilter: nullableStr,
  hostFilter: nullableStr,
  operation: int8,
  permissionType: int8,
})
// Topic "t", literal, any principal, host "*", READ, ALLOW.
const topicFilter = { resourceTypeFilter: 2, resourceNameFilter: 't', patternTypeFilter: 3, principalFilter: null, hostFilter: '*', operation: 3, permissionType: 3 }

describe('DescribeAcls', () => {
  it('v1 and v3 request golden bytes', () => {
    expect(encode(DescribeAcls, 1, topicFilter)).toEqual(hex`
      02 0001 74 03 ffff 0001 2a 03 03  # topic "t" literal, principal null, host "*", READ, ALLOW
    `)
    expect(encode(DescribeAcls, 3, topicFilter)).toEqual(hex`
      02 02 74 03 00 02 2a 03 03 00     # the same, compact, with tagged fields
    `)
  })

  it('decodes a v2 response', () => {
    const res = decode(
      DescribeAcls,
      2,
      hex`
        00000000 0000 00            # throttle, error 0, message null
        02                          # resources: 1
          02 02 74 03               #   topic "t" literal
          02                        #   acls: 1
            07 557365723a61         #     principal "User:a"
            02 2a 03 03 00          #     host "*", READ, ALLOW, tags
          00                        #   tags
        00                          # tags
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      resources: [{ resourceType: 2, resourceName: 't', patternType: 3, acls: [{ principal: 'User:a', host: '*', operation: 3, permissionType: 3 }] }],
    })
  })
})

describe('CreateAcls', () => {
  const creation = { resourceType: 2, resourceName: 't', resourcePatternType: 4, principal: 'User:a', host: '*', operation: 4, permissionType: 2 }
  it('v1 and v3 request golden bytes', () => {
    expect(encode(CreateAcls, 1, { creations: [creation] })).toEqual(hex`
      00000001 02 0001 74 04 0006 557365723a61 0001 2a 04 02  # topic "t" prefixed, User:a, "*", WRITE, DENY
    `)
    expect(encode(CreateAcls, 3, { creations: [creation] })).toEqual(hex`
      02 02 02 74 04 07 557365723a61 02 2a 04 02 00 00
    `)
  })

  it('decodes a v3 response', () => {
    expect(decode(CreateAcls, 3, hex`00000000 03 0000 00 00 0031 04 6e6f2e 00 00`)).toEqual({
      throttleTimeMs: 0,
      results: [
        { errorCode: 0, errorMessage: null },
        { errorCode: 49, errorMessage: 'no.' },
      ],
    })
  })
})

describe('DeleteAcls', () => {
  it('v2 request golden bytes', () => {
    expect(encode(DeleteAcls, 2, { filters: [topicFilter] })).toEqual(hex`02 02 02 74 03 00 02 2a 03 03 00 00`)
  })

  it('decodes a v1 response', () => {
    const res = decode(
      DeleteAcls,
      1,
      hex`
        00000000 00000001           # throttle, filter_results: 1
          0000 ffff 00000001        #   error 0, message null, matching_acls: 1
            0000 ffff 02 0001 74 03 0006 557365723a61 0001 2a 03 03
      `,
    )
    expect(res.filterResults).toEqual([
      {
        errorCode: 0,
        errorMessage: null,
        matchingAcls: [
          { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', patternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 },
        ],
      },
    ])
  })
})

specAndFuzzSuites(DescribeAcls, { spec: 'DescribeAcls', request: () => filter })
specAndFuzzSuites(CreateAcls, {
  spec: 'CreateAcls',
  request: () =>
    fc.record({
      creations: fc.array(
        fc.record({ resourceType: int8, resourceName: str, resourcePatternType: int8, principal: str, host: str, operation: int8, permissionType: int8 }),
        { maxLength: 3 },
      ),
    }),
})
specAndFuzzSuites(DeleteAcls, { spec: 'DeleteAcls', request: () => fc.record({ filters: fc.array(filter, { maxLength: 3 }) }) })
