import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { CalendarWindows } from '../../../src/streams/dsl/calendar/calendar-windows.js'
import { ZonedTime } from '../../../src/streams/dsl/calendar/zoned-time.js'

const H = 3_600_000
const utc = (y: number, m: number, d: number, h = 0, min = 0): number => Date.UTC(y, m - 1, d, h, min)
const hours = (w: { start: number; end: number }): number => (w.end - w.start) / H

describe('ZonedTime', () => {
  it('reads offsets on both sides of a DST change', () => {
    const berlin = ZonedTime.of('Europe/Berlin')
    expect(berlin.offsetAt(utc(2024, 1, 15))).toBe(1 * H)
    expect(berlin.offsetAt(utc(2024, 7, 15))).toBe(2 * H)
    expect(ZonedTime.of('Australia/Sydney').offsetAt(utc(2024, 7, 15))).toBe(10 * H)
    expect(ZonedTime.of('Australia/Sydney').offsetAt(utc(2024, 1, 15))).toBe(11 * H)
  })

  it('maps a skipped local time to the end of the gap and a repeated one to its first occurrence', () => {
    const berlin = ZonedTime.of('Europe/Berlin')
    // 2024-03-31 02:00 -> 03:00 CEST: 02:30 does not exist; the gap ends at 01:00 UTC.
    expect(berlin.instantOf(utc(2024, 3, 31, 2, 30))).toBe(utc(2024, 3, 31, 1))
    // 2024-10-27 03:00 CEST -> 02:00 CET: 02:30 happens at 00:30 and 01:30 UTC.
    expect(berlin.instantOf(utc(2024, 10, 27, 2, 30))).toBe(utc(2024, 10, 27, 0, 30))
    expect(berlin.instantOf(utc(2024, 6, 1, 12))).toBe(utc(2024, 6, 1, 10))
  })

  it('refuses an unknown zone with a typed error', () => {
    expect(() => ZonedTime.of('Mars/Olympus_Mons')).toThrow(InvalidArgumentError)
  })
})

describe('CalendarWindows.daily', () => {
  it('makes the local days of Berlin 23 and 25 hours long on its DST changes', () => {
    const w = CalendarWindows.daily({ timeZone: 'Europe/Berlin' })
    expect(w.windowFor(utc(2024, 3, 31, 12))).toEqual({ start: utc(2024, 3, 30, 23), end: utc(2024, 3, 31, 22) })
    expect(hours(w.windowFor(utc(2024, 3, 31, 12)))).toBe(23)
    expect(w.windowFor(utc(2024, 10, 27, 12))).toEqual({ start: utc(2024, 10, 26, 22), end: utc(2024, 10, 27, 23) })
    expect(hours(w.windowFor(utc(2024, 10, 27, 1, 30)))).toBe(25) // in the repeated hour's second pass
    expect(hours(w.windowFor(utc(2024, 7, 1, 12)))).toBe(24)
  })

  it('follows the southern hemisphere (Sydney: DST from October to April)', () => {
    const w = CalendarWindows.daily({ timeZone: 'Australia/Sydney' })
    // 2024-04-07 03:00 AEDT -> 02:00 AEST; 2024-10-06 02:00 AEST -> 03:00 AEDT.
    expect(w.windowFor(utc(2024, 4, 7, 3))).toEqual({ start: utc(2024, 4, 6, 13), end: utc(2024, 4, 7, 14) })
    expect(hours(w.windowFor(utc(2024, 4, 7, 3)))).toBe(25)
    expect(w.windowFor(utc(2024, 10, 6, 3))).toEqual({ start: utc(2024, 10, 5, 14), end: utc(2024, 10, 6, 13) })
    expect(hours(w.windowFor(utc(2024, 10, 6, 3)))).toBe(23)
  })

  it('handles zones whose clocks change at midnight (Santiago: the day starts at 01:00 or midnight repeats)', () => {
    const w = CalendarWindows.daily({ timeZone: 'America/Santiago' })
    // 2024-09-08 00:00 -04 -> 01:00 -03: the day begins at 01:00 local = 04:00 UTC and has 23 hours.
    expect(w.windowFor(utc(2024, 9, 8, 12))).toEqual({ start: utc(2024, 9, 8, 4), end: utc(2024, 9, 9, 3) })
    // 2024-04-07 00:00 -03 -> 2024-04-06 23:00 -04: April 6th has 25 hours.
    expect(w.windowFor(utc(2024, 4, 6, 12))).toEqual({ start: utc(2024, 4, 6, 3), end: utc(2024, 4, 7, 4) })
    expect(w.windowFor(utc(2024, 4, 7, 3, 30)).start).toBe(utc(2024, 4, 6, 3)) // 23:30 local, second pass
  })
})

