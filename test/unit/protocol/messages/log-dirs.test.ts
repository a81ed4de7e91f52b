import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AlterReplicaLogDirs } from '../../../../src/protocol/messages/alter-replica-log-dirs.js'
import { DescribeLogDirs } from '../../../../src/protocol/messages/describe-log-dirs.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'
import { whenSpecCovers } from './share-group-specs.js'

describe('DescribeLogDirs', () => {
  it('request golden bytes: every topic, and chosen partitions', () => {
    expect(encode(DescribeLogDirs, 1, { topics: null })).toEqual(hex`ffffffff`)
    expect(encode(DescribeLogDirs, 4, { topics: null })).toEqual(hex`00 00`)
    expect(encode(DescribeLogDirs, 4, { topics: [{ topic: 't', partitions: [0, 1] }] })).toEqual(hex`
      02 02 74 03 00000000 00000001 00 00   # topics: 1, "t", partitions [0, 1], tags, tags
    `)
  })

  it('decodes v1 (no error code, no volume sizes) and v4', () => {
    const v1 = decode(DescribeLogDirs, 1, hex`
      00000000 00000001                     # throttle, results: 1
        0000 0002 2f64 00000001             #   error 0, log_dir "/d", topics: 1
          0001 74 00000001                  #     "t", partitions: 1
            00000000 0000000000000400 0000000000000000 00  # p0, 1024 bytes, lag 0, not future
    `)
    expect(v1.errorCode).toBe(0)
    expect(v1.results).toEqual([
      {
        errorCode: 0,
        logDir: '/d',
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, partitionSize: 1024n, offsetLag: 0n, isFutureKey: false }] }],
        totalBytes: -1n,
        usableBytes: -1n,
        isCordoned: false,
      },
    ])
    const v4 = decode(DescribeLogDirs, 4, hex`
      00000000 0000 02                      # throttle, error 0, results: 1
        0000 03 2f64 02                     #   error 0, "/d", topics: 1
          02 74 02                          #     "t", partitions: 1
            00000000 0000000000000400 0000000000000000 00 00
          00                                #     tags
        0000000000001000 0000000000000800 00  #   total 4096, usable 2048, tags
      00
    `)
    expect(v4.results[0]).toMatchObject({ logDir: '/d', totalBytes: 4096n, usableBytes: 2048n })
  })
})

// Kafka 3.9's specs predate the newest version (a field added in 4.x): checked against 4.x's.
whenSpecCovers(DescribeLogDirs, 'DescribeLogDirs', () => {
  specAndFuzzSuites(DescribeLogDirs, {
    spec: 'DescribeLogDirs',
    request: () =>
      fc.record({
        topics: fc.option(
          fc.array(fc.record({ topic: fc.string({ maxLength: 8, unit: 'binary' }), partitions: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 3 }) }), {
            maxLength: 3,
          }),
          { nil: null },
        ),
      }),
  })
})

describe('AlterReplicaLogDirs', () => {
  const req = { dirs: [{ path: '/d', topics: [{ name: 't', partitions: [1] }] }] }
  it('v1 and v2 request golden bytes', () => {
    expect(encode(AlterReplicaLogDirs, 1, req)).toEqual(hex`00000001 0002 2f64 00000001 0001 74 00000001 00000001`)
    expect(encode(AlterReplicaLogDirs, 2, req)).toEqual(hex`02 03 2f64 02 02 74 02 00000001 00 00 00`)
  })

  it('decodes a v2 response', () => {
    expect(decode(AlterReplicaLogDirs, 2, hex`00000000 02 02 74 02 00000001 0039 00 00 00`)).toEqual({
      throttleTimeMs: 0,
      results: [{ topicName: 't', partitions: [{ partitionIndex: 1, errorCode: 57 }] }],
    })
  })
})

specAndFuzzSuites(AlterReplicaLogDirs, {
  spec: 'AlterReplicaLogDirs',
  request: () =>
    fc.record({
      dirs: fc.array(
        fc.record({
          path: fc.string({ maxLength: 8, unit: 'binary' }),
          topics: fc.array(fc.record({ name: fc.string({ maxLength: 8, unit: 'binary' }), partitions: fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 3 }) }), { maxLength: 2 }),
        }),
        { maxLength: 2 },
      ),
    }),
})
