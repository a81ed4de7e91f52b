/**
 * `npm run bench:streams`: a stateless exactly-once JSON pipeline (deserialize, serialize, write)
 * on Peridot's KafkaStreams and on Kafka Streams (Java), against one broker, in one run.
 *
 * Each side is a child process (bench/streams/peridot-app.ts, bench/streams/java/StreamsBench.java)
 * with a fresh application id and output topic, reading the same input topic from the start. The
 * time runs from the child's `start()` call (it prints STARTING) until the application's group has
 * committed offsets covering every input record: under exactly_once_v2 those offsets commit in the
 * same transaction as the output, so that is the moment all output is committed. The output is
 * then counted with read_committed to check it.
 *
 * `--repeat N` runs N rounds, alternating which side goes first, and reports each side's median
 * (this machine's speed drifts by up to ~1.5x over minutes: single runs of one side after the
 * other compare different machines), with every round's ratio listed.
 *
 * `--workload windowed` runs the windowed workload instead: string keys over 10,000 ids, event times
 * 1 ms apart, count per key in 5-minute windows advancing by 1 minute, suppressed until each
 * window closes, written with the time-windowed key serde. The output is checked against the
 * count of windows that close within each partition's stream time, computed here.
 *
 * `--workload join` runs the join workload: `--records` split evenly into orders and payments (two
 * topics, co-partitioned), keyed by order id, orders 10 ms of event time apart, payments within 4
 * minutes after their order except every tenth (6-9 minutes after: no match) and another tenth
 * (for an order id that has no order); inner join within 5 minutes
 * (JoinWindows.ofTimeDifferenceWithNoGrace). Payments are produced in event-time order, so neither
 * topic is out of order. The output is checked against the matches computed here.
 *
 * CPU figures alone cannot tell a stalled side from a starved one on a shared machine: each side's
 * run-queue wait (runnable threads waiting for a CPU) is reported next to its CPU time, and
 * STREAMS_BENCH_TRACE=<file> makes the Peridot side write a timeline (bench/streams/trace.ts).
 *
 * `--workload async-io` runs the I/O-bound workload: string keys over 10,000 ids, each record waits
 * for a GET to a local HTTP server in this process that answers after `--latency-ms` (default 5).
 * Peridot calls it through `mapValuesAsync` with `--concurrency` (default 256) records per task in
 * flight; Kafka Streams calls it synchronously in `mapValues` (one record at a time per task, as
 * Kafka Streams processes). `--java-records M` times the Java side on its first M records only
 * (the time until its group committed M input offsets), for when the whole input would take
 * too long at its rate; the records/s figures are then each side's own count over its own time.
 *
 * `--warmup N` runs each side N times untimed before the timed rounds: on a fresh broker the
 * first runs of a workload cost the broker up to 3x the CPU of later ones (measured: 6.6-8.7 s
 * against 2.1-3.0 s of broker CPU for the same Peridot join run), which would otherwise count
 * against whichever side runs first.
 *
 * `--baseline <dir>` adds a side "baseline": the Peridot app of another checkout (e.g. a
 * `git worktree` of an older commit, with its own node_modules), to compare two builds of Peridot
 * on the same broker and input: `--sides peridot,baseline --baseline ../peridot-main`.
 *
 *   npm run bench:streams -- [--records 1000000] [--partitions 6] [--commit-interval 100] [--repeat 1] [--warmup 0]
 *                             [--workload pipeline|windowed|join]
 *                             [--sides peridot,java] [--java-threads 1] [--baseline <dir>] [--cpu-prof]
 *                             [--write] [--note "..."]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Client, partitionForKey } from '../../src/index.js'
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars, startLocalBroker, type LocalBroker } from '../../src/dev/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')

const { values: opts } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '6' },
    'commit-interval': { type: 'string', default: '100' },
    sides: { type: 'string', default: 'peridot,java' },
    'java-threads': { type: 'string', default: '1' },
    port: { type: 'string', default: '19300' },
    'cpu-prof': { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    note: { type: 'string' },
    timeout: { type: 'string', default: '600' },
    repeat: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '0' },
    baseline: { type: 'string' },
    workload: { type: 'string', default: 'pipeline' },
    'latency-ms': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '256' },
    'java-records': { type: 'string' },
  },
})
const N = Number(opts.records)
const PARTITIONS = Number(opts.partitions)
const COMMIT_MS = Number(opts['commit-interval'])
const sides = opts.sides.split(',').map((s) => s.trim()) as Side[]
const REPEAT = Number(opts.repeat)
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error(`--repeat must be a positive integer, got ${opts.repeat}`)
const WARMUP = Number(opts.warmup)
if (!Number.isInteger(WARMUP) || WARMUP < 0) throw new Error(`--warmup must be a non-negative integer, got ${opts.warmup}`)
type Side = 'peridot' | 'java' | 'baseline'
type Workload = 'pipeline' | 'windowed' | 'join' | 'async-io'
const WORKLOAD = opts.workload as Workload
if (WORKLOAD !== 'pipeline' && WORKLOAD !== 'windowed' && WORKLOAD !== 'join' && WORKLOAD !== 'async-io') throw new Error(`--workload must be pipeline, windowed, join or async-io, got ${opts.workload}`)
/** Workload async-io: keys, the HTTP server's answer delay, Peridot's records in flight per task, the Java side's record count. */
const ASYNC_IO = { keys: 10_000, latencyMs: Number(opts['latency-ms']), concurrency: Number(opts.concurrency), javaRecords: opts['java-records'] === undefined ? N : Number(opts['java-records']) } as const
if (!(ASYNC_IO.javaRecords > 0 && ASYNC_IO.javaRecords <= N)) throw new Error(`--java-records must be between 1 and --records, got ${opts['java-records']}`)
if (WORKLOAD === 'join' && N % 2 !== 0) throw new Error(`--records must be even for --workload join (half orders, half payments), got ${N}`)
/** Windowed workload: keys, the event time of record 0 and the windows (Kafka Streams' TimeWindows). */
// Event times end near now: records older than the topics' retention would be deleted by the broker.
const WINDOWED = { keys: 10_000, baseTs: Math.floor((Date.now() - N - 3_600_000) / 60_000) * 60_000, sizeMs: 300_000, advanceMs: 60_000 } as const
/** Join workload: orders (and as many payments), order event times 10 ms apart ending ~1.5 h before now, the join window either way. */
const JOIN = { orders: N / 2, stepMs: 10, baseTs: Math.floor((Date.now() - (N / 2) * 10 - 3_600_000) / 60_000) * 60_000, windowMs: 300_000 } as const
const LABEL: Record<Side, string> = { peridot: 'Peridot KafkaStreams', java: 'Kafka Streams (Java)', baseline: `Peridot baseline (${opts.baseline ?? '–'})` }
for (const s of sides) if (!(s in LABEL)) throw new Error(`unknown side '${s}' (peridot, java, baseline)`)
if (sides.includes('baseline') && (opts.baseline === undefined || !existsSync(join(opts.baseline, 'bench', 'streams', 'peridot-app.ts')))) {
  throw new Error('--sides baseline needs --baseline <dir>: a checkout of Peridot with bench/streams/peridot-app.ts')
}

