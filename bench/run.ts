/**
 * `npm run bench`: throughput, latency and codec benchmarks of Peridot against its peers,
 * every client in its own child process, all against the same broker.
 * Options: see bench/README.md.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Client } from '../src/index.js'
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars, startLocalBroker, type LocalBroker } from '../src/dev/index.js'
import type { Job, JobKind, JobResult, LatencyResult, ThroughputResult, CodecResult } from './common.js'
import { markdownTable, type Row } from './table.js'

const benchDir = dirname(fileURLToPath(import.meta.url))
const root = dirname(benchDir)

const ALL_CLIENTS = ['peridot', 'peridot-send', 'peridot-pc', 'kafkajs', 'platformatic', 'java'] as const
type ClientName = (typeof ALL_CLIENTS)[number]
const LABELS: Record<string, string> = {
  peridot: 'Peridot',
  'peridot-send': 'Peridot send()',
  'peridot-pc': 'Peridot PartitionClient',
  kafkajs: 'KafkaJS',
  platformatic: '@platformatic/kafka',
  java: 'Java perf tools',
}
const CODEC_CLIENTS: ClientName[] = ['peridot', 'kafkajs']

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string', default: 'produce,fetch,latency,codec,fetch-sessions' },
    clients: { type: 'string', default: ALL_CLIENTS.join(',') },
    records: { type: 'string', default: '1000000' },
    sizes: { type: 'string', default: '100,1024' },
    'batch-bytes': { type: 'string', default: String(256 * 1024) },
    linger: { type: 'string', default: '5' },
    'latency-rate': { type: 'string', default: '1000' },
    'latency-seconds': { type: 'string', default: '10' },
    'latency-size': { type: 'string', default: '100' },
    port: { type: 'string', default: '19200' },
    repeat: { type: 'string', default: '1' },
    'cpu-prof': { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    note: { type: 'string', default: '' },
  },
})

const only = new Set(opts.only.split(',') as Array<JobKind | 'fetch-sessions'>)
const clients = opts.clients.split(',').filter((c): c is ClientName => (ALL_CLIENTS as readonly string[]).includes(c))
const records = Number(opts.records)
/** Produce and fetch runs per client (median reported). */
const repeat = Math.max(1, Math.floor(Number(opts.repeat)) || 1)
const sizes = opts.sizes.split(',').map(Number)
const base: Omit<Job, 'kind' | 'topic' | 'partitions' | 'recordSize'> = {
  bootstrap: '',
  records,
  batchBytes: Number(opts['batch-bytes']),
  lingerMs: Number(opts.linger),
  rate: Number(opts['latency-rate']),
  seconds: Number(opts['latency-seconds']),
}

/** The machine's own node: the first on PATH outside node_modules. */
function systemNode(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.includes('node_modules')) continue
    const p = join(dir, 'node')
    if (existsSync(p)) return p
  }
  return process.execPath
}
const NODE = systemNode()
/**
 * @platformatic/kafka needs Node >= 22. When the machine's Node is older, the bench installs the
 * `node` npm package (24.x) once into bench/.cache/node24 (gitignored) and runs that client on it.
 */
const NODE24_DIR = join(benchDir, '.cache', 'node24')
const NODE24 = join(NODE24_DIR, 'node_modules', 'node', 'bin', 'node')
let newNode: string | undefined

function majorOf(node: string): number {
  return Number(/^v(\d+)/.exec(commandVersion(node, ['-v']))?.[1] ?? 0)
}

/** A Node >= 22 for @platformatic/kafka: the machine's own when new enough, else the cached one. */
function ensureNewNode(): string {
  if (newNode) return newNode
  if (majorOf(NODE) >= 22) return (newNode = NODE)
  if (!existsSync(NODE24) || majorOf(NODE24) < 22) {
    console.error(`@platformatic/kafka needs Node >= 22 (this machine has ${commandVersion(NODE, ['-v'])}): installing node@24 from npm into ${NODE24_DIR} (once)`)
    execFileSync('npm', ['install', '--prefix', NODE24_DIR, '--no-audit', '--no-fund', '--no-save', 'node@24'], { stdio: ['ignore', 'inherit', 'inherit'] })
    if (majorOf(NODE24) < 22) throw new Error(`could not get Node >= 22 at ${NODE24}`)
  }
  return (newNode = NODE24)
}

function nodeFor(client: ClientName): string {
  return client === 'platformatic' ? ensureNewNode() : NODE
}

/** Peridot's module runs several APIs: the client name picks the variant. */
const PERIDOT_VARIANTS: Partial<Record<ClientName, string>> = { 'peridot-send': 'send', 'peridot-pc': 'partition-client' }

