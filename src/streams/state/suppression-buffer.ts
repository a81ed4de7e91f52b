/**
 * The suppression buffer (Kafka Streams' in-memory time-ordered key-value change buffer): the
 * latest change per key, kept in a bytes store (logged to the store's changelog, so a restored
 * store is a restored buffer), and ordered in memory by buffer time, then key bytes, for eviction.
 *
 * A key keeps the position it got when first buffered: later changes of the key replace the
 * buffered one without moving it (a time limit counts from the first change). The prior value is
 * the old value of the first buffered change: what downstream last saw for the key.
 *
 * Store value layout (big-endian), version 1:
 *   version u8 = 1, bufferTime i64, timestamp i64, offset i64 (-1: none), partition i32,
 *   topic (i16 length, -1: none; UTF-8), header count i32, per header key (i16 length; UTF-8) and
 *   value (i32 length, -1: null), prior value (i32 length, -1: null), old value (i32 length,
 *   -1: null, -2: same bytes as the prior value), new value (i32 length, -1: null).
 */
import { DecodeError } from '../../protocol/errors.js'
import { Reader } from '../../protocol/primitives/reader.js'
import { Writer, writeInt64Number } from '../../protocol/primitives/writer.js'
import type { RecordHeaders } from '../record.js'
import type { BytesStore } from './store.js'

/** Version byte of the store value layout. */
export const SUPPRESSION_BUFFER_FORMAT_VERSION = 1

const NULL_LENGTH = -1
const SAME_AS_PRIOR = -2

/** Where a buffered change came from (the record context it is emitted with). */
export interface BufferedContext {
  timestamp: number
  headers: RecordHeaders
  /** Source topic of the record being processed when the change arrived; null in punctuations. */
  topic: string | null
  partition: number
  offset: bigint
}

/** One buffered change, as bytes. */
export interface BufferedChange extends BufferedContext {
  bufferTime: number
  /** Old value of the key's first buffered change (what downstream last saw). */
  priorValue: Buffer | null
  oldValue: Buffer | null
  newValue: Buffer | null
}

/** The last topic name encoded, and its UTF-8 bytes (a buffer's changes share one topic). */
let lastTopic: string | null = null
let lastTopicBytes: Buffer = Buffer.alloc(0)

function topicBytes(topic: string): Buffer {
  if (topic !== lastTopic) {
    lastTopicBytes = Buffer.from(topic, 'utf8')
    lastTopic = topic
  }
  return lastTopicBytes
}

/** Store bytes of a buffered change: sized first, then written into one buffer. */
export function encodeBufferedChange(c: BufferedChange): Buffer {
  const topic = c.topic === null ? null : topicBytes(c.topic)
  const oldSameAsPrior = sameBytes(c.oldValue, c.priorValue)
  let size = 1 + 8 + 8 + 8 + 4 + 2 + (topic?.length ?? 0) + 4
  for (const [k, v] of c.headers) size += 2 + Buffer.byteLength(k, 'utf8') + 4 + (v?.length ?? 0)
  size += 4 + (c.priorValue?.length ?? 0) + 4 + (oldSameAsPrior ? 0 : (c.oldValue?.length ?? 0)) + 4 + (c.newValue?.length ?? 0)
  if (c.headers.length === 0) return encodeWithoutHeaders(c, size, topic, oldSameAsPrior)
  const w = new Writer(size)
  w.uint8(SUPPRESSION_BUFFER_FORMAT_VERSION)
  w.int64Number(c.bufferTime)
  w.int64Number(c.timestamp)
  w.int64(c.offset)
  w.int32(c.partition)
  if (topic === null) w.int16(-1)
  else w.int16(topic.length).raw(topic)
  w.int32(c.headers.length)
  for (const [k, v] of c.headers) {
    w.string(k)
    w.bytes(v)
  }
  w.bytes(c.priorValue)
  if (oldSameAsPrior) w.int32(SAME_AS_PRIOR)
  else w.bytes(c.oldValue)
  w.bytes(c.newValue)
  // Sized exactly: the Writer's buffer is the value (no copy).
  return w.offset === w.buffer.length ? w.buffer : Buffer.from(w.finish())
}

