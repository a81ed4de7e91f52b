// Compression bombs: a few kilobytes on the wire that inflate to hundreds of megabytes must be
// refused with a DecodeError before their output is allocated, per batch and per fetch, and a
// fetch's decompressed batches must be released as they are read.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { fetchResultOf } from '../../../../src/client/consumer/fetch-result.js'
import type { FetchPartitionResponse } from '../../../../src/protocol/messages/fetch.js'
import { DecodeError } from '../../../../src/protocol/errors.js'
import { lz4Compress } from '../../../../src/protocol/records/compression/lz4.js'
import { snappyCompress } from '../../../../src/protocol/records/compression/snappy.js'
import { zstdCompress } from '../../../../src/protocol/records/compression/zstd.js'
import { checkedHeader, RECORD_BATCH_OVERHEAD, writeBatchHeader } from '../../../../src/protocol/records/record-batch.js'
import { decodeRecordBatches, decompress, DecompressionBudget, encodeRecordBatchToBuffer, type CompressionCodec } from '../../../../src/protocol/records/index.js'

const MiB = 1 << 20
/** Every bomb inflates to this much unless refused. */
const BOMB_OUTPUT = 512 * MiB
const LIMIT = 4 * MiB
/** Coarse: a refused bomb must not have allocated anything near its output. */
const MEMORY_BOUND = 64 * MiB

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** `copies` concatenations of one compressed unit (gzip members, zstd or lz4 frames). */
function repeat(unit: Buffer, copies: number): Buffer {
  return Buffer.concat(Array.from({ length: copies }, () => unit))
}

/**
 * A hand-made zstd frame that declares no content size: `blocks` RLE blocks of 128 KiB of
 * zeros, 4 bytes each (RFC 8878: frame header 0x00, window 128 KiB; block header = size << 3 |
 * type RLE (1) << 1 | last).
 */
