// `peridot broker start|stop|status`: the local development broker from src/dev.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  DEFAULT_KAFKA_VERSION,
  DEFAULT_PORT,
  localBrokerStatus,
  localClusterStatus,
  resolveClusterDir,
  resolveDataDir,
  startLocalBroker,
  startLocalCluster,
  stopLocalBroker,
  stopLocalCluster,
  type LocalBrokerOptions,
} from '../../dev/index.js'
import { parseCommandArgs } from '../args.js'
import { UsageError } from '../errors.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot broker <start|stop|status> [options]

Runs a single-node Apache Kafka broker (KRaft) on 127.0.0.1 from jars fetched once from Maven
Central (needs Java 17+ and Maven), or with --nodes N a cluster of N nodes (each a broker and a
KRaft controller). It keeps running after "start" returns.

Commands:
  start    start the broker (or find the one already running) and print its bootstrap address
  stop     stop it (data is kept; "start" again resumes with the same data)
  status   print whether it runs and where

Options:
  --kafka-version V   Kafka version (default ${DEFAULT_KAFKA_VERSION}; 3.9.2 is tested too)
  --port N            client port (default ${DEFAULT_PORT}); with --nodes N, the nodes use N
                      consecutive client ports from it and their controllers the next N
  --nodes N           start a cluster of N nodes (1-9) instead of a single broker
  --racks a,b,c       broker.rack of each cluster node, one per node (with --nodes)
  --controller-port N KRaft controller port (default: any free port)
  --data-dir DIR      data dir (default .peridot/kafka-<version> in the current directory;
                      .peridot/cluster-<version> with --nodes)
  --heap-mb N         JVM max heap in MB (default 1024; 384 per node with --nodes)
  -q, --quiet         no progress output on stderr
  -h, --help          this help

