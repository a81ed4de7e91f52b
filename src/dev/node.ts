// One Kafka JVM process run from a data dir: config and logging files, storage format, a detached
// spawn, readiness, and stopping or killing it. The single broker (broker.ts) and the multi-node
// cluster (cluster.ts) both run their nodes through this; everything needed to find a node again
// lives in its data dir (state file, config, cluster id, log).
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loggingConfig, randomClusterId, renderProperties } from './kafka-config.js'
import { probeKafka } from './probe.js'
import { DevToolError, run, tailLines } from './process.js'

/** File names inside a node's data dir. */
export const STATE_FILE = 'broker.json'
export const LOG_FILE = 'broker.log'
export const CLUSTER_ID_FILE = 'cluster-id'
const STOP_TIMEOUT_MS = 30_000

/** What a node's state file records about its running process. */
export interface NodeState {
  pid: number
  host: string
  port: number
  controllerPort: number
  version: string
  startedAt: string
}

/** Inputs for {@link launchNode}. */
export interface LaunchNodeOptions {
  java: string
  classpath: string
  version: string
  host: string
  port: number
  controllerPort: number
  dataDir: string
  /** Complete server.properties of the node (log.dirs included). */
  properties: Record<string, string>
  heapMb: number
  /** Cluster id to format storage with when the data dir has none yet; default: a new random one. */
  clusterId?: string
  /** Extra arguments of `StorageTool format` (e.g. `--add-scram`). */
  formatArgs?: string[]
  /** Extra JVM flags, placed before the classpath. */
  jvmFlags?: string[]
  progress: (line: string) => void
}

/** A node process just spawned by {@link launchNode}. */
export interface LaunchedNode {
  state: NodeState
  /** False once the process has exited. */
  alive(): boolean
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** The node's state file, or undefined when there is none (never started, or stopped). */
export async function readState(dataDir: string): Promise<NodeState | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as NodeState
  } catch {
    return undefined
  }
}

/** Whether pid is alive and, where /proc exists, really a Kafka broker using this data dir. */
export function isOurBroker(pid: number, dataDir: string): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false // ESRCH: gone; EPERM: someone else's process
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    // The properties file path ends the command line: match it exactly, so node-1 is not node-10.
    return cmdline.includes('kafka.Kafka') && cmdline.includes(join(dataDir, 'server.properties'))
  } catch {
    return true // no /proc (macOS): trust the pid
  }
}

/** The last lines of a node's log, for error messages. */
export async function logTail(logFile: string, lines = 30): Promise<string> {
  try {
    const fh = await open(logFile, 'r')
    try {
      const { size } = await fh.stat()
      const len = Math.min(size, 64 * 1024)
      const buf = Buffer.alloc(len)
      await fh.read(buf, 0, len, size - len)
      return tailLines(buf.toString('utf8'), lines)
    } finally {
      await fh.close()
    }
  } catch {
    return '(no broker log)'
  }
}

