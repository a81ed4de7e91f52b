/**
 * A timeline of a bench app, for telling a stall from a starved process: with STREAMS_BENCH_TRACE
 * set to a file, every 500 ms one line with the main thread's CPU time and run-queue wait (Linux
 * /proc schedstat: runnable, but no CPU free), the event loop's utilization (near 0: waiting for
 * I/O or timers, a stall; near 1 with little CPU time: starved), and the app's progress
 * (records processed, commits, state, consumer lag per input partition).
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import type { KafkaStreams } from '../../src/streams/index.js'

/** Main thread CPU and run-queue wait so far, in ns (zeros where /proc is missing). */
function schedstat(): [number, number] {
  try {
    const f = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')
    return [Number(f[0]), Number(f[1])]
  } catch {
    return [0, 0]
  }
}

/** Appends a line to `file` every 500 ms until the process exits. */
export function traceApp(app: KafkaStreams, file: string): void {
  const t0 = Date.now()
  let elu = performance.eventLoopUtilization()
  let sched = schedstat()
  setInterval(() => {
    const e = performance.eventLoopUtilization(elu)
    elu = performance.eventLoopUtilization()
    const s = schedstat()
    const m = app.metrics()
    const lag = m.lag.map((l) => `${l.topic}-${l.partition}:${l.lag}`).join(',')
    appendFileSync(
      file,
      `${Date.now() - t0} ms: cpu ${((s[0] - sched[0]) / 1e6).toFixed(0)} ms, run-queue wait ${((s[1] - sched[1]) / 1e6).toFixed(0)} ms, ` +
        `event loop ${e.utilization.toFixed(2)}, processed ${m.recordsProcessed}, commits ${m.commits}, ${m.state}, lag ${lag}\n`,
    )
    sched = s
  }, 500).unref()
}
