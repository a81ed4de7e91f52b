import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DescribeTransactions } from '../../../../src/protocol/messages/describe-transactions.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

// Only v0 exists, and it is flexible: the golden bytes below are the flexible form.
describe('DescribeTransactions v0 (flexible)', () => {
  it('request golden bytes', () => {
    expect(encode(DescribeTransactions, 0, { transactionalIds: ['a', 'bc'] })).toEqual(hex`03 02 61 03 6263 00`)
  })

  it('decodes a response', () => {
    expect(
      decode(
        DescribeTransactions,
        0,
        hex`
          00000000                  # throttle_time_ms
          02                        # transaction_states: 1
            0000                    #   error_code
            02 61                   #   transactional_id "a"
            08 4f6e676f696e67       #   transaction_state "Ongoing"
            0000ea60                #   transaction_timeout_ms 60000
            0000018bcfe56800        #   transaction_start_time_ms
            0000000000000007        #   producer_id 7
            0002                    #   producer_epoch 2
            02 02 74 02 00000003 00 #   topics: "t" [3]
            00                      #   tagged fields
          00                        # tagged fields
        `,
      ),
    ).toEqual({
      throttleTimeMs: 0,
      transactionStates: [
        {
          errorCode: 0,
          transactionalId: 'a',
          transactionState: 'Ongoing',
          transactionTimeoutMs: 60000,
          transactionStartTimeMs: 0x18bcfe56800n,
          producerId: 7n,
          producerEpoch: 2,
          topics: [{ topic: 't', partitions: [3] }],
        },
      ],
    })
  })
})

specAndFuzzSuites(DescribeTransactions, {
  spec: 'DescribeTransactions',
  request: () => fc.record({ transactionalIds: fc.array(fc.string({ maxLength: 8, unit: 'binary' }), { maxLength: 4 }) }),
})