interface SideResult {
  side: Side
  /** Input records timed (all of them, or the Java side's prefix). */
  records: number
  seconds: number
  outputRecords: number
  /** Peridot only: its KafkaStreams metrics at the end. */
  metrics?: { commits: number; commitLatencyAvgMs: number; commitLatencyMaxMs: number; recordsProcessed: number }
  /** CPU seconds (user + system, all threads) of the side's process and of the broker during the timed run; Linux only. */
  cpu?: { app: number; broker?: number }
  /** Peak resident set size of the side's process (VmHWM), in MB; Linux only. */
  peakRssMb?: number
  /**
   * Seconds the side's threads were runnable but waited for a CPU (run-queue wait, summed over
   * threads) during the timed run; Linux only. Large next to `cpu.app`: the machine was busy and
   * the side starved, which looks like idling in CPU figures alone.
   */
  runQueueWait?: number
  error?: string
}

/** User + system CPU seconds of a process so far, from /proc (undefined where there is none). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS
  } catch {
    return undefined
  }
}
const CLOCK_TICKS = 100 // USER_HZ on Linux

/** Run-queue wait of a process's threads so far, in seconds (/proc/<pid>/task/<tid>/schedstat, field 2; undefined where there is none). */
function runQueueWaitSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    let ns = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1])
      } catch {
        // The thread exited meanwhile.
      }
    }
    return ns / 1e9
  } catch {
    return undefined
  }
}

/** Peak resident set size (VmHWM) of a process in MB, from /proc (undefined where there is none). */
function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

