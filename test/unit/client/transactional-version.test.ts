import { describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/client/connection.js'
import { UnsupportedVersionError } from '../../../src/client/errors.js'
import { transactionalVersion } from '../../../src/client/producer/txn-state.js'
import { EndTxn } from '../../../src/protocol/messages/end-txn.js'
import { Produce } from '../../../src/protocol/messages/produce.js'
import { TxnOffsetCommit } from '../../../src/protocol/messages/txn-offset-commit.js'

/** A connection to a broker offering each API up to `max`, negotiating as Connection.version does. */
function brokerUpTo(max: number): Connection {
  return {
    address: 'b:9092',
    version: (api: { maxVersion: number }, atMost = api.maxVersion) => Math.min(max, api.maxVersion, atMost),
  } as unknown as Connection
}

describe('request versions inside a transaction', () => {
  it('version 1 stays below the version that would enrol partitions or offsets or bump the epoch', () => {
    expect(transactionalVersion(brokerUpTo(13), Produce, false, 12)).toBe(11)
    expect(transactionalVersion(brokerUpTo(5), TxnOffsetCommit, false, 5)).toBe(4)
    expect(transactionalVersion(brokerUpTo(5), EndTxn, false, 5)).toBe(4)
    expect(transactionalVersion(brokerUpTo(3), EndTxn, false, 5)).toBe(3)
  })

  it('version 2 uses the newest version and refuses a broker without the one it needs', () => {
    expect(transactionalVersion(brokerUpTo(13), Produce, true, 12)).toBe(12)
    expect(transactionalVersion(brokerUpTo(5), EndTxn, true, 5)).toBe(5)
    expect(() => transactionalVersion(brokerUpTo(11), Produce, true, 12)).toThrow(UnsupportedVersionError)
    expect(() => transactionalVersion(brokerUpTo(4), TxnOffsetCommit, true, 5)).toThrow(/needs v5/)
  })
})