/** {@link encodeBufferedChange} of a change without headers (the common case), written in place. */
function encodeWithoutHeaders(c: BufferedChange, size: number, topic: Buffer | null, oldSameAsPrior: boolean): Buffer {
  const out = Buffer.allocUnsafe(size)
  out[0] = SUPPRESSION_BUFFER_FORMAT_VERSION
  writeInt64Number(out, c.bufferTime, 1)
  writeInt64Number(out, c.timestamp, 9)
  writeOffset(out, c.offset, 17)
  out.writeInt32BE(c.partition, 25)
  let o = 29
  if (topic === null) o = out.writeInt16BE(-1, o)
  else {
    o = out.writeInt16BE(topic.length, o)
    out.set(topic, o)
    o += topic.length
  }
  o = out.writeInt32BE(0, o)
  o = writeBytes(out, o, c.priorValue)
  o = oldSameAsPrior ? out.writeInt32BE(SAME_AS_PRIOR, o) : writeBytes(out, o, c.oldValue)
  writeBytes(out, o, c.newValue)
  return out
}

/** An int64 offset: through a number when exact (Buffer#writeBigInt64BE makes BigInts per call). */
function writeOffset(out: Buffer, offset: bigint, at: number): void {
  if (offset >= MIN_SAFE && offset <= MAX_SAFE) writeInt64Number(out, Number(offset), at)
  else out.writeBigInt64BE(offset, at)
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** An i32 length (-1: null) and the bytes; returns the offset after them. */
function writeBytes(out: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) return out.writeInt32BE(NULL_LENGTH, at)
  const o = out.writeInt32BE(bytes.length, at)
  out.set(bytes, o)
  return o + bytes.length
}

/** The buffered change in store bytes. Throws a DecodeError for bytes of another layout version. */
export function decodeBufferedChange(bytes: Buffer): BufferedChange {
  const r = new Reader(bytes)
  const version = r.uint8()
  if (version !== SUPPRESSION_BUFFER_FORMAT_VERSION) {
    throw new DecodeError(`suppression buffer: unknown value layout version ${version} (this version reads ${SUPPRESSION_BUFFER_FORMAT_VERSION})`)
  }
  const bufferTime = r.int64Number()
  const timestamp = r.int64Number()
  const offset = r.int64()
  const partition = r.int32()
  const topic = r.nullableString()
  const n = r.int32()
  if (n < 0 || n > r.remaining) throw new DecodeError(`suppression buffer: bad header count ${n}`)
  const headers: RecordHeaders = []
  for (let i = 0; i < n; i++) headers.push([r.string(), r.nullableBytes()])
  const priorValue = r.nullableBytes()
  const oldLength = r.int32()
  let oldValue: Buffer | null
  if (oldLength === SAME_AS_PRIOR) oldValue = priorValue
  else if (oldLength === NULL_LENGTH) oldValue = null
  else oldValue = r.raw(oldLength)
  const newValue = r.nullableBytes()
  return { bufferTime, timestamp, offset, partition, topic, headers, priorValue, oldValue, newValue }
}

/** True when both are bytes and equal (short values compared here: cheaper than a call into Buffer.equals). */
function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return false
  if (a === b) return true
  const n = a.length
  if (n !== b.length) return false
  if (n > 32) return a.equals(b)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false
  return true
}