/** Median (the lower middle one for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]
}

/** Runs one job in a child process; resolves with its JSON result. */
function runJob(client: ClientName, job: Job): Promise<JobResult> {
  const args = ['--import', 'tsx']
  if (opts['cpu-prof'] && client.startsWith('peridot')) args.push('--cpu-prof', `--cpu-prof-dir=${join(benchDir, 'profiles', `${job.kind}-${job.recordSize}-${client}`)}`)
  args.push(join(benchDir, 'clients', `${client.startsWith('peridot') ? 'peridot' : client}.ts`))
  const variant = PERIDOT_VARIANTS[client]
  if (variant) job = { ...job, variant }
  return new Promise((resolve, reject) => {
    const child = spawn(nodeFor(client), args, { cwd: root, env: { ...process.env, BENCH_JOB: JSON.stringify(job) }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as JobResult)
      else reject(new Error(`${client} ${job.kind} exited ${code}: ${(err || out).trim().split('\n').slice(-8).join('\n')}`))
    })
  })
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}

function commandVersion(cmd: string, args: string[]): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return out.trim().split('\n')[0]
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr
    return stderr ? stderr.trim().split('\n')[0] : 'unavailable'
  }
}

function javaVersion(): string {
  // `java -version` prints on stderr.
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' })
  return (r.stderr || r.stdout || 'unavailable').trim().split('\n').slice(0, 2).join('; ')
}

