import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { TxnOffsetCommit, type TxnOffsetCommitRequest } from '../../../../src/protocol/messages/txn-offset-commit.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const base: TxnOffsetCommitRequest = {
  transactionalId: 'tx',
  groupId: 'g',
  producerId: 1n,
  producerEpoch: 2,
  topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: 5, committedMetadata: null }] }],
}

describe('TxnOffsetCommit request', () => {
  it('v1 (non-flexible) golden bytes: no leader epoch', () => {
    expect(encode(TxnOffsetCommit, 1, base)).toEqual(hex`
      0002 7478              # transactional_id "tx"
      0001 67                # group_id "g"
      0000000000000001       # producer_id 1
      0002                   # producer_epoch 2
      00000001               # topics: 1
        0001 74              #   name "t"
        00000001             #   partitions: 1
          00000000           #     partition_index 0
          000000000000000a   #     committed_offset 10
          ffff               #     committed_metadata null
    `)
  })

  it('v2 adds the committed leader epoch', () => {
    expect(encode(TxnOffsetCommit, 2, base)).toEqual(hex`
      0002 7478 0001 67 0000000000000001 0002
      00000001 0001 74 00000001 00000000 000000000000000a
      00000005               # committed_leader_epoch 5
      ffff
    `)
  })

  it('v3 (flexible) golden bytes with group metadata (KIP-447)', () => {
    const req = { ...base, generationId: 3, memberId: 'm', groupInstanceId: 'i' }
    expect(encode(TxnOffsetCommit, 3, req)).toEqual(hex`
      03 7478                # transactional_id "tx"
      02 67                  # group_id "g"
      0000000000000001       # producer_id 1
      0002                   # producer_epoch 2
      00000003               # generation_id 3
      02 6d                  # member_id "m"
      02 69                  # group_instance_id "i"
      02                     # topics: compact 1
        02 74                #   name "t"
        02                   #   partitions: compact 1
          00000000           #     partition_index 0
          000000000000000a   #     committed_offset 10
          00000005           #     committed_leader_epoch 5
          00                 #     committed_metadata null
          00                 #     tagged fields
        00                   #   tagged fields
      00                     # tagged fields
    `)
  })

  it('v3+ defaults the group metadata to "not fencing"', () => {
    expect(encode(TxnOffsetCommit, 4, { ...base, topics: [] })).toEqual(hex`03 7478 02 67 0000000000000001 0002 ffffffff 01 00 01 00`)
  })

  it('refuses group metadata before v3 instead of silently dropping the fencing', () => {
    expect(() => encode(TxnOffsetCommit, 2, { ...base, generationId: 1 })).toThrow(InvalidArgumentError)
    expect(() => encode(TxnOffsetCommit, 2, { ...base, memberId: 'm' })).toThrow(InvalidArgumentError)
    expect(() => encode(TxnOffsetCommit, 0, { ...base, groupInstanceId: 'i' })).toThrow(InvalidArgumentError)
  })
})

describe('TxnOffsetCommit response', () => {
  const expected = { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 22 }] }] }

  it('decodes v0 (non-flexible)', () => {
    expect(decode(TxnOffsetCommit, 0, hex`00000000 00000001 0001 74 00000001 00000001 0016`)).toEqual(expected)
  })

  it('decodes v3 (flexible)', () => {
    expect(decode(TxnOffsetCommit, 3, hex`00000000 02 02 74 02 00000001 0016 00 00 00`)).toEqual(expected)
  })
})

const str = fc.string({ maxLength: 8, unit: 'binary' })

specAndFuzzSuites(TxnOffsetCommit, {
  spec: 'TxnOffsetCommit',
  // Only used with Kafka 3.x specs (PERIDOT_KAFKA_VERSION=3.9.2); Kafka 4.x's include v5.
  newerThanSpec: { maxVersion: 5, why: "Kafka 4.x: v5 has v4's layout and enrols the offsets partition in a transaction of version 2 (KIP-890)" },
  request: (version) =>
    fc.record({
      transactionalId: str,
      groupId: str,
      producerId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      producerEpoch: fc.integer({ min: -32768, max: 32767 }),
      ...(version >= 3
        ? { generationId: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), memberId: str, groupInstanceId: fc.option(str, { nil: null }) }
        : {}),
      topics: fc.array(
        fc.record({
          name: str,
          partitions: fc.array(
            fc.record({
              partitionIndex: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
              committedOffset: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
              committedLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
              committedMetadata: fc.option(str, { nil: null }),
            }),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 3 },
      ),
    }),
  expectedRequest: (req) => ({ generationId: -1, memberId: '', groupInstanceId: null, ...req }),
})
