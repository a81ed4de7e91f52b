import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { ListOffsets, ListOffsetsTimestamp, type ListOffsetsRequest } from '../../../../src/protocol/messages/list-offsets.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })

describe('ListOffsets request', () => {
  it('v5 (non-flexible) golden bytes', () => {
    const bytes = encode(ListOffsets, 5, {
      isolationLevel: 1,
      topics: [{ name: 'wal', partitions: [{ partitionIndex: 2, currentLeaderEpoch: 7, timestamp: ListOffsetsTimestamp.LATEST }] }],
    })
    expect(bytes).toEqual(hex`
      ffffffff              # replica_id -1 (default)
      01                    # isolation_level read_committed
      00000001              # topics: 1
        0003 77616c         #   name "wal"
        00000001            #   partitions: 1
          00000002          #     partition_index 2
          00000007          #     current_leader_epoch 7
          ffffffffffffffff  #     timestamp -1 (latest)
    `)
  })

  it('v1 has neither isolation level nor leader epoch', () => {
    const bytes = encode(ListOffsets, 1, {
      replicaId: 3,
      topics: [{ name: 'a', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 9, timestamp: -2n }] }],
    })
    expect(bytes).toEqual(hex`00000003 00000001 0001 61 00000001 00000000 fffffffffffffffe`)
  })

  it('v10 (flexible) golden bytes', () => {
    const bytes = encode(ListOffsets, 10, {
      topics: [{ name: 'wal', partitions: [{ partitionIndex: 2, timestamp: ListOffsetsTimestamp.MAX_TIMESTAMP }] }],
      timeoutMs: 5000,
    })
    expect(bytes).toEqual(hex`
      ffffffff              # replica_id -1
      00                    # isolation_level read_uncommitted (default)
      02                    # topics: compact 1
        04 77616c           #   name "wal"
        02                  #   partitions: compact 1
          00000002          #     partition_index 2
          ffffffff          #     current_leader_epoch -1 (default)
          fffffffffffffffd  #     timestamp -3 (max timestamp)
          00                #     tagged fields
        00                  #   tagged fields
      00001388              # timeout_ms 5000
      00                    # tagged fields
    `)
  })

  it('refuses what the version cannot express', () => {
    const topics = [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }]
    expect(() => encode(ListOffsets, 1, { isolationLevel: 1, topics })).toThrow(InvalidArgumentError)
    const ts = (timestamp: bigint): ListOffsetsRequest => ({ topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp }] }] })
    expect(() => encode(ListOffsets, 6, ts(ListOffsetsTimestamp.MAX_TIMESTAMP))).toThrow(InvalidArgumentError)
    expect(() => encode(ListOffsets, 7, ts(ListOffsetsTimestamp.EARLIEST_LOCAL))).toThrow(InvalidArgumentError)
    expect(() => encode(ListOffsets, 8, ts(ListOffsetsTimestamp.LATEST_TIERED))).toThrow(InvalidArgumentError)
    expect(() => encode(ListOffsets, 9, ts(ListOffsetsTimestamp.LATEST_TIERED))).not.toThrow()
    expect(() => encode(ListOffsets, 0, ts(-1n))).toThrow(InvalidArgumentError)
    expect(() => encode(ListOffsets, 11, ts(-1n))).toThrow(InvalidArgumentError)
  })
})

describe('ListOffsets response', () => {
  it('decodes v5 (non-flexible)', () => {
    const res = decode(
      ListOffsets,
      5,
      hex`
        0000000a              # throttle_time_ms 10
        00000001              # topics: 1
          0003 77616c         #   name "wal"
          00000001            #   partitions: 1
            00000002          #     partition_index 2
            0000              #     error_code 0
            0000018bcfe56800  #     timestamp 1700000000000
            000000000000002a  #     offset 42
            00000005          #     leader_epoch 5
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 10,
      topics: [{ name: 'wal', partitions: [{ partitionIndex: 2, errorCode: 0, timestamp: 1700000000000n, offset: 42n, leaderEpoch: 5 }] }],
    })
  })

  it('decodes v1 (no throttle time, no leader epoch)', () => {
    const res = decode(ListOffsets, 1, hex`00000001 0001 61 00000001 00000000 0000 ffffffffffffffff 0000000000000007`)
    expect(res).toEqual({
      throttleTimeMs: 0,
      topics: [{ name: 'a', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 7n, leaderEpoch: -1 }] }],
    })
  })

  it('decodes v10 (flexible) and skips unknown tagged fields', () => {
    const res = decode(
      ListOffsets,
      10,
      hex`
        00000000              # throttle_time_ms 0
        02                    # topics: compact 1
          04 77616c           #   name "wal"
          02                  #   partitions: compact 1
            00000002          #     partition_index 2
            0006              #     error_code 6 (NOT_LEADER_OR_FOLLOWER)
            ffffffffffffffff  #     timestamp -1
            ffffffffffffffff  #     offset -1
            ffffffff          #     leader_epoch -1
            01 05 02 abcd     #     tagged fields: unknown tag 5, 2 bytes
          00                  #   tagged fields
        01 63 00              # tagged fields: unknown tag 99, empty
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      topics: [{ name: 'wal', partitions: [{ partitionIndex: 2, errorCode: 6, timestamp: -1n, offset: -1n, leaderEpoch: -1 }] }],
    })
  })
})

const timestampFor = (version: number): fc.Arbitrary<bigint> => {
  const specials = [-1n, -2n]
  if (version >= 7) specials.push(-3n)
  if (version >= 8) specials.push(-4n)
  if (version >= 9) specials.push(-5n)
  return fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.constantFrom(...specials))
}

specAndFuzzSuites(ListOffsets, {
  spec: 'ListOffsets',
  request: (version) =>
    fc.record({
      replicaId: int32,
      isolationLevel: version >= 2 ? fc.constantFrom<0 | 1>(0, 1) : fc.constant<0 | 1>(0),
      topics: fc.array(
        fc.record({
          name: fc.string({ maxLength: 8, unit: 'binary' }),
          partitions: fc.array(fc.record({ partitionIndex: int32, currentLeaderEpoch: int32, timestamp: timestampFor(version) }), {
            maxLength: 3,
          }),
        }),
        { maxLength: 3 },
      ),
      timeoutMs: int32,
    }),
})
