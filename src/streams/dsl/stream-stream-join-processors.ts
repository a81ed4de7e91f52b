/**
 * Processors of stream-stream joins (Kafka Streams' KStreamJoinWindow, KStreamKStreamJoin and
 * its left/right sides):
 *
 * - a window processor per side forwards each record, then buffers it in its side's window store
 *   (retainDuplicates: every record kept, by timestamp);
 * - a join processor per side looks the record up in the other side's store within the join
 *   window and forwards one result per match, stamped with the larger timestamp.
 *
 * Left and outer joins (Kafka Streams' current semantics, no spurious results): a record without
 * a match goes to the shared outer-join store; a later match removes it; once stream time passes
 * its window end + grace, it is forwarded joined with null (stamped with its own timestamp) and
 * removed. That scan runs when a record advances the join's stream time, at most once per emit
 * interval of wall-clock time (Kafka Streams' `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`,
 * default 1000 ms; {@link OuterJoinContext}). A record whose window has already closed when it
 * arrives is forwarded with null at once.
 */
import type { Processor, ProcessorContext } from '../processor.js'
import type { Record } from '../record.js'
import { fetchWindowsInto } from '../state/window-fetch-into.js'
import type { WindowStore } from '../state/window-store.js'
import type { JoinWindows } from './join-windows.js'
import { appendToOuterJoinStore, removeFromOuterJoinStore, type LeftOrRightValue, type OuterJoinStore, type TimestampedKeyAndJoinSide } from './outer-join-store.js'
import { recordDropped } from './windowed-context.js'

type Ctx = ProcessorContext<unknown, unknown>
type Rec = Record<unknown, unknown>

/** @internal A joiner as the processors call it: this side's value, the other side's value, the key. */
export type SideJoiner = (thisValue: unknown, otherValue: unknown, key: unknown) => unknown

/** @internal What the task's processor context may add for outer joins. */
export interface OuterJoinContext {
  /** TaskConfig.outerJoinEmitIntervalMs, when set. */
  outerJoinEmitIntervalMs(): number | undefined
}

/** Kafka Streams' default emit interval of left/outer stream-stream join results. */
export const DEFAULT_OUTER_JOIN_EMIT_INTERVAL_MS = 1000

function outerJoinEmitIntervalMs(ctx: Ctx): number {
  const ext = ctx as Partial<OuterJoinContext>
  return (typeof ext.outerJoinEmitIntervalMs === 'function' ? ext.outerJoinEmitIntervalMs() : undefined) ?? DEFAULT_OUTER_JOIN_EMIT_INTERVAL_MS
}

/** Kafka Streams' `Long.MAX_VALUE` as the outer-join store's smallest timestamp: nothing buffered. */
const NONE_BUFFERED = Number.MAX_SAFE_INTEGER

/** @internal Stream time shared by the two join processors of one task (Kafka Streams' TimeTracker). */
export class TimeTracker {
  streamTime = -1
  /** Smallest timestamp possibly in the outer-join store. */
  minTime = NONE_BUFFERED
  nextTimeToEmit = 0
  emitIntervalMs = DEFAULT_OUTER_JOIN_EMIT_INTERVAL_MS

  advanceStreamTime(timestamp: number): void {
    if (timestamp > this.streamTime) this.streamTime = timestamp
  }

  updateMinTime(timestamp: number): void {
    if (timestamp < this.minTime) this.minTime = timestamp
  }
}

/**
 * @internal One tracker per task. Keyed by the task's outer-join store (one object per task and
 * application instance); inner joins need no sharing and get their own.
 */
export class TimeTrackers {
  readonly #byStore = new WeakMap<object, TimeTracker>()

  get(store: object | undefined): TimeTracker {
    if (store === undefined) return new TimeTracker()
    let t = this.#byStore.get(store)
    if (t === undefined) this.#byStore.set(store, (t = new TimeTracker()))
    return t
  }
}

