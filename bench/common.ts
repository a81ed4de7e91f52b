/**
 * Shared protocol between the bench runner and its client processes.
 *
 * The runner starts each client module as a child process with one job in the
 * BENCH_JOB environment variable (JSON). The child runs it and prints exactly one
 * JSON line on stdout, a {@link JobResult}; diagnostics go to stderr.
 */

export type JobKind = 'produce' | 'fetch' | 'latency' | 'codec'

export interface Job {
  kind: JobKind
  /** `host:port` of the broker (not used by codec jobs). */
  bootstrap: string
  topic: string
  partitions: number
  /** Records to produce or fetch (latency: rate x seconds). */
  records: number
  /** Value size in bytes; keys are null. */
  recordSize: number
  /** Target size of one batch per partition, in bytes of records. */
  batchBytes: number
  lingerMs: number
  /** Latency jobs: records per second and duration. */
  rate: number
  seconds: number
  /** Extra per-client data (e.g. the Java classpath). */
  classpath?: string
  /** Which API a client module exercises, when it has several (e.g. Peridot's PartitionClient). */
  variant?: string
}

export interface ThroughputResult {
  kind: 'produce' | 'fetch'
  records: number
  /** Payload bytes (values only). */
  bytes: number
  seconds: number
}

export interface LatencyResult {
  kind: 'latency'
  count: number
  p50Ms: number
  p99Ms: number
}

export interface CodecResult {
  kind: 'codec'
  /** Wire bytes of record batches encoded (or decoded) per second, in MB (10^6 B). */
  encodeMBps: number
  decodeMBps: number
}

export type JobResult = ThroughputResult | LatencyResult | CodecResult

/** Reads the job given by the runner. */
export function readJob(): Job {
  const raw = process.env.BENCH_JOB
  if (!raw) throw new Error('BENCH_JOB is not set: run this module through bench/run.ts')
  return JSON.parse(raw) as Job
}

/** Prints the result line the runner parses. */
export function emit(result: JobResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/** Runs `main` for the job in BENCH_JOB and exits (clients may leave sockets open). */
export function runChild(main: (job: Job) => Promise<JobResult>): void {
  main(readJob()).then(
    (r) => {
      emit(r)
      process.exit(0)
    },
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}

/** A value payload of `size` pseudo-random bytes (incompressible, same for every client). */
export function payload(size: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    b[i] = x & 0xff
  }
  return b
}

/** Records per batch for a target batch size. */
export function recordsPerBatch(job: Job): number {
  return Math.max(1, Math.floor(job.batchBytes / job.recordSize))
}

export function now(): number {
  return performance.now()
}

/** The p-th percentile (0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

/**
 * Open-loop latency driver: calls `sendOne` at `rate` per second for `seconds`,
 * each call timed from start to its settlement, and never waits for earlier sends.
 */
export async function fixedRate(job: Job, sendOne: (i: number) => Promise<unknown>): Promise<LatencyResult> {
  const total = job.rate * job.seconds
  const interval = 1000 / job.rate
  const samples: number[] = []
  const pending: Array<Promise<void>> = []
  const start = now()
  let i = 0
  while (i < total) {
    const due = start + i * interval
    const wait = due - now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 1))
    else if (wait > 0) await new Promise((r) => setImmediate(r))
    if (now() < due) continue
    const idx = i++
    const t0 = now()
    pending.push(sendOne(idx).then(() => void samples.push(now() - t0)))
  }
  await Promise.all(pending)
  return { kind: 'latency', count: samples.length, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) }
}

/** Keeps at most `limit` promises outstanding; `add` waits while full. */
export class Window {
  private outstanding = 0
  private wake: (() => void) | undefined
  private failure: unknown

  constructor(private readonly limit: number) {}

  async add(p: Promise<unknown>): Promise<void> {
    this.outstanding++
    p.then(
      () => this.done(),
      (err: unknown) => {
        this.failure ??= err
        this.done()
      },
    )
    while (this.outstanding >= this.limit) await new Promise<void>((r) => (this.wake = r))
    if (this.failure !== undefined) throw this.failure
  }

  async drain(): Promise<void> {
    while (this.outstanding > 0) await new Promise<void>((r) => (this.wake = r))
    if (this.failure !== undefined) throw this.failure
  }

  private done(): void {
    this.outstanding--
    const w = this.wake
    this.wake = undefined
    w?.()
  }
}
