/** Micro-benchmark loops shared by the codec jobs. */
import { now } from '../common.js'

/** Calls `fn` repeatedly for about `ms` after a warm-up; returns calls per second. */
export function timeLoop(fn: () => void, ms = 2000): number {
  for (let i = 0; i < 20; i++) fn()
  let calls = 0
  const t0 = now()
  let t = t0
  while (t - t0 < ms) {
    fn()
    calls++
    t = now()
  }
  return calls / ((t - t0) / 1000)
}

/** {@link timeLoop} for async functions (awaited one at a time). */
export async function timeLoopAsync(fn: () => Promise<unknown>, ms = 2000): Promise<number> {
  for (let i = 0; i < 20; i++) await fn()
  let calls = 0
  const t0 = now()
  let t = t0
  while (t - t0 < ms) {
    await fn()
    calls++
    t = now()
  }
  return calls / ((t - t0) / 1000)
}
