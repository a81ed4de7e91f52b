import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { InitProducerId } from '../../../../src/protocol/messages/init-producer-id.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

describe('InitProducerId request', () => {
  it('v1 (non-flexible) golden bytes', () => {
    expect(encode(InitProducerId, 1, { transactionalId: 'tx', transactionTimeoutMs: 60000 })).toEqual(hex`
      0002 7478        # transactional_id "tx"
      0000ea60         # transaction_timeout_ms 60000
    `)
  })

  it('v0 with a null transactional id (idempotent producer)', () => {
    expect(encode(InitProducerId, 0, { transactionalId: null, transactionTimeoutMs: 0 })).toEqual(hex`ffff 00000000`)
  })

  it('v4 (flexible) golden bytes with the producer id to resume', () => {
    expect(
      encode(InitProducerId, 4, { transactionalId: 'tx', transactionTimeoutMs: 60000, producerId: 7n, producerEpoch: 3 }),
    ).toEqual(hex`
      03 7478              # transactional_id "tx" (compact)
      0000ea60             # transaction_timeout_ms
      0000000000000007     # producer_id 7
      0003                 # producer_epoch 3
      00                   # tagged fields
    `)
  })

  it('v3+ defaults producer id and epoch to -1', () => {
    expect(encode(InitProducerId, 5, { transactionalId: null, transactionTimeoutMs: 1 })).toEqual(hex`
      00 00000001 ffffffffffffffff ffff 00
    `)
  })

  it('refuses to drop a producer id to resume before v3', () => {
    expect(() => encode(InitProducerId, 2, { transactionalId: 'tx', transactionTimeoutMs: 1, producerId: 7n, producerEpoch: 3 })).toThrow(
      InvalidArgumentError,
    )
    expect(() => encode(InitProducerId, 6, { transactionalId: 'tx', transactionTimeoutMs: 1 })).toThrow(InvalidArgumentError)
  })
})

describe('InitProducerId response', () => {
  it('decodes v1 (non-flexible)', () => {
    expect(decode(InitProducerId, 1, hex`00000000 0000 0000000000000abc 0000`)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: 0xabcn,
      producerEpoch: 0,
    })
  })

  it('decodes v5 (flexible), skipping an unknown tag', () => {
    expect(
      decode(
        InitProducerId,
        5,
        hex`
          00000064            # throttle_time_ms 100
          005a                # error_code 90 (PRODUCER_FENCED)
          ffffffffffffffff    # producer_id -1
          ffff                # producer_epoch -1
          01 05 02 abcd       # tagged fields: unknown tag 5, 2 bytes
        `,
      ),
    ).toEqual({ throttleTimeMs: 100, errorCode: 90, producerId: -1n, producerEpoch: -1 })
  })
})

specAndFuzzSuites(InitProducerId, {
  spec: 'InitProducerId',
  request: (version) =>
    fc.record({
      transactionalId: fc.option(fc.string({ maxLength: 8, unit: 'binary' }), { nil: null }),
      transactionTimeoutMs: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      ...(version >= 3 ? { producerId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), producerEpoch: fc.integer({ min: -32768, max: 32767 }) } : {}),
    }),
  expectedRequest: (req) => ({ producerId: -1n, producerEpoch: -1, ...req }),
})