describe('CalendarWindows.monthly and weekly', () => {
  it('gives months their real lengths, leap years included', () => {
    const w = CalendarWindows.monthly({ timeZone: 'UTC' })
    expect(w.windowFor(utc(2024, 2, 10))).toEqual({ start: utc(2024, 2, 1), end: utc(2024, 3, 1) })
    expect(hours(w.windowFor(utc(2024, 2, 29, 23, 59)))).toBe(29 * 24)
    expect(hours(w.windowFor(utc(2023, 2, 28, 23, 59)))).toBe(28 * 24)
    expect(hours(w.windowFor(utc(2000, 2, 15)))).toBe(29 * 24) // divisible by 400
    expect(hours(w.windowFor(utc(2100, 2, 15)))).toBe(28 * 24) // divisible by 100 only
    expect(w.windowFor(utc(2024, 12, 31, 23, 59))).toEqual({ start: utc(2024, 12, 1), end: utc(2025, 1, 1) })
  })

  it('cuts months at local midnight, with the DST hour inside March and October', () => {
    const w = CalendarWindows.monthly({ timeZone: 'Europe/Berlin' })
    expect(w.windowFor(utc(2024, 3, 15))).toEqual({ start: utc(2024, 2, 29, 23), end: utc(2024, 3, 31, 22) })
    expect(hours(w.windowFor(utc(2024, 3, 15)))).toBe(31 * 24 - 1)
    expect(hours(w.windowFor(utc(2024, 10, 15)))).toBe(31 * 24 + 1)
    // 2024-02-29 23:30 UTC is already March 1st in Berlin.
    expect(w.windowFor(utc(2024, 2, 29, 23, 30)).start).toBe(utc(2024, 2, 29, 23))
  })

  it('starts weeks on the chosen day', () => {
    // 2024-03-31 is a Sunday (and Berlin's spring DST change).
    const monday = CalendarWindows.weekly({ timeZone: 'Europe/Berlin' })
    expect(monday.windowFor(utc(2024, 3, 31, 12))).toEqual({ start: utc(2024, 3, 24, 23), end: utc(2024, 3, 31, 22) })
    expect(hours(monday.windowFor(utc(2024, 3, 31, 12)))).toBe(7 * 24 - 1)
    const sunday = CalendarWindows.weekly({ timeZone: 'Europe/Berlin', firstDayOfWeek: 'sunday' })
    expect(sunday.windowFor(utc(2024, 3, 31, 12))).toEqual({ start: utc(2024, 3, 30, 23), end: utc(2024, 4, 6, 22) })
  })
})

describe('CalendarWindows.hours', () => {
  it('aligns blocks to local midnight and stretches or shrinks the ones a DST change crosses', () => {
    const w = CalendarWindows.hours(6, { timeZone: 'Europe/Berlin' })
    expect(w.windowFor(utc(2024, 3, 31, 0, 30))).toEqual({ start: utc(2024, 3, 30, 23), end: utc(2024, 3, 31, 4) })
    expect(hours(w.windowFor(utc(2024, 10, 27, 1, 30)))).toBe(7)
    expect(hours(w.windowFor(utc(2024, 7, 1, 1)))).toBe(6)
    const hourly = CalendarWindows.hours(1, { timeZone: 'Europe/Berlin' })
    // The repeated hour 02:00-03:00 of 2024-10-27 is one 2-hour window.
    expect(hourly.windowFor(utc(2024, 10, 27, 0, 10))).toEqual({ start: utc(2024, 10, 27, 0), end: utc(2024, 10, 27, 2) })
    expect(hourly.windowFor(utc(2024, 10, 27, 1, 10))).toEqual({ start: utc(2024, 10, 27, 0), end: utc(2024, 10, 27, 2) })
  })

  it('refuses block sizes that do not divide the day', () => {
    expect(() => CalendarWindows.hours(5, { timeZone: 'UTC' })).toThrow(InvalidArgumentError)
    expect(() => CalendarWindows.hours(0, { timeZone: 'UTC' })).toThrow(InvalidArgumentError)
  })
})

describe('CalendarWindows invariants', () => {
  const zones = ['Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC']
  const kinds = (tz: string): CalendarWindows[] => [
    CalendarWindows.daily({ timeZone: tz }),
    CalendarWindows.weekly({ timeZone: tz, firstDayOfWeek: 'wednesday' }),
    CalendarWindows.monthly({ timeZone: tz }),
    CalendarWindows.hours(1, { timeZone: tz }),
    CalendarWindows.hours(8, { timeZone: tz }),
  ]

  it('puts every timestamp in one window that tiles the time line with its neighbours', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: utc(1990, 1, 1), max: utc(2040, 1, 1) }), fc.nat(4), (tz, ts, k) => {
        const w = kinds(tz)[k]
        const win = w.windowFor(ts)
        expect(win.start).toBeLessThanOrEqual(ts)
        expect(win.end).toBeGreaterThan(ts)
        expect(win.end - win.start).toBeLessThanOrEqual(w.size())
        expect(w.windowFor(win.start)).toEqual(win)
        expect(w.windowFor(win.end).start).toBe(win.end)
        expect(w.windowFor(win.start - 1).end).toBe(win.start)
        expect(w.windowEnd(win.start)).toBe(win.end)
        expect(w.windowsFor(ts)).toEqual([win])
      }),
      { numRuns: 2000 },
    )
  })

  it('tiles 2024, across both DST changes of each zone, window after window', () => {
    for (const tz of zones) {
      for (const w of kinds(tz)) {
        for (let win = w.windowFor(utc(2024, 1, 1)); win.start < utc(2025, 1, 1); ) {
          expect(win.end).toBeGreaterThan(win.start)
          expect(w.windowFor(win.start + Math.floor((win.end - win.start) / 2))).toEqual(win)
          expect(w.windowFor(win.end - 1)).toEqual(win)
          const next = w.windowFor(win.end)
          expect(next.start).toBe(win.end)
          win = next
        }
      }
    }
  })

  it('validates grace', () => {
    expect(() => CalendarWindows.daily({ timeZone: 'UTC', graceMs: -1 })).toThrow(InvalidArgumentError)
    expect(CalendarWindows.daily({ timeZone: 'UTC' }).withGrace(5000).gracePeriodMs()).toBe(5000)
  })
})
