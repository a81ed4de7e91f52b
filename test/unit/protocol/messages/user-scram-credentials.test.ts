import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AlterUserScramCredentials } from '../../../../src/protocol/messages/alter-user-scram-credentials.js'
import { DescribeUserScramCredentials } from '../../../../src/protocol/messages/describe-user-scram-credentials.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const str = fc.string({ maxLength: 8, unit: 'binary' })
const int8 = fc.integer({ min: -128, max: 127 })
const bytes = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b))

describe('user SCRAM credentials', () => {
  it('AlterUserScramCredentials request golden bytes', () => {
    const req = { deletions: [], upsertions: [{ name: 'a', mechanism: 1, iterations: 4096, salt: Buffer.from([1, 2]), saltedPassword: Buffer.from([0xaa, 0xbb]) }] }
    expect(encode(AlterUserScramCredentials, 0, req)).toEqual(hex`
      01                     # deletions: 0
      02                     # upsertions: 1
        02 61 01 00001000    #   "a", SCRAM-SHA-256, 4096 iterations
        03 0102 03 aabb 00   #   salt, salted password, tags
      00
    `)
  })

  it('DescribeUserScramCredentials: all users golden bytes, and a response', () => {
    expect(encode(DescribeUserScramCredentials, 0, { users: null })).toEqual(hex`00 00`)
    expect(decode(DescribeUserScramCredentials, 0, hex`00000000 0000 00 02 02 61 0000 00 02 02 00002000 00 00 00`)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [{ user: 'a', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 8192 }] }],
    })
  })
})

specAndFuzzSuites(DescribeUserScramCredentials, {
  spec: 'DescribeUserScramCredentials',
  request: () => fc.record({ users: fc.option(fc.array(fc.record({ name: str }), { maxLength: 3 }), { nil: null }) }),
})
specAndFuzzSuites(AlterUserScramCredentials, {
  spec: 'AlterUserScramCredentials',
  request: () =>
    fc.record({
      deletions: fc.array(fc.record({ name: str, mechanism: int8 }), { maxLength: 3 }),
      upsertions: fc.array(
        fc.record({ name: str, mechanism: int8, iterations: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), salt: bytes, saltedPassword: bytes }),
        { maxLength: 3 },
      ),
    }),
})