"stop" and "status" without --data-dir or --kafka-version act on every broker and cluster under
./.peridot/, and on every node of a cluster. "start" prints only the bootstrap address on stdout
(comma-separated host:port of every node for a cluster), e.g. BOOTSTRAP=$(peridot broker start).`

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
    nodes: { type: 'string' },
    racks: { type: 'string' },
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
  let nodes: number | undefined
  if (values.nodes !== undefined) {
    nodes = Number(values.nodes)
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new UsageError(`--nodes must be an integer from 1 to 9, got "${values.nodes}"`)
  }
  let racks: string[] | undefined
  if (values.racks !== undefined) {
    racks = values.racks.split(',').map((r) => r.trim())
    if (nodes === undefined) throw new UsageError('--racks needs --nodes')
    if (racks.length !== nodes || racks.some((r) => r === '')) {
      throw new UsageError(`--racks must name one rack per node (${nodes}), got "${values.racks}"`)
    }
  }
  if (nodes !== undefined && values['controller-port'] !== undefined) {
    throw new UsageError('--controller-port is for a single broker; cluster nodes use the ports after their client ports')
  }
  const opts: BrokerTarget = {
    kafkaVersion: version,
    port: parsePort('port', values.port),
    controllerPort: parsePort('controller-port', values['controller-port']),
    dataDir: values['data-dir'],
    heapMb,
    cluster: nodes !== undefined,
    nodes,
    racks,
  }
  return { opts, positionals, help: values.help, quiet: values.quiet }
}

/** A single broker's options, or a cluster's when `nodes` is set. */
interface BrokerTarget extends LocalBrokerOptions {
  /** A cluster (of `nodes` nodes when starting one). */
  cluster?: boolean
  nodes?: number
  racks?: string[]
}

/** Whether a data dir holds a cluster (its layout file) rather than a single broker. */
const isClusterDir = (dir: string) => existsSync(join(dir, 'cluster.json'))

/**
 * Data dirs of brokers and clusters started with the default layout under ./.peridot (for
 * stop/status without options).
 */
function defaultLayoutDataDirs(): string[] {
  const root = join(process.cwd(), '.peridot')
  if (!existsSync(root)) return []
  return readdirSync(root)
    .filter(
      (n) =>
        (n.startsWith('kafka-') && existsSync(join(root, n, 'broker.json'))) || (n.startsWith('cluster-') && isClusterDir(join(root, n))),
    )
    .map((n) => join(root, n))
}

function targets(opts: BrokerTarget): BrokerTarget[] {
  if (opts.cluster) return [opts]
  if (opts.dataDir !== undefined || opts.kafkaVersion !== undefined) {
    // An explicit cluster dir, or a version whose only local install is a cluster.
    if (opts.dataDir === undefined && !existsSync(resolveDataDir(opts)) && isClusterDir(resolveClusterDir(opts))) {
      return [{ ...opts, cluster: true }]
    }
    return [opts.dataDir !== undefined && isClusterDir(opts.dataDir) ? { ...opts, cluster: true } : opts]
  }
  const found = defaultLayoutDataDirs()
  return found.length > 0 ? found.map((dataDir) => (isClusterDir(dataDir) ? { dataDir, cluster: true } : { dataDir })) : [opts]
}

async function startCluster(opts: BrokerTarget, quiet: boolean): Promise<number> {
  const t0 = Date.now()
  const cluster = await startLocalCluster({ ...opts, onProgress: quiet ? undefined : (line) => console.error(line) })
  if (!quiet) {
    const what = cluster.reused ? 'already running' : `started in ${((Date.now() - t0) / 1000).toFixed(1)} s`
    console.error(`Kafka ${cluster.version} cluster of ${cluster.nodes.length} nodes ${what} (data ${cluster.dataDir})`)
  }
  console.log(cluster.bootstrap)
  return 0
}

async function start(opts: BrokerTarget, quiet: boolean): Promise<number> {
  // --nodes 1 is a one-node cluster; no --nodes keeps the single broker exactly as before.
  if (opts.cluster) return startCluster(opts, quiet)
  const t0 = Date.now()
  const broker = await startLocalBroker({ ...opts, onProgress: quiet ? undefined : (line) => console.error(line) })
  if (!quiet) {
    const what = broker.reused ? 'already running' : `started in ${((Date.now() - t0) / 1000).toFixed(1)} s`
    console.error(`Kafka ${broker.version} ${what} (pid ${broker.pid}, data ${broker.dataDir})`)
  }
  console.log(broker.bootstrap)
  return 0
}

async function stop(opts: BrokerTarget, quiet: boolean): Promise<number> {
  for (const target of targets(opts)) {
    if (target.cluster) {
      const stopped = await stopLocalCluster(target)
      if (!quiet) console.error(stopped ? `Stopped the cluster in ${resolveClusterDir(target)}` : `No cluster running in ${resolveClusterDir(target)}`)
      continue
    }
    const dataDir = resolveDataDir(target)
    const stopped = await stopLocalBroker(target)
    if (!quiet) console.error(stopped ? `Stopped the broker in ${dataDir}` : `No broker running in ${dataDir}`)
  }
  return 0
}

async function status(opts: BrokerTarget): Promise<number> {
  let anyRunning = false
  for (const target of targets(opts)) {
    if (target.cluster) {
      const c = await localClusterStatus(target)
      if (c.nodes.length === 0) console.log(`stopped  ${c.dataDir}`)
      for (const n of c.nodes) {
        const rack = n.rack !== undefined ? `  rack ${n.rack}` : ''
        if (n.running) anyRunning = true
        if (n.running || n.starting) {
          console.log(`${n.running ? 'running ' : 'starting'} ${n.bootstrap}  kafka ${c.version}  node ${n.nodeId}${rack}  pid ${n.pid}  ${n.dataDir}`)
        } else {
          console.log(`stopped  ${n.bootstrap}  node ${n.nodeId}${rack}  ${n.dataDir}`)
        }
      }
      continue
    }
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
