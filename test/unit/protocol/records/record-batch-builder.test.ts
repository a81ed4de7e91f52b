import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import {
  decodeRecordBatches,
  encodeRecordBatchToBuffer,
  RecordBatchBuilder,
  type CompressionCodec,
  type ProduceRecord,
} from '../../../../src/protocol/records/index.js'

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

function built(records: readonly ProduceRecord[], options: Parameters<RecordBatchBuilder['build']>[0], now: number): Buffer {
  const b = new RecordBatchBuilder(16)
  for (const r of records) b.append(r, now)
  return b.build(options)
}

const bytesOf = (v: Buffer | string | null | undefined): Buffer | null => (v === null || v === undefined ? null : Buffer.from(v))

/** Text lengths around the one/two-byte varint boundary (63/64 bytes), with multi-byte characters. */
const TEXTS = ['', 'a', 'x'.repeat(63), 'x'.repeat(64), `${'x'.repeat(62)}é`, `${'x'.repeat(31)}${'é'.repeat(16)}`, '日本語'.repeat(30), '😀'.repeat(20), 'plain ascii key']

describe('RecordBatchBuilder', () => {
  const records: ProduceRecord[] = [
    { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1000 },
    { key: null, value: null, timestamp: 900, headers: [['h', Buffer.from('x')], ['n', null]] },
    { key: Buffer.alloc(0), value: Buffer.alloc(300, 7) },
    { key: Buffer.from('k4'), value: Buffer.from('v4'), timestamp: 2000 },
  ]
  const options = { producerId: 42n, producerEpoch: 3, baseSequence: 17, transactional: true }

  it('builds the same bytes as encodeRecordBatch, for every codec', () => {
    for (const compression of CODECS) {
      const expected = encodeRecordBatchToBuffer(records, { ...options, compression, now: 1500 })
      expect(built(records, { ...options, compression }, 1500).equals(expected), compression).toBe(true)
    }
  })

  it('writes string keys and values as their UTF-8 bytes, byte for byte as Buffers would be', () => {
    const asText: ProduceRecord[] = []
    const asBytes: ProduceRecord[] = []
    for (const k of TEXTS) {
      for (const v of TEXTS) {
        asText.push({ key: k, value: v, timestamp: 5, headers: [['h', Buffer.from('1')]] })
        asBytes.push({ key: Buffer.from(k), value: Buffer.from(v), timestamp: 5, headers: [['h', Buffer.from('1')]] })
      }
    }
    // Records of one text each, so the record length itself crosses varint boundaries too.
    for (const t of TEXTS) {
      asText.push({ key: null, value: t.repeat(3) }, { key: t, value: null })
      asBytes.push({ key: null, value: Buffer.from(t.repeat(3)) }, { key: Buffer.from(t), value: null })
    }
    const fromText = built(asText, {}, 7)
    expect(fromText.equals(encodeRecordBatchToBuffer(asBytes, { now: 7 }))).toBe(true)
    expect(encodeRecordBatchToBuffer(asText, { now: 7 }).equals(fromText)).toBe(true)
    const [batch] = decodeRecordBatches(fromText)
    const out = batch.records()
    expect(out.map((r) => r.value?.toString() ?? null)).toEqual(asText.map((r) => (r.value === null ? null : String(r.value))))
    expect(out.map((r) => r.key?.toString() ?? null)).toEqual(asText.map((r) => (r.key === null ? null : String(r.key))))
  })

  it('rebuilds with new sequence fields without changing the bytes of an earlier build', () => {
    const b = new RecordBatchBuilder()
    for (const r of records) b.append(r, 1500)
    const first = b.build({ ...options })
    const firstCopy = Buffer.from(first)
    const second = b.build({ ...options, producerEpoch: 4, baseSequence: 0 })
    expect(first.equals(firstCopy)).toBe(true)
    expect(second.equals(encodeRecordBatchToBuffer(records, { ...options, producerEpoch: 4, baseSequence: 0, now: 1500 }))).toBe(true)
    const [d] = decodeRecordBatches(second)
    expect(d).toMatchObject({ producerEpoch: 4, baseSequence: 0, recordCount: 4, baseTimestamp: 1000, maxTimestamp: 2000 })
  })

  it('appendWithin keeps the batch within a byte limit, except for a first record larger than it', () => {
    const b = new RecordBatchBuilder()
    const rec = (i: number): ProduceRecord => ({ key: `k${i}`, value: Buffer.alloc(100, i), timestamp: 1000 + (i % 3) * 10 })
    let i = 0
    while (b.appendWithin(rec(i), 1000, 1)) i++
    expect(b.sizeInBytes).toBeLessThanOrEqual(1000)
    expect(b.count).toBe(i)
    // The refused record left no trace: the batch equals one built from the accepted records only.
    const accepted = Array.from({ length: i }, (_, j) => rec(j))
    expect(b.build().equals(encodeRecordBatchToBuffer(accepted, { now: 1 }))).toBe(true)
    const big = new RecordBatchBuilder()
    expect(big.appendWithin({ key: null, value: Buffer.alloc(5000) }, 1000, 1)).toBe(true)
    expect(big.appendWithin({ key: null, value: Buffer.alloc(1) }, 1000, 1)).toBe(false)
    expect(big.count).toBe(1)
  })

  it('counts records and bytes, and refuses bad input with typed errors', () => {
    const b = new RecordBatchBuilder()
    expect(() => b.build()).toThrow(InvalidArgumentError)
    const n = b.append({ key: null, value: Buffer.from('abc') }, 1)
    expect(b.count).toBe(1)
    expect(b.sizeInBytes).toBe(61 + n)
    expect(() => b.append({ key: null, value: null, timestamp: 1.5 })).toThrow(InvalidArgumentError)
    expect(b.count).toBe(1)
    b.build()
    expect(() => b.append({ key: null, value: null })).toThrow(/after build/)
  })
})
