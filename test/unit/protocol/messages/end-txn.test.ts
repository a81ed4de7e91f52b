import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { EndTxn } from '../../../../src/protocol/messages/end-txn.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const request = { transactionalId: 'tx', producerId: 258n, producerEpoch: 1, committed: true }

describe('EndTxn', () => {
  it('v2 (non-flexible) request golden bytes', () => {
    expect(encode(EndTxn, 2, request)).toEqual(hex`
      0002 7478              # transactional_id "tx"
      0000000000000102       # producer_id 258
      0001                   # producer_epoch 1
      01                     # committed true
    `)
  })

  it('v4 (flexible) request golden bytes (abort)', () => {
    expect(encode(EndTxn, 4, { ...request, committed: false })).toEqual(hex`03 7478 0000000000000102 0001 00 00`)
  })

  it('v5 request golden bytes (same fields as v4)', () => {
    expect(encode(EndTxn, 5, request)).toEqual(hex`03 7478 0000000000000102 0001 01 00`)
  })

  it('decodes v1 and v3 responses, and v5 with the producer id and bumped epoch', () => {
    expect(decode(EndTxn, 1, hex`00000000 0033`)).toEqual({ throttleTimeMs: 0, errorCode: 51, producerId: -1n, producerEpoch: -1 })
    expect(decode(EndTxn, 3, hex`00000002 0000 00`)).toEqual({ throttleTimeMs: 2, errorCode: 0, producerId: -1n, producerEpoch: -1 })
    expect(decode(EndTxn, 5, hex`00000000 0000 0000000000000102 0002 00`)).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: 258n, producerEpoch: 2 })
    expect(() => encode(EndTxn, 6, request)).toThrow(InvalidArgumentError)
  })
})

specAndFuzzSuites(EndTxn, {
  spec: 'EndTxn',
  request: () =>
    fc.record({
      transactionalId: fc.string({ maxLength: 8, unit: 'binary' }),
      producerId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      producerEpoch: fc.integer({ min: -32768, max: 32767 }),
      committed: fc.boolean(),
    }),
})
