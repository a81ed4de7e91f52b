import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { DeleteTopics, type DeleteTopicsRequest } from '../../../../src/protocol/messages/delete-topics.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'
const ID = '01020304-0506-0708-090a-0b0c0d0e0f10'

describe('DeleteTopics request', () => {
  it('v3 (non-flexible) golden bytes', () => {
    const bytes = encode(DeleteTopics, 3, { topicNames: ['a', 'bc'], timeoutMs: 1000 })
    expect(bytes).toEqual(hex`
      00000002          # topic_names: 2
        0001 61         #   "a"
        0002 6263       #   "bc"
      000003e8          # timeout_ms 1000
    `)
  })

  it('v5 (flexible, last version with topic_names) golden bytes', () => {
    expect(encode(DeleteTopics, 5, { topicNames: ['a', 'bc'], timeoutMs: 1000 })).toEqual(hex`03 02 61 03 6263 000003e8 00`)
  })

  it('v6 (flexible) turns names (and ids) into topic states', () => {
    const bytes = encode(DeleteTopics, 6, { topicNames: ['a'], topicIds: [ID], timeoutMs: 1000 })
    expect(bytes).toEqual(hex`
      03                                  # topics: compact 2
        02 61                             #   name "a"
        00000000000000000000000000000000  #   topic_id zero
        00                                #   tagged fields
        00                                #   name null
        0102030405060708090a0b0c0d0e0f10  #   topic_id
        00                                #   tagged fields
      000003e8                            # timeout_ms 1000
      00                                  # tagged fields
    `)
  })

  it('refuses topic ids before v6', () => {
    expect(() => encode(DeleteTopics, 5, { topicNames: [], topicIds: [ID], timeoutMs: 1 })).toThrow(InvalidArgumentError)
    expect(() => encode(DeleteTopics, 0, { topicNames: [], timeoutMs: 1 })).toThrow(InvalidArgumentError)
  })
})

describe('DeleteTopics response', () => {
  it('decodes v3 (non-flexible)', () => {
    const res = decode(DeleteTopics, 3, hex`00000007 00000001 0001 61 0003`)
    expect(res).toEqual({
      throttleTimeMs: 7,
      responses: [{ name: 'a', topicId: ZERO_UUID, errorCode: 3, errorMessage: null }],
    })
  })

  it('decodes v6 (flexible) with a null name', () => {
    const res = decode(
      DeleteTopics,
      6,
      hex`
        00000000                            # throttle_time_ms 0
        03                                  # responses: compact 2
          00                                #   name null
          0102030405060708090a0b0c0d0e0f10  #   topic_id
          0064                              #   error_code 100 (UNKNOWN_TOPIC_ID)
          08 6e6f2073756368                 #   error_message "no such"
          00                                #   tagged fields
          02 61                             #   name "a"
          00000000000000000000000000000000  #   topic_id zero
          0000                              #   error_code 0
          00                                #   error_message null
          01 2a 00                          #   tagged fields: unknown tag 42, empty
        00                                  # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      responses: [
        { name: null, topicId: ID, errorCode: 100, errorMessage: 'no such' },
        { name: 'a', topicId: ZERO_UUID, errorCode: 0, errorMessage: null },
      ],
    })
  })
})

const name = fc.string({ maxLength: 8, unit: 'binary' })

specAndFuzzSuites(DeleteTopics, {
  spec: 'DeleteTopics',
  request: (version) =>
    fc.record({
      topicNames: fc.array(name, { maxLength: 3 }),
      topicIds: version >= 6 ? fc.array(fc.uuid(), { maxLength: 2 }) : fc.constant([]),
      timeoutMs: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    }),
  expectedRequest: (req: DeleteTopicsRequest, version) =>
    version >= 6
      ? {
          topics: [
            ...req.topicNames.map((n) => ({ name: n, topicId: ZERO_UUID })),
            ...(req.topicIds ?? []).map((topicId) => ({ name: null, topicId })),
          ],
          timeoutMs: req.timeoutMs,
        }
      : req,
})
