import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ListPartitionReassignments } from '../../../../src/protocol/messages/list-partition-reassignments.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })

describe('ListPartitionReassignments request', () => {
  it('v0 golden bytes', () => {
    expect(encode(ListPartitionReassignments, 0, { timeoutMs: 1000, topics: [{ name: 'wal', partitionIndexes: [2] }] })).toEqual(hex`
      000003e8              # timeout_ms 1000
      02                    # topics: compact 1
        04 77616c           #   name "wal"
        02 00000002         #   partition_indexes [2]
        00                  #   tagged fields
      00                    # tagged fields
    `)
    expect(encode(ListPartitionReassignments, 0, { timeoutMs: 1000, topics: null })).toEqual(hex`000003e8 00 00`)
  })
})

describe('ListPartitionReassignments response', () => {
  it('decodes v0', () => {
    const res = decode(
      ListPartitionReassignments,
      0,
      hex`
        00000000 0000 00      # throttle_time_ms 0, error_code 0, error_message null
        02                    # topics: compact 1
          04 77616c           #   name "wal"
          02                  #   partitions: compact 1
            00000000          #     partition_index 0
            04 00000001 00000002 00000003 # replicas [1, 2, 3]
            02 00000003       #     adding_replicas [3]
            02 00000002       #     removing_replicas [2]
            00                #     tagged fields
          00                  #   tagged fields
        00                    # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [{ name: 'wal', partitions: [{ partitionIndex: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [2] }] }],
    })
  })
})

specAndFuzzSuites(ListPartitionReassignments, {
  spec: 'ListPartitionReassignments',
  request: () =>
    fc.record({
      timeoutMs: int32,
      topics: fc.option(
        fc.array(fc.record({ name: fc.string({ maxLength: 8, unit: 'binary' }), partitionIndexes: fc.array(int32, { maxLength: 3 }) }), { maxLength: 3 }),
        { nil: null },
      ),
    }),
})
