import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../../../../src/protocol/errors.js'
import { compress, decompress, type CompressionCodec } from '../../../../src/protocol/records/index.js'
import { snappyCompress } from '../../../../src/protocol/records/compression/snappy.js'
import { compressSync as rawSnappy } from 'snappy'
import { compressFrameSync } from 'lz4-napi'
import { fixtureText, LZ4_LINKED_FRAME_B64, ZSTD_NO_SIZE_FRAME_B64 } from './fixtures.js'

const CODECS: CompressionCodec[] = ['gzip', 'snappy', 'lz4', 'zstd']
const text = Buffer.from('hello kafka '.repeat(1000))
const big = Buffer.concat([randomBytes(300_000), Buffer.alloc(900_000, 7)])

describe.each(CODECS)('%s', (codec) => {
  it('round-trips empty, small, compressible and >1 MB inputs', () => {
    for (const data of [Buffer.alloc(0), Buffer.from('x'), text, randomBytes(70_000), big]) {
      const c = compress(codec, data)
      expect(decompress(codec, c).equals(data)).toBe(true)
    }
    expect(compress(codec, text).length).toBeLessThan(text.length / 5)
  })

  it('refuses output beyond the limit with a DecodeError', () => {
    const c = compress(codec, big)
    expect(() => decompress(codec, c, 1000)).toThrow(DecodeError)
    expect(() => decompress(codec, c, big.length - 1)).toThrow(DecodeError)
    expect(decompress(codec, c, big.length).length).toBe(big.length)
  })

  it('turns garbage and truncated input into a DecodeError', () => {
    const c = compress(codec, text)
    for (const bad of [Buffer.from('garbage!garbage!garbage!'), c.subarray(0, c.length >> 1), c.subarray(0, 3)]) {
      expect(() => decompress(codec, bad)).toThrow(DecodeError)
    }
  })
})

describe('snappy interop', () => {
  it('writes xerial framing like the Java client', () => {
    const c = snappyCompress(text)
    expect(c.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001')
    expect(c.readInt32BE(16)).toBe(c.length - 20) // one 12 KB chunk fits a 32 KiB block
  })

  it('splits xerial blocks at 32 KiB', () => {
    const data = randomBytes(100_000)
    const c = snappyCompress(data)
    let o = 16
    let blocks = 0
    while (o < c.length) {
      o += 4 + c.readInt32BE(o)
      blocks++
    }
    expect(blocks).toBe(4)
    expect(decompress('snappy', c).equals(data)).toBe(true)
  })

  it('reads a raw (unframed) snappy block as librdkafka may write', () => {
    expect(decompress('snappy', rawSnappy(text)).equals(text)).toBe(true)
    expect(() => decompress('snappy', rawSnappy(text), 100)).toThrow(/limit/)
  })
})

describe('lz4 interop', () => {
  it('writes a standard frame: magic, FLG 0x60, BD 64 KiB, header checksum, end mark', () => {
    const c = compress('lz4', text)
    expect(c.subarray(0, 7).toString('hex')).toBe('04224d18604082')
    expect(c.subarray(c.length - 4).toString('hex')).toBe('00000000')
  })

  it('stores incompressible blocks raw', () => {
    const data = randomBytes(1000)
    const c = compress('lz4', data)
    expect(c.readUInt32LE(7)).toBe((0x80000000 | 1000) >>> 0)
    expect(decompress('lz4', c).equals(data)).toBe(true)
  })

  it('reads frames from lz4-napi (4 MiB blocks)', () => {
    expect(decompress('lz4', compressFrameSync(big)).equals(big)).toBe(true)
  })

  it('reads a CLI frame with linked blocks, checksums and a content size', () => {
    const frame = Buffer.from(LZ4_LINKED_FRAME_B64, 'base64')
    expect(decompress('lz4', frame).equals(fixtureText())).toBe(true)
    expect(() => decompress('lz4', frame, 1000)).toThrow(/limit/)
  })

  it('skips skippable frames and reads concatenated frames', () => {
    const skippable = Buffer.from('502a4d1803000000abcdef', 'hex')
    const joined = Buffer.concat([compress('lz4', text), skippable, compress('lz4', Buffer.from('tail'))])
    expect(decompress('lz4', joined).toString()).toBe(text.toString() + 'tail')
  })
})

describe('zstd interop', () => {
  it('reads a frame without a declared content size, within the limit', () => {
    const frame = Buffer.from(ZSTD_NO_SIZE_FRAME_B64, 'base64')
    expect(decompress('zstd', frame).equals(fixtureText())).toBe(true)
    expect(() => decompress('zstd', frame, 100_000)).toThrow(/limit/)
    expect(() => decompress('zstd', frame.subarray(0, frame.length - 3))).toThrow(DecodeError)
    // The shared context recovers after errors.
    expect(decompress('zstd', frame).length).toBe(150_000)
  })
})

describe('none', () => {
  it('passes bytes through', () => {
    expect(compress('none', text).equals(text)).toBe(true)
    expect(decompress('none', text).equals(text)).toBe(true)
  })
})
