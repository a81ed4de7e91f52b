import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AlterPartitionReassignments } from '../../../../src/protocol/messages/alter-partition-reassignments.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
const request = {
  timeoutMs: 1000,
  allowReplicationFactorChange: false,
  topics: [{ name: 'wal', partitions: [{ partitionIndex: 0, replicas: [3, 1] }, { partitionIndex: 1, replicas: null }] }],
}

describe('AlterPartitionReassignments request', () => {
  it('v0 golden bytes (null replicas cancel)', () => {
    expect(encode(AlterPartitionReassignments, 0, request)).toEqual(hex`
      000003e8              # timeout_ms 1000
      02                    # topics: compact 1
        04 77616c           #   name "wal"
        03                  #   partitions: compact 2
          00000000          #     partition_index 0
          03 00000003 00000001 # replicas [3, 1]
          00                #     tagged fields
          00000001          #     partition_index 1
          00                #     replicas null (cancel)
          00                #     tagged fields
        00                  #   tagged fields
      00                    # tagged fields
    `)
  })

  it('v1 golden bytes (allow_replication_factor_change after the timeout)', () => {
    const bytes = encode(AlterPartitionReassignments, 1, { ...request, topics: [] })
    expect(bytes).toEqual(hex`000003e8 00 01 00`)
  })
})

describe('AlterPartitionReassignments response', () => {
  it('decodes v0 and v1', () => {
    const body = hex`
      0000 03 6e6f          # error_code 0, error_message "no"
      02                    # responses: compact 1
        04 77616c           #   name "wal"
        02                  #   partitions: compact 1
          00000001          #     partition_index 1
          0055              #     error_code 85 (NO_REASSIGNMENT_IN_PROGRESS)
          00                #     error_message null
          00                #     tagged fields
        00                  #   tagged fields
      00                    # tagged fields
    `
    const expected = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: 'no',
      responses: [{ name: 'wal', partitions: [{ partitionIndex: 1, errorCode: 85, errorMessage: null }] }],
    }
    expect(decode(AlterPartitionReassignments, 0, Buffer.concat([hex`00000000`, body]))).toEqual({ ...expected, allowReplicationFactorChange: true })
    expect(decode(AlterPartitionReassignments, 1, Buffer.concat([hex`00000000 00`, body]))).toEqual({ ...expected, allowReplicationFactorChange: false })
  })
})

specAndFuzzSuites(AlterPartitionReassignments, {
  spec: 'AlterPartitionReassignments',
  request: () =>
    fc.record({
      timeoutMs: int32,
      allowReplicationFactorChange: fc.boolean(),
      topics: fc.array(
        fc.record({
          name: fc.string({ maxLength: 8, unit: 'binary' }),
          partitions: fc.array(fc.record({ partitionIndex: int32, replicas: fc.option(fc.array(int32, { maxLength: 3 }), { nil: null }) }), { maxLength: 3 }),
        }),
        { maxLength: 3 },
      ),
    }),
  expectedRequest: (req, version) => (version >= 1 ? req : { timeoutMs: req.timeoutMs, topics: req.topics }),
})
