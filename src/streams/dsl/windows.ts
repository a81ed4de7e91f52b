/**
 * Window specifications of windowed aggregations (Kafka Streams' `Windows`, `TimeWindows`,
 * `UnlimitedWindows`, `SlidingWindows`, `SessionWindows`). Durations are milliseconds; windows are
 * aligned to the UTC epoch. Validation throws what Kafka Streams throws, as
 * {@link InvalidArgumentError}s naming the option.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { Window } from '../windowed.js'

/** Kafka Streams' `NO_GRACE_PERIOD`. */
const NO_GRACE = 0

/**
 * End of an {@link UnlimitedWindows} window and its size. Kafka Streams uses `Long.MAX_VALUE`; the
 * largest exact JavaScript integer keeps arithmetic on it (end + grace) ordered.
 */
export const UNLIMITED_WINDOW_END = Number.MAX_SAFE_INTEGER

/** @internal A whole number of milliseconds (Kafka Streams rejects what a Duration cannot hold). */
export function millis(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`${name} must be a whole number of milliseconds, got ${String(value)}`)
  }
  return value
}

/**
 * Windows that a record's timestamp falls into (the base of {@link TimeWindows} and
 * {@link UnlimitedWindows}; other window kinds, such as calendar windows, extend it too). Each
 * window object computes its own end: aggregations never assume `end = start + size`.
 */
export abstract class Windows<W extends Window = Window> {
  /** The windows containing `timestamp`, ordered by start (start times are unique). */
  abstract windowsFor(timestamp: number): W[]

  /**
   * The window size in ms (for window stores and windowed serdes). Windows of variable length
   * report their largest size.
   */
  abstract size(): number

  /** How long after a window's end records are still added to it. */
  abstract gracePeriodMs(): number

  /**
   * @internal Start times [from, to] (inclusive) of the windows that closed when the close time
   * (stream time - grace) moved from `previousCloseTime` (-1: nothing emitted yet) to `closeTime`:
   * what `EmitStrategy.onWindowClose()` emits. Fixed-size windows: end = start + size, as in Kafka
   * Streams; windows of variable length override this.
   */
  closedWindowStarts(previousCloseTime: number, closeTime: number): { from: number; to: number } {
    const size = this.size()
    return { from: previousCloseTime === -1 ? 0 : Math.max(0, previousCloseTime - size) + 1, to: closeTime - size }
  }
}

/**
 * Fixed-size windows: tumbling (advance = size) or hopping (advance < size), half-open
 * `[start, start + size)`, starting at multiples of the advance since the epoch.
 *
 * ```ts
 * TimeWindows.ofSizeWithNoGrace(60_000)                     // tumbling minutes
 * TimeWindows.ofSizeAndGrace(300_000, 10_000).advanceBy(60_000) // 5-minute windows every minute
 * ```
 */
export class TimeWindows extends Windows<Window> {
  /** Window size in ms. */
  readonly sizeMs: number
  /** Distance between window starts in ms (= size for tumbling windows). */
  readonly advanceMs: number
  readonly #graceMs: number

  private constructor(sizeMs: number, advanceMs: number, graceMs: number) {
    super()
    if (sizeMs <= 0) throw new InvalidArgumentError('Window size (sizeMs) must be larger than zero.')
    if (advanceMs <= 0 || advanceMs > sizeMs) {
      throw new InvalidArgumentError(
        `Window advancement interval should be more than zero and less than window duration which is ${sizeMs} ms, but given advancement interval is: ${advanceMs} ms`,
      )
    }
    if (graceMs < 0) throw new InvalidArgumentError('Grace period must not be negative.')
    this.sizeMs = sizeMs
    this.advanceMs = advanceMs
    this.#graceMs = graceMs
  }

  /** Tumbling windows of `sizeMs`; records after a window's end are dropped. */
  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return TimeWindows.ofSizeAndGrace(sizeMs, NO_GRACE)
  }

  /** Tumbling windows of `sizeMs` accepting records up to `graceMs` after a window's end. */
  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(millis(sizeMs, 'size'), millis(sizeMs, 'size'), millis(graceMs, 'afterWindowEnd'))
  }

  /** Hopping windows: a new window every `advanceMs` (0 < advance <= size). */
  advanceBy(advanceMs: number): TimeWindows {
    return new TimeWindows(this.sizeMs, millis(advanceMs, 'advance'), this.#graceMs)
  }

  /** The windows `[start, start + size)` with start a multiple of the advance and start <= timestamp < end, by start. */
  windowsFor(timestamp: number): Window[] {
    const { sizeMs, advanceMs } = this
    let start = Math.floor(Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs) * advanceMs
    const out: Window[] = []
    for (; start <= timestamp; start += advanceMs) out.push({ start, end: start + sizeMs })
    return out
  }

  /** The window size in ms. */
  size(): number {
    return this.sizeMs
  }

  /** How long after a window's end records are still added to it. */
  gracePeriodMs(): number {
    return this.#graceMs
  }

  /** Kafka Streams' `toString`. */
  override toString(): string {
    return `TimeWindows{, sizeMs=${this.sizeMs}, advanceMs=${this.advanceMs}, graceMs=${this.#graceMs}}`
  }
}