/** ~75-byte JSON records, keyed by id (pipeline), or by one of WINDOWED.keys ids with event times 1 ms apart (windowed). */
function inputRecord(i: number): { key: Buffer; value: Buffer; timestamp?: number } {
  const id = i + 1
  const value = `{"id":${id},"name":"customer-${String(id).padStart(8, '0')}","amount":${(((id * 7919) % 10000) / 100 + 1).toFixed(2)},"ts":${1700000000000 + id}}`
  if (WORKLOAD === 'windowed') return { key: Buffer.from(`k${i % WINDOWED.keys}`), value: Buffer.from(value), timestamp: WINDOWED.baseTs + i }
  if (WORKLOAD === 'async-io') return { key: Buffer.from(`k${i % ASYNC_IO.keys}`), value: Buffer.from(value) }
  return { key: Buffer.from(String(id)), value: Buffer.from(value) }
}

/**
 * Output records the windowed workload must produce: per partition (one task each), the distinct
 * (key, window) pairs whose window ends at or before the partition's largest event time, which is
 * when suppress(untilWindowCloses) with no grace emits them. Windows as Kafka Streams' TimeWindows.windowsFor.
 */
function expectedWindowedOutput(): number {
  const { sizeMs, advanceMs } = WINDOWED
  const maxTs = new Array<number>(PARTITIONS).fill(-1)
  const partitionOf = new Map<string, number>()
  const windows: Array<Set<string>> = Array.from({ length: PARTITIONS }, () => new Set())
  for (let i = 0; i < N; i++) {
    const r = inputRecord(i)
    const key = r.key.toString()
    let p = partitionOf.get(key)
    if (p === undefined) partitionOf.set(key, (p = partitionForKey(r.key, PARTITIONS)))
    const ts = r.timestamp as number
    if (ts > maxTs[p]) maxTs[p] = ts
    for (let start = Math.floor(Math.max(0, ts - sizeMs + advanceMs) / advanceMs) * advanceMs; start <= ts; start += advanceMs) windows[p].add(`${key}@${start}`)
  }
  let n = 0
  for (let p = 0; p < PARTITIONS; p++) for (const w of windows[p]) if (Number(w.slice(w.lastIndexOf('@') + 1)) + sizeMs <= maxTs[p]) n++
  return n
}

/** Join workload: order i (id i + 1), at JOIN.baseTs + i * JOIN.stepMs. */
function orderRecord(i: number): { key: Buffer; value: Buffer; timestamp: number } {
  const id = i + 1
  const value = `{"id":${id},"customer":"customer-${String(id % 100_000).padStart(6, '0')}","amount":${(((id * 7919) % 10000) / 100 + 1).toFixed(2)}}`
  return { key: Buffer.from(String(id)), value: Buffer.from(value), timestamp: JOIN.baseTs + i * JOIN.stepMs }
}

/**
 * Join workload: payment i. Most pay order i within 4 minutes after it; i % 10 === 8 comes 6 to 9
 * minutes after (outside the window), i % 10 === 9 pays an order id that has no order.
 */
function paymentRecord(i: number): { key: Buffer; value: Buffer; timestamp: number } {
  const orderTs = JOIN.baseTs + i * JOIN.stepMs
  const spread = (i * 7919) % 240_000
  const id = i % 10 === 9 ? JOIN.orders + 1 + i : i + 1
  const timestamp = i % 10 === 8 ? orderTs + 360_000 + (spread % 180_000) : orderTs + spread
  const value = `{"payment":${i + 1},"order":${id},"method":"${i % 3 === 0 ? 'card' : 'transfer'}","amount":${(((i * 7919) % 10000) / 100 + 1).toFixed(2)}}`
  return { key: Buffer.from(String(id)), value: Buffer.from(value), timestamp }
}

/** Join workload: inner join results, one per payment within the window of its order (each key has at most one of each). */
function expectedJoinOutput(): number {
  let n = 0
  for (let i = 0; i < JOIN.orders; i++) {
    const p = paymentRecord(i)
    const id = Number(p.key.toString())
    if (id <= JOIN.orders && Math.abs(p.timestamp - orderRecord(id - 1).timestamp) <= JOIN.windowMs) n++
  }
  return n
}

/** The input topics: the one input topic, or orders and payments (join). */
function inputTopics(runId: string): string[] {
  return WORKLOAD === 'join' ? [`streams-bench-orders-${runId}`, `streams-bench-payments-${runId}`] : [`streams-bench-in-${runId}`]
}

