import { describe, expect, it } from 'vitest'
import { CorruptRecordError, DecodeError, InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { Writer } from '../../../../src/protocol/primitives/writer.js'
import { checkedHeader, RECORD_BATCH_OVERHEAD, writeBatchHeader, writeRecord } from '../../../../src/protocol/records/record-batch.js'
import {
  crc32c,
  decodeControlRecord,
  decodeRecordBatches,
  encodeRecordBatch,
  encodeRecordBatchToBuffer,
  iterateRecordBatches,
  RecordCursor,
  type CompressionCodec,
  type ProduceRecord,
} from '../../../../src/protocol/records/index.js'

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** A batch built by hand, field by field: two records, timestamps 1000 and 1500. */
function handBuiltBatch(opts: { attributes?: number; baseOffset?: string } = {}): Buffer {
  const records = hex(`
    18 00 00 00 02 6b 02 76 02 02 68 02 78
    0e 00 e807 02 01 01 00`)
  const afterCrc = Buffer.concat([
    hex((opts.attributes ?? 0).toString(16).padStart(4, '0')), // attributes
    hex('00000001'), // lastOffsetDelta
    hex('00000000000003e8'), // baseTimestamp 1000
    hex('00000000000005dc'), // maxTimestamp 1500
    hex('ffffffffffffffff'), // producerId -1
    hex('ffff'), // producerEpoch -1
    hex('ffffffff'), // baseSequence -1
    hex('00000002'), // record count
    records,
  ])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32c(afterCrc))
  const head = Buffer.concat([
    hex(opts.baseOffset ?? '0000000000000000'), // baseOffset
    hex((4 + 1 + 4 + afterCrc.length).toString(16).padStart(8, '0')), // batchLength
    hex('ffffffff'), // partitionLeaderEpoch -1
    hex('02'), // magic
  ])
  return Buffer.concat([head, crc, afterCrc])
}

const twoRecords: ProduceRecord[] = [
  { key: Buffer.from('k'), value: Buffer.from('v'), headers: [['h', Buffer.from('x')]], timestamp: 1000 },
  { key: null, value: null, timestamp: 1500 },
]

describe('encodeRecordBatch golden bytes', () => {
  it('matches a hand-built batch byte for byte', () => {
    const built = handBuiltBatch()
    expect(built.length).toBe(61 + 13 + 8)
    expect(encodeRecordBatchToBuffer(twoRecords).toString('hex')).toBe(built.toString('hex'))
  })

  // Produced once with Kafka's Java client 4.3.1 (kafka-clients jar): MemoryRecords.builder(magic 2,
  // Compression.NONE, CREATE_TIME, baseOffset 0, logAppendTime 1000, no producer id/epoch/sequence,
  // non-transactional, no partition leader epoch), append(1000, "k", "v", [h: "x"]) and
  // append(1500, null, null, []), then build().buffer() in hex and RecordBatch.checksum().
  const JAVA_BATCH =
    '000000000000000000000046ffffffff023c86821500000000000100000000000003e800000000000005dcffffffffffffffffffffffffffff0000000218000000026b027602026802780e00e80702010100'
  const JAVA_CRC = 0x3c868215

  it('matches the batch Java builds from the same records, CRC included', () => {
    const out = encodeRecordBatchToBuffer(twoRecords)
    expect(out.readUInt32BE(17)).toBe(JAVA_CRC)
    expect(out.toString('hex')).toBe(JAVA_BATCH)
    expect(handBuiltBatch().toString('hex')).toBe(JAVA_BATCH)
  })

  it('appends into an existing Writer and patches length and CRC in place', () => {
    const w = new Writer(8)
    w.int32(0x11223344)
    encodeRecordBatch(w, twoRecords)
    encodeRecordBatch(w, twoRecords, { baseOffset: 5n })
    const out = w.finish()
    expect(out.readInt32BE(0)).toBe(0x11223344)
    const batches = decodeRecordBatches(out.subarray(4))
    expect(batches.map((b) => b.baseOffset)).toEqual([0n, 5n])
    expect(out.subarray(4, 4 + batches[0].sizeInBytes).equals(handBuiltBatch())).toBe(true)
  })

  it('writes header fields and flags', () => {
    const buf = encodeRecordBatchToBuffer(twoRecords, {
      producerId: 0x1234567890n,
      producerEpoch: 7,
      baseSequence: 42,
      transactional: true,
      partitionLeaderEpoch: 3,
      baseOffset: 100n,
      compression: 'zstd',
    })
    expect(buf.readBigInt64BE(0)).toBe(100n)
    expect(buf.readInt32BE(12)).toBe(3)
    expect(buf.readInt16BE(21)).toBe(0x10 | 4)
    expect(buf.readBigInt64BE(43)).toBe(0x1234567890n)
    expect(buf.readInt16BE(51)).toBe(7)
    expect(buf.readInt32BE(53)).toBe(42)
  })

  it('rejects empty batches and invalid arguments', () => {
    expect(() => encodeRecordBatchToBuffer([])).toThrow(InvalidArgumentError)
    expect(() => encodeRecordBatchToBuffer(twoRecords, { producerEpoch: 70000 })).toThrow(InvalidArgumentError)
    expect(() => encodeRecordBatchToBuffer([{ key: null, value: null, timestamp: 1.5 }])).toThrow(InvalidArgumentError)
    expect(() => encodeRecordBatchToBuffer(twoRecords, { compression: 'brotli' as CompressionCodec })).toThrow(InvalidArgumentError)
  })
})

