/*
 * The classic consumer protocol (protocol type "consumer"): the bytes Java consumers put in
 * JoinGroup protocol metadata and SyncGroup assignments, so Peridot and Java members can
 * share a group. Each is an int16 version followed by a NON-flexible struct:
 *
 * Subscription (versions 0..3) => version [topics] user_data(nullable bytes)
 *                                 [owned_partitions](v1+) generation_id(v2+) rack_id(v3+, nullable)
 *   owned_partitions => topic [partitions]
 * Assignment (versions 0..3)   => version [assigned_partitions] user_data(nullable bytes)
 *   assigned_partitions => topic [partitions]
 *
 * Like the Java client, a version above the newest known one is read with the newest
 * layout and trailing bytes are ignored: newer versions only append fields. Fields a lower
 * version cannot carry are dropped on encode (they are "ignorable" in Kafka's spec).
 */
import { DecodeError, InvalidArgumentError } from './errors.js'
import { Reader } from './primitives/reader.js'
import { Writer } from './primitives/writer.js'

/** Protocol type of JoinGroup for consumers. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer'
/** Newest subscription version known here (rack id, KIP-881). */
export const CONSUMER_SUBSCRIPTION_MAX_VERSION = 3
/** Newest assignment version known here (v1-3 equal v0 on the wire). */
export const CONSUMER_ASSIGNMENT_MAX_VERSION = 3

/** Partitions of one topic. */
export interface ConsumerTopicPartitions {
  topic: string
  partitions: number[]
}

/** A member's subscription, to encode. */
export interface ConsumerSubscription {
  topics: string[]
  /** Assignor-specific data (e.g. sticky assignor state); null (the default) for none. */
  userData?: Uint8Array | null
  /** Partitions currently owned, for cooperative rebalancing (v1+). */
  ownedPartitions?: ConsumerTopicPartitions[]
  /** Generation the owned partitions belong to (v2+); -1 (the default) when unknown. */
  generationId?: number
  /** Rack of the consumer for rack-aware assignment (v3+); null (the default) for none. */
  rackId?: string | null
}

/** A decoded subscription; absent fields of older versions hold their defaults. */
export interface DecodedConsumerSubscription {
  /** Version on the wire (may be newer than {@link CONSUMER_SUBSCRIPTION_MAX_VERSION}). */
  version: number
  topics: string[]
  userData: Buffer | null
  ownedPartitions: ConsumerTopicPartitions[]
  generationId: number
  rackId: string | null
}

/** The partitions the leader assigned to one member, to encode. */
export interface ConsumerAssignment {
  assignedPartitions: ConsumerTopicPartitions[]
  userData?: Uint8Array | null
}

/** A decoded assignment. */
export interface DecodedConsumerAssignment {
  /** Version on the wire (may be newer than {@link CONSUMER_ASSIGNMENT_MAX_VERSION}). */
  version: number
  assignedPartitions: ConsumerTopicPartitions[]
  userData: Buffer | null
}

function checkEncodeVersion(what: string, version: number, max: number): void {
  if (!Number.isInteger(version) || version < 0 || version > max) {
    throw new InvalidArgumentError(`consumer protocol ${what} v${version} is not supported (v0..v${max})`)
  }
}

function writeTopicPartitions(w: Writer, items: readonly ConsumerTopicPartitions[]): void {
  w.int32(items.length)
  for (const tp of items) {
    w.string(tp.topic)
    w.int32(tp.partitions.length)
    for (const p of tp.partitions) w.int32(p)
  }
}

function readTopicPartitions(r: Reader): ConsumerTopicPartitions[] {
  const items = r.nullableArray((rr): ConsumerTopicPartitions => ({ topic: rr.string(), partitions: rr.array((x) => x.int32()) }))
  if (items === null) throw new DecodeError('null topic-partition array in consumer protocol data')
  return items
}

/** Reads the int16 version header; like Java, newer versions are parsed as the newest known. */
function readVersion(r: Reader, what: string): number {
  const version = r.int16()
  if (version < 0) throw new DecodeError(`unsupported consumer protocol ${what} version ${version}`)
  return version
}

function readerOf(bytes: Uint8Array): Reader {
  return new Reader(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
}

/** Encodes a subscription (JoinGroup protocol metadata); defaults to the newest version. */
export function encodeConsumerSubscription(sub: ConsumerSubscription, version = CONSUMER_SUBSCRIPTION_MAX_VERSION): Buffer {
  checkEncodeVersion('subscription', version, CONSUMER_SUBSCRIPTION_MAX_VERSION)
  const w = new Writer(64)
  w.int16(version)
  w.int32(sub.topics.length)
  for (const t of sub.topics) w.string(t)
  w.bytes(sub.userData ?? null)
  if (version >= 1) writeTopicPartitions(w, sub.ownedPartitions ?? [])
  if (version >= 2) w.int32(sub.generationId ?? -1)
  if (version >= 3) w.string(sub.rackId ?? null)
  return Buffer.from(w.finish())
}

/** Decodes a subscription; malformed bytes give a DecodeError. */
export function decodeConsumerSubscription(bytes: Uint8Array): DecodedConsumerSubscription {
  const r = readerOf(bytes)
  const version = readVersion(r, 'subscription')
  const topics = r.nullableArray((rr) => rr.string())
  if (topics === null) throw new DecodeError('null topics in consumer subscription')
  const userData = r.nullableBytes()
  const ownedPartitions = version >= 1 ? readTopicPartitions(r) : []
  const generationId = version >= 2 ? r.int32() : -1
  const rackId = version >= 3 ? r.nullableString() : null
  return { version, topics, userData, ownedPartitions, generationId, rackId }
}

/** Encodes an assignment (SyncGroup assignment bytes); defaults to the newest version. */
export function encodeConsumerAssignment(a: ConsumerAssignment, version = CONSUMER_ASSIGNMENT_MAX_VERSION): Buffer {
  checkEncodeVersion('assignment', version, CONSUMER_ASSIGNMENT_MAX_VERSION)
  const w = new Writer(64)
  w.int16(version)
  writeTopicPartitions(w, a.assignedPartitions)
  w.bytes(a.userData ?? null)
  return Buffer.from(w.finish())
}

/**
 * Decodes an assignment; malformed bytes give a DecodeError. An empty buffer (what the
 * coordinator returns to a member left without assignment on error) is also a DecodeError:
 * callers check the SyncGroup error code first.
 */
export function decodeConsumerAssignment(bytes: Uint8Array): DecodedConsumerAssignment {
  const r = readerOf(bytes)
  const version = readVersion(r, 'assignment')
  const assignedPartitions = readTopicPartitions(r)
  const userData = r.nullableBytes()
  return { version, assignedPartitions, userData }
}
