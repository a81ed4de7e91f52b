import { describe, expect, it } from 'vitest'
import { fetchResultOf } from '../../../src/client/consumer/fetch-result.js'
import type { FetchPartitionResponse } from '../../../src/protocol/messages/fetch.js'
import { crc32c, decodeRecordBatches, encodeRecordBatchToBuffer, type CompressionCodec, type RecordCursor } from '../../../src/protocol/records/index.js'

const ATTRIBUTES_AT = 21
const CRC_AT = 17

function batch(baseOffset: bigint, values: Array<string | null>, compression: CompressionCodec = 'none'): Buffer {
  return encodeRecordBatchToBuffer(
    values.map((v, i) => ({ key: i % 2 === 0 ? `k${i}` : null, value: v, timestamp: 1000 + i, headers: i % 3 === 0 ? [['h', Buffer.from(`${i}`)] as [string, Buffer]] : [] })),
    { baseOffset, compression },
  )
}

/** A commit marker: control bit set. */
function marker(offset: bigint): Buffer {
  const b = encodeRecordBatchToBuffer([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { baseOffset: offset, producerId: 1n, producerEpoch: 0, transactional: true })
  b.writeInt16BE(b.readInt16BE(ATTRIBUTES_AT) | 0x20, ATTRIBUTES_AT)
  b.writeUInt32BE(crc32c(b.subarray(ATTRIBUTES_AT)), CRC_AT)
  return b
}

/** What a cursor position says, in the shape of a decoded record. */
function snapshot(c: RecordCursor): unknown {
  return { offset: c.offset, timestamp: c.timestamp, key: c.key, value: c.value, headers: c.headers }
}

describe('record cursors', () => {
  it('a batch cursor reads what records() decodes, compressed or not, then checks the batch end', () => {
    for (const codec of ['none', 'lz4', 'zstd'] as const) {
      const [b] = decodeRecordBatches(batch(40n, ['a', null, 'é'.repeat(70), '', 'z'], codec))
      const c = b.cursor()
      const seen: unknown[] = []
      while (c.next()) seen.push(snapshot(c))
      expect(seen).toEqual(b.records())
      expect(c.next()).toBe(false)
    }
  })

  it('a fetch cursor skips control batches and records before the fetch offset, like the records array', () => {
    const part: FetchPartitionResponse = {
      partitionIndex: 0,
      errorCode: 0,
      highWatermark: 20n,
      lastStableOffset: 20n,
      logStartOffset: 0n,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: Buffer.concat([batch(0n, ['a', 'b', 'c', 'd']), marker(4n), batch(5n, ['e', null, 'g'], 'gzip'), batch(8n, ['h'])]),
    }
    for (const from of [0n, 2n, 4n, 6n, 8n, 9n]) {
      const result = fetchResultOf(part, from, 'read_uncommitted')
      const c = result.cursor()
      const seen: unknown[] = []
      while (c.next()) seen.push(snapshot(c))
      expect(seen, `from ${from}`).toEqual(fetchResultOf(part, from, 'read_uncommitted').records)
      expect([...fetchResultOf(part, from, 'read_uncommitted')], `iterator from ${from}`).toEqual(seen)
    }
  })

  it('a corrupt record surfaces as a DecodeError from next()', () => {
    const bytes = batch(0n, ['abc', 'def'])
    // Claim a key longer than its record, and fix the CRC so the batch itself decodes.
    const firstRecordKeyLengthAt = 61 + 1 + 1 + 1 + 1
    bytes[firstRecordKeyLengthAt] = 0x7e
    bytes.writeUInt32BE(crc32c(bytes.subarray(ATTRIBUTES_AT)), CRC_AT)
    const [b] = decodeRecordBatches(bytes)
    expect(() => b.cursor().next()).toThrow(/invalid key length/)
  })
})
