// `peridot broker start|stop|status`: the local development broker from src/dev.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  DEFAULT_KAFKA_VERSION,
  DEFAULT_PORT,
  localBrokerStatus,
  resolveDataDir,
  startLocalBroker,
  stopLocalBroker,
  type LocalBrokerOptions,
} from '../../dev/index.js'
import { parseCommandArgs } from '../args.js'
import { UsageError } from '../errors.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot broker <start|stop|status> [options]

Runs a single-node Apache Kafka broker (KRaft) on 127.0.0.1 from jars fetched once from Maven
Central (needs Java 17+ and Maven). It keeps running after "start" returns.

Commands:
  start    start the broker (or find the one already running) and print its bootstrap address
  stop     stop it (data is kept; "start" again resumes with the same data)
  status   print whether it runs and where

Options:
  --kafka-version V   Kafka version (default ${DEFAULT_KAFKA_VERSION}; 3.9.2 is tested too)
  --port N            client port (default ${DEFAULT_PORT})
  --controller-port N KRaft controller port (default: any free port)
  --data-dir DIR      data dir (default .peridot/kafka-<version> in the current directory)
  --heap-mb N         JVM max heap in MB (default 1024)
  -q, --quiet         no progress output on stderr
  -h, --help          this help

"stop" and "status" without --data-dir or --kafka-version act on every broker under ./.peridot/.
"start" prints only the bootstrap address on stdout, e.g. BOOTSTRAP=$(peridot broker start).`

function parsePort(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number (1-65535), got "${value}"`)
  return n
}

function parseOptions(args: string[]) {
  const { values, positionals } = parseCommandArgs('broker', args, {
    'kafka-version': { type: 'string' },
    port: { type: 'string' },
    'controller-port': { type: 'string' },
    'data-dir': { type: 'string' },
    'heap-mb': { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  })
  const version = values['kafka-version']
  if (version !== undefined && !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new UsageError(`--kafka-version must look like 4.3.1, got "${version}"`)
  }
  let heapMb: number | undefined
  if (values['heap-mb'] !== undefined) {
    heapMb = Number(values['heap-mb'])
    if (!Number.isInteger(heapMb) || heapMb < 128) throw new UsageError('--heap-mb must be an integer >= 128')
  }
  const opts: LocalBrokerOptions = {
    kafkaVersion: version,
    port: parsePort('port', values.port),
    controllerPort: parsePort('controller-port', values['controller-port']),
    dataDir: values['data-dir'],
    heapMb,
  }
  return { opts, positionals, help: values.help, quiet: values.quiet }
}

/** Data dirs of brokers started with the default layout under ./.peridot (for stop/status without options). */
function defaultLayoutDataDirs(): string[] {
  const root = join(process.cwd(), '.peridot')
  if (!existsSync(root)) return []
  return readdirSync(root)
    .filter((n) => n.startsWith('kafka-') && existsSync(join(root, n, 'broker.json')))
    .map((n) => join(root, n))
}

function targets(opts: LocalBrokerOptions): LocalBrokerOptions[] {
  if (opts.dataDir !== undefined || opts.kafkaVersion !== undefined) return [opts]
  const found = defaultLayoutDataDirs()
  return found.length > 0 ? found.map((dataDir) => ({ dataDir })) : [opts]
}

async function start(opts: LocalBrokerOptions, quiet: boolean): Promise<number> {
  const t0 = Date.now()
  const broker = await startLocalBroker({ ...opts, onProgress: quiet ? undefined : (line) => console.error(line) })
  if (!quiet) {
    const what = broker.reused ? 'already running' : `started in ${((Date.now() - t0) / 1000).toFixed(1)} s`
    console.error(`Kafka ${broker.version} ${what} (pid ${broker.pid}, data ${broker.dataDir})`)
  }
  console.log(broker.bootstrap)
  return 0
}

async function stop(opts: LocalBrokerOptions, quiet: boolean): Promise<number> {
  for (const target of targets(opts)) {
    const dataDir = resolveDataDir(target)
    const stopped = await stopLocalBroker(target)
    if (!quiet) console.error(stopped ? `Stopped the broker in ${dataDir}` : `No broker running in ${dataDir}`)
  }
  return 0
}

async function status(opts: LocalBrokerOptions): Promise<number> {
  let anyRunning = false
  for (const target of targets(opts)) {
    const s = await localBrokerStatus(target)
    if (s.running) {
      anyRunning = true
      console.log(`running  ${s.bootstrap}  kafka ${s.version}  pid ${s.pid}  ${s.dataDir}`)
    } else if (s.starting) {
      console.log(`starting ${s.bootstrap}  kafka ${s.version}  pid ${s.pid}  ${s.dataDir}`)
    } else {
      console.log(`stopped  ${s.dataDir}`)
    }
  }
  // Exit code 3 like `systemctl status` for "not running", so scripts can test it.
  return anyRunning ? 0 : 3
}

/** The `broker` command group. */
export const brokerCommand: Command = {
  name: 'broker',
  summary: 'start, stop or inspect a local Kafka broker (no Docker needed)',
  async run(args) {
    let parsed: ReturnType<typeof parseOptions>
    try {
      parsed = parseOptions(args)
    } catch (err) {
      if (err instanceof UsageError) throw err
      // parseArgs errors (unknown option, missing value) are usage errors too.
      throw new UsageError(`${err instanceof Error ? err.message : String(err)} (see "peridot broker --help")`)
    }
    const { opts, positionals, help, quiet } = parsed
    const [sub, ...extra] = positionals
    if (help) {
      console.log(HELP)
      return 0
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`)
    switch (sub) {
      case 'start':
        return start(opts, quiet)
      case 'stop':
        return stop(opts, quiet)
      case 'status':
        return status(opts)
      case undefined:
        console.error(HELP)
        return 1
      default:
        throw new UsageError(`unknown broker command "${sub}" (expected start, stop or status)`)
    }
  },
}