async function produce(client: Client, topic: string, count: number, recordAt: (i: number) => { key: Buffer; value: Buffer; timestamp?: number }): Promise<number> {
  const producer = client.producer({ lingerMs: 5 })
  let bytes = 0
  const chunk = 20_000
  for (let i = 0; i < count; i += chunk) {
    const records = []
    for (let j = i; j < Math.min(count, i + chunk); j++) {
      const r = recordAt(j)
      bytes += r.value.length
      records.push({ topic, key: r.key, value: r.value, timestamp: r.timestamp })
    }
    await producer.sendBatch(records)
  }
  await producer.close()
  return bytes
}

async function produceInput(client: Client, topics: string[]): Promise<number> {
  if (WORKLOAD !== 'join') return produce(client, topics[0], N, inputRecord)
  // Payments in event-time order, as they would arrive: no topic is out of order.
  const payments = Array.from({ length: JOIN.orders }, (_, i) => paymentRecord(i)).sort((a, b) => a.timestamp - b.timestamp)
  return (await produce(client, topics[0], JOIN.orders, orderRecord)) + (await produce(client, topics[1], JOIN.orders, (i) => payments[i]))
}

/** Records of `topic` visible with read_committed, checking that the last stable offset reached the high watermark. */
async function countCommitted(client: Client, topic: string): Promise<{ count: number; openTransactions: boolean }> {
  const fetcher = client.fetcher()
  let count = 0
  let open = false
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      let offset = 0n
      for (;;) {
        const [r] = await fetcher.fetch([{ topic, partition: p, offset, maxBytes: 8 << 20 }], { maxWaitMs: 10, isolationLevel: 'read_committed' })
        if (r.error) throw r.error
        count += r.records.length
        offset = r.nextOffset
        if (offset >= r.lastStableOffset) {
          if (r.lastStableOffset < r.highWatermark) open = true
          break
        }
      }
    }
  } finally {
    await fetcher.close()
  }
  return { count, openTransactions: open }
}

async function committedInput(client: Client, groupId: string, topics: string[]): Promise<number> {
  try {
    const offsets = await client.admin().listGroupOffsets(groupId)
    let sum = 0
    for (const o of offsets) if (topics.includes(o.topic) && o.offset >= 0n) sum += Number(o.offset)
    return sum
  } catch {
    return 0 // the group does not exist yet
  }
}

