/**
 * What a foreign-key join sends through its two internal topics, byte-compatible with Kafka
 * Streams' SubscriptionWrapper and SubscriptionResponseWrapper serdes.
 *
 * Subscription (left row -> foreign table's partition), version 1:
 *   byte 0: version (bit 7 set when there is no hash), byte 1: instruction,
 *   [16 bytes: 128-bit murmur3 hash of the left value], primary key bytes, int32 primary partition.
 * Response (foreign table's partition -> left row's partition), version 0:
 *   byte 0: version (bit 7 set when there is no hash), [16 bytes: hash], foreign value bytes.
 * Subscription store key (CombinedKey): int32 length of the foreign key bytes, foreign key bytes,
 * primary key bytes; a scan over the foreign key's prefix finds every subscriber.
 */
import { SerializationError } from '../../errors.js'
import type { Serde } from '../../serde.js'
import type { DeferredSerde } from '../change-serde.js'

/** What the foreign table's side does with a subscription (Kafka Streams' Instruction byte). */
export const Instruction = {
  /** Forget the subscription; no response (the left row moved to another foreign key). */
  DELETE_KEY_NO_PROPAGATE: 0,
  /** Forget the subscription and respond with no foreign value (the left row was deleted). */
  DELETE_KEY_AND_PROPAGATE: 1,
  /** Subscribe and respond, with null when the foreign table has no row. */
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  /** Subscribe and respond only when the foreign table has a row. */
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
} as const

/** One of {@link Instruction}'s values. */
export type InstructionValue = (typeof Instruction)[keyof typeof Instruction]

/** Current subscription format (with the primary partition). */
export const SUBSCRIPTION_VERSION = 1
/** Current response format. */
export const RESPONSE_VERSION = 0

/** A left row's subscription to a foreign key. */
export interface SubscriptionWrapper<K> {
  /** Hash of the left value's bytes, or null for a deleted row. */
  readonly hash: Buffer | null
  readonly instruction: InstructionValue
  readonly primaryKey: K
  readonly version: number
  /** Partition of the left row, where the response must go (null in version 0). */
  readonly primaryPartition: number | null
}

/** The foreign table's answer to a subscription. */
export interface SubscriptionResponseWrapper<VO> {
  /** The subscription's hash: a response for an older left value is dropped. */
  readonly hash: Buffer | null
  readonly foreignValue: VO | null
  readonly version: number
  /** Where the response goes (not on the wire: the sink's partitioner reads it). */
  readonly primaryPartition: number | null
}

const HASH_BYTES = 16
const NO_HASH = 0x80

function need<T>(serde: Serde<T> | undefined, what: string): Serde<T> {
  if (serde === undefined) throw new SerializationError(`foreign-key join: no ${what} serde (pass one in Consumed/Materialized or set a default serde)`)
  return serde
}

/** Serde of {@link SubscriptionWrapper}; the primary key serde defaults to the default key serde. */
export class SubscriptionWrapperSerde<K> implements Serde<SubscriptionWrapper<K>>, DeferredSerde {
  constructor(readonly primaryKeySerde: Serde<K> | undefined) {}

  resolveDefaults(defaultKey: Serde<unknown> | undefined): Serde<unknown> {
    if (this.primaryKeySerde !== undefined) return this as Serde<unknown>
    return new SubscriptionWrapperSerde(need(defaultKey, 'primary key')) as Serde<unknown>
  }

  serialize(topic: string, w: SubscriptionWrapper<K>): Buffer | null {
    if (w == null) return null
    const pk = need(this.primaryKeySerde, 'primary key').serialize(`${topic}-pk`, w.primaryKey)
    if (pk === null) throw new SerializationError('foreign-key join: the primary key serialized to null')
    const v1 = w.version >= 1
    const hashLength = w.hash === null ? 0 : HASH_BYTES
    const out = Buffer.allocUnsafe(2 + hashLength + pk.length + (v1 ? 4 : 0))
    out[0] = (w.version & 0x7f) | (w.hash === null ? NO_HASH : 0)
    out[1] = w.instruction
    if (w.hash !== null) w.hash.copy(out, 2)
    pk.copy(out, 2 + hashLength)
    if (v1) out.writeInt32BE(w.primaryPartition ?? 0, 2 + hashLength + pk.length)
    return out
  }

