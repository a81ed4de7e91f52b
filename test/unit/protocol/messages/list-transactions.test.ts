import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { ListTransactions } from '../../../../src/protocol/messages/list-transactions.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

// Every version is flexible: golden bytes for v0 and v1 (which adds the duration filter).
describe('ListTransactions', () => {
  it('v0 request golden bytes', () => {
    expect(encode(ListTransactions, 0, { stateFilters: ['Ongoing'], producerIdFilters: [5n] })).toEqual(hex`
      02 08 4f6e676f696e67      # state_filters ["Ongoing"]
      02 0000000000000005       # producer_id_filters [5]
      00                        # tagged fields
    `)
  })

  it('v1 request golden bytes with the duration filter', () => {
    expect(encode(ListTransactions, 1, { durationFilter: 60000n })).toEqual(hex`01 01 000000000000ea60 00`)
    expect(encode(ListTransactions, 1, {})).toEqual(hex`01 01 ffffffffffffffff 00`)
  })

  it('refuses a duration filter at v0 instead of listing everything', () => {
    expect(() => encode(ListTransactions, 0, { durationFilter: 1n })).toThrow(InvalidArgumentError)
  })

  it('decodes v0 and v1 responses', () => {
    const bytes = hex`
      00000000 0000            # throttle_time_ms, error_code
      02 02 78                 # unknown_state_filters ["x"]
      02                       # transaction_states: 1
        02 61                  #   transactional_id "a"
        0000000000000007       #   producer_id 7
        08 4f6e676f696e67      #   transaction_state "Ongoing"
        00                     #   tagged fields
      00                       # tagged fields
    `
    const expected = {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters: ['x'],
      transactionStates: [{ transactionalId: 'a', producerId: 7n, transactionState: 'Ongoing' }],
    }
    expect(decode(ListTransactions, 0, bytes)).toEqual(expected)
    expect(decode(ListTransactions, 1, bytes)).toEqual(expected)
  })
})

specAndFuzzSuites(ListTransactions, {
  spec: 'ListTransactions',
  request: (version) =>
    fc.record({
      stateFilters: fc.array(fc.string({ maxLength: 8, unit: 'binary' }), { maxLength: 3 }),
      producerIdFilters: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 3 }),
      ...(version >= 1 ? { durationFilter: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) } : {}),
    }),
  expectedRequest: (req) => ({ durationFilter: -1n, ...req }),
})