function waitForLine(child: ChildProcess, line: string, onOther: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.on('line', (l) => {
      if (l.trim() === line) resolve()
      else onOther(l)
    })
    child.once('exit', (code) => reject(new Error(`exited with code ${code} before ${line}`)))
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  // 'close': exited and stdout drained (the METRICS line comes last).
  const exited = new Promise<void>((r) => child.once('close', () => r()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

async function runSide(side: Side, ctx: { client: Client; bootstrap: string; inputs: string[]; runId: string; expectedOutput: number; brokerPid?: number; classpath?: string; classesDir?: string; httpUrl?: string }): Promise<SideResult> {
  // The Java side of async-io may be timed on a prefix of the input (--java-records).
  const target = side === 'java' && WORKLOAD === 'async-io' ? ASYNC_IO.javaRecords : N
  const applicationId = `streams-bench-${side}-${ctx.runId}`
  const output = `streams-bench-out-${side}-${ctx.runId}`
  await ctx.client.createTopic(output, { partitions: PARTITIONS, replicationFactor: 1 })
  const stateDir = mkdtempSync(join(os.tmpdir(), `peridot-streams-bench-${side}-`))
  let child: ChildProcess
  if (side === 'peridot' || side === 'baseline') {
    const appRoot = side === 'peridot' ? root : (opts.baseline as string)
    const args = ['--import', 'tsx']
    if (opts['cpu-prof']) {
      const dir = join(here, '..', 'profiles', 'streams')
      mkdirSync(dir, { recursive: true })
      args.push('--cpu-prof', '--cpu-prof-dir', dir)
    }
    args.push(join(appRoot, 'bench', 'streams', 'peridot-app.ts'))
    const cfg = { bootstrap: ctx.bootstrap, applicationId, input: ctx.inputs[0], payments: ctx.inputs[1], output, commitIntervalMs: COMMIT_MS, stateDir, workload: WORKLOAD, httpUrl: ctx.httpUrl, concurrency: ASYNC_IO.concurrency, partitions: PARTITIONS }
    child = spawn(process.execPath, args, { cwd: appRoot, env: { ...process.env, STREAMS_BENCH: JSON.stringify(cfg) }, stdio: ['ignore', 'pipe', 'pipe'] })
  } else {
    const cp = `${ctx.classpath}:${ctx.classesDir}`
    child = spawn(
      'java',
      ['-Xmx1g', '-cp', cp, 'StreamsBench', ctx.bootstrap, applicationId, ctx.inputs[0], output, String(COMMIT_MS), stateDir, opts['java-threads'], WORKLOAD, ...(WORKLOAD === 'async-io' ? [ctx.httpUrl as string] : ctx.inputs.slice(1))],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
  }
  let stderr = ''
  let metrics: SideResult['metrics']
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  try {
    await waitForLine(child, 'STARTING', (l) => {
      if (l.startsWith('METRICS ')) metrics = JSON.parse(l.slice(8)) as SideResult['metrics']
    })
    const t0 = performance.now()
    const cpu0 = { app: cpuSeconds(child.pid), broker: cpuSeconds(ctx.brokerPid) }
    const wait0 = runQueueWaitSeconds(child.pid)
    const deadline = Date.now() + Number(opts.timeout) * 1000
    let exitCode: number | null = null
    child.once('exit', (code) => (exitCode = code ?? -1))
    for (;;) {
      const done = await committedInput(ctx.client, applicationId, ctx.inputs)
      if (done >= target) break
      if (exitCode !== null) throw new Error(`${side} exited with ${exitCode} after ${done} records: ${stderr.trim().split('\n').slice(-5).join(' | ')}`)
      if (Date.now() > deadline) throw new Error(`${side}: timed out with ${done} of ${N} records committed`)
      await new Promise((r) => setTimeout(r, 25))
    }
    const seconds = (performance.now() - t0) / 1000
    const cpu1 = { app: cpuSeconds(child.pid), broker: cpuSeconds(ctx.brokerPid) }
    const wait1 = runQueueWaitSeconds(child.pid)
    const runQueueWait = wait0 !== undefined && wait1 !== undefined ? wait1 - wait0 : undefined
    const cpu =
      cpu0.app !== undefined && cpu1.app !== undefined
        ? { app: cpu1.app - cpu0.app, broker: cpu0.broker !== undefined && cpu1.broker !== undefined ? cpu1.broker - cpu0.broker : undefined }
        : undefined
    const rss = peakRssMb(child.pid)
    await stopChild(child)
    const { count, openTransactions } = await countCommitted(ctx.client, output)
    // A prefix run (stopped after its target) has at least the target's output, maybe more.
    if (target < N ? count < target : count !== ctx.expectedOutput) throw new Error(`${side}: ${count} records in the output with read_committed, expected ${ctx.expectedOutput}`)
    if (openTransactions) console.error(`  note: ${side} left a transaction open in ${output}`)
    return { side, records: target, seconds, outputRecords: count, metrics, cpu, peakRssMb: rss, runQueueWait }
  } catch (err) {
    return { side, records: target, seconds: NaN, outputRecords: 0, error: (err as Error).message }
  } finally {
    await stopChild(child)
    rmSync(stateDir, { recursive: true, force: true })
  }
}

function fmtRate(x: number): string {
  if (!Number.isFinite(x)) return '–'
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`
  if (x >= 1e4) return `${Math.round(x / 1e3)}k`
  if (x >= 1e3) return `${(x / 1e3).toFixed(2)}k`
  return x.toFixed(0)
}

/** Per side: the run with the median time (failures count as slowest). */
function medians(results: SideResult[]): SideResult[] {
  const out: SideResult[] = []
  for (const side of sides) {
    const runs = results.filter((r) => r.side === side)
    if (runs.some((r) => r.error)) {
      out.push(runs.find((r) => r.error)!)
      continue
    }
    const sorted = [...runs].sort((a, b) => a.seconds - b.seconds)
    out.push(sorted[Math.floor((sorted.length - 1) / 2)])
  }
  return out
}

function table(results: SideResult[], bytes: number): string {
  const base = results.find((r) => r.side === 'peridot' && !r.error)
  const lines = [
    '| side | records/s | MB/s | seconds | ratio to Peridot (records/s) | app CPU µs per record | broker CPU µs per record | peak RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${LABEL[r.side]} | failed | – | – | – | – | – | – |`)
      continue
    }
    const perRecord = (s: number | undefined): string => (s === undefined ? '–' : ((s * 1e6) / r.records).toFixed(1))
    const rate = r.records / r.seconds
    const ratio = base ? `${(rate / (base.records / base.seconds)).toFixed(r.side === 'java' && WORKLOAD === 'async-io' ? 4 : 2)}x` : '–'
    lines.push(`| ${LABEL[r.side]} | ${fmtRate(rate)} | ${((bytes * (r.records / N)) / 1e6 / r.seconds).toFixed(1)} | ${r.seconds.toFixed(2)} | ${r.side === 'peridot' ? '1.00x' : ratio} | ${perRecord(r.cpu?.app)} | ${perRecord(r.cpu?.broker)} | ${r.peakRssMb === undefined ? '–' : r.peakRssMb.toFixed(0)} |`)
  }
  return lines.join('\n')
}

function javaVersion(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' })
  return (r.stderr || r.stdout || 'unavailable').trim().split('\n')[0]
}

const MARK = WORKLOAD === 'pipeline' ? 'bench-streams' : `bench-streams-${WORKLOAD}`
const BEGIN = `<!-- ${MARK}:begin -->`
const END = `<!-- ${MARK}:end -->`
const HEADING = {
  pipeline: 'Streams: exactly-once JSON pipeline (npm run bench:streams)',
  windowed: 'Streams: windowed count with suppression (npm run bench:streams -- --workload windowed)',
  join: 'Streams: stream-stream join of orders and payments (npm run bench:streams -- --workload join)',
  'async-io': 'Streams: I/O-bound pipeline, a 5 ms HTTP call per record (npm run bench:streams -- --workload async-io)',
}[WORKLOAD]

function writeResults(section: string): void {
  const file = join(here, '..', 'RESULTS.md')
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
  const block = `${BEGIN}\n${section}\n${END}`
  const i = text.indexOf(BEGIN)
  const j = text.indexOf(END)
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + END.length) : `${text.trimEnd()}\n\n## ${HEADING}\n\n${block}\n`
  writeFileSync(file, next)
}