/** Kafka Streams' estimate of an entry's memory: what `maxBytes` limits. */
function entrySize(key: Buffer, c: BufferedChange): number {
  let size = 8 + key.length // buffer time, key
  size += c.priorValue?.length ?? 0
  if (c.oldValue !== null && !sameBytes(c.oldValue, c.priorValue)) size += c.oldValue.length
  size += c.newValue?.length ?? 0
  size += 8 + 8 + 4 // record timestamp, offset, partition
  if (c.topic !== null) size += c.topic.length
  for (const [k, v] of c.headers) size += k.length + (v?.length ?? 0)
  return size
}

/**
 * A buffered key and its latest change, updated in place: one object per key (each update
 * touches one object, and a large buffer's objects are far apart in memory).
 */
interface Slot extends BufferedChange {
  readonly key: Buffer
  /** The key bytes as latin1 text: one char per byte, so string order is unsigned byte order. */
  readonly id: string
  /** The buffer time (as {@link BufferedChange.bufferTime}): the heap's order. */
  readonly time: number
  size: number
  /** False once emitted: the store entry is deleted at the next flush. */
  live: boolean
  /** The flush interval in which the slot was last listed as changed. */
  dirtyAt: number
  /** An emitted slot's successor: the key buffered again in the same interval (written in its place). */
  replacement: Slot | null
}

/** A slot for a key first buffered (or loaded), its size computed. */
function newSlot(
  key: Buffer,
  id: string,
  time: number,
  timestamp: number,
  headers: RecordHeaders,
  topic: string | null,
  partition: number,
  offset: bigint,
  priorValue: Buffer | null,
  oldValue: Buffer | null,
  newValue: Buffer | null,
): Slot {
  const slot: Slot = {
    key, id, time, size: 0, live: true, dirtyAt: -1, replacement: null,
    bufferTime: time, timestamp, headers, topic, partition, offset, priorValue, oldValue, newValue,
  }
  slot.size = entrySize(key, slot)
  return slot
}

function before(a: Slot, b: Slot): boolean {
  return a.time < b.time || (a.time === b.time && a.id < b.id)
}

/** Buffers by their store, for the suppressed table's value getter. */
const buffers = new WeakMap<BytesStore, SuppressionBuffer>()

/**
 * The buffer over its bytes store. Build it after the store is restored ({@link load} reads it).
 * Changes are kept in memory and written to the store at {@link flush} (before each commit), once
 * per changed key: the store (and its changelog) holds what the buffer held at the commit.
 */
export class SuppressionBuffer {
  readonly #store: BytesStore
  readonly #index = new Map<string, Slot>()
  /** Min-heap by (time, key bytes). */
  readonly #heap: Slot[] = []
  /** Keys changed since the last flush, in the order they first changed (emitted ones too), each once. */
  #dirty: Slot[] = []
  /** Slots emitted since the last flush, by key: a key buffered again takes its place in {@link #dirty}. */
  readonly #emitted = new Map<string, Slot>()
  /** The flush interval (counts flushes). */
  #epoch = 0
  #bytes = 0

  constructor(store: BytesStore) {
    this.#store = store
    buffers.set(store, this)
  }

  /** The buffer over `store`, once built. */
  static of(store: BytesStore): SuppressionBuffer | undefined {
    return buffers.get(store)
  }

  /** Rebuilds the buffer from what the store holds (after restoring it from the changelog). */
  load(): void {
    this.#index.clear()
    this.#heap.length = 0
    this.#dirty = []
    this.#emitted.clear()
    this.#bytes = 0
    for (const { key, value } of this.#store.all()) {
      const c = decodeBufferedChange(value)
      const slot = newSlot(key, key.toString('latin1'), c.bufferTime, c.timestamp, c.headers, c.topic, c.partition, c.offset, c.priorValue, c.oldValue, c.newValue)
      this.#index.set(slot.id, slot)
      this.#push(slot)
      this.#bytes += slot.size
    }
  }

  /** Buffered keys. */
  get numRecords(): number {
    return this.#index.size
  }

  /** Estimated bytes of the buffered entries (Kafka Streams' count). */
  get bufferSize(): number {
    return this.#bytes
  }

