import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AddOffsetsToTxn } from '../../../../src/protocol/messages/add-offsets-to-txn.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const request = { transactionalId: 'tx', producerId: 258n, producerEpoch: 1, groupId: 'g' }

describe('AddOffsetsToTxn', () => {
  it('v2 (non-flexible) request golden bytes', () => {
    expect(encode(AddOffsetsToTxn, 2, request)).toEqual(hex`
      0002 7478              # transactional_id "tx"
      0000000000000102       # producer_id 258
      0001                   # producer_epoch 1
      0001 67                # group_id "g"
    `)
  })

  it('v3 (flexible) request golden bytes', () => {
    expect(encode(AddOffsetsToTxn, 3, request)).toEqual(hex`03 7478 0000000000000102 0001 02 67 00`)
  })

  it('decodes v0 and v4 responses', () => {
    expect(decode(AddOffsetsToTxn, 0, hex`00000001 0030`)).toEqual({ throttleTimeMs: 1, errorCode: 48 })
    expect(decode(AddOffsetsToTxn, 4, hex`00000000 0000 01 07 00`)).toEqual({ throttleTimeMs: 0, errorCode: 0 })
  })
})

specAndFuzzSuites(AddOffsetsToTxn, {
  spec: 'AddOffsetsToTxn',
  request: () =>
    fc.record({
      transactionalId: fc.string({ maxLength: 8, unit: 'binary' }),
      producerId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      producerEpoch: fc.integer({ min: -32768, max: 32767 }),
      groupId: fc.string({ maxLength: 8, unit: 'binary' }),
    }),
})
