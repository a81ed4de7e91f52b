/**
 * The record context of a {@link StreamTask}: topic, partition, offset, headers and timestamp of
 * the record in flight, which `recordMetadata()`, sinks, changelog records and the failure
 * handlers see. Held updates (the record cache's, async stages' results) run in the context they
 * were made in, which is set here for their duration and then put back.
 *
 * Hot path: plain fields the task writes per record, rather than an object per record.
 */
import type { RecordCursor } from '../../protocol/records/index.js'
import type { RecordHeaders, RecordMetadata } from '../record.js'
import type { CachingContext } from '../state/caching-window-store.js'
import type { HeldRecordContext } from './async-stage.js'
import type { StreamTask } from './task.js'

/** Headers of a record without any (shared: nothing writes to them). */
export const EMPTY_HEADERS: RecordHeaders = []

/** The record context of one task (see the module comment). */
export class TaskRecordContext implements CachingContext {
  /** Topic of the record in flight; null outside a record (in punctuations, between records). */
  topic: string | null = null
  partition = -1
  offset = -1n
  currentHeaders: RecordHeaders = EMPTY_HEADERS
  /** Timestamp of the record in flight (what changelog records get). */
  currentTimestamp = -1
  // The consumed bytes of the record in flight (async stages keep their size, and a copy for the dead-letter queue).
  rawCursor: RecordCursor | undefined
  rawKey: Buffer | null = null
  rawValue: Buffer | null = null
  /** The held record whose results are being forwarded (its context goes on into later async stages). */
  #held: HeldRecordContext | null = null
  #metadata: RecordMetadata | null = null

  /** The metadata of the record in flight (one object while it is the same: processors read it per update). */
  recordMetadata(): RecordMetadata | null {
    if (this.topic === null) return null
    const m = this.#metadata
    if (m !== null && m.offset === this.offset && m.partition === this.partition && m.topic === this.topic) return m
    return (this.#metadata = { topic: this.topic, partition: this.partition, offset: this.offset })
  }

  /** {@link CachingContext}: the timestamp of the record in flight. */
  timestamp(): number {
    return this.currentTimestamp
  }

  /** {@link CachingContext}: the headers of the record in flight. */
  headers(): RecordHeaders {
    return this.currentHeaders
  }

  /** The whole context as one object (what a topic name extractor gets). */
  snapshot(): { topic: string | null; partition: number; offset: bigint; timestamp: number; headers: RecordHeaders } {
    return { topic: this.topic, partition: this.partition, offset: this.offset, timestamp: this.currentTimestamp, headers: this.currentHeaders }
  }

  /** {@link CachingContext}: runs `fn(arg)` with this record context set (timestamp included), then puts the previous one back. */
  inContext<T>(context: RecordMetadata | null, timestamp: number, headers: RecordHeaders, fn: (arg: T) => void, arg: T): void {
    const topic = this.topic
    const partition = this.partition
    const offset = this.offset
    const savedHeaders = this.currentHeaders
    const savedTimestamp = this.currentTimestamp
    this.topic = context?.topic ?? null
    this.partition = context?.partition ?? -1
    this.offset = context?.offset ?? -1n
    this.currentHeaders = headers
    this.currentTimestamp = timestamp
    try {
      fn(arg)
    } finally {
      this.topic = topic
      this.partition = partition
      this.offset = offset
      this.currentHeaders = savedHeaders
      this.currentTimestamp = savedTimestamp
    }
  }

  /**
   * Runs `fn` with the record context of a held update (what recordMetadata() and sinks see); the
   * timestamp stays (the forwarded record sets it).
   */
  inRecordContext(context: RecordMetadata | null, headers: RecordHeaders, fn: () => void): void {
    const saved = { topic: this.topic, partition: this.partition, offset: this.offset, headers: this.currentHeaders }
    this.topic = context?.topic ?? null
    this.partition = context?.partition ?? -1
    this.offset = context?.offset ?? -1n
    this.currentHeaders = headers
    try {
      fn()
    } finally {
      this.topic = saved.topic
      this.partition = saved.partition
      this.offset = saved.offset
      this.currentHeaders = saved.headers
    }
  }

  /**
   * The context of the record being processed, for an async stage to hold; `copyBytes`: keep
   * copies of the consumed key and value (only a dead-letter queue needs them). Inside
   * {@link inHeldContext}: the held context itself, so it goes on into the next stage.
   */
  hold(copyBytes: boolean): HeldRecordContext {
    const c = this.rawCursor
    const held = this.#held
    if (held !== null) return held // a result of an async stage going into the next one
    const bytes = c !== undefined ? Math.max(0, c.keyLength) + Math.max(0, c.valueLength) : (this.rawKey?.length ?? 0) + (this.rawValue?.length ?? 0)
    // Copies, so a held record does not keep its whole fetch alive.
    const key = copyBytes ? (c !== undefined ? c.key : this.rawKey) : null
    const value = copyBytes ? (c !== undefined ? c.value : this.rawValue) : null
    return {
      metadata: this.recordMetadata(),
      headers: this.currentHeaders,
      timestamp: this.currentTimestamp,
      rawKey: key === null ? null : Buffer.from(key),
      rawValue: value === null ? null : Buffer.from(value),
      bytes,
    }
  }

  /** Runs `fn` in a held record's context (an async stage forwarding its results). */
  inHeldContext(ctx: HeldRecordContext, fn: () => void): void {
    const saved = this.#held
    this.#held = ctx
    try {
      this.inContext(ctx.metadata, ctx.timestamp, ctx.headers, fn, undefined)
    } finally {
      this.#held = saved
    }
  }
}
