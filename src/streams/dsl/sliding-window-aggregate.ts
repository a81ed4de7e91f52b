/**
 * Sliding-window aggregation (Kafka Streams' KStreamSlidingWindowAggregate, the reverse-iterator
 * path its in-memory and RocksDB stores take). Windows are `[start, start + timeDifference]`, both
 * ends inclusive. Each record gets its left window `[t - d, t]` and, when later records of the key
 * fall within d after it, its right window `[t + 1, t + 1 + d]`; the previous record's right window
 * is created when the new record falls into it. Every existing window the record falls into is
 * updated. Records earlier than d (window starts would be negative) share the window [0, d].
 */
import type { Record } from '../record.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import type { Window } from '../windowed.js'
import { TimeWindowAggregateBase, type WindowAggregation } from './window-aggregate.js'
import type { EmitStrategy, SlidingWindows } from './windows.js'

type Rec = Record<unknown, unknown>
type Agg = ValueAndTimestamp<unknown> | null

/** Kafka Streams' `ValueAndTimestamp.make`: no value, no ValueAndTimestamp. */
function make(value: unknown, timestamp: number): Agg {
  return value == null ? null : { value, timestamp }
}

/** @internal KGroupedStream.windowedBy(SlidingWindows) count / reduce / aggregate. */
export class SlidingWindowAggregate extends TimeWindowAggregateBase {
  readonly #d: number

  constructor(
    storeName: string,
    private readonly windows: SlidingWindows,
    emitStrategy: EmitStrategy,
    private readonly agg: WindowAggregation,
  ) {
    super(storeName, emitStrategy)
    this.#d = windows.timeDifferenceMs
  }

  process(record: Rec): void {
    if (record.key == null || record.value == null) {
      this.dropForNullKey(true)
      return
    }
    const t = record.timestamp
    this.updateObservedStreamTime(t)
    const closeTime = this.observedStreamTime - this.windows.gracePeriodMs()
    if (t + this.#d < closeTime) {
      this.dropForExpiredWindow(t, `[${t},${t + this.#d}]`, closeTime)
      return
    }
    if (t < this.#d) {
      this.#processEarly(record, closeTime)
      return
    }
    this.#processReverse(record, closeTime)
    this.forwardFinalResults(record, closeTime)
  }

