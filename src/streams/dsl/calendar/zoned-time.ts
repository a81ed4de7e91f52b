/**
 * Wall-clock arithmetic in an IANA time zone, from the platform's Intl time-zone data (no
 * dependency): the UTC offset at an instant, the local calendar fields of an instant, and the
 * instant at which a local date and time begins. Calendar windows are built on it.
 *
 * Local times are handled as "local milliseconds": the wall-clock reading encoded as if it were
 * UTC (Date.UTC(y, m, d, h, ...)). A local time that does not exist (skipped by a DST gap) begins
 * at the transition; one that exists twice (a DST overlap) begins at its first occurrence.
 */
import { InvalidArgumentError } from '../../../protocol/errors.js'

const HOUR_MS = 3_600_000
/** Offsets lie within ±18 h (ISO 8601 / java.time limit); any single transition lies inside this margin. */
const OFFSET_MARGIN_MS = 18 * HOUR_MS

/** Calendar fields of a local time (month 1-12, day of week 0 = Sunday). */
export interface LocalFields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  millisecond: number
  dayOfWeek: number
}

/** A time zone's offsets and conversions. Instances are cached per zone name. */
export class ZonedTime {
  readonly timeZone: string
  readonly #format: Intl.DateTimeFormat

  private constructor(timeZone: string, format: Intl.DateTimeFormat) {
    this.timeZone = timeZone
    this.#format = format
  }

  static readonly #cache = new Map<string, ZonedTime>()

  /** The zone by IANA name (e.g. 'Europe/Berlin', 'UTC'); throws InvalidArgumentError for unknown zones. */
  static of(timeZone: string): ZonedTime {
    let z = ZonedTime.#cache.get(timeZone)
    if (z !== undefined) return z
    let format: Intl.DateTimeFormat
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      })
    } catch {
      throw new InvalidArgumentError(`timeZone: '${timeZone}' is not a time zone this platform knows (an IANA name such as 'Europe/Berlin')`)
    }
    z = new ZonedTime(format.resolvedOptions().timeZone, format)
    ZonedTime.#cache.set(timeZone, z)
    return z
  }

  /** Local milliseconds of an instant (its wall-clock reading encoded as UTC). */
  toLocalMs(instant: number): number {
    const second = Math.floor(instant / 1000) * 1000
    let year = 0
    let month = 1
    let day = 1
    let hour = 0
    let minute = 0
    let sec = 0
    let bc = false
    for (const p of this.#format.formatToParts(second)) {
      switch (p.type) {
        case 'year': year = Number(p.value); break
        case 'month': month = Number(p.value); break
        case 'day': day = Number(p.value); break
        case 'hour': hour = Number(p.value); break
        case 'minute': minute = Number(p.value); break
        case 'second': sec = Number(p.value); break
        case 'era': bc = p.value === 'BC' || p.value === 'B'; break
      }
    }
    if (bc) year = 1 - year
    const d = new Date(0)
    d.setUTCFullYear(year, month - 1, day)
    d.setUTCHours(hour, minute, sec, 0)
    return d.getTime() + (instant - second)
  }

  /** The zone's UTC offset at an instant, in ms (local = instant + offset). */
  offsetAt(instant: number): number {
    return this.toLocalMs(instant) - instant
  }

  /** Calendar fields of an instant in this zone. */
  fieldsOf(instant: number): LocalFields {
    return localFields(this.toLocalMs(instant))
  }

  /**
   * The first instant whose local time is at or after `localMs`: the instant itself when that
   * local time exists once, its first occurrence in an overlap, the end of the gap when a DST
   * change skips it.
   */
  instantOf(localMs: number): number {
    const before = this.offsetAt(localMs - OFFSET_MARGIN_MS)
    const after = this.offsetAt(localMs + OFFSET_MARGIN_MS)
    const early = localMs - Math.max(before, after)
    const late = localMs - Math.min(before, after)
    // Earliest exact match first (an overlap has two).
    for (const t of early === late ? [early] : [early, late]) if (this.offsetAt(t) === localMs - t) return t
    // A gap: the transition is the first instant whose local time passes localMs.
    let lo = early
    let hi = late
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (this.toLocalMs(mid) >= localMs) hi = mid
      else lo = mid
    }
    return this.toLocalMs(lo) >= localMs ? lo : hi
  }
}

/** Calendar fields of local milliseconds. */
export function localFields(localMs: number): LocalFields {
  const d = new Date(localMs)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    dayOfWeek: d.getUTCDay(),
  }
}

/** Local milliseconds of a local date and time (month 1-12; out-of-range fields roll over, as Date.UTC). */
export function localMsOf(year: number, month: number, day: number, hour = 0, minute = 0): number {
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  d.setUTCHours(hour, minute, 0, 0)
  return d.getTime()
}