async function main(): Promise<void> {
  let broker: LocalBroker | undefined
  let dataDir: string | undefined
  let bootstrap = process.env.KAFKA_CONNECT
  let kafkaVersion = process.env.PERIDOT_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION
  const load = os.loadavg()
  let httpServer: http.Server | undefined
  const cleanup = async (): Promise<void> => {
    httpServer?.closeAllConnections()
    httpServer?.close()
    if (broker && !broker.reused) await broker.stop().catch(() => undefined)
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)))
  try {
    if (!bootstrap) {
      dataDir = mkdtempSync(join(os.tmpdir(), 'peridot-bench-streams-'))
      console.error(`starting Kafka ${kafkaVersion} on 127.0.0.1:${opts.port}`)
      broker = await startLocalBroker({ port: Number(opts.port), dataDir, kafkaVersion, heapMb: 2048 })
      bootstrap = broker.bootstrap
      kafkaVersion = broker.version
    }
    let classpath: string | undefined
    let classesDir: string | undefined
    if (sides.includes('java')) {
      // jackson-databind pinned to the version Kafka 4.x brokers ship, for the JSON serde.
      const jars = await ensureKafkaJars(kafkaVersion, {
        artifacts: ['org.apache.kafka:kafka-streams', 'com.fasterxml.jackson.core:jackson-databind:2.21.2'],
        onProgress: (l) => console.error(l),
      })
      classpath = jars.join(':')
      classesDir = join(here, '..', '.cache', 'streams-java')
      mkdirSync(classesDir, { recursive: true })
      const javac = spawnSync('javac', ['-cp', classpath, '-d', classesDir, join(here, 'java', 'StreamsBench.java')], { encoding: 'utf8' })
      if (javac.status !== 0) throw new Error(`javac failed:\n${javac.stderr}`)
    }
    let httpUrl: string | undefined
    if (WORKLOAD === 'async-io') {
      // The service every record calls: answers each GET after the latency, keep-alive connections.
      httpServer = http.createServer((_req, res) => {
        setTimeout(() => res.end('ok'), ASYNC_IO.latencyMs)
      })
      httpServer.keepAliveTimeout = 60_000
      httpServer.maxRequestsPerSocket = 0
      await new Promise<void>((r) => httpServer!.listen(0, '127.0.0.1', r))
      httpUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/call`
      console.error(`HTTP service at ${httpUrl}, answering after ${ASYNC_IO.latencyMs} ms`)
    }
    const client = await Client.connect({ brokers: [bootstrap], clientId: 'streams-bench' })
    const runId = Date.now().toString(36)
    const inputs = inputTopics(runId)
    for (const t of inputs) await client.createTopic(t, { partitions: PARTITIONS, replicationFactor: 1 })
    console.error(`producing ${N} records to ${inputs.join(' and ')} (${PARTITIONS} partitions)`)
    const bytes = await produceInput(client, inputs)
    console.error(`  ${(bytes / N).toFixed(1)} B per value on average`)
    // The first timed run must not also pay for a broker that has only ever written this data.
    let warm = 0
    for (const t of inputs) warm += (await countCommitted(client, t)).count
    if (warm !== N) throw new Error(`input check: ${warm} records read back, expected ${N}`)
    console.error('  read the input once to warm the broker')
    const expectedOutput = WORKLOAD === 'pipeline' || WORKLOAD === 'async-io' ? N : WORKLOAD === 'windowed' ? expectedWindowedOutput() : expectedJoinOutput()
    if (WORKLOAD === 'windowed' || WORKLOAD === 'join') console.error(`  ${expectedOutput} ${WORKLOAD === 'windowed' ? 'final window counts' : 'join results'} expected in the output`)
    // Untimed rounds: the broker's first runs of a workload (transactions, changelogs, its JIT)
    // cost it up to 3x the CPU of later ones, which would fall on whichever side runs first.
    for (let w = 0; w < WARMUP; w++) {
      for (const side of sides) {
        console.error(`${LABEL[side]} (warm-up ${w + 1} of ${WARMUP}, not counted): running`)
        const r = await runSide(side, { client, bootstrap, inputs, runId: `${runId}-w${w}`, expectedOutput, brokerPid: broker?.pid, classpath, classesDir, httpUrl })
        console.error(r.error ? `  failed: ${r.error}` : `  ${r.seconds.toFixed(2)} s${r.cpu ? `, broker CPU ${r.cpu.broker?.toFixed(1) ?? '–'} s` : ''}`)
        if (r.error) throw new Error(`warm-up run of ${LABEL[side]} failed: ${r.error}`)
      }
    }
    const all: SideResult[] = []
    const roundRatios: string[] = []
    for (let round = 0; round < REPEAT; round++) {
      // Alternate the order so that neither side always runs on the warmer (or busier) machine.
      const order = round % 2 === 0 ? sides : [...sides].reverse()
      const got: SideResult[] = []
      for (const side of order) {
        console.error(`${LABEL[side]}${REPEAT > 1 ? ` (round ${round + 1} of ${REPEAT})` : ''}: running`)
        const r = await runSide(side, { client, bootstrap, inputs, runId: REPEAT > 1 ? `${runId}-${round}` : runId, expectedOutput, brokerPid: broker?.pid, classpath, classesDir, httpUrl })
        console.error(
          r.error
            ? `  failed: ${r.error}`
            : `  ${r.seconds.toFixed(2)} s, ${fmtRate(r.records / r.seconds)} records/s${r.cpu ? `, CPU ${r.cpu.app.toFixed(1)} s (broker ${r.cpu.broker?.toFixed(1) ?? '–'} s)` : ''}${r.runQueueWait !== undefined ? `, waiting for a CPU ${r.runQueueWait.toFixed(1)} s` : ''}`,
        )
        got.push(r)
      }
      all.push(...got)
      const p = got.find((r) => r.side === 'peridot' && !r.error)
      const ratios = got.filter((r) => r.side !== 'peridot' && !r.error).map((o) => `${(p === undefined ? NaN : p.records / p.seconds / (o.records / o.seconds)).toFixed(2)}x${sides.length > 2 ? ` (${o.side})` : ''}`)
      if (p && ratios.length > 0) roundRatios.push(ratios.join(' '))
    }
    await client.close()
    const results = medians(all)
    const md = table(results, bytes)
    const notes = [
      ...(REPEAT > 1
        ? [`- ${REPEAT} rounds, sides alternating first; the table shows each side's median run. Peridot's throughput over the other side's, per round: ${roundRatios.join(', ')}`]
        : []),
      `- ${N.toLocaleString('en-US')} JSON records (${(bytes / N).toFixed(0)} B values, string keys), ${PARTITIONS} partitions, exactly_once_v2, commit interval ${COMMIT_MS} ms; time from start() until the group's committed offsets cover the input (output committed in the same transactions), checked with a read_committed count of the output`,
      ...(WORKLOAD === 'windowed'
        ? [`- windowed: ${WINDOWED.keys.toLocaleString('en-US')} keys, event times 1 ms apart, count per key in 5-minute windows advancing by 1 minute (each record updates 5 windows), suppress(untilWindowCloses(unbounded)), time-windowed key serde; ${expectedOutput.toLocaleString('en-US')} final counts expected and found`]
        : []),
      ...(WORKLOAD === 'join'
        ? [
            `- join: ${JOIN.orders.toLocaleString('en-US')} orders and ${JOIN.orders.toLocaleString('en-US')} payments (the records above, two topics of ${PARTITIONS} partitions, keyed by order id), orders 10 ms of event time apart, payments in event-time order within 4 minutes after their order except 10% 6-9 minutes after and 10% for ids without an order; inner join within 5 minutes (JoinWindows.ofTimeDifferenceWithNoGrace), JSON joined value; ${expectedOutput.toLocaleString('en-US')} results expected and found`,
          ]
        : []),
      ...(WORKLOAD === 'async-io'
        ? [
            `- async-io: ${ASYNC_IO.keys.toLocaleString('en-US')} keys; each record waits for a GET to a local HTTP server (in the bench's process, keep-alive) that answers after ${ASYNC_IO.latencyMs} ms; Peridot: \`mapValuesAsync\` with concurrency ${ASYNC_IO.concurrency} per task (keyed: one record per key at a time), Node http.Agent with keep-alive and as many sockets kept open as calls can be in flight (concurrency x partitions), timeoutMs 30000 with the call's AbortSignal passed to http.get; Kafka Streams: \`mapValues\` calling java.net.http.HttpClient.send (synchronous, one record at a time per stream thread, one HttpClient whose pool keeps its connection alive)`,
            ...(ASYNC_IO.javaRecords < N
              ? [`- Kafka Streams was timed on its first ${ASYNC_IO.javaRecords.toLocaleString('en-US')} records (until its group committed that many input offsets): the whole input would take ~${Math.round(N / (ASYNC_IO.javaRecords / (results.find((r) => r.side === 'java')?.seconds ?? NaN)) / 60)} minutes at its rate; records/s is each side's own count over its own time`]
              : []),
          ]
        : []),
      '- peak RSS: VmHWM of the side\'s process (the JVM has -Xmx1g)',
      ...(results.some((r) => r.runQueueWait !== undefined && r.cpu !== undefined)
        ? [
            `- CPU and run-queue wait (runnable, no CPU free; summed over threads) of each side during the timed run: ${results
              .filter((r) => r.runQueueWait !== undefined && r.cpu !== undefined)
              .map((r) => `${LABEL[r.side]} ${r.cpu!.app.toFixed(1)} s CPU, ${r.runQueueWait!.toFixed(1)} s waiting`)
              .join('; ')}`,
          ]
        : []),
      '- before the timed runs the input is read back once (broker warm-up, input check)',
      ...(WARMUP > 0 ? [`- before the timed rounds each side ran the workload ${WARMUP === 1 ? 'once' : `${WARMUP} times`} untimed (--warmup ${WARMUP}): the broker's first runs cost it more CPU than later ones`] : []),
      `- Kafka Streams: ${opts['java-threads']} stream thread(s), Jackson ObjectMapper readTree/writeValueAsBytes; Peridot: one Node.js event loop, Serdes.json()`,
      `- date: ${new Date().toISOString()}; machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load average at start ${load.map((x) => x.toFixed(2)).join(' ')}`,
      `- Node ${process.version}; ${javaVersion()}; Kafka broker ${kafkaVersion}${process.env.KAFKA_CONNECT ? ` at ${process.env.KAFKA_CONNECT}` : ' (local, started by the bench)'}`,
      ...results
        .filter((r) => r.metrics)
        .map((r) => `- ${LABEL[r.side]}: ${r.metrics!.commits} commits, ${r.metrics!.commitLatencyAvgMs.toFixed(1)} ms per commit on average (max ${r.metrics!.commitLatencyMaxMs.toFixed(0)} ms)`),
      ...(opts.note ? [`- note: ${opts.note}`] : []),
      ...all.filter((r) => r.error).map((r) => `- ${LABEL[r.side]} failed: ${r.error}`),
    ]
    const section = `${md}\n\n${notes.join('\n')}`
    console.log(`\n${section}\n`)
    if (opts.write) writeResults(section)
    if (all.some((r) => r.error)) process.exitCode = 1
  } finally {
    await cleanup()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