  #processReverse(record: Rec, closeTime: number): void {
    const t = record.timestamp
    const d = this.#d
    const windowStartTimes = new Set<number>()
    let leftWinAgg: Agg = null
    let rightWinAgg: Agg = null
    let leftWinAlreadyCreated = false
    let rightWinAlreadyCreated = false
    let previousRecordTimestamp: number | null = null
    // Upper bound t + 1 also finds the record's right window, if it exists.
    for (const kv of this.store.backwardFetch(record.key, Math.max(0, t - 2 * d), t + 1)) {
      const start = kv.key
      windowStartTimes.add(start)
      const end = start + d
      const windowMaxRecordTimestamp = kv.value.timestamp
      if (start === t + 1) {
        rightWinAlreadyCreated = true
      } else if (end > t) {
        if (rightWinAgg === null) rightWinAgg = kv.value
        this.#updateWindowAndForward({ start, end }, kv.value, record, closeTime)
      } else if (end === t) {
        leftWinAlreadyCreated = true
        this.#updateWindowAndForward({ start, end }, kv.value, record, closeTime)
        if (windowMaxRecordTimestamp < t) previousRecordTimestamp = windowMaxRecordTimestamp
        else return
      } else {
        leftWinAgg = kv.value
        previousRecordTimestamp = windowMaxRecordTimestamp
        break
      }
    }
    this.#createWindows(record, closeTime, windowStartTimes, rightWinAgg, leftWinAgg, leftWinAlreadyCreated, rightWinAlreadyCreated, previousRecordTimestamp)
  }

  /** Records with 0 <= t < d: kept in the window [0, d]; their right windows are created as later records come. */
  #processEarly(record: Rec, closeTime: number): void {
    const t = record.timestamp
    let combined: { window: Window; value: ValueAndTimestamp<unknown> } | null = null
    let rightWinAgg: Agg = null
    let rightWinAlreadyCreated = false
    const windowStartTimes = new Set<number>()
    let previousRecordTimestamp: number | null = null
    // Kafka Streams iterates forward here, whatever the store supports.
    const windows = [...this.store.backwardFetch(record.key, 0, t + 1)].reverse()
    for (const kv of windows) {
      const start = kv.key
      const window = { start, end: start + this.#d }
      windowStartTimes.add(start)
      const windowMaxRecordTimestamp = kv.value.timestamp
      if (start === 0) {
        combined = { window, value: kv.value }
        if (windowMaxRecordTimestamp < t) previousRecordTimestamp = windowMaxRecordTimestamp
      } else if (start <= t) {
        rightWinAgg = kv.value
        this.#updateWindowAndForward(window, kv.value, record, closeTime)
      } else if (start === t + 1) {
        rightWinAlreadyCreated = true
      } else {
        throw new Error(`unexpected window with start ${start} found when processing a record at ${t} in a sliding window aggregation`)
      }
    }
    // Without a right window found, the combined window only holds records after this one.
    if (rightWinAgg === null && combined !== null && combined.value.timestamp > t) rightWinAgg = combined.value
    if (!rightWinAlreadyCreated && this.#rightWindowIsNotEmpty(rightWinAgg, t)) this.#createCurrentRecordRightWindow(t, rightWinAgg as ValueAndTimestamp<unknown>, record)
    if (previousRecordTimestamp !== null && !windowStartTimes.has(previousRecordTimestamp + 1)) {
      this.#createPreviousRecordRightWindow(previousRecordTimestamp + 1, record, closeTime)
    }
    if (combined === null) {
      this.#updateWindowAndForward({ start: 0, end: this.#d }, make(this.agg.initializer(), t), record, closeTime)
    } else {
      this.#updateWindowAndForward(combined.window, combined.value, record, closeTime)
    }
  }

  #createWindows(
    record: Rec,
    closeTime: number,
    windowStartTimes: ReadonlySet<number>,
    rightWinAgg: Agg,
    leftWinAgg: Agg,
    leftWinAlreadyCreated: boolean,
    rightWinAlreadyCreated: boolean,
    previousRecordTimestamp: number | null,
  ): void {
    const t = record.timestamp
    const d = this.#d
    // The previous record's right window, when this record falls into it.
    if (previousRecordTimestamp !== null) {
      const previousRightWinStart = previousRecordTimestamp + 1
      if (!windowStartTimes.has(previousRightWinStart) && previousRightWinStart + d >= t) {
        this.#createPreviousRecordRightWindow(previousRightWinStart, record, closeTime)
      }
    }
    if (!leftWinAlreadyCreated) {
      // The left window holds the previous record's left aggregate when that record is within d.
      const leftNotEmpty = previousRecordTimestamp !== null && t - d <= previousRecordTimestamp
      const valueAndTime = leftNotEmpty ? make((leftWinAgg as ValueAndTimestamp<unknown>).value, t) : make(this.agg.initializer(), t)
      this.#updateWindowAndForward({ start: t - d, end: t }, valueAndTime, record, closeTime)
    }
    if (!rightWinAlreadyCreated && this.#rightWindowIsNotEmpty(rightWinAgg, t)) {
      this.#createCurrentRecordRightWindow(t, rightWinAgg as ValueAndTimestamp<unknown>, record)
    }
  }

  #createCurrentRecordRightWindow(t: number, rightWinAgg: ValueAndTimestamp<unknown>, record: Rec): void {
    const window = { start: t + 1, end: t + 1 + this.#d }
    this.store.put(record.key, rightWinAgg, window.start)
    this.forwardUpdate(record, window.start, window.end, null, rightWinAgg.value, rightWinAgg.timestamp)
  }

  #createPreviousRecordRightWindow(start: number, record: Rec, closeTime: number): void {
    this.#updateWindowAndForward({ start, end: start + this.#d }, make(this.agg.initializer(), record.timestamp), record, closeTime)
  }

  #rightWindowIsNotEmpty(rightWinAgg: Agg, t: number): boolean {
    return rightWinAgg !== null && rightWinAgg.timestamp > t
  }

  #updateWindowAndForward(window: Window, valueAndTime: Agg, record: Rec, closeTime: number): void {
    if (window.end >= closeTime) {
      const oldAgg = valueAndTime === null ? null : valueAndTime.value
      const newAgg = this.agg.aggregator(record.key, record.value, oldAgg)
      const newTimestamp = oldAgg == null ? record.timestamp : Math.max(record.timestamp, (valueAndTime as ValueAndTimestamp<unknown>).timestamp)
      this.store.put(record.key, make(newAgg, newTimestamp), window.start)
      this.forwardUpdate(record, window.start, window.end, oldAgg, newAgg, newTimestamp)
    } else {
      this.dropForExpiredWindow(record.timestamp, `[${window.start},${window.end}]`, closeTime)
    }
  }

  protected emitRange(windowCloseTime: number): { from: number; to: number } {
    const d = this.#d
    const last = this.lastEmitWindowCloseTime
    // Both ends inclusive: a window is closed when end < close time.
    return { from: last === -1 ? 0 : Math.max(0, last - d), to: windowCloseTime - d - 1 }
  }

  protected shouldRangeFetch(): boolean {
    return true
  }
}