/** One window from a start time (default 0) to forever: a running aggregate per key. */
export class UnlimitedWindows extends Windows<Window> {
  /** Start of the window in ms since the epoch; earlier records fall into no window. */
  readonly startMs: number

  private constructor(startMs: number) {
    super()
    this.startMs = startMs
  }

  /** The window starting at the epoch. */
  static of(): UnlimitedWindows {
    return new UnlimitedWindows(0)
  }

  /** The window starting at `startMs` (>= 0). */
  startOn(startMs: number): UnlimitedWindows {
    if (millis(startMs, 'start') < 0) throw new InvalidArgumentError('Window start time (startMs) cannot be negative.')
    return new UnlimitedWindows(startMs)
  }

  /** The one window, for timestamps from its start on. */
  windowsFor(timestamp: number): Window[] {
    return timestamp >= this.startMs ? [{ start: this.startMs, end: UNLIMITED_WINDOW_END }] : []
  }

  /** {@link UNLIMITED_WINDOW_END} (Kafka Streams: Long.MAX_VALUE). */
  size(): number {
    return UNLIMITED_WINDOW_END
  }

  /** 0: the window never closes. */
  gracePeriodMs(): number {
    return 0
  }

  /** Kafka Streams' `toString`. */
  override toString(): string {
    return `UnlimitedWindows{startMs=${this.startMs}}`
  }
}

/**
 * Sliding windows: for each record, the windows `[t - timeDifference, t]` and `[t + 1, t + 1 +
 * timeDifference]` of records within `timeDifferenceMs` of each other (both ends inclusive). Only
 * windows holding records are created; aggregates change only when their contents change.
 */
export class SlidingWindows {
  /** Largest time difference of two records in one window, in ms (the window size). */
  readonly timeDifferenceMs: number
  readonly #graceMs: number

  private constructor(timeDifferenceMs: number, graceMs: number) {
    if (timeDifferenceMs < 0) throw new InvalidArgumentError('Window time difference must not be negative.')
    if (graceMs < 0) throw new InvalidArgumentError('Window grace period must not be negative.')
    this.timeDifferenceMs = timeDifferenceMs
    this.#graceMs = graceMs
  }

  /** Sliding windows without grace. */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return SlidingWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, NO_GRACE)
  }

  /** Sliding windows accepting records up to `graceMs` after a window's end. */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return new SlidingWindows(millis(timeDifferenceMs, 'timeDifference'), millis(graceMs, 'afterWindowEnd'))
  }

  /** How long after a window's end records are still added to it. */
  gracePeriodMs(): number {
    return this.#graceMs
  }

  /** Kafka Streams' `toString`. */
  toString(): string {
    return `SlidingWindows{, sizeMs=${this.timeDifferenceMs}, graceMs=${this.#graceMs}}`
  }
}

/**
 * Session windows: records of a key less than `inactivityGap` apart belong to one session
 * `[first, last]`; a record between two sessions merges them.
 */
export class SessionWindows {
  readonly #gapMs: number
  readonly #graceMs: number

  private constructor(gapMs: number, graceMs: number) {
    if (gapMs <= 0) throw new InvalidArgumentError('Gap time cannot be zero or negative.')
    if (graceMs < 0) throw new InvalidArgumentError('Grace period must not be negative.')
    this.#gapMs = gapMs
    this.#graceMs = graceMs
  }

  /** Sessions closed by `inactivityGapMs` of silence, without grace. */
  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return SessionWindows.ofInactivityGapAndGrace(inactivityGapMs, NO_GRACE)
  }

  /** Sessions closed by `inactivityGapMs` of silence, accepting records up to `graceMs` later. */
  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(millis(inactivityGapMs, 'inactivityGap'), millis(graceMs, 'afterWindowEnd'))
  }

  /** The inactivity gap in ms. */
  inactivityGap(): number {
    return this.#gapMs
  }

  /** How long after a session can no longer grow (end + gap) records are still added to it. */
  gracePeriodMs(): number {
    return this.#graceMs
  }

  /** Kafka Streams' `toString`. */
  toString(): string {
    return `SessionWindows{gapMs=${this.#gapMs}, graceMs=${this.#graceMs}}`
  }
}

/**
 * When a windowed aggregation forwards results (Kafka Streams' `EmitStrategy`): on every update
 * (default), or once per window after it closes (stream time passed its end + grace).
 */
export class EmitStrategy {
  /** `'on-window-update'` or `'on-window-close'`. */
  readonly type: 'on-window-update' | 'on-window-close'

  private constructor(type: 'on-window-update' | 'on-window-close') {
    this.type = type
  }

  /** Forward each window's new aggregate whenever a record changes it (the default). */
  static onWindowUpdate(): EmitStrategy {
    return new EmitStrategy('on-window-update')
  }

  /**
   * Forward each window's final aggregate once, when it closes. As in Kafka Streams, closed
   * windows are looked for at most once per second of wall-clock time, on a record's arrival.
   */
  static onWindowClose(): EmitStrategy {
    return new EmitStrategy('on-window-close')
  }
}
