/**
 * Serdes: how keys and values become bytes and back. Null handling follows Kafka Streams:
 * `serialize(topic, null)` gives null and `deserialize(topic, null)` gives null (a null value is a
 * tombstone), whatever the serde.
 */
import { readUtf8 } from '../protocol/primitives/utf8.js'
import { writeInt64Number } from '../protocol/primitives/writer.js'
import { SerializationError } from './errors.js'

/** Serializer and deserializer for one type. `topic` is the topic the bytes are written to / read from. */
export interface Serde<T> {
  /** Bytes for `value`; null for a null value (a tombstone). */
  serialize(topic: string, value: T): Buffer | null
  /** The value for `data`; null data gives null (typed as T for ergonomics, as in Java). */
  deserialize(topic: string, data: Buffer | null): T
  /**
   * Optional, for serdes whose bytes are the UTF-8 encoding of a string (the string and JSON
   * serdes): that string (null for a null value). Sinks then write the text straight into the
   * outgoing record batch instead of going through a Buffer; the bytes must equal `serialize`'s.
   */
  serializeText?(topic: string, value: T): string | null
  /**
   * Optional, the reverse of {@link Serde.serializeText}: the value for UTF-8 `text` (null for
   * null data). The runtime then decodes keys and values straight from the fetched bytes; it must
   * give what `deserialize` gives for the text's bytes.
   */
  deserializeText?(topic: string, text: string | null): T
}

const TWO_32 = 2 ** 32
const TWO_21 = 2 ** 21

function checkSize(data: Buffer, size: number, what: string): void {
  if (data.length !== size) throw new SerializationError(`Size of data received by ${what} deserializer is not ${size} (got ${data.length} bytes)`)
}

const stringSerde: Serde<string> = {
  serialize(topic, value) {
    const text = stringSerde.serializeText!(topic, value)
    return text === null ? null : Buffer.from(text, 'utf8')
  },
  serializeText(_topic, value) {
    if (value == null) return null
    if (typeof value !== 'string') throw new SerializationError(`string serde: expected a string, got ${typeof value}`)
    return value
  },
  deserialize(_topic, data) {
    return (data === null ? null : readUtf8(data, 0, data.length)) as string
  },
  deserializeText(_topic, text) {
    return text as string
  },
}

const bytesSerde: Serde<Buffer> = {
  serialize(_topic, value) {
    if (value == null) return null
    if (!Buffer.isBuffer(value)) throw new SerializationError(`bytes serde: expected a Buffer, got ${typeof value}`)
    return value
  },
  deserialize(_topic, data) {
    return data as Buffer
  },
}

const int32Serde: Serde<number> = {
  serialize(_topic, value) {
    if (value == null) return null
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new SerializationError(`int32 serde: ${String(value)} is not a 32-bit signed integer`)
    }
    const b = Buffer.allocUnsafe(4)
    b.writeInt32BE(value, 0)
    return b
  },
  deserialize(_topic, data) {
    if (data === null) return null as unknown as number
    checkSize(data, 4, 'int32')
    return data.readInt32BE(0)
  },
}

const int64Serde: Serde<number> = {
  serialize(_topic, value) {
    if (value == null) return null
    if (!Number.isSafeInteger(value)) {
      throw new SerializationError(`int64 serde: ${String(value)} is not a safe integer (|n| < 2^53); use Serdes.bigint64() for the full 64-bit range`)
    }
    // Split into the high (signed) and low (unsigned) 32 bits without going through BigInt.
    const b = Buffer.allocUnsafe(8)
    writeInt64Number(b, value, 0)
    return b
  },
  deserialize(_topic, data) {
    if (data === null) return null as unknown as number
    checkSize(data, 8, 'int64')
    const hi = data.readInt32BE(0)
    const lo = data.readUInt32BE(4)
    // Exact iff the value lies in [-(2^53 - 1), 2^53 - 1].
    if (hi >= TWO_21 || hi < -TWO_21 || (hi === -TWO_21 && lo === 0)) {
      throw new SerializationError(`int64 serde: ${data.readBigInt64BE(0)} is beyond 2^53 and cannot be a number exactly; use Serdes.bigint64()`)
    }
    return hi * TWO_32 + lo
  },
}

