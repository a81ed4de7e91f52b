import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { AcknowledgeType } from '../../../../src/protocol/messages/share-acknowledgements.js'
import { ShareAcknowledge, type ShareAcknowledgeRequest } from '../../../../src/protocol/messages/share-acknowledge.js'
import { ShareFetch, ShareSessionEpoch, type ShareFetchRequest } from '../../../../src/protocol/messages/share-fetch.js'
import { decode, encode, hex } from './admin-spec-support.js'
import { groupSpecAndFuzzSuites } from './group-spec-support.js'
import { whenSpecCovers } from './share-group-specs.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const TID = '0123abcd-0000-4000-8000-00000000beef'

const fetchRequest: ShareFetchRequest = {
  groupId: 'g',
  memberId: 'm',
  shareSessionEpoch: 1,
  maxWaitMs: 500,
  minBytes: 1,
  maxRecords: 500,
  batchSize: 500,
  topics: [
    {
      topicId: TID,
      partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 5n, lastOffset: 6n, acknowledgeTypes: [AcknowledgeType.ACCEPT, AcknowledgeType.RENEW] }] }],
    },
  ],
}

describe('ShareFetch request', () => {
  it('v2 golden bytes: acquire mode, renew flag set from the RENEW acknowledgement', () => {
    expect(encode(ShareFetch, 2, fetchRequest)).toEqual(hex`
      02 67                 # group_id "g"
      02 6d                 # member_id "m"
      00000001              # share_session_epoch 1
      000001f4              # max_wait_ms 500
      00000001              # min_bytes 1
      7fffffff              # max_bytes (default)
      000001f4              # max_records 500
      000001f4              # batch_size 500
      00                    # share_acquire_mode batch-optimized
      01                    # is_renew_ack true
      02                    # topics: compact 1
        0123abcd00004000800000000000beef
        02                  #   partitions: compact 1
          00000000          #     partition_index 0
          02                #     acknowledgement_batches: compact 1
            0000000000000005 0000000000000006   # first 5, last 6
            03 01 04        #       acknowledge_types [ACCEPT, RENEW]
            00              #       tagged fields
          00                #     tagged fields
        00                  #   tagged fields
      01                    # forgotten_topics_data: compact 0
      00                    # tagged fields
    `)
  })

  it('v1 has no acquire mode or renew flag, and refuses RENEW', () => {
    const plain = { ...fetchRequest, topics: [] }
    expect(encode(ShareFetch, 1, plain).length).toBe(encode(ShareFetch, 2, plain).length - 2)
    expect(() => encode(ShareFetch, 1, fetchRequest)).toThrow(InvalidArgumentError)
  })
})

const fetchResponse = hex`
  00000000                # throttle_time_ms
  0000                    # error_code
  00                      # error_message null
  00007530                # acquisition_lock_timeout_ms 30000
  02                      # responses: compact 1
    0123abcd00004000800000000000beef
    02                    #   partitions: compact 1
      00000000            #     partition_index 0
      0000 00             #     error_code, error_message null
      0079 04 626164      #     acknowledge_error_code 121 (INVALID_RECORD_STATE), message "bad"
      00000001 00000007 00  # current_leader 1, epoch 7, tagged fields
      04 010203           #     records (3 bytes)
      02                  #     acquired_records: compact 1
        0000000000000003 0000000000000009 0002 00  # 3..9, delivery count 2
      00                  #     tagged fields
    00                    #   tagged fields
  02                      # node_endpoints: compact 1
    00000001 0a 6c6f63616c686f7374 00002384 00 00  # node 1 localhost:9092, rack null
  00                      # tagged fields
`

describe('ShareFetch response', () => {
  it('decodes acquired records, acknowledge errors and the lock timeout', () => {
    expect(decode(ShareFetch, 1, fetchResponse)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      acquisitionLockTimeoutMs: 30000,
      responses: [
        {
          topicId: TID,
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              errorMessage: null,
              acknowledgeErrorCode: 121,
              acknowledgeErrorMessage: 'bad',
              currentLeader: { leaderId: 1, leaderEpoch: 7 },
              records: Buffer.from([1, 2, 3]),
              acquiredRecords: [{ firstOffset: 3n, lastOffset: 9n, deliveryCount: 2 }],
            },
          ],
        },
      ],
      nodeEndpoints: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
    })
  })
})

