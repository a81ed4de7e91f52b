import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CreatePartitions } from '../../../../src/protocol/messages/create-partitions.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })

describe('CreatePartitions request', () => {
  it('v1 (non-flexible) golden bytes, automatic placement', () => {
    const bytes = encode(CreatePartitions, 1, { topics: [{ name: 'wal', count: 4 }], timeoutMs: 1000 })
    expect(bytes).toEqual(hex`
      00000001          # topics: 1
        0003 77616c     #   name "wal"
        00000004        #   count 4
        ffffffff        #   assignments null
      000003e8          # timeout_ms 1000
      00                # validate_only false (default)
    `)
  })

  it('v3 (flexible) golden bytes, manual placement', () => {
    const bytes = encode(CreatePartitions, 3, {
      topics: [{ name: 'wal', count: 3, assignments: [{ brokerIds: [1] }] }],
      timeoutMs: 1000,
      validateOnly: true,
    })
    expect(bytes).toEqual(hex`
      02                # topics: compact 1
        04 77616c       #   name "wal"
        00000003        #   count 3
        02              #   assignments: compact 1
          02 00000001   #     broker_ids [1]
          00            #     tagged fields
        00              #   tagged fields
      000003e8          # timeout_ms 1000
      01                # validate_only true
      00                # tagged fields
    `)
  })
})

describe('CreatePartitions response', () => {
  it('decodes v1 (non-flexible)', () => {
    const res = decode(CreatePartitions, 1, hex`00000000 00000001 0003 77616c 0025 ffff`)
    expect(res).toEqual({ throttleTimeMs: 0, results: [{ name: 'wal', errorCode: 37, errorMessage: null }] })
  })

  it('decodes v3 (flexible)', () => {
    const res = decode(
      CreatePartitions,
      3,
      hex`
        0000000a          # throttle_time_ms 10
        02                # results: compact 1
          04 77616c       #   name "wal"
          0000            #   error_code 0
          00              #   error_message null
          01 03 01 00     #   tagged fields: unknown tag 3
        00                # tagged fields
      `,
    )
    expect(res).toEqual({ throttleTimeMs: 10, results: [{ name: 'wal', errorCode: 0, errorMessage: null }] })
  })
})

specAndFuzzSuites(CreatePartitions, {
  spec: 'CreatePartitions',
  request: () =>
    fc.record({
      topics: fc.array(
        fc.record({
          name: fc.string({ maxLength: 8, unit: 'binary' }),
          count: int32,
          assignments: fc.option(fc.array(fc.record({ brokerIds: fc.array(int32, { maxLength: 3 }) }), { maxLength: 2 }), { nil: null }),
        }),
        { maxLength: 3 },
      ),
      timeoutMs: int32,
      validateOnly: fc.boolean(),
    }),
})