describe('decodeRecordBatches', () => {
  it('decodes a hand-built batch', () => {
    const [b, ...rest] = decodeRecordBatches(handBuiltBatch())
    expect(rest).toHaveLength(0)
    expect(b).toMatchObject({
      baseOffset: 0n,
      lastOffset: 1n,
      partitionLeaderEpoch: -1,
      compression: 'none',
      timestampType: 'create',
      isTransactional: false,
      isControl: false,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      baseTimestamp: 1000,
      maxTimestamp: 1500,
      recordCount: 2,
      sizeInBytes: 82,
    })
    expect(b.records()).toEqual([
      { offset: 0n, timestamp: 1000, key: Buffer.from('k'), value: Buffer.from('v'), headers: [['h', Buffer.from('x')]] },
      { offset: 1n, timestamp: 1500, key: null, value: null, headers: [] },
    ])
    expect([...b].map((r) => r.offset)).toEqual([0n, 1n])
  })

  it('returns zero-copy keys and values for uncompressed batches', () => {
    const buf = handBuiltBatch()
    const [r] = decodeRecordBatches(buf)[0].records()
    expect(r.key!.buffer).toBe(buf.buffer)
    buf[buf.indexOf('k', 61)] = 0x4b // 'K'
    expect(r.key!.toString()).toBe('K')
  })

  it('uses maxTimestamp for LOG_APPEND_TIME batches', () => {
    const [b] = decodeRecordBatches(handBuiltBatch({ attributes: 0x08 }))
    expect(b.timestampType).toBe('log-append')
    expect(b.records().map((r) => r.timestamp)).toEqual([1500, 1500])
  })

  it('exposes control batches and decodes their markers', () => {
    const [b] = decodeRecordBatches(handBuiltBatch({ attributes: 0x30 }))
    expect(b.isControl).toBe(true)
    expect(b.isTransactional).toBe(true)
    expect(decodeControlRecord(hex('00000001'))).toEqual({ type: 'commit', typeId: 1, version: 0 })
    expect(decodeControlRecord(hex('00000000'))).toEqual({ type: 'abort', typeId: 0, version: 0 })
    expect(decodeControlRecord(hex('00000005')).type).toBe('unknown')
    expect(() => decodeControlRecord(hex('00'))).toThrow(DecodeError)
    expect(() => decodeControlRecord(null)).toThrow(DecodeError)
  })

  it('decodes an empty batch (as left by compaction)', () => {
    const afterCrc = Buffer.concat([hex('0000 00000005'), Buffer.alloc(16), hex('ffffffffffffffff ffff ffffffff 00000000')])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32c(afterCrc))
    const buf = Buffer.concat([hex('000000000000000a 00000031 ffffffff 02'), crc, afterCrc])
    const [b] = decodeRecordBatches(buf)
    expect(b.recordCount).toBe(0)
    expect(b.lastOffset).toBe(15n)
    expect(b.records()).toEqual([])
  })

  /** A batch at base offset 100 whose records have these offset deltas (as compaction leaves them). */
  function batchWithDeltas(deltas: number[]): Buffer {
    const w = new Writer(256)
    w.offset = RECORD_BATCH_OVERHEAD
    for (const d of deltas) writeRecord(w, { key: null, value: Buffer.from(`v${d}`) }, d, d)
    const header = checkedHeader({ baseOffset: 100n }, deltas.length, 1000, 1000 + Math.max(...deltas))
    writeBatchHeader(w.buffer, 0, w.offset, header)
    return w.finish()
  }

  it('gives each record the base offset plus its own delta, with gaps and a first delta other than 0', () => {
    for (const deltas of [[0, 1, 2], [0, 1, 4, 5, 9], [3, 4, 7], [2, 1, 0], [0, 0, 1]]) {
      const want = deltas.map((d) => 100n + BigInt(d))
      const [b] = decodeRecordBatches(batchWithDeltas(deltas))
      expect(b.records().map((r) => r.offset)).toEqual(want)
      expect([...b].map((r) => r.offset)).toEqual(want)
      const c = b.cursor()
      const seen: Array<[bigint, number, string]> = []
      while (c.next()) seen.push([c.offset, c.timestamp, c.value!.toString()])
      expect(seen).toEqual(deltas.map((d) => [100n + BigInt(d), 1000 + d, `v${d}`]))
      // One cursor read through two batches starts each batch at its own base offset.
      const shared = new RecordCursor()
      const [b1, b2] = decodeRecordBatches(Buffer.concat([batchWithDeltas(deltas), batchWithDeltas(deltas)]))
      const both: bigint[] = []
      for (const rr of [b1.recordReader(), b2.recordReader()]) while (rr.readInto(shared)) both.push(shared.offset)
      expect(both).toEqual([...want, ...want])
    }
  })

  it('throws CorruptRecordError with the base offset on a CRC mismatch, unless verifyCrc is off', () => {
    const buf = handBuiltBatch({ baseOffset: '000000000000007b' })
    buf[buf.length - 1] ^= 0x01
    expect(() => decodeRecordBatches(buf)).toThrow(CorruptRecordError)
    expect(() => decodeRecordBatches(buf)).toThrow(/offset 123/)
    expect(decodeRecordBatches(buf, { verifyCrc: false })).toHaveLength(1)
  })

  it('drops a partial trailing batch silently', () => {
    const one = encodeRecordBatchToBuffer(twoRecords)
    const two = Buffer.concat([one, one])
    for (const cut of [0, 1, 11, 12, 16, 17, 30, one.length - 1]) {
      expect(decodeRecordBatches(two.subarray(0, one.length + cut))).toHaveLength(1)
    }
    expect(decodeRecordBatches(two)).toHaveLength(2)
    expect(decodeRecordBatches(Buffer.alloc(0))).toHaveLength(0)
  })

  it('refuses legacy magic v0/v1 and unknown magic', () => {
    const v1 = handBuiltBatch()
    v1[16] = 1
    expect(() => decodeRecordBatches(v1)).toThrow(/magic v0\/v1.*unsupported|unsupported/)
    v1[16] = 0
    expect(() => decodeRecordBatches(v1)).toThrow(DecodeError)
    v1[16] = 3
    expect(() => decodeRecordBatches(v1)).toThrow(/unknown record batch magic 3/)
  })

  it('refuses absurd lengths and counts', () => {
    const short = handBuiltBatch()
    short.writeInt32BE(10, 8)
    expect(() => decodeRecordBatches(short)).toThrow(DecodeError)
    const count = handBuiltBatch()
    count.writeInt32BE(0x7fffffff, 57)
    expect(() => decodeRecordBatches(count, { verifyCrc: false })).toThrow(/cannot fit/)
    const neg = handBuiltBatch()
    neg.writeInt32BE(-1, 57)
    expect(() => decodeRecordBatches(neg, { verifyCrc: false })).toThrow(DecodeError)
    const codec = handBuiltBatch({ attributes: 0x07 })
    expect(() => decodeRecordBatches(codec)).toThrow(/compression codec id 7/)
  })

  it('is an iterator as well', () => {
    const it = iterateRecordBatches(Buffer.concat([handBuiltBatch(), handBuiltBatch()]))
    expect(it.next().value!.recordCount).toBe(2)
    expect(it.next().done).toBe(false)
    expect(it.next().done).toBe(true)
  })
})