  /** Smallest buffer time (Infinity when empty). */
  get minTimestamp(): number {
    return this.#heap.length === 0 ? Infinity : this.#heap[0].time
  }

  /**
   * Buffers the latest change of `key`, with the record context it arrived in (`source`: where the
   * record being processed came from; null in punctuations). A key already buffered keeps its
   * buffer time and its prior value; a new key's prior value is the change's old value.
   */
  put(
    time: number,
    key: Buffer,
    newValue: Buffer | null,
    oldValue: Buffer | null,
    timestamp: number,
    headers: RecordHeaders,
    source: { readonly topic: string; readonly partition: number; readonly offset: bigint } | null,
  ): void {
    const id = key.toString('latin1')
    const slot = this.#index.get(id)
    if (slot !== undefined) {
      // The key's change is replaced in place (nothing else holds it between puts): no object per update.
      slot.timestamp = timestamp
      slot.headers = headers
      slot.topic = source?.topic ?? null
      slot.partition = source?.partition ?? -1
      slot.offset = source?.offset ?? -1n
      slot.oldValue = oldValue
      slot.newValue = newValue
      const size = entrySize(key, slot)
      this.#bytes += size - slot.size
      slot.size = size
      this.#changed(slot)
      return
    }
    const added = newSlot(key, id, time, timestamp, headers, source?.topic ?? null, source?.partition ?? -1, source?.offset ?? -1n, oldValue, oldValue, newValue)
    this.#index.set(id, added)
    this.#push(added)
    this.#bytes += added.size
    const emitted = this.#emitted.size === 0 ? undefined : this.#emitted.get(id)
    if (emitted !== undefined) {
      emitted.replacement = added
      added.dirtyAt = this.#epoch
      this.#emitted.delete(id)
    } else this.#changed(added)
  }

  #changed(slot: Slot): void {
    if (slot.dirtyAt === this.#epoch) return
    slot.dirtyAt = this.#epoch
    this.#dirty.push(slot)
  }

  /** The prior value of a buffered key: `defined` false when the key is not buffered. */
  priorValue(key: Buffer): { defined: boolean; value: Buffer | null } {
    const slot = this.#index.get(key.toString('latin1'))
    return slot === undefined ? { defined: false, value: null } : { defined: true, value: slot.priorValue }
  }

  /**
   * Hands the oldest entry to `emit` and then removes it, while `predicate` holds and the buffer
   * is not empty.
   */
  evictWhile(predicate: () => boolean, emit: (key: Buffer, change: BufferedChange) => void): void {
    while (this.#heap.length > 0 && predicate()) {
      const slot = this.#heap[0]
      emit(slot.key, slot)
      this.#pop()
      this.#index.delete(slot.id)
      this.#bytes -= slot.size
      slot.live = false
      this.#changed(slot)
      this.#emitted.set(slot.id, slot)
    }
  }

  /** Writes the keys changed since the last flush to the store: the latest change, or a delete for an emitted key. */
  flush(): void {
    const dirty = this.#dirty
    if (dirty.length === 0) return
    this.#dirty = []
    this.#emitted.clear()
    this.#epoch++
    const store = this.#store
    for (let slot of dirty) {
      while (slot.replacement !== null) slot = slot.replacement
      if (slot.live) store.put(slot.key, encodeBufferedChange(slot), slot.id)
      else store.delete(slot.key)
    }
  }

  #push(slot: Slot): void {
    const h = this.#heap
    let i = h.push(slot) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i], h[parent])) break
      ;[h[i], h[parent]] = [h[parent], h[i]]
      i = parent
    }
  }

  #pop(): void {
    const h = this.#heap
    const last = h.pop() as Slot
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l], h[m])) m = l
      if (r < h.length && before(h[r], h[m])) m = r
      if (m === i) return
      ;[h[i], h[m]] = [h[m], h[i]]
      i = m
    }
  }
}
