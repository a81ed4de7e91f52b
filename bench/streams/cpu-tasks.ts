/**
 * What the in-process CPU benches (windowed-cpu.ts, join-cpu.ts) share: one StreamTask per
 * partition of a topology, output and changelog records counted instead of sent, a commit that
 * flushes every task, and the summary line (CPU µs per record, commits, counts, RSS).
 */
import type { Topology } from '../../src/streams/index.js'
import { StreamTask, type TaskConfig } from '../../src/streams/runtime/task.js'

/** The tasks of one run and its counters. */
export interface CpuTasks {
  readonly tasks: StreamTask[]
  /** Flushes and marks committed every task (timed). */
  commit(): void
  /** Closes every task. */
  close(): void
  /** The summary of the run so far: `records` processed since `start` (from {@link startClock}). */
  summary(records: number, start: Clock): Record<string, number>
}

/** Wall and CPU time at the start of a timed run. */
export interface Clock {
  readonly wallMs: number
  readonly cpu: NodeJS.CpuUsage
}

/** Starts timing a run. */
export function startClock(): Clock {
  return { cpu: process.cpuUsage(), wallMs: performance.now() }
}

/** Creates and initializes a task per partition (sub-topology 0). */
export function cpuTasks(topology: Topology, partitions: number, config: TaskConfig): CpuTasks {
  let outputs = 0
  let changelog = 0
  let commits = 0
  let commitMs = 0
  const collector = { send: (): void => void outputs++ }
  const changelogSink = { logChange: (): void => void changelog++ }
  const tasks: StreamTask[] = []
  for (let p = 0; p < partitions; p++) {
    const t = new StreamTask({ topology, subtopology: 0, partition: p, config, collector, changelogSink })
    t.init()
    tasks.push(t)
  }
  return {
    tasks,
    commit() {
      const t0 = performance.now()
      for (const t of tasks) {
        t.flush()
        t.markCommitted()
      }
      commitMs += performance.now() - t0
      commits++
    },
    close() {
      for (const t of tasks) t.close()
    },
    summary(records, start) {
      const wall = performance.now() - start.wallMs
      const cpu = process.cpuUsage(start.cpu)
      return {
        records,
        recordsPerSec: Math.round((records / wall) * 1000),
        cpuUsPerRecord: +((cpu.user + cpu.system) / records).toFixed(2),
        commits,
        commitAvgMs: +(commitMs / commits).toFixed(3),
        outputs,
        changelog,
        rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      }
    },
  }
}
