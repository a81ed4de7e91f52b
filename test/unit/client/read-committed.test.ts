import { describe, expect, it } from 'vitest'
import { committedBatches } from '../../../src/client/consumer/read-committed.js'
import { crc32c, decodeRecordBatches, encodeRecordBatchToBuffer } from '../../../src/protocol/records/index.js'

const ATTRIBUTES_AT = 21
const CRC_AT = 17

function data(baseOffset: bigint, producerId: bigint, values: string[], transactional = true): Buffer {
  return encodeRecordBatchToBuffer(
    values.map((v) => ({ key: null, value: Buffer.from(v) })),
    { baseOffset, producerId, producerEpoch: 0, baseSequence: 0, transactional },
  )
}

/** A transaction marker as the broker writes it: control bit set, key = version 0 + type (0 abort, 1 commit). */
function marker(offset: bigint, producerId: bigint, type: 'abort' | 'commit'): Buffer {
  const key = Buffer.from([0, 0, 0, type === 'abort' ? 0 : 1])
  const b = encodeRecordBatchToBuffer([{ key, value: Buffer.from([0, 0, 0, 0, 0, 0]) }], {
    baseOffset: offset,
    producerId,
    producerEpoch: 0,
    transactional: true,
  })
  b.writeInt16BE(b.readInt16BE(ATTRIBUTES_AT) | 0x20, ATTRIBUTES_AT)
  b.writeUInt32BE(crc32c(b.subarray(ATTRIBUTES_AT)), CRC_AT)
  return b
}

function values(buf: Buffer, aborted: Array<{ producerId: bigint; firstOffset: bigint }> | null): string[] {
  return committedBatches(decodeRecordBatches(buf), aborted).flatMap((b) => b.records().map((r) => r.value!.toString()))
}

describe('read_committed filtering', () => {
  it('drops aborted transactions and control batches, keeps committed and non-transactional data', () => {
    // Producer 1 commits offsets 0-1, producer 2 aborts 2-3 (interleaved), plain record at 6.
    const log = Buffer.concat([
      data(0n, 1n, ['c1', 'c2']),
      data(2n, 2n, ['a1', 'a2']),
      marker(4n, 2n, 'abort'),
      marker(5n, 1n, 'commit'),
      data(6n, -1n, ['plain'], false),
      data(7n, 2n, ['later-committed']),
      marker(8n, 2n, 'commit'),
    ])
    expect(values(log, [{ producerId: 2n, firstOffset: 2n }])).toEqual(['c1', 'c2', 'plain', 'later-committed'])
  })

  it('keeps a producer aborted only from the first offset of its aborted transaction', () => {
    const log = Buffer.concat([data(0n, 7n, ['ok']), marker(1n, 7n, 'commit'), data(2n, 7n, ['bad']), marker(3n, 7n, 'abort')])
    expect(values(log, [{ producerId: 7n, firstOffset: 2n }])).toEqual(['ok'])
  })

  it('with no aborted transactions it only removes control batches', () => {
    const log = Buffer.concat([data(0n, 3n, ['x']), marker(1n, 3n, 'commit')])
    expect(values(log, null)).toEqual(['x'])
    expect(values(log, [])).toEqual(['x'])
  })
})