/** JVM flags of a node: heap, GC, logging config and classpath. */
function jvmArgs(dataDir: string, heapMb: number, loggingFlag: string, classpath: string, extra: string[] = []): string[] {
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${dataDir}`,
    loggingFlag,
    ...extra,
    '-cp',
    classpath,
  ]
}

/**
 * Writes the node's config and logging files, formats its storage the first time (the cluster id
 * and all data must survive restarts), spawns `kafka.Kafka` detached with its output in the log
 * file, and records the state file. Does not wait for the node to answer: see {@link waitUntilReady}.
 */
export async function launchNode(opts: LaunchNodeOptions): Promise<LaunchedNode> {
  const { dataDir, java, progress } = opts
  const logDir = opts.properties['log.dirs']
  if (logDir === undefined) throw new Error('launchNode: properties must set log.dirs')
  await mkdir(logDir, { recursive: true })
  const propsFile = join(dataDir, 'server.properties')
  await writeFile(propsFile, renderProperties(opts.properties))
  const logging = loggingConfig(opts.version)
  const loggingFile = join(dataDir, logging.fileName)
  await writeFile(loggingFile, logging.text)
  const jvm = jvmArgs(dataDir, opts.heapMb, logging.jvmFlag(loggingFile), opts.classpath, opts.jvmFlags)

  if (!existsSync(join(logDir, 'meta.properties'))) {
    let clusterId: string
    try {
      clusterId = (await readFile(join(dataDir, CLUSTER_ID_FILE), 'utf8')).trim()
    } catch {
      clusterId = opts.clusterId ?? randomClusterId()
      await writeFile(join(dataDir, CLUSTER_ID_FILE), clusterId + '\n')
    }
    progress(`Formatting KRaft storage in ${logDir} (cluster id ${clusterId})`)
    const r = await run(java, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, '--ignore-formatted', ...(opts.formatArgs ?? [])])
    if (r.code !== 0) throw new Error(`Formatting Kafka storage in ${logDir} failed (exit ${r.code}):\n${tailLines(r.stdout + r.stderr, 20)}`)
  }

  const logFile = join(dataDir, LOG_FILE)
  progress(`Starting Kafka ${opts.version} on ${opts.host}:${opts.port} (log: ${logFile})`)
  const logFd = openSync(logFile, 'a')
  let exited = false
  let pid: number
  try {
    const child = spawn(java, [...jvm, 'kafka.Kafka', propsFile], { cwd: dataDir, detached: true, stdio: ['ignore', logFd, logFd] })
    child.on('exit', () => {
      exited = true
    })
    child.unref()
    if (child.pid === undefined) {
      await new Promise((r) => child.once('error', r))
      throw new DevToolError(`Could not start ${java}.`)
    }
    pid = child.pid
  } finally {
    closeSync(logFd)
  }
  const state: NodeState = {
    pid,
    host: opts.host,
    port: opts.port,
    controllerPort: opts.controllerPort,
    version: opts.version,
    startedAt: new Date().toISOString(),
  }
  await writeFile(join(dataDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n')
  return { state, alive: () => !exited }
}

/**
 * Resolves once the node answers and its Metadata lists at least `brokers` registered, unfenced
 * brokers (1 for a single node; every node for a cluster). Throws with the log tail when the
 * process dies or the timeout passes.
 */
export async function waitUntilReady(state: NodeState, dataDir: string, timeoutMs: number, alive: () => boolean, brokers = 1): Promise<void> {
  const logFile = join(dataDir, LOG_FILE)
  const deadline = Date.now() + timeoutMs
  const ours = (await readFile(join(dataDir, CLUSTER_ID_FILE), 'utf8').catch(() => '')).trim()
  for (;;) {
    if (!alive()) {
      throw new Error(`The Kafka broker exited during startup; see ${logFile}. Last lines:\n${await logTail(logFile)}`)
    }
    const probe = await probeKafka(state.host, state.port, 1000)
    // Another cluster took the port after it was found free (two starts at once): ours cannot bind.
    if (ours !== '' && probe.clusterId !== null && probe.clusterId !== ours) {
      throw new Error(`Port ${state.port} on ${state.host} is answered by another Kafka cluster (${probe.clusterId}, not ${ours}): it was taken after it was found free; start again on another port`)
    }
    // ApiVersions answers before the broker is unfenced; Metadata listing it means it is usable.
    if (probe.apiVersions && probe.brokers >= brokers) return
    if (Date.now() > deadline) {
      throw new Error(
        `The Kafka broker did not answer on ${state.host}:${state.port} within ${Math.round(timeoutMs / 1000)} s; ` +
          `see ${logFile}. Last lines:\n${await logTail(logFile)}`,
      )
    }
    await sleep(200)
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}

/**
 * Stops the node running from a data dir and removes its state file; the data stays. `SIGTERM`
 * asks for a controlled shutdown (SIGKILL follows after 30 s); `SIGKILL` simulates a crash.
 * @returns true when a running node was stopped.
 */
export async function stopNode(dataDir: string, sig: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<boolean> {
  const state = await readState(dataDir)
  if (!state) return false
  let wasRunning = false
  if (isOurBroker(state.pid, dataDir)) {
    wasRunning = true
    signal(state.pid, sig)
    const deadline = Date.now() + STOP_TIMEOUT_MS
    while (isOurBroker(state.pid, dataDir) && Date.now() < deadline) await sleep(50)
    if (isOurBroker(state.pid, dataDir)) {
      signal(state.pid, 'SIGKILL')
      while (isOurBroker(state.pid, dataDir)) await sleep(50)
    }
  }
  await rm(join(dataDir, STATE_FILE), { force: true })
  return wasRunning
}
