import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ElectLeaders } from '../../../../src/protocol/messages/elect-leaders.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
const request = { electionType: 0, topicPartitions: [{ topic: 'wal', partitions: [0, 2] }], timeoutMs: 1000 }

describe('ElectLeaders request', () => {
  it('v0 (no election type) golden bytes', () => {
    expect(encode(ElectLeaders, 0, request)).toEqual(hex`
      00000001              # topic_partitions: 1
        0003 77616c         #   topic "wal"
        00000002 00000000 00000002 # partitions [0, 2]
      000003e8              # timeout_ms 1000
    `)
  })

  it('v2 (flexible) golden bytes, unclean election of every partition', () => {
    expect(encode(ElectLeaders, 2, { electionType: 1, topicPartitions: null, timeoutMs: 1000 })).toEqual(hex`
      01                    # election_type 1 (unclean)
      00                    # topic_partitions: null
      000003e8              # timeout_ms 1000
      00                    # tagged fields
    `)
    expect(encode(ElectLeaders, 2, request)).toEqual(hex`
      00                    # election_type 0 (preferred)
      02                    # topic_partitions: compact 1
        04 77616c           #   topic "wal"
        03 00000000 00000002 #  partitions [0, 2]
        00                  #   tagged fields
      000003e8              # timeout_ms 1000
      00                    # tagged fields
    `)
  })
})

describe('ElectLeaders response', () => {
  it('decodes v0 (no top-level error code)', () => {
    const res = decode(ElectLeaders, 0, hex`00000000 00000001 0003 77616c 00000001 00000001 0054 ffff`)
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: [{ topic: 'wal', partitionResult: [{ partitionId: 1, errorCode: 84, errorMessage: null }] }],
    })
  })

  it('decodes v2 (flexible)', () => {
    const res = decode(
      ElectLeaders,
      2,
      hex`
        00000000              # throttle_time_ms 0
        0000                  # error_code 0
        02                    # replica_election_results: compact 1
          04 77616c           #   topic "wal"
          02                  #   partition_result: compact 1
            00000000          #     partition_id 0
            0053              #     error_code 83 (ELIGIBLE_LEADERS_NOT_AVAILABLE)
            03 6e6f           #     error_message "no"
            00                #     tagged fields
          00                  #   tagged fields
        00                    # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: [{ topic: 'wal', partitionResult: [{ partitionId: 0, errorCode: 83, errorMessage: 'no' }] }],
    })
  })
})

specAndFuzzSuites(ElectLeaders, {
  spec: 'ElectLeaders',
  request: () =>
    fc.record({
      electionType: fc.integer({ min: 0, max: 1 }),
      topicPartitions: fc.option(
        fc.array(fc.record({ topic: fc.string({ maxLength: 8, unit: 'binary' }), partitions: fc.array(int32, { maxLength: 3 }) }), { maxLength: 3 }),
        { nil: null },
      ),
      timeoutMs: int32,
    }),
  expectedRequest: (req, version) => (version >= 1 ? req : { topicPartitions: req.topicPartitions, timeoutMs: req.timeoutMs }),
})
