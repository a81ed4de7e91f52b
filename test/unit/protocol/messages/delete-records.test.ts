import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DeleteRecords } from '../../../../src/protocol/messages/delete-records.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
const request = { topics: [{ name: 'wal', partitions: [{ partitionIndex: 0, offset: 42n }] }], timeoutMs: 1000 }

describe('DeleteRecords request', () => {
  it('v1 (non-flexible) golden bytes', () => {
    expect(encode(DeleteRecords, 1, request)).toEqual(hex`
      00000001              # topics: 1
        0003 77616c         #   name "wal"
        00000001            #   partitions: 1
          00000000          #     partition_index 0
          000000000000002a  #     offset 42
      000003e8              # timeout_ms 1000
    `)
  })

  it('v2 (flexible) golden bytes', () => {
    expect(encode(DeleteRecords, 2, request)).toEqual(hex`
      02                    # topics: compact 1
        04 77616c           #   name "wal"
        02                  #   partitions: compact 1
          00000000          #     partition_index 0
          000000000000002a  #     offset 42
          00                #     tagged fields
        00                  #   tagged fields
      000003e8              # timeout_ms 1000
      00                    # tagged fields
    `)
  })
})

describe('DeleteRecords response', () => {
  it('decodes v1 (non-flexible)', () => {
    const res = decode(DeleteRecords, 1, hex`00000000 00000001 0003 77616c 00000001 00000000 000000000000002a 0000`)
    expect(res).toEqual({ throttleTimeMs: 0, topics: [{ name: 'wal', partitions: [{ partitionIndex: 0, lowWatermark: 42n, errorCode: 0 }] }] })
  })

  it('decodes v2 (flexible)', () => {
    const res = decode(
      DeleteRecords,
      2,
      hex`
        00000000              # throttle_time_ms 0
        02                    # topics: compact 1
          04 77616c           #   name "wal"
          02                  #   partitions: compact 1
            00000001          #     partition_index 1
            ffffffffffffffff  #     low_watermark -1
            0001              #     error_code 1 (OFFSET_OUT_OF_RANGE)
            00                #     tagged fields
          00                  #   tagged fields
        01 09 02 0000         # tagged fields: unknown tag 9
      `,
    )
    expect(res).toEqual({ throttleTimeMs: 0, topics: [{ name: 'wal', partitions: [{ partitionIndex: 1, lowWatermark: -1n, errorCode: 1 }] }] })
  })
})

specAndFuzzSuites(DeleteRecords, {
  spec: 'DeleteRecords',
  request: () =>
    fc.record({
      topics: fc.array(
        fc.record({
          name: fc.string({ maxLength: 8, unit: 'binary' }),
          partitions: fc.array(fc.record({ partitionIndex: int32, offset: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }), {
            maxLength: 3,
          }),
        }),
        { maxLength: 3 },
      ),
      timeoutMs: int32,
    }),
})