/** @internal Forwards each record, then buffers it in its side's join window store (Kafka Streams' KStreamJoinWindow). */
export class JoinWindowProcessor implements Processor<unknown, unknown, unknown, unknown> {
  #ctx!: Ctx
  #store!: WindowStore<unknown, unknown>
  #observedStreamTime = -1

  constructor(
    private readonly storeName: string,
    private readonly retentionMs: number,
  ) {}

  init(context: Ctx): void {
    this.#ctx = context
    this.#store = context.getStateStore(this.storeName)
  }

  process(record: Rec): void {
    this.#ctx.forward(record)
    // A null key never joins: nothing to buffer.
    if (record.key == null) return
    const ts = record.timestamp
    if (ts > this.#observedStreamTime) this.#observedStreamTime = ts
    // Older than the store's retention (window size + grace): the store drops it, so later records
    // of the other side cannot join it. Kafka Streams counts this in the store's expired-record
    // metric; Peridot counts it as a dropped record.
    else if (ts <= this.#observedStreamTime - this.retentionMs) {
      recordDropped(this.#ctx, 'expired join window', { timestamp: ts, streamTime: this.#observedStreamTime, retention: this.retentionMs })
    }
    this.#store.put(record.key, record.value, ts)
  }
}

/** @internal Parameters of one side's join processor. */
export interface JoinSideParams {
  /** True for the left (this) stream's processor. */
  readonly leftSide: boolean
  /** The other side's window store. */
  readonly otherStoreName: string
  readonly windows: JoinWindows
  readonly joiner: SideJoiner
  /** Emit this side's unmatched records joined with null (left join: left side; outer join: both). */
  readonly outer: boolean
  /** The shared outer-join store (left and outer joins). */
  readonly outerStoreName: string | undefined
  readonly trackers: TimeTrackers
}

/** @internal One side of a stream-stream join (Kafka Streams' KStreamKStreamJoin left/right side). */
export class StreamStreamJoinProcessor implements Processor<unknown, unknown, unknown, unknown> {
  #ctx!: Ctx
  #other!: WindowStore<unknown, unknown>
  #outerStore: OuterJoinStore | undefined
  #tracker!: TimeTracker
  readonly #p: JoinSideParams
  /** How far this side looks back / ahead in the other side's store. */
  readonly #beforeMs: number
  readonly #afterMs: number
  readonly #graceMs: number
  /** Window starts and values of the current record's matches (null while in use). */
  #startsScratch: number[] | null = []
  #valuesScratch: unknown[] | null = []

  constructor(p: JoinSideParams) {
    this.#p = p
    this.#beforeMs = p.leftSide ? p.windows.beforeMs : p.windows.afterMs
    this.#afterMs = p.leftSide ? p.windows.afterMs : p.windows.beforeMs
    this.#graceMs = p.windows.gracePeriodMs()
  }

  init(context: Ctx): void {
    this.#ctx = context
    this.#other = context.getStateStore(this.#p.otherStoreName)
    if (this.#p.outerStoreName !== undefined) this.#outerStore = context.getStateStore<OuterJoinStore>(this.#p.outerStoreName)
    this.#tracker = this.#p.trackers.get(this.#outerStore)
    if (this.#outerStore !== undefined) this.#tracker.emitIntervalMs = outerJoinEmitIntervalMs(context)
  }

  process(record: Rec): void {
    const ts = record.timestamp
    const tracker = this.#tracker
    // Every record moves the join's stream time, even one skipped below (as in Kafka Streams).
    tracker.advanceStreamTime(ts)
    const { key, value } = record
    if (this.#p.outer && key == null && value != null) {
      // A null key never matches: a left/outer result at once (Kafka Streams 3.7+).
      this.#ctx.forward({ ...record, value: this.#p.joiner(value, null, key) })
      return
    }
    if (key == null || value == null) {
      recordDropped(this.#ctx, 'null key or value')
      return
    }
    const outerStore = this.#outerStore
    if (outerStore !== undefined && ts === tracker.streamTime) this.#emitNonJoinedOuterRecords(outerStore, record)

    const timeFrom = Math.max(0, ts - this.#beforeMs)
    const timeTo = Math.max(0, ts + this.#afterMs)
    // The matches (the typed store's allocation-light read, or any store's iterator fetch) into arrays kept for the next record (fresh ones if this processor is reentered).
    const starts = this.#startsScratch ?? []
    const values = this.#valuesScratch ?? []
    this.#startsScratch = null
    this.#valuesScratch = null
    let matched: boolean
    try {
      fetchWindowsInto(this.#other, key, timeFrom, timeTo, starts, values)
      matched = starts.length > 0
      for (let i = 0; i < starts.length; i++) {
        const start = starts[i]
        if (outerStore !== undefined) removeFromOuterJoinStore(outerStore, { key, timestamp: start, leftSide: !this.#p.leftSide })
        this.#ctx.forward({ ...record, value: this.#p.joiner(value, values[i], key), timestamp: Math.max(ts, start) })
      }
    } finally {
      starts.length = 0
      values.length = 0
      this.#startsScratch = starts
      this.#valuesScratch = values
    }
    if (!this.#p.outer || matched) return
    // The window of this record has already closed (an out-of-order record): no later match can
    // come, so the null result goes out now instead of through the store.
    if (outerStore === undefined || timeTo < tracker.streamTime) {
      this.#ctx.forward({ ...record, value: this.#p.joiner(value, null, key) })
    } else {
      tracker.updateMinTime(ts)
      appendToOuterJoinStore(outerStore, { key, timestamp: ts, leftSide: this.#p.leftSide }, this.#p.leftSide ? { left: value, right: null } : { left: null, right: value })
    }
  }

  /** Forwards (joined with null) and removes the buffered records whose windows have closed. */
  #emitNonJoinedOuterRecords(store: OuterJoinStore, record: Rec): void {
    const tracker = this.#tracker
    // Nothing can have closed yet. With nothing buffered (minTime at its Long.MAX_VALUE sentinel)
    // Kafka Streams' sum overflows for after + grace > 0 and the scan runs (and starts the emit
    // interval): kept, as it decides which later scans the interval lets through.
    const empty = tracker.minTime === NONE_BUFFERED
    if (empty ? this.#afterMs + this.#graceMs <= 0 : tracker.minTime + this.#afterMs + this.#graceMs >= tracker.streamTime) return
    const now = this.#ctx.currentSystemTimeMs()
    if (now < tracker.nextTimeToEmit) return
    tracker.nextTimeToEmit = now + tracker.emitIntervalMs
    tracker.minTime = NONE_BUFFERED

    const { windows, leftSide } = this.#p
    const emitted: Array<TimestampedKeyAndJoinSide<unknown>> = []
    let leftOpen = false
    let rightOpen = false
    // Keys in time order (the store's byte order); the first still-open window of each side ends
    // the candidates of that side.
    for (const entry of store.all()) {
      const k = entry.key
      tracker.minTime = k.timestamp
      if (leftOpen && rightOpen) break
      const lookBack = k.leftSide ? windows.afterMs : windows.beforeMs
      if (tracker.minTime + lookBack + this.#graceMs >= tracker.streamTime) {
        if (k.leftSide) leftOpen = true
        else rightOpen = true
        continue
      }
      for (const v of entry.value) this.#forwardNonJoined(record, k, v, leftSide)
      emitted.push(k)
    }
    // Removed after the scan, as Kafka Streams removes a key only once all its values went out.
    for (const k of emitted) store.put(k, null)
  }

  #forwardNonJoined(record: Rec, k: TimestampedKeyAndJoinSide<unknown>, v: LeftOrRightValue<unknown, unknown>, leftSide: boolean): void {
    const thisValue = leftSide ? v.left : v.right
    const otherValue = leftSide ? v.right : v.left
    this.#ctx.forward({ ...record, key: k.key, value: this.#p.joiner(thisValue, otherValue, k.key), timestamp: k.timestamp })
  }
}