function zstdRleFrame(blocks: number): Buffer {
  const out = Buffer.alloc(6 + blocks * 4)
  out.writeUInt32LE(0xfd2fb528, 0)
  out[4] = 0x00 // no content size, not single-segment, no checksum, no dictionary
  out[5] = 7 << 3 // window log 10 + 7 = 17: 128 KiB
  for (let i = 0; i < blocks; i++) {
    const header = ((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0)
    out.writeUIntLE(header, 6 + i * 4, 3)
    out[6 + i * 4 + 3] = 0
  }
  return out
}

/** The bombs, each BOMB_OUTPUT bytes of zeros when inflated. */
const BOMBS: Record<string, { codec: CompressionCodec; make: () => Buffer }> = {
  'gzip (concatenated members)': { codec: 'gzip', make: () => repeat(gzipSync(Buffer.alloc(MiB)), BOMB_OUTPUT / MiB) },
  'zstd (one frame without a content size, as the Java client streams)': { codec: 'zstd', make: () => zstdRleFrame(BOMB_OUTPUT / (128 * 1024)) },
  'zstd (frames declaring their size)': { codec: 'zstd', make: () => repeat(zstdCompress(Buffer.alloc(MiB)), BOMB_OUTPUT / MiB) },
  'lz4 (concatenated frames)': { codec: 'lz4', make: () => repeat(lz4Compress(Buffer.alloc(MiB)), BOMB_OUTPUT / MiB) },
  'snappy (xerial blocks)': {
    codec: 'snappy',
    make: () => {
      // One 32 KiB block of zeros, repeated after the xerial header.
      const one = snappyCompress(Buffer.alloc(32 * 1024))
      return Buffer.concat([one.subarray(0, 16), repeat(one.subarray(16), BOMB_OUTPUT / (32 * 1024))])
    },
  },
}

/** A record batch whose records section is `payload`, as written by `codec`. */
function batchOf(codec: CompressionCodec, payload: Buffer, baseOffset = 0n): Buffer {
  const buf = Buffer.alloc(RECORD_BATCH_OVERHEAD + payload.length)
  payload.copy(buf, RECORD_BATCH_OVERHEAD)
  writeBatchHeader(buf, 0, buf.length, checkedHeader({ compression: codec, baseOffset }, 1, 0, 0))
  return buf
}

function partitionOf(records: Buffer): FetchPartitionResponse {
  return {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 1000n,
    lastStableOffset: 1000n,
    logStartOffset: 0n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records,
  } as FetchPartitionResponse
}

/** Runs `fn`, which must throw a DecodeError, and returns the buffer memory it left allocated. */
function bufferGrowthOfFailure(fn: () => unknown, message: RegExp): number {
  gc()
  const before = process.memoryUsage().arrayBuffers
  let error: unknown
  try {
    fn()
  } catch (err) {
    error = err
  }
  const grown = process.memoryUsage().arrayBuffers - before
  expect(error).toBeInstanceOf(DecodeError)
  expect((error as Error).message).toMatch(message)
  return grown
}

describe('compression bombs', () => {
  for (const [name, { codec, make }] of Object.entries(BOMBS)) {
    it(`${name}: refused by the per-batch limit with a DecodeError, output never allocated in full`, () => {
      const bomb = make()
      expect(bomb.length).toBeLessThan(BOMB_OUTPUT / 16)
      expect(bufferGrowthOfFailure(() => decompress(codec, bomb, LIMIT), /exceeds the limit/)).toBeLessThan(MEMORY_BOUND)
      // The same through a batch of a fetch, with the fetch's limit.
      const result = fetchResultOf(partitionOf(batchOf(codec, bomb)), 0n, 'read_uncommitted', LIMIT)
      expect(bufferGrowthOfFailure(() => result.cursor().next(), /exceeds the limit/)).toBeLessThan(MEMORY_BOUND)
    })
  }

  it('the default limit of a fetch refuses a bomb of a few kilobytes', () => {
    const bomb = BOMBS['zstd (one frame without a content size, as the Java client streams)'].make()
    const result = fetchResultOf(partitionOf(batchOf('zstd', bomb)), 0n, 'read_uncommitted')
    expect(bufferGrowthOfFailure(() => [...result], /256 MiB|268435456/)).toBeLessThan(300 * MiB)
  })
})

describe('decompressed bytes of one fetch', () => {
  const BATCH_VALUE = 24 * MiB
  /** Five zstd batches of one 24 MiB record each: a few kilobytes on the wire. */
  function fiveBatches(): Buffer {
    const value = Buffer.alloc(BATCH_VALUE, 1)
    return Buffer.concat(Array.from({ length: 5 }, (_, i) => encodeRecordBatchToBuffer([{ value }], { compression: 'zstd', baseOffset: BigInt(i) })))
  }

  it('are bounded by maxDecompressedBytes across batches: the batch that would pass it fails with a DecodeError', () => {
    const records = fiveBatches()
    expect(records.length).toBeLessThan(MiB)
    const result = fetchResultOf(partitionOf(records), 0n, 'read_uncommitted', 64 * MiB)
    const c = result.cursor()
    expect(c.next()).toBe(true)
    expect(c.next()).toBe(true)
    expect(() => c.next()).toThrow(/record batch at offset 2: decompressing it takes the fetch past its limit of 67108864 decompressed bytes \(maxDecompressedBytes; \d+ bytes in earlier batches\)/)
    const err = (() => {
      try {
        result.cursor().next()
        result.cursor().next()
      } catch (e) {
        return e
      }
    })()
    // Reading the first two again costs nothing more: each batch counts once.
    expect(err).toBeUndefined()
  })

  it('are released batch by batch while the fetch is iterated', async () => {
    const records = fiveBatches()
    const result = fetchResultOf(partitionOf(records), 0n, 'read_uncommitted', 1 << 30)
    const c = result.cursor()
    // The cursor reads each record in place in its batch's decompressed bytes: watch those.
    const decompressed: Array<WeakRef<Buffer>> = []
    for (let i = 0; i < 5; i++) {
      expect(c.next()).toBe(true)
      expect(c.valueLength).toBe(BATCH_VALUE)
      decompressed.push(new WeakRef(c.buffer))
    }
    await new Promise((r) => setImmediate(r))
    gc()
    // Only the batch under the cursor is alive: neither the batches nor the fetch result keep the others.
    expect(decompressed.map((r) => r.deref() !== undefined)).toEqual([false, false, false, false, true])
    expect(c.next()).toBe(false)
  })

  it('DecompressionBudget refuses a bad limit', () => {
    expect(() => new DecompressionBudget(-1)).toThrow(/maxDecompressedBytes must be a non-negative integer/)
    expect(DecompressionBudget.forFetch(1000).limit).toBe(256 * MiB)
    expect(DecompressionBudget.forFetch(16 * MiB).limit).toBe(1024 * MiB)
    expect(DecompressionBudget.forFetch(16 * MiB, 5).limit).toBe(5)
  })

  it('per batch only when decoded without a budget (records read twice decompress twice, nothing kept)', () => {
    const [b] = decodeRecordBatches(encodeRecordBatchToBuffer([{ value: Buffer.alloc(1000, 2) }], { compression: 'gzip' }))
    expect(b.records()[0].value!.length).toBe(1000)
    expect(b.records()[0].value!.length).toBe(1000)
  })
})
