// The Confluent wire format, checked against bytes worked out by hand from its documentation:
// magic byte 0, the schema id as a 4-byte big-endian integer, for Protobuf the message-index
// array (zig-zag varints, [0] as the single byte 0), then the payload.
import { describe, expect, it } from 'vitest'
import { decodeFrameHeader, decodeMessageIndexes, encodeFrame, encodeMessageIndexes, SchemaSerdeError } from 'peridot-kafka/schema-registry'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('registry wire format', () => {
  it('frames a payload as magic byte 0 + big-endian schema id + payload', () => {
    // Avro binary of {id: 1, name: "ab"} for record {id: int, name: string}: zig-zag 1 = 02,
    // string length 2 = 04, then "ab" (61 62).
    const avro = Buffer.from([0x02, 0x04, 0x61, 0x62])
    expect(hex(encodeFrame(42, avro))).toBe('000000002a' + '02046162')
    expect(hex(encodeFrame(0x01020304, Buffer.alloc(0)))).toBe('0001020304')
    expect(hex(encodeFrame(2147483647, Buffer.from([0xff])))).toBe('007fffffffff')
  })

  it('reads the schema id back and refuses other magic bytes and short records', () => {
    expect(decodeFrameHeader(Buffer.from('000000002a02046162', 'hex'))).toEqual({ schemaId: 42, offset: 5 })
    expect(decodeFrameHeader(Buffer.from('007fffffff', 'hex')).schemaId).toBe(2147483647)
    expect(() => decodeFrameHeader(Buffer.from('010000002a', 'hex'))).toThrow(/magic byte 1/)
    expect(() => decodeFrameHeader(Buffer.from('00000000', 'hex'))).toThrow(SchemaSerdeError)
    expect(() => encodeFrame(-1, Buffer.alloc(0))).toThrow(SchemaSerdeError)
  })

  it('encodes Protobuf message indexes as zig-zag varints, [0] as a single 0', () => {
    const cases: Array<[number[], string]> = [
      [[0], '00'], // the file's first message
      [[1], '0202'], // count 1 (zig-zag 2), index 1 (zig-zag 2)
      [[0, 2], '040004'], // count 2, indexes 0 and 2
      [[3, 1, 0], '06060200'],
      [[64], '028001'], // zig-zag(64) = 128 = varint 80 01
    ]
    for (const [indexes, bytes] of cases) {
      expect(hex(encodeMessageIndexes(indexes)), JSON.stringify(indexes)).toBe(bytes)
      const buf = Buffer.from(bytes + 'ff', 'hex')
      expect(decodeMessageIndexes(buf, 0), bytes).toEqual({ indexes, offset: bytes.length / 2 })
    }
    // A frame with indexes: header, indexes, then the Protobuf payload (field 1 varint 150 = 08 96 01).
    expect(hex(encodeFrame(7, Buffer.from([0x08, 0x96, 0x01]), [1]))).toBe('0000000007' + '0202' + '089601')
  })

  it('refuses truncated or absurd message indexes', () => {
    expect(() => decodeMessageIndexes(Buffer.from('04', 'hex'), 0)).toThrow(/truncated/)
    expect(() => decodeMessageIndexes(Buffer.from('01', 'hex'), 0)).toThrow(SchemaSerdeError) // count -1
    expect(() => encodeMessageIndexes([])).toThrow(SchemaSerdeError)
    expect(() => encodeMessageIndexes([-1, 2])).toThrow(SchemaSerdeError)
  })
})