const MIN_I64 = -(1n << 63n)
const MAX_I64 = (1n << 63n) - 1n

const bigint64Serde: Serde<bigint> = {
  serialize(_topic, value) {
    if (value == null) return null
    if (typeof value !== 'bigint' || value < MIN_I64 || value > MAX_I64) {
      throw new SerializationError(`bigint64 serde: ${String(value)} is not a signed 64-bit bigint`)
    }
    const b = Buffer.allocUnsafe(8)
    b.writeBigInt64BE(value, 0)
    return b
  },
  deserialize(_topic, data) {
    if (data === null) return null as unknown as bigint
    checkSize(data, 8, 'bigint64')
    return data.readBigInt64BE(0)
  },
}

const doubleSerde: Serde<number> = {
  serialize(_topic, value) {
    if (value == null) return null
    if (typeof value !== 'number') throw new SerializationError(`double serde: expected a number, got ${typeof value}`)
    const b = Buffer.allocUnsafe(8)
    b.writeDoubleBE(value, 0)
    return b
  },
  deserialize(_topic, data) {
    if (data === null) return null as unknown as number
    checkSize(data, 8, 'double')
    return data.readDoubleBE(0)
  },
}

const jsonSerde: Serde<unknown> = {
  serialize(topic, value) {
    const text = jsonSerde.serializeText!(topic, value)
    return text === null ? null : Buffer.from(text, 'utf8')
  },
  serializeText(_topic, value) {
    if (value == null) return null
    const text = JSON.stringify(value)
    if (text === undefined) throw new SerializationError(`json serde: ${typeof value} has no JSON representation`)
    return text
  },
  deserialize(topic, data) {
    return jsonSerde.deserializeText!(topic, data === null ? null : readUtf8(data, 0, data.length))
  },
  deserializeText(topic, text) {
    if (text === null) return null
    try {
      return JSON.parse(text)
    } catch (err) {
      throw new SerializationError(`json serde: invalid JSON in a record of topic '${topic}': ${(err as Error).message}`, { cause: err })
    }
  },
}

/** Built-in serdes (stateless singletons) and a helper for user serdes. */
export const Serdes = {
  /** UTF-8 strings. */
  string: (): Serde<string> => stringSerde,
  /** JSON via JSON.stringify / JSON.parse (UTF-8). The type parameter is not checked at runtime. */
  json: <T>(): Serde<T> => jsonSerde as Serde<T>,
  /** Raw bytes, unchanged. */
  bytes: (): Serde<Buffer> => bytesSerde,
  /** 4-byte big-endian signed integer (Java's IntegerSerde). */
  int32: (): Serde<number> => int32Serde,
  /**
   * 8-byte big-endian signed integer (Java's LongSerde) as a number: exact up to 2^53 in magnitude,
   * a SerializationError beyond (use {@link Serdes.bigint64} for the full range).
   */
  int64: (): Serde<number> => int64Serde,
  /** 8-byte big-endian signed integer as a bigint (Java's LongSerde, full range). */
  bigint64: (): Serde<bigint> => bigint64Serde,
  /** 8-byte big-endian IEEE 754 double (Java's DoubleSerde). */
  double: (): Serde<number> => doubleSerde,
  /**
   * A user serde from two functions. They never see null: null maps to null around them
   * (Kafka's tombstone convention).
   */
  from<T>(serialize: (value: T, topic: string) => Buffer, deserialize: (data: Buffer, topic: string) => T): Serde<T> {
    return {
      serialize: (topic, value) => (value == null ? null : serialize(value, topic)),
      deserialize: (topic, data) => (data === null ? (null as T) : deserialize(data, topic)),
    }
  },
} as const