const ackRequest: ShareAcknowledgeRequest = {
  groupId: 'g',
  memberId: 'm',
  shareSessionEpoch: ShareSessionEpoch.CLOSE,
  topics: [{ topicId: TID, partitions: [{ partitionIndex: 2, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [AcknowledgeType.RELEASE] }] }] }],
}

describe('ShareAcknowledge', () => {
  it('v2 request golden bytes', () => {
    expect(encode(ShareAcknowledge, 2, ackRequest)).toEqual(hex`
      02 67 02 6d           # group_id "g", member_id "m"
      ffffffff              # share_session_epoch -1 (close)
      00                    # is_renew_ack false
      02 0123abcd00004000800000000000beef
        02 00000002         #   partitions: compact 1, partition_index 2
          02 0000000000000000 0000000000000000 02 02 00  # 0..0 [RELEASE]
          00
        00
      00
    `)
  })

  it('decodes the v2 lock timeout; v1 has none', () => {
    const body = (withLock: boolean) =>
      Buffer.concat([
        hex`00000000 0000 00`,
        withLock ? hex`00003a98` : Buffer.alloc(0),
        hex`02 0123abcd00004000800000000000beef 02 00000002 0000 00 ffffffff ffffffff 00 00 00 01 00`,
      ])
    expect(decode(ShareAcknowledge, 2, body(true)).acquisitionLockTimeoutMs).toBe(15000)
    const v1 = decode(ShareAcknowledge, 1, body(false))
    expect(v1.acquisitionLockTimeoutMs).toBe(-1)
    expect(v1.responses[0].partitions[0]).toEqual({ partitionIndex: 2, errorCode: 0, errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } })
  })
})

const ackBatches = (version: number) =>
  fc.array(
    fc.record({
      firstOffset: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      lastOffset: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      acknowledgeTypes: fc.array(fc.integer({ min: 0, max: version >= 2 ? 4 : 3 }), { maxLength: 3 }),
    }),
    { maxLength: 2 },
  )

whenSpecCovers(ShareFetch, 'ShareFetch', () =>
  groupSpecAndFuzzSuites(ShareFetch, {
    spec: 'ShareFetch',
    request: (version) =>
      fc.record({
        groupId: fc.option(name, { nil: null }),
        memberId: fc.option(name, { nil: null }),
        shareSessionEpoch: fc.integer(),
        maxWaitMs: fc.integer(),
        minBytes: fc.integer(),
        maxBytes: fc.integer(),
        maxRecords: fc.integer(),
        batchSize: fc.integer(),
        shareAcquireMode: fc.integer({ min: -128, max: 127 }),
        isRenewAck: version >= 2 ? fc.boolean() : fc.constant(false),
        topics: fc.array(
          fc.record({ topicId: fc.uuid(), partitions: fc.array(fc.record({ partitionIndex: fc.integer(), acknowledgementBatches: ackBatches(version) }), { maxLength: 2 }) }),
          { maxLength: 2 },
        ),
        forgottenTopicsData: fc.array(fc.record({ topicId: fc.uuid(), partitions: fc.array(fc.integer(), { maxLength: 3 }) }), { maxLength: 2 }),
      }),
    // Renew-flag and acquire-mode are absent below v2: the spec parse has no such fields there.
    expectedRequest: (req, version) => (version >= 2 ? req : { ...req, shareAcquireMode: undefined, isRenewAck: undefined }),
    responseSeeds: () => [fetchResponse],
  }),
)

whenSpecCovers(ShareAcknowledge, 'ShareAcknowledge', () =>
  groupSpecAndFuzzSuites(ShareAcknowledge, {
    spec: 'ShareAcknowledge',
    request: (version) =>
      fc.record({
        groupId: fc.option(name, { nil: null }),
        memberId: fc.option(name, { nil: null }),
        shareSessionEpoch: fc.integer(),
        isRenewAck: version >= 2 ? fc.boolean() : fc.constant(false),
        topics: fc.array(
          fc.record({ topicId: fc.uuid(), partitions: fc.array(fc.record({ partitionIndex: fc.integer(), acknowledgementBatches: ackBatches(version) }), { maxLength: 2 }) }),
          { maxLength: 2 },
        ),
      }),
    expectedRequest: (req, version) => (version >= 2 ? req : { ...req, isRenewAck: undefined }),
    responseSeeds: () => [hex`00000000 0000 00 00003a98 02 0123abcd00004000800000000000beef 02 00000002 0000 00 ffffffff ffffffff 00 00 00 01 00`],
  }),
)
