import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Progress } from '../../../src/cli/progress.js'

function sink(isTTY: boolean) {
  const chunks: string[] = []
  return { chunks, stream: { isTTY, write: (c: string) => chunks.push(c) } }
}

describe('Progress', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('redraws one line on a TTY at most every 100 ms and erases it on stop', () => {
    const { chunks, stream } = sink(true)
    let now = 0
    const p = new Progress({ label: 'produced', stream, now: () => now, suffix: () => 'lag 5' })
    p.add(1000, 2 * 1024 * 1024)
    now = 500
    vi.advanceTimersByTime(99)
    expect(chunks).toEqual([])
    vi.advanceTimersByTime(1)
    expect(chunks).toEqual(['\r\x1b[2Kproduced 1,000 records, 2.0 MB, 2,000 records/s (4.0 MB/s), lag 5'])
    vi.advanceTimersByTime(1000)
    expect(chunks.length).toBe(11)
    p.stop()
    expect(chunks.at(-1)).toBe('\r\x1b[2K')
    vi.advanceTimersByTime(1000)
    expect(chunks.length).toBe(12)
  })

  it('prints plain lines every few seconds when not a TTY, and nothing for short runs', () => {
    const { chunks, stream } = sink(false)
    const p = new Progress({ label: 'consumed', stream, plainIntervalMs: 5000 })
    p.add(3, 30)
    vi.advanceTimersByTime(4999)
    expect(chunks).toEqual([])
    vi.advanceTimersByTime(1)
    expect(chunks.length).toBe(1)
    expect(chunks[0]).toMatch(/^consumed 3 records, 30 B, .*\n$/)
    p.stop()
    expect(chunks.length).toBe(1)
  })

  it('prints nothing when quiet but still counts', () => {
    const { chunks, stream } = sink(true)
    const p = new Progress({ label: 'x', stream, quiet: true })
    p.add(2, 10)
    vi.advanceTimersByTime(10_000)
    p.stop()
    expect(chunks).toEqual([])
    expect([p.records, p.bytes]).toEqual([2, 10])
  })
})
