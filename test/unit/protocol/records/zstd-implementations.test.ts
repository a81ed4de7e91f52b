// Both zstd implementations (node:zlib where this Node has it, WebAssembly always)
// read the frames Kafka clients write and each other's frames, and bound their output.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import { zstdImplementation } from '../../../../src/protocol/records/index.js'
import { nodeZstdAvailable, nodeZstdCompress, nodeZstdDecompress } from '../../../../src/protocol/records/compression/zstd-node.js'
import { zstdWasmCompress, zstdWasmDecompress } from '../../../../src/protocol/records/compression/zstd-wasm.js'
import { fixtureText, ZSTD_NO_SIZE_FRAME_B64 } from './fixtures.js'

const noSizeFrame = Buffer.from(ZSTD_NO_SIZE_FRAME_B64, 'base64')
const text = Buffer.from('kafka record batch '.repeat(5000))
const big = Buffer.concat([randomBytes(200_000), Buffer.alloc(3_000_000, 1)])

const impls = [
  { name: 'wasm', compress: zstdWasmCompress, decompress: zstdWasmDecompress, available: true },
  { name: 'node:zlib', compress: nodeZstdCompress, decompress: nodeZstdDecompress, available: nodeZstdAvailable },
]

describe('zstd implementation choice', () => {
  it("uses node:zlib exactly when this Node has zstd and PERIDOT_ZSTD is not 'wasm'", () => {
    const expected = nodeZstdAvailable && process.env.PERIDOT_ZSTD !== 'wasm' ? 'node:zlib' : 'wasm'
    expect(zstdImplementation()).toBe(expected)
  })
})

describe.each(impls)('zstd via $name', ({ compress, decompress, available }) => {
  it.skipIf(!available)('round-trips and compresses', () => {
    for (const data of [Buffer.alloc(0), Buffer.from('x'), text, big]) {
      expect(decompress(compress(data), 10_000_000).equals(data)).toBe(true)
    }
    expect(compress(text).length).toBeLessThan(text.length / 20)
  })

  it.skipIf(!available)('reads a streamed frame without a content size, growing past its first guess', () => {
    expect(decompress(noSizeFrame, 1_000_000).equals(fixtureText())).toBe(true)
  })

  it.skipIf(!available)('reads concatenated frames (with and without sizes)', () => {
    const joined = Buffer.concat([noSizeFrame, compress(text), noSizeFrame])
    expect(decompress(joined, 10_000_000).equals(Buffer.concat([fixtureText(), text, fixtureText()]))).toBe(true)
  })

  it.skipIf(!available)('refuses output beyond the limit, declared or not, with a DecodeError', () => {
    expect(() => decompress(compress(big), big.length - 1)).toThrow(DecodeError)
    expect(() => decompress(noSizeFrame, 100_000)).toThrow(/limit/)
    expect(decompress(compress(big), big.length).length).toBe(big.length)
  })

  it.skipIf(!available)('turns garbage and truncated frames into DecodeErrors and recovers', () => {
    const c = compress(text)
    for (const bad of [Buffer.from('not a zstd frame at all'), c.subarray(0, c.length - 4), noSizeFrame.subarray(0, 100)]) {
      expect(() => decompress(bad, 1_000_000)).toThrow(DecodeError)
    }
    expect(decompress(c, 1_000_000).equals(text)).toBe(true)
  })
})

describe.skipIf(!nodeZstdAvailable)('zstd: node:zlib and wasm read each other', () => {
  it('in both directions', () => {
    expect(zstdWasmDecompress(nodeZstdCompress(big), 10_000_000).equals(big)).toBe(true)
    expect(nodeZstdDecompress(zstdWasmCompress(big), 10_000_000).equals(big)).toBe(true)
  })
})
