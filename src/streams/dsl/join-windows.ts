/**
 * Join windows of stream-stream joins (Kafka Streams' `JoinWindows`): how far apart in time two
 * records of the same key may be to join. A record of the left stream at time `t` joins right
 * records with timestamps in `[t - before, t + after]`; a right record at `t` joins left records in
 * `[t - after, t + before]`. Windows are aligned to record timestamps, not to the epoch.
 *
 * Validation is Kafka Streams': `before + after` must not be negative (so `before` or `after` may
 * be negative as long as the window is not inverted), the grace period must not be negative.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { TopologyError } from '../errors.js'
import type { Window } from '../windowed.js'
import { millis, Windows } from './windows.js'

/**
 * Maximum time difference of two joined records.
 *
 * ```ts
 * JoinWindows.ofTimeDifferenceWithNoGrace(300_000)            // within 5 minutes either way
 * JoinWindows.ofTimeDifferenceAndGrace(300_000, 60_000)       // and accept records up to 1 minute late
 * JoinWindows.ofTimeDifferenceWithNoGrace(300_000).before(0)  // right records at most 5 minutes after left ones
 * ```
 */
export class JoinWindows extends Windows<Window> {
  /** How much earlier than a left record a right record may be (ms). */
  readonly beforeMs: number
  /** How much later than a left record a right record may be (ms). */
  readonly afterMs: number
  readonly #graceMs: number

  private constructor(beforeMs: number, afterMs: number, graceMs: number) {
    super()
    if (beforeMs + afterMs < 0) throw new InvalidArgumentError('Window interval (ie, beforeMs+afterMs) must not be negative.')
    if (graceMs < 0) throw new InvalidArgumentError('Grace period must not be negative.')
    this.beforeMs = beforeMs
    this.afterMs = afterMs
    this.#graceMs = graceMs
  }

  /**
   * Records join when their timestamps differ by at most `timeDifferenceMs`; a record later than
   * `afterWindowEndMs` past its window's end (by stream time) no longer enters the join buffer,
   * and left/outer results without a match wait that long before they are emitted.
   */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, afterWindowEndMs: number): JoinWindows {
    const diff = millis(timeDifferenceMs, 'timeDifferenceMs')
    return new JoinWindows(diff, diff, millis(afterWindowEndMs, 'afterWindowEndMs'))
  }

  /** As {@link JoinWindows.ofTimeDifferenceAndGrace} with no grace period. */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0)
  }

  /**
   * Changes the start of the window: right records may be at most `timeDifferenceMs` earlier than
   * the left record (negative values allowed while `before + after >= 0`).
   */
  before(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(millis(timeDifferenceMs, 'timeDifferenceMs'), this.afterMs, this.#graceMs)
  }

  /**
   * Changes the end of the window: right records may be at most `timeDifferenceMs` later than the
   * left record (negative values allowed while `before + after >= 0`).
   */
  after(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, millis(timeDifferenceMs, 'timeDifferenceMs'), this.#graceMs)
  }

  /** Not supported by join windows (Kafka Streams throws too): they are aligned to each record. */
  windowsFor(): Window[] {
    throw new TopologyError('windowsFor() is not supported by JoinWindows.')
  }

  /** `before + after`: the window size of the join stores. */
  size(): number {
    return this.beforeMs + this.afterMs
  }

  /** How long after a window's end records are still accepted. */
  gracePeriodMs(): number {
    return this.#graceMs
  }

  /** Same before, after and grace. */
  equals(other: unknown): boolean {
    return other instanceof JoinWindows && other.beforeMs === this.beforeMs && other.afterMs === this.afterMs && other.#graceMs === this.#graceMs
  }

  override toString(): string {
    return `JoinWindows{beforeMs=${this.beforeMs}, afterMs=${this.afterMs}, graceMs=${this.#graceMs}}`
  }
}
