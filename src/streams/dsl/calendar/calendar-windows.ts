/**
 * Calendar windows (beyond Kafka Streams): tumbling windows that follow the wall clock of an IANA
 * time zone: days, weeks starting on a chosen day, months, and N-hour blocks of the local day.
 * A local day is 23 or 25 hours long on DST changes, a month has its real length, and a window
 * starts at the first instant of its local start time (the end of the gap when a DST change
 * skips that time, the first occurrence when it repeats).
 *
 * Epoch-aligned `TimeWindows.ofSizeWithNoGrace(24 h)` cuts days at UTC midnight, so "daily
 * totals in Berlin time" would be an hour off for half the year; `CalendarWindows.daily({
 * timeZone: 'Europe/Berlin' })` is not.
 */
import { InvalidArgumentError } from '../../../protocol/errors.js'
import type { Serde } from '../../serde.js'
import type { Window, Windowed } from '../../windowed.js'
import { WindowedSerdes, type WindowedSerde } from '../../windowed-serdes.js'
import { Windows } from '../windows.js'
import { ZonedTime, localFields, localMsOf } from './zoned-time.js'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** Day names for {@link WeeklyWindowsOptions.firstDayOfWeek}. */
export type DayOfWeek = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday'
const DAYS: readonly DayOfWeek[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']

/** Options shared by every calendar window kind. */
export interface CalendarWindowsOptions {
  /** IANA time zone, e.g. 'Europe/Berlin', 'Australia/Sydney', 'UTC'. */
  timeZone: string
  /** How long after a window's end records are still accepted (ms); default 0 (no grace). */
  graceMs?: number
}

/** Options of {@link CalendarWindows.weekly}. */
export interface WeeklyWindowsOptions extends CalendarWindowsOptions {
  /** Default 'monday' (ISO 8601). */
  firstDayOfWeek?: DayOfWeek
}

type Unit = { kind: 'hours'; hours: number } | { kind: 'day' } | { kind: 'week'; firstDay: number } | { kind: 'month' }

/**
 * Tumbling windows on the calendar of a time zone. Each timestamp falls into exactly one window.
 * Use them like `TimeWindows`: `groupByKey().windowedBy(CalendarWindows.daily({ timeZone }))`.
 */
export class CalendarWindows extends Windows<Window> {
  readonly timeZone: string
  readonly #zone: ZonedTime
  readonly #unit: Unit
  readonly #graceMs: number
  // The last window computed: consecutive records nearly always fall into it.
  #lastStart = 0
  #lastEnd = -1

  private constructor(zone: ZonedTime, unit: Unit, graceMs: number) {
    super()
    this.#zone = zone
    this.timeZone = zone.timeZone
    this.#unit = unit
    this.#graceMs = graceMs
  }

  /** One window per local calendar day (23, 24 or 25 hours). */
  static daily(options: CalendarWindowsOptions): CalendarWindows {
    return CalendarWindows.#create(options, { kind: 'day' })
  }

  /** One window per local week, starting at midnight of `firstDayOfWeek` (default Monday). */
  static weekly(options: WeeklyWindowsOptions): CalendarWindows {
    const first = options.firstDayOfWeek ?? 'monday'
    const firstDay = DAYS.indexOf(first)
    if (firstDay < 0) throw new InvalidArgumentError(`firstDayOfWeek: expected one of ${DAYS.join(', ')}, got '${String(first)}'`)
    return CalendarWindows.#create(options, { kind: 'week', firstDay })
  }

  /** One window per local calendar month. */
  static monthly(options: CalendarWindowsOptions): CalendarWindows {
    return CalendarWindows.#create(options, { kind: 'month' })
  }

  /**
   * Blocks of `hours` local hours, aligned to local midnight (so `hours` must divide 24): with 6,
   * windows start at 00:00, 06:00, 12:00 and 18:00 local time. A block that a DST change
   * shortens or lengthens is shorter or longer; a block entirely skipped by a gap has no records.
   */
  static hours(hours: number, options: CalendarWindowsOptions): CalendarWindows {
    if (!Number.isInteger(hours) || hours < 1 || 24 % hours !== 0) {
      throw new InvalidArgumentError(`hours: must be a whole number of hours dividing 24 (1, 2, 3, 4, 6, 8, 12, 24), got ${hours}`)
    }
    return CalendarWindows.#create(options, { kind: 'hours', hours })
  }

  static #create(options: CalendarWindowsOptions, unit: Unit): CalendarWindows {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options: expected an object with a timeZone')
    if (typeof options.timeZone !== 'string' || options.timeZone === '') throw new InvalidArgumentError('timeZone: an IANA time zone name is required')
    const grace = options.graceMs ?? 0
    if (!Number.isSafeInteger(grace) || grace < 0) throw new InvalidArgumentError(`graceMs: must be a non-negative integer, got ${String(grace)}`)
    return new CalendarWindows(ZonedTime.of(options.timeZone), unit, grace)
  }

  /** The same windows with another grace period. */
  withGrace(graceMs: number): CalendarWindows {
    return CalendarWindows.#create({ timeZone: this.timeZone, graceMs }, this.#unit)
  }

  /** Grace period in ms: a record is dropped once its window's end + grace <= stream time. */
  gracePeriodMs(): number {
    return this.#graceMs
  }

  /** The longest a window of this kind can be (ms); stores keep at least this plus the grace. */
  size(): number {
    switch (this.#unit.kind) {
      case 'hours': return this.#unit.hours * HOUR_MS + 3 * HOUR_MS
      case 'day': return DAY_MS + 3 * HOUR_MS
      case 'week': return 7 * DAY_MS + 3 * HOUR_MS
      case 'month': return 31 * DAY_MS + 3 * HOUR_MS
    }
  }

  /** The window containing `timestamp` (ms since the epoch). */
  windowFor(timestamp: number): Window {
    if (timestamp >= this.#lastStart && timestamp < this.#lastEnd) return { start: this.#lastStart, end: this.#lastEnd }
    const w = this.#compute(timestamp)
    this.#lastStart = w.start
    this.#lastEnd = w.end
    return w
  }

  /** Windows containing `timestamp` (one: calendar windows tumble). */
  windowsFor(timestamp: number): Window[] {
    return [this.windowFor(timestamp)]
  }

  /**
   * @internal Starts of the windows that closed when the close time moved from
   * `previousCloseTime` to `closeTime`: those ending after the previous close time (the window
   * containing it onwards) up to the last one ending at or before the new close time.
   */
  override closedWindowStarts(previousCloseTime: number, closeTime: number): { from: number; to: number } {
    const from = previousCloseTime === -1 ? 0 : this.windowFor(previousCloseTime).start
    return { from, to: this.windowFor(closeTime).start - 1 }
  }

  /**
   * Serde of this calendar's windowed keys: the bytes of Kafka Streams' time-windowed keys (key +
   * 8-byte start), read back with each window's real end (a fixed-size windowed serde would
   * give every window the largest size).
   */
  windowedSerde<K>(inner: Serde<K>): WindowedSerde<K> {
    const bytes = WindowedSerdes.timeWindowedSerdeFrom(inner, 0)
    return {
      windowedInner: inner,
      serialize: (topic, key) => bytes.serialize(topic, key),
      deserialize: (topic, data): Windowed<K> => {
        const k = bytes.deserialize(topic, data)
        if (k === null) return k
        return { key: k.key, window: this.windowFor(k.window.start) }
      },
    }
  }

  /** A description for logs and errors. */
  override toString(): string {
    const u = this.#unit
    const what = u.kind === 'hours' ? `${u.hours}h` : u.kind === 'week' ? `week from ${DAYS[u.firstDay]}` : u.kind
    return `CalendarWindows{${what}, timeZone=${this.timeZone}, graceMs=${this.#graceMs}}`
  }

  /** The end of the window starting at `start` (ms), for windowed keys that store only the start. */
  windowEnd(start: number): number {
    return this.windowFor(start).end
  }

  #compute(timestamp: number): Window {
    const zone = this.#zone
    const f = localFields(zone.toLocalMs(timestamp))
    const u = this.#unit
    let startLocal: number
    let endLocal: number
    switch (u.kind) {
      case 'hours': {
        const block = Math.floor(f.hour / u.hours) * u.hours
        startLocal = localMsOf(f.year, f.month, f.day, block)
        endLocal = localMsOf(f.year, f.month, f.day, block + u.hours)
        break
      }
      case 'day':
        startLocal = localMsOf(f.year, f.month, f.day)
        endLocal = localMsOf(f.year, f.month, f.day + 1)
        break
      case 'week': {
        const back = (f.dayOfWeek - u.firstDay + 7) % 7
        startLocal = localMsOf(f.year, f.month, f.day - back)
        endLocal = localMsOf(f.year, f.month, f.day - back + 7)
        break
      }
      case 'month':
        startLocal = localMsOf(f.year, f.month, 1)
        endLocal = localMsOf(f.year, f.month + 1, 1)
        break
    }
    // A timestamp always lies in [start, end): start is the first instant of the start time, and
    // the local time of any later instant in the window stays below the end time until the end.
    return { start: zone.instantOf(startLocal), end: zone.instantOf(endLocal) }
  }
}
