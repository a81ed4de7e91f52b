import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import {
  decodeRecordBatches,
  encodeRecordBatchToBuffer,
  type CompressionCodec,
  type ProduceRecord,
} from '../../../../src/protocol/records/index.js'

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const bytes = fc.option(fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)), { freq: 4 })
const record: fc.Arbitrary<ProduceRecord> = fc.record(
  {
    key: bytes,
    value: bytes,
    headers: fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 10 }), bytes), { maxLength: 4 }),
    timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  },
  { requiredKeys: ['key', 'value'] },
)

/** Decodes everything and reads every record; only DecodeError (or subclasses) may escape. */
function readAll(buf: Buffer): void {
  try {
    for (const b of decodeRecordBatches(buf, { maxDecompressedBytes: 1 << 20 })) b.records()
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err
  }
}

describe.each(CODECS)('properties with %s', (compression) => {
  it('round-trips random records', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), fc.bigInt({ min: 0n, max: 2n ** 62n }), (records, baseOffset) => {
        const [b] = decodeRecordBatches(encodeRecordBatchToBuffer(records, { compression, baseOffset, now: 42 }))
        const out = b.records()
        expect(out).toHaveLength(records.length)
        out.forEach((r, i) => {
          expect(r.offset).toBe(baseOffset + BigInt(i))
          expect(r.key).toEqual(records[i].key)
          expect(r.value).toEqual(records[i].value)
          expect(r.headers).toEqual(records[i].headers ?? [])
          expect(r.timestamp).toBe(records[i].timestamp ?? 42)
        })
      }),
      { numRuns: 40 },
    )
  })

  it('never throws anything but DecodeError on truncated or bit-flipped batches', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.boolean(),
        (records, flips, cut, verifyCrc) => {
          const good = encodeRecordBatchToBuffer(records, { compression })
          const flipped = Buffer.from(good)
          for (const f of flips) flipped[f % flipped.length] ^= 1 << (f % 8)
          readAll(good.subarray(0, cut % (good.length + 1)))
          readAll(flipped)
          // Also behind a broken CRC check, so the codecs and record parser see corrupt bytes.
          try {
            for (const b of decodeRecordBatches(flipped, { verifyCrc, maxDecompressedBytes: 1 << 20 })) b.records()
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('random bytes', () => {
  it('never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (u) => readAll(Buffer.from(u))),
      { numRuns: 300 },
    )
  })

  it('with a plausible v2 header never throw anything but DecodeError, with or without CRC checks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 49, maxLength: 400 }), fc.integer({ min: 0, max: 7 }), fc.boolean(), (u, codec, verifyCrc) => {
        const body = Buffer.from(u)
        const head = Buffer.alloc(12)
        head.writeInt32BE(body.length, 8)
        body[4] = 2 // magic
        body.writeInt16BE(codec, 9) // attributes
        const buf = Buffer.concat([head, body])
        try {
          for (const b of decodeRecordBatches(buf, { verifyCrc, maxDecompressedBytes: 1 << 20 })) [...b]
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err
        }
      }),
      { numRuns: 300 },
    )
  })
})
