import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { EmitStrategy, SessionWindows, SlidingWindows, TimeWindows, UnlimitedWindows, UNLIMITED_WINDOW_END } from '../../../src/streams/dsl/windows.js'

const starts = (ws: ReadonlyArray<{ start: number; end: number }>): number[] => ws.map((w) => w.start)

describe('TimeWindows', () => {
  it('tumbling: one window [floor(t/size)*size, +size) per timestamp', () => {
    const w = TimeWindows.ofSizeWithNoGrace(10)
    expect(w.windowsFor(0)).toEqual([{ start: 0, end: 10 }])
    expect(w.windowsFor(9)).toEqual([{ start: 0, end: 10 }])
    expect(w.windowsFor(10)).toEqual([{ start: 10, end: 20 }])
    expect(w.windowsFor(123)).toEqual([{ start: 120, end: 130 }])
    expect(w.size()).toBe(10)
    expect(w.gracePeriodMs()).toBe(0)
    expect(w.advanceMs).toBe(10)
  })

  it('hopping: every window start (multiple of advance) within size of the timestamp, ascending', () => {
    const w = TimeWindows.ofSizeAndGrace(10, 5).advanceBy(3)
    // starts s with s <= t < s + 10 and s % 3 == 0
    expect(w.windowsFor(21)).toEqual([
      { start: 12, end: 22 },
      { start: 15, end: 25 },
      { start: 18, end: 28 },
      { start: 21, end: 31 },
    ])
    // near the epoch no negative starts
    expect(starts(w.windowsFor(4))).toEqual([0, 3])
    expect(starts(w.windowsFor(0))).toEqual([0])
    expect(w.gracePeriodMs()).toBe(5)
    // advanceBy keeps size and grace
    expect(String(w)).toBe('TimeWindows{, sizeMs=10, advanceMs=3, graceMs=5}')
  })

  it('hopping windows where size is not a multiple of the advance', () => {
    const w = TimeWindows.ofSizeWithNoGrace(5).advanceBy(2)
    expect(w.windowsFor(7)).toEqual([
      { start: 4, end: 9 },
      { start: 6, end: 11 },
    ])
    // t=8: starts 4 (ends 9 > 8), 6, 8
    expect(starts(w.windowsFor(8))).toEqual([4, 6, 8])
  })

  it('rejects what Kafka Streams rejects, with its messages', () => {
    expect(() => TimeWindows.ofSizeWithNoGrace(0)).toThrow(new InvalidArgumentError('Window size (sizeMs) must be larger than zero.'))
    expect(() => TimeWindows.ofSizeWithNoGrace(-1)).toThrow(InvalidArgumentError)
    expect(() => TimeWindows.ofSizeAndGrace(10, -1)).toThrow('Grace period must not be negative.')
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(
      'Window advancement interval should be more than zero and less than window duration which is 10 ms, but given advancement interval is: 11 ms',
    )
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(0)).toThrow(InvalidArgumentError)
    expect(() => TimeWindows.ofSizeWithNoGrace(1.5)).toThrow('size must be a whole number of milliseconds, got 1.5')
    expect(() => TimeWindows.ofSizeWithNoGrace(Number.NaN)).toThrow(InvalidArgumentError)
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(10)).not.toThrow()
  })

  it('closed-window start range for onWindowClose: end (= start + size) <= close time, after the last emit', () => {
    const w = TimeWindows.ofSizeWithNoGrace(10).advanceBy(5)
    expect(w.closedWindowStarts(-1, 25)).toEqual({ from: 0, to: 15 })
    expect(w.closedWindowStarts(25, 40)).toEqual({ from: 16, to: 30 })
  })
})

describe('UnlimitedWindows', () => {
  it('one window from the start on, none before', () => {
    expect(UnlimitedWindows.of().windowsFor(5)).toEqual([{ start: 0, end: UNLIMITED_WINDOW_END }])
    const w = UnlimitedWindows.of().startOn(100)
    expect(w.windowsFor(99)).toEqual([])
    expect(w.windowsFor(100)).toEqual([{ start: 100, end: UNLIMITED_WINDOW_END }])
    expect(w.gracePeriodMs()).toBe(0)
    expect(() => UnlimitedWindows.of().startOn(-1)).toThrow('Window start time (startMs) cannot be negative.')
  })
})

describe('SlidingWindows and SessionWindows', () => {
  it('validate as Kafka Streams does', () => {
    expect(SlidingWindows.ofTimeDifferenceWithNoGrace(0).timeDifferenceMs).toBe(0)
    expect(SlidingWindows.ofTimeDifferenceAndGrace(10, 3).gracePeriodMs()).toBe(3)
    expect(() => SlidingWindows.ofTimeDifferenceWithNoGrace(-1)).toThrow('Window time difference must not be negative.')
    expect(() => SlidingWindows.ofTimeDifferenceAndGrace(1, -1)).toThrow('Window grace period must not be negative.')
    expect(SessionWindows.ofInactivityGapAndGrace(5, 2).inactivityGap()).toBe(5)
    expect(SessionWindows.ofInactivityGapAndGrace(5, 2).gracePeriodMs()).toBe(2)
    expect(() => SessionWindows.ofInactivityGapWithNoGrace(0)).toThrow('Gap time cannot be zero or negative.')
    expect(() => SessionWindows.ofInactivityGapAndGrace(1, -2)).toThrow('Grace period must not be negative.')
  })

  it('emit strategies', () => {
    expect(EmitStrategy.onWindowUpdate().type).toBe('on-window-update')
    expect(EmitStrategy.onWindowClose().type).toBe('on-window-close')
  })
})