async function main(): Promise<void> {
  const startedAt = new Date()
  const load = os.loadavg()
  let broker: LocalBroker | undefined
  let dataDir: string | undefined
  let bootstrap = process.env.KAFKA_CONNECT
  let kafkaVersion = process.env.PERIDOT_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION
  const cleanup = async () => {
    if (broker && !broker.reused) await broker.stop().catch(() => undefined)
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)))
  try {
    if (!bootstrap) {
      dataDir = mkdtempSync(join(os.tmpdir(), 'peridot-bench-'))
      console.error(`starting Kafka ${kafkaVersion} on 127.0.0.1:${opts.port} (data in ${dataDir})`)
      broker = await startLocalBroker({ port: Number(opts.port), dataDir, kafkaVersion, heapMb: 2048 })
      bootstrap = broker.bootstrap
      kafkaVersion = broker.version
    }
    let classpath: string | undefined
    if (clients.includes('java') && (only.has('produce') || only.has('fetch') || only.has('latency'))) {
      classpath = (await ensureKafkaJars(kafkaVersion, { artifacts: ['org.apache.kafka:kafka-tools'] })).join(':')
    }
    const admin = await Client.connect({ brokers: [bootstrap], clientId: 'bench-admin' })
    const runId = Date.now().toString(36)
    const rows: Row[] = []
    const failures: string[] = []
    const run = async (client: ClientName, job: Job): Promise<JobResult | string> => {
      console.error(`${LABELS[client]}: ${job.kind} ${job.recordSize} B x ${job.records}`)
      try {
        const r = await runJob(client, { ...job, classpath: client === 'java' ? classpath : undefined })
        console.error(`  -> ${JSON.stringify(r)}`)
        return r
      } catch (e) {
        const msg = (e as Error).message
        console.error(`  failed: ${msg}`)
        failures.push(`${LABELS[client]} ${job.kind} ${job.recordSize} B: ${msg.split('\n')[0]}`)
        return 'failed'
      }
    }
    const topic = async (name: string, partitions: number) => {
      await admin.createTopic(name, { partitions, replicationFactor: 1 })
      return name
    }
    /**
     * Runs every client `repeat` times, interleaved (A B C A B C ...), and reports each one's
     * median, so a burst of load from elsewhere on the machine does not decide a ratio.
     */
    const throughput = async (name: string, runners: ClientName[], jobFor: (c: ClientName, rep: number) => Promise<Job>) => {
      const rates = new Map<ClientName, Array<{ rps: number; mbs: number }>>()
      for (let r = 0; r < repeat; r++) {
        for (const c of runners) {
          const res = await run(c, await jobFor(c, r))
          if (typeof res === 'string') continue
          const tr = res as ThroughputResult
          const list = rates.get(c) ?? []
          list.push({ rps: tr.records / tr.seconds, mbs: tr.bytes / tr.seconds / 1e6 })
          rates.set(c, list)
        }
      }
      const rps: Row = { name, unit: 'records/s', values: {} }
      const mbs: Row = { name, unit: 'MB/s', values: {} }
      for (const c of runners) {
        const list = rates.get(c)
        if (!list) {
          rps.values[c] = mbs.values[c] = 'failed'
          continue
        }
        rps.values[c] = median(list.map((x) => x.rps))
        mbs.values[c] = median(list.map((x) => x.mbs))
      }
      rows.push(rps, mbs)
    }

    for (const size of sizes) {
      const job = (kind: JobKind, t: string, partitions = 3): Job => ({ ...base, bootstrap: bootstrap!, kind, topic: t, partitions, recordSize: size })
      let fetchTopic: string | undefined
      if (only.has('produce')) {
        await throughput(`produce ${size} B`, clients, async (c, r) => {
          const t = await topic(`bench-${runId}-${size}-${c}${r > 0 ? `-${r}` : ''}`, 3)
          if (c === 'peridot') fetchTopic ??= t
          return job('produce', t)
        })
      }
      if (only.has('fetch')) {
        if (!fetchTopic) {
          fetchTopic = await topic(`bench-${runId}-${size}-fill`, 3)
          const r = await run('peridot', job('produce', fetchTopic))
          if (typeof r === 'string') throw new Error('could not fill the fetch topic')
        }
        const t = fetchTopic
        // Fetch: Peridot = Client.fetchMany, Peridot PartitionClient = consume() per partition.
        await throughput(`fetch ${size} B`, clients.filter((x) => x !== 'peridot-send'), async () => job('fetch', t))
      }
    }
    if (only.has('latency')) {
      const size = Number(opts['latency-size'])
      const p50: Row = { name: `latency ${size} B @ ${base.rate}/s`, unit: 'p50 ms', lowerIsBetter: true, values: {} }
      const p99: Row = { name: `latency ${size} B @ ${base.rate}/s`, unit: 'p99 ms', lowerIsBetter: true, values: {} }
      for (const c of clients.filter((x) => x !== 'peridot-pc' && x !== 'peridot-send')) {
        const t = await topic(`bench-${runId}-latency-${c}`, 1)
        const r = await run(c, { ...base, bootstrap, kind: 'latency', topic: t, partitions: 1, recordSize: size, records: base.rate * base.seconds })
        if (typeof r === 'string') p50.values[c] = p99.values[c] = r
        else {
          p50.values[c] = (r as LatencyResult).p50Ms
          p99.values[c] = (r as LatencyResult).p99Ms
        }
      }
      rows.push(p50, p99)
    }
    if (only.has('codec')) {
      for (const size of sizes) {
        const enc: Row = { name: `codec encode ${size} B`, unit: 'MB/s', values: {} }
        const dec: Row = { name: `codec decode ${size} B`, unit: 'MB/s', values: {} }
        for (const c of clients.filter((x) => CODEC_CLIENTS.includes(x))) {
          const r = await run(c, { ...base, bootstrap, kind: 'codec', topic: '', partitions: 1, recordSize: size })
          if (typeof r === 'string') enc.values[c] = dec.values[c] = r
          else {
            enc.values[c] = (r as CodecResult).encodeMBps
            dec.values[c] = (r as CodecResult).decodeMBps
          }
        }
        rows.push(enc, dec)
      }
    }
    await admin.close()

    const table = markdownTable(rows, [...clients], LABELS)
    const env = [
      `- date: ${startedAt.toISOString()}`,
      `- machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load average at start ${load.map((l) => l.toFixed(2)).join(' ')}`,
      `- Node: ${commandVersion(NODE, ['-v'])} (Peridot, KafkaJS, Java tool wrapper)${newNode && newNode !== NODE ? `; ${commandVersion(newNode, ['-v'])} (@platformatic/kafka, from ${newNode.slice(root.length + 1)})` : ''}`,
      `- Java: ${javaVersion()}; Kafka broker ${kafkaVersion}${process.env.KAFKA_CONNECT ? ` at ${process.env.KAFKA_CONNECT}` : ' (local, started by the bench)'}`,
      `- peers: kafkajs ${versionOf('kafkajs')}, @platformatic/kafka ${versionOf('@platformatic/kafka')}, Java perf tools (kafka-tools ${kafkaVersion})`,
      `- settings: ${records} records per produce/fetch run${repeat > 1 ? ` (median of ${repeat} runs per client, interleaved)` : ''}, 3 partitions, acks=all, no compression, batch ${base.batchBytes} B per partition, linger ${base.lingerMs} ms; latency ${base.rate}/s for ${base.seconds} s`,
    ]
    if (opts.note) env.push(`- note: ${opts.note}`)
    const report = [`${table}`, '', 'Ratio in parentheses: client ÷ Peridot (throughput: below 1 means Peridot is faster; latency: above 1 means Peridot is faster).', '', ...env]
    if (only.has('fetch-sessions')) {
      // Incremental fetch requests (KIP-227) against full ones, on a private broker whose CPU time
      // it can attribute (bench/fetch-sessions.ts).
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, 'fetch-sessions.ts'), '--seconds', '15'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      if (r.status === 0) report.push(r.stdout.trimEnd())
      else failures.push(`fetch-sessions: exit ${r.status ?? r.signal}`)
    }
    if (failures.length > 0) report.push('', 'Failures:', ...failures.map((f) => `- ${f}`))
    console.log(report.join('\n'))
    if (opts.write) writeResults(report.join('\n'))
  } finally {
    await cleanup()
  }
}

/** Replaces the generated section of bench/RESULTS.md, keeping the hand-written notes around it. */
function writeResults(section: string): void {
  const file = join(benchDir, 'RESULTS.md')
  const begin = '<!-- bench:begin -->'
  const end = '<!-- bench:end -->'
  const old = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmark results\n\n${begin}\n${end}\n`
  const a = old.indexOf(begin)
  const b = old.indexOf(end)
  const body = `${begin}\n${section}\n${end}`
  writeFileSync(file, a >= 0 && b > a ? old.slice(0, a) + body + old.slice(b + end.length) : `${old}\n${body}\n`)
  console.error(`wrote ${file}`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
