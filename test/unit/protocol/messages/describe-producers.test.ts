import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DescribeProducers } from '../../../../src/protocol/messages/describe-producers.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

// Only v0 exists, and it is flexible: the golden bytes below are the flexible form.
describe('DescribeProducers v0 (flexible)', () => {
  it('request golden bytes', () => {
    expect(encode(DescribeProducers, 0, { topics: [{ name: 't', partitionIndexes: [0, 2] }] })).toEqual(hex`
      02                    # topics: compact 1
        02 74               #   name "t"
        03 00000000 00000002  # partition_indexes [0, 2]
        00                  #   tagged fields
      00                    # tagged fields
    `)
  })

  it('decodes a response', () => {
    expect(
      decode(
        DescribeProducers,
        0,
        hex`
          00000000                # throttle_time_ms
          02 02 74                # topics: 1, name "t"
          02                      #   partitions: 1
            00000000 0000 00      #     partition_index 0, error_code 0, error_message null
            02                    #     active_producers: 1
              0000000000000007    #       producer_id 7
              00000001            #       producer_epoch 1 (int32 here)
              00000009            #       last_sequence 9
              0000018bcfe56800    #       last_timestamp
              00000004            #       coordinator_epoch 4
              0000000000000064    #       current_txn_start_offset 100
              00                  #       tagged fields
            00                    #     tagged fields
          00                      #   tagged fields
          00                      # tagged fields
        `,
      ),
    ).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              errorMessage: null,
              activeProducers: [
                {
                  producerId: 7n,
                  producerEpoch: 1,
                  lastSequence: 9,
                  lastTimestamp: 0x18bcfe56800n,
                  coordinatorEpoch: 4,
                  currentTxnStartOffset: 100n,
                },
              ],
            },
          ],
        },
      ],
    })
  })
})

specAndFuzzSuites(DescribeProducers, {
  spec: 'DescribeProducers',
  request: () =>
    fc.record({
      topics: fc.array(
        fc.record({
          name: fc.string({ maxLength: 8, unit: 'binary' }),
          partitionIndexes: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 4 }),
        }),
        { maxLength: 3 },
      ),
    }),
})