  deserialize(topic: string, data: Buffer | null): SubscriptionWrapper<K> {
    if (data === null) return null as unknown as SubscriptionWrapper<K>
    if (data.length < 2) throw new SerializationError(`foreign-key subscription too short (${data.length} bytes)`)
    const version = data[0] & 0x7f
    const hasHash = (data[0] & NO_HASH) === 0
    const instruction = data[1]
    if (instruction > 3) throw new SerializationError(`foreign-key subscription: unknown instruction ${instruction}`)
    const pkStart = 2 + (hasHash ? HASH_BYTES : 0)
    const pkEnd = version > 0 ? data.length - 4 : data.length
    if (pkEnd < pkStart) throw new SerializationError(`foreign-key subscription too short (${data.length} bytes)`)
    return {
      hash: hasHash ? Buffer.from(data.subarray(2, 2 + HASH_BYTES)) : null,
      instruction: instruction as InstructionValue,
      primaryKey: need(this.primaryKeySerde, 'primary key').deserialize(`${topic}-pk`, data.subarray(pkStart, pkEnd)),
      version,
      primaryPartition: version > 0 ? data.readInt32BE(pkEnd) : null,
    }
  }
}

/** Serde of {@link SubscriptionResponseWrapper}; the foreign value serde defaults to the default value serde. */
export class SubscriptionResponseWrapperSerde<VO> implements Serde<SubscriptionResponseWrapper<VO>>, DeferredSerde {
  constructor(readonly foreignValueSerde: Serde<VO> | undefined) {}

  resolveDefaults(_defaultKey: Serde<unknown> | undefined, defaultValue: Serde<unknown> | undefined): Serde<unknown> {
    if (this.foreignValueSerde !== undefined) return this as Serde<unknown>
    return new SubscriptionResponseWrapperSerde(need(defaultValue, 'foreign value')) as Serde<unknown>
  }

  serialize(topic: string, w: SubscriptionResponseWrapper<VO>): Buffer | null {
    if (w == null) return null
    const value = w.foreignValue === null ? null : need(this.foreignValueSerde, 'foreign value').serialize(topic, w.foreignValue)
    const hashLength = w.hash === null ? 0 : HASH_BYTES
    const out = Buffer.allocUnsafe(1 + hashLength + (value === null ? 0 : value.length))
    out[0] = (w.version & 0x7f) | (w.hash === null ? NO_HASH : 0)
    if (w.hash !== null) w.hash.copy(out, 1)
    if (value !== null) value.copy(out, 1 + hashLength)
    return out
  }

  deserialize(topic: string, data: Buffer | null): SubscriptionResponseWrapper<VO> {
    if (data === null) return null as unknown as SubscriptionResponseWrapper<VO>
    if (data.length < 1) throw new SerializationError('foreign-key response is empty')
    const hasHash = (data[0] & NO_HASH) === 0
    const start = 1 + (hasHash ? HASH_BYTES : 0)
    if (data.length < start) throw new SerializationError(`foreign-key response too short (${data.length} bytes)`)
    // As Kafka Streams: no value bytes (even an empty serialized value) reads as no foreign value.
    const foreignValue = data.length > start ? need(this.foreignValueSerde, 'foreign value').deserialize(topic, data.subarray(start)) : null
    return { hash: hasHash ? Buffer.from(data.subarray(1, start)) : null, foreignValue, version: data[0] & 0x7f, primaryPartition: null }
  }
}

/** Store key of a subscription: the foreign key's bytes with their length first, then the primary key's. */
export function combinedKey(foreignKey: Buffer, primaryKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length + primaryKey.length)
  out.writeInt32BE(foreignKey.length, 0)
  foreignKey.copy(out, 4)
  primaryKey.copy(out, 4 + foreignKey.length)
  return out
}

/** The prefix of all subscription keys of one foreign key. */
export function foreignKeyPrefix(foreignKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length)
  out.writeInt32BE(foreignKey.length, 0)
  foreignKey.copy(out, 4)
  return out
}

/** The primary key bytes of a subscription store key. */
export function primaryKeyBytes(key: Buffer): Buffer {
  return key.subarray(4 + key.readInt32BE(0))
}

/** The smallest key greater than every key starting with `prefix` (unsigned byte order). */
export function prefixEnd(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix)
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] < 0xff) {
      out[i]++
      return out.subarray(0, i + 1)
    }
  }
  // All 0xff: no key is greater. The length prefix keeps this unreachable for real keys.
  return Buffer.concat([prefix, Buffer.from([0xff])])
}
