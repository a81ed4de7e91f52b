import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { CreateTopics } from '../../../../src/protocol/messages/create-topics.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
const int16 = fc.integer({ min: -32768, max: 32767 })
const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('CreateTopics request', () => {
  it('v4 (non-flexible) golden bytes', () => {
    const bytes = encode(CreateTopics, 4, {
      topics: [{ name: 'wal', numPartitions: 3, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] }],
      timeoutMs: 30000,
      validateOnly: true,
    })
    expect(bytes).toEqual(hex`
      00000001                          # topics: 1
        0003 77616c                     #   name "wal"
        00000003                        #   num_partitions 3
        0001                            #   replication_factor 1
        00000000                        #   assignments: 0
        00000001                        #   configs: 1
          000e 636c65616e75702e706f6c696379  # name "cleanup.policy"
          0007 636f6d70616374           #     value "compact"
      00007530                          # timeout_ms 30000
      01                                # validate_only true
    `)
  })

  it('v7 (flexible) golden bytes', () => {
    const bytes = encode(CreateTopics, 7, {
      topics: [{ name: 'wal', assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [{ name: 'x', value: null }] }],
      timeoutMs: 60000,
    })
    expect(bytes).toEqual(hex`
      02                    # topics: compact 1
        04 77616c           #   name "wal"
        ffffffff            #   num_partitions -1 (default)
        ffff                #   replication_factor -1 (default)
        02                  #   assignments: compact 1
          00000000          #     partition_index 0
          03 00000001 00000002  # broker_ids [1, 2]
          00                #     tagged fields
        02                  #   configs: compact 1
          02 78             #     name "x"
          00                #     value null
          00                #     tagged fields
        00                  #   tagged fields
      0000ea60              # timeout_ms 60000
      00                    # validate_only false (default)
      00                    # tagged fields
    `)
  })

  it('refuses versions outside 2..7', () => {
    expect(() => encode(CreateTopics, 1, { topics: [], timeoutMs: 0 })).toThrow(InvalidArgumentError)
    expect(() => encode(CreateTopics, 8, { topics: [], timeoutMs: 0 })).toThrow(InvalidArgumentError)
  })
})

describe('CreateTopics response', () => {
  it('decodes v4 (non-flexible)', () => {
    const res = decode(
      CreateTopics,
      4,
      hex`
        00000000          # throttle_time_ms 0
        00000001          # topics: 1
          0003 77616c     #   name "wal"
          0024            #   error_code 36 (TOPIC_ALREADY_EXISTS)
          0006 657869737473  # error_message "exists"
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 'wal',
          topicId: ZERO_UUID,
          errorCode: 36,
          errorMessage: 'exists',
          topicConfigErrorCode: 0,
          numPartitions: -1,
          replicationFactor: -1,
          configs: null,
        },
      ],
    })
  })

  it('decodes v7 (flexible) with the tagged topic_config_error_code and an unknown tag', () => {
    const res = decode(
      CreateTopics,
      7,
      hex`
        00000005                          # throttle_time_ms 5
        02                                # topics: compact 1
          04 77616c                       #   name "wal"
          0102030405060708090a0b0c0d0e0f10  # topic_id
          0000                            #   error_code 0
          00                              #   error_message null
          00000003                        #   num_partitions 3
          0001                            #   replication_factor 1
          02                              #   configs: compact 1
            0f 636c65616e75702e706f6c696379  # name "cleanup.policy"
            08 636f6d70616374             #     value "compact"
            00                            #     read_only false
            05                            #     config_source 5 (DEFAULT_CONFIG)
            00                            #     is_sensitive false
            00                            #     tagged fields
          02                              #   tagged fields: 2
            00 02 001d                    #     tag 0 topic_config_error_code 29
            07 01 ff                      #     unknown tag 7
        00                                # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 5,
      topics: [
        {
          name: 'wal',
          topicId: '01020304-0506-0708-090a-0b0c0d0e0f10',
          errorCode: 0,
          errorMessage: null,
          topicConfigErrorCode: 29,
          numPartitions: 3,
          replicationFactor: 1,
          configs: [{ name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 5, isSensitive: false }],
        },
      ],
    })
  })

  it('decodes v5 with configs null', () => {
    const res = decode(CreateTopics, 5, hex`00000000 02 02 61 0000 00 ffffffff ffff 00 00 00`)
    expect(res.topics[0]).toMatchObject({ name: 'a', numPartitions: -1, replicationFactor: -1, configs: null, topicId: ZERO_UUID })
  })
})

specAndFuzzSuites(CreateTopics, {
  spec: 'CreateTopics',
  request: () =>
    fc.record({
      topics: fc.array(
        fc.record({
          name,
          numPartitions: int32,
          replicationFactor: int16,
          assignments: fc.array(fc.record({ partitionIndex: int32, brokerIds: fc.array(int32, { maxLength: 3 }) }), { maxLength: 2 }),
          configs: fc.array(fc.record({ name, value: fc.option(name, { nil: null }) }), { maxLength: 2 }),
        }),
        { maxLength: 3 },
      ),
      timeoutMs: int32,
      validateOnly: fc.boolean(),
    }),
})
