/**
 * Failure schedules for the {@link ClusterTestDriver}: a list of steps (process some records,
 * commit, crash an instance, rebalance) to run a topology through, so a property test can run
 * the same input under many schedules and compare the final output with a run without failures.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { ClusterTestDriver } from './cluster-test-driver.js'
import { SeededRandom } from './seeded-random.js'

/** One step of a failure schedule. */
export type FailureStep =
  /** Process up to `records` records (seeded task choice). */
  | { readonly kind: 'process'; readonly records: number }
  /** Commit an instance or task ({@link ClusterTestDriver.commit}); every instance without a target. */
  | { readonly kind: 'commit'; readonly target?: string }
  /** Crash and restart an instance ({@link ClusterTestDriver.crash}). */
  | { readonly kind: 'crash'; readonly instance: string }
  /** Move tasks ({@link ClusterTestDriver.rebalance}): the given ones, or all to seeded random instances. */
  | { readonly kind: 'rebalance'; readonly assignment?: Readonly<globalThis.Record<string, string>> }

/** Options of {@link randomFailureSchedule}. */
export interface RandomScheduleOptions {
  /** Instance names to crash (the driver's {@link ClusterTestDriver.instanceNames}). */
  instances: readonly string[]
  /** Number of steps; default 20. */
  steps?: number
  /** Most records a process step processes; default 10. */
  maxRecordsPerStep?: number
}

/** A schedule of `steps` random steps drawn from `seed` (half of them process steps). */
export function randomFailureSchedule(seed: number, options: RandomScheduleOptions): FailureStep[] {
  const rng = new SeededRandom(seed)
  const steps = options.steps ?? 20
  const max = options.maxRecordsPerStep ?? 10
  if (options.instances.length === 0) throw new InvalidArgumentError('randomFailureSchedule: instances must name at least one instance')
  const out: FailureStep[] = []
  for (let i = 0; i < steps; i++) {
    const roll = rng.next()
    const instance = options.instances[rng.int(options.instances.length)]
    if (roll < 0.5) out.push({ kind: 'process', records: 1 + rng.int(max) })
    else if (roll < 0.7) out.push({ kind: 'commit', target: rng.next() < 0.5 ? instance : undefined })
    else if (roll < 0.85) out.push({ kind: 'crash', instance })
    else out.push({ kind: 'rebalance' })
  }
  return out
}

/**
 * Runs `schedule` on the driver, then processes and commits until idle
 * ({@link ClusterTestDriver.runUntilIdle}), so the final output is complete. With async stages
 * use {@link runFailureScheduleAsync}.
 */
export function runFailureSchedule(driver: ClusterTestDriver, schedule: readonly FailureStep[]): void {
  for (const step of schedule) {
    switch (step.kind) {
      case 'process':
        driver.process(step.records)
        break
      case 'commit':
        driver.commit(step.target)
        break
      case 'crash':
        driver.crash(step.instance)
        break
      case 'rebalance':
        driver.rebalance(step.assignment)
        break
      default:
        throw new InvalidArgumentError(`unknown failure step kind '${String((step as { kind: unknown }).kind)}'`)
    }
  }
  driver.runUntilIdle()
}

/**
 * {@link runFailureSchedule} for topologies with async stages: commits and rebalances wait for
 * the calls in flight ({@link ClusterTestDriver.commitAsync}), a crash abandons them, and after
 * each process step the calls get one turn of the event loop to settle (quick ones are then
 * forwarded before the next step, slow ones are still in flight).
 */
export async function runFailureScheduleAsync(driver: ClusterTestDriver, schedule: readonly FailureStep[]): Promise<void> {
  for (const step of schedule) {
    switch (step.kind) {
      case 'process':
        driver.process(step.records)
        await new Promise<void>((resolve) => setImmediate(resolve))
        break
      case 'commit':
        await driver.commitAsync(step.target)
        break
      case 'crash':
        driver.crash(step.instance)
        break
      case 'rebalance':
        await driver.rebalanceAsync(step.assignment)
        break
      default:
        throw new InvalidArgumentError(`unknown failure step kind '${String((step as { kind: unknown }).kind)}'`)
    }
  }
  await driver.runUntilIdleAsync()
}

/** Options of {@link outputUnderSchedule} and {@link outputUnderScheduleAsync}. */
export interface OutputUnderScheduleOptions<T> {
  /** A fresh driver (same topology and options for every run). */
  driver: () => ClusterTestDriver
  /** Pipes the input (through the driver's input topics). */
  input: (driver: ClusterTestDriver) => void
  /** Reads the final output (e.g. an output topic's records). */
  output: (driver: ClusterTestDriver) => T
  schedule: readonly FailureStep[]
}

/** {@link outputUnderSchedule} for topologies with async stages (runs {@link runFailureScheduleAsync}). */
export async function outputUnderScheduleAsync<T>(options: OutputUnderScheduleOptions<T>): Promise<T> {
  const driver = options.driver()
  try {
    options.input(driver)
    await runFailureScheduleAsync(driver, options.schedule)
    return options.output(driver)
  } finally {
    driver.close()
  }
}

/**
 * The property-test helper: builds a driver, pipes the input, runs the schedule and returns what
 * `output` reads, closing the driver. Compare a run with an empty schedule (no failures) to runs
 * with random ones (e.g. with fast-check, or {@link randomFailureSchedule}).
 */
export function outputUnderSchedule<T>(options: OutputUnderScheduleOptions<T>): T {
  const driver = options.driver()
  try {
    options.input(driver)
    runFailureSchedule(driver, options.schedule)
    return options.output(driver)
  } finally {
    driver.close()
  }
}