describe.each(CODECS)('round trip with %s', (compression) => {
  const unicode: ProduceRecord = {
    key: Buffer.from('ключ'),
    value: Buffer.from('значение'),
    headers: [
      ['ü-ñ-日本', Buffer.from('1')],
      ['null', null],
      ['dup', Buffer.alloc(0)],
      ['dup', Buffer.from('2')],
    ],
    timestamp: 1_700_000_000_000,
  }

  it('keeps keys, values, headers, timestamps and offsets', () => {
    const records: ProduceRecord[] = [
      unicode,
      { key: null, value: Buffer.from('no key') },
      { key: Buffer.from('no value'), value: null, timestamp: 1_600_000_000_000 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [] },
    ]
    const buf = encodeRecordBatchToBuffer(records, { compression, now: 1_650_000_000_000, baseOffset: 10n })
    const [b] = decodeRecordBatches(buf)
    expect(b.compression).toBe(compression)
    expect(b.baseTimestamp).toBe(1_700_000_000_000)
    expect(b.maxTimestamp).toBe(1_700_000_000_000)
    expect(b.lastOffset).toBe(13n)
    const out = b.records()
    expect(out.map((r) => r.offset)).toEqual([10n, 11n, 12n, 13n])
    expect(out.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_650_000_000_000, 1_600_000_000_000, 1_650_000_000_000])
    expect(out[0].headers).toEqual(unicode.headers)
    expect(out[1].key).toBeNull()
    expect(out[2].value).toBeNull()
    expect(out[3].key).toEqual(Buffer.alloc(0))
    expect(out[3].headers).toEqual([])
  })

  it('defaults timestamps to now', () => {
    const before = Date.now()
    const [r] = decodeRecordBatches(encodeRecordBatchToBuffer([{ key: null, value: null }], { compression }))[0].records()
    expect(r.timestamp).toBeGreaterThanOrEqual(before)
    expect(r.timestamp).toBeLessThanOrEqual(Date.now())
  })

  it('handles one record, many records and >1 MB values', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`.repeat(i % 7)), timestamp: 1000 + i }))
    const bigValue = Buffer.alloc(1_500_000, 'a')
    bigValue.write('the end', bigValue.length - 7)
    for (const records of [[{ key: null, value: Buffer.from('1') }], many, [{ key: null, value: bigValue }, unicode]]) {
      const [b] = decodeRecordBatches(encodeRecordBatchToBuffer(records, { compression, now: 5 }))
      const out = b.records()
      expect(out).toHaveLength(records.length)
      // Plain comparisons: vitest matchers per record would dominate the runtime.
      const same = (a: Buffer | null, b: Buffer | string | null | undefined) => (a === null ? b == null : b != null && a.equals(Buffer.from(b)))
      const bad = out.filter((r, i) => !same(r.key, records[i].key) || !same(r.value, records[i].value) || r.timestamp !== (records[i].timestamp ?? 5))
      expect(bad).toHaveLength(0)
    }
  })

  it('round-trips producer id, epoch, sequence and the transactional flag', () => {
    const opts = { compression, producerId: 9_007_199_254_740_993n, producerEpoch: 32767, baseSequence: 2_147_483_000, transactional: true, partitionLeaderEpoch: 12 }
    const [b] = decodeRecordBatches(encodeRecordBatchToBuffer(twoRecords, opts))
    expect(b).toMatchObject({ producerId: opts.producerId, producerEpoch: 32767, baseSequence: 2_147_483_000, isTransactional: true, isControl: false, partitionLeaderEpoch: 12 })
    const [d] = decodeRecordBatches(encodeRecordBatchToBuffer(twoRecords, { compression }))
    expect(d).toMatchObject({ producerId: -1n, producerEpoch: -1, baseSequence: -1, isTransactional: false })
  })

  it.skipIf(compression === 'none')('refuses a compressed batch that inflates beyond maxDecompressedBytes', () => {
    const buf = encodeRecordBatchToBuffer([{ key: null, value: Buffer.alloc(100_000) }], { compression })
    const [b] = decodeRecordBatches(buf, { maxDecompressedBytes: 10_000 })
    expect(() => b.records()).toThrow(DecodeError)
  })

  it.runIf(compression === 'none')('does not apply maxDecompressedBytes to an uncompressed batch (its size is the fetch size)', () => {
    const buf = encodeRecordBatchToBuffer([{ key: null, value: Buffer.alloc(100_000, 1) }], { compression })
    const [r, ...rest] = decodeRecordBatches(buf, { maxDecompressedBytes: 10_000 })[0].records()
    expect(rest).toHaveLength(0)
    expect(r.value!.equals(Buffer.alloc(100_000, 1))).toBe(true)
  })
})
