// Starts, finds and stops a single-node KRaft Kafka broker running from pinned Maven jars.
// The broker runs detached so a CLI invocation can return while it keeps serving; everything
// needed to find it again lives in its data dir (state file, config, cluster id, log).
import { rm } from 'node:fs/promises'
import { delimiter, join, resolve } from 'node:path'
import { checkJava } from './java.js'
import { serverProperties } from './kafka-config.js'
import { ensureKafkaJars } from './maven.js'
import { isOurBroker, launchNode, LOG_FILE, readState, STATE_FILE, stopNode, waitUntilReady, type NodeState } from './node.js'
import { findFreePort, isKafkaAnswering, isPortFree } from './probe.js'

/**
 * Kafka version started when none is given: the newest 4.x whose artifacts are all on Maven
 * Central. (kafka_2.13:4.4.0 is published but its dependency kafka-tools-api:4.4.0, and
 * kafka-tools/kafka-streams 4.4.0, are not, so 4.4.0 cannot be resolved yet.)
 */
export const DEFAULT_KAFKA_VERSION = '4.3.1'
/** The 3.x line the project tests against as well. */
export const KAFKA_3_VERSION = '3.9.2'
/** Default client port, Kafka's usual one. */
export const DEFAULT_PORT = 9092

const HOST = '127.0.0.1'
const DEFAULT_START_TIMEOUT_MS = 90_000

/** Options shared by {@link startLocalBroker}, {@link stopLocalBroker} and {@link localBrokerStatus}. */
export interface LocalBrokerOptions {
  /** Apache Kafka version to run; default {@link DEFAULT_KAFKA_VERSION}. */
  kafkaVersion?: string
  /** Client (PLAINTEXT) port on 127.0.0.1; default 9092. */
  port?: number
  /** KRaft controller port; default: a free port picked at each start. */
  controllerPort?: number
  /**
   * Broker data dir (KRaft metadata and topic data, config, log, state file). Default
   * `<cwd>/.peridot/kafka-<version>`: per project and per version, so a 3.x and a 4.x broker never
   * share storage, and `rm -rf .peridot` resets everything.
   */
  dataDir?: string
  /** Jar cache for this version; default `$XDG_CACHE_HOME/peridot/kafka/<version>` (or `~/.cache/...`). */
  cacheDir?: string
  /**
   * Extra or overriding broker configs (e.g. SASL/SSL listeners); applied over the defaults. A
   * broker that overrides `listeners` must keep a PLAINTEXT listener on `port`: readiness is probed there.
   */
  serverProperties?: Record<string, string>
  /**
   * SCRAM credentials written into the cluster metadata when storage is formatted (the first
   * start in a data dir), as `kafka-storage format --add-scram` does. KRaft has no other way to
   * create the first SCRAM users before a SASL listener can be used.
   */
  scramCredentials?: ScramCredential[]
  /** Maximum JVM heap in MB; default 1024. */
  heapMb?: number
  /**
   * Extra JVM flags of the broker, e.g. `-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=<jwks url>`,
   * which Kafka needs before it fetches a JWKS for an OAUTHBEARER listener.
   */
  jvmFlags?: string[]
  /** How long to wait for the broker to answer; default 90 s. */
  startTimeoutMs?: number
  /** Receives progress lines (jar downloads, formatting, waiting). Silent by default. */
  onProgress?: (line: string) => void
}

/** One SCRAM user for {@link LocalBrokerOptions.scramCredentials}. */
export interface ScramCredential {
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  username: string
  password: string
  /** PBKDF2 iterations, 4096..16384 (Kafka's default 4096). */
  iterations?: number
}

/** `--add-scram` values; the format takes `[name=...,password=...]` with quoted values when they contain separators. */
export function scramFormatArgs(creds: readonly ScramCredential[] = []): string[] {
  const quote = (v: string) => (/^[A-Za-z0-9._-]+$/.test(v) ? v : JSON.stringify(v))
  return creds.flatMap((c) => [
    '--add-scram',
    `${c.mechanism}=[name=${quote(c.username)},password=${quote(c.password)}${c.iterations ? `,iterations=${c.iterations}` : ''}]`,
  ])
}

/** A running local broker. */
export interface LocalBroker {
  /** `host:port` for clients. */
  bootstrap: string
  host: string
  port: number
  controllerPort: number
  pid: number
  version: string
  dataDir: string
  logFile: string
  /** True when an already running broker was found instead of starting one. */
  reused: boolean
  /** Stops the broker (whichever process currently runs from this data dir). */
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Result of {@link localBrokerStatus}. */
export interface LocalBrokerStatus {
  running: boolean
  /** Process alive but not (yet) answering Kafka requests. */
  starting: boolean
  dataDir: string
  logFile: string
  bootstrap?: string
  pid?: number
  version?: string
}

/** Absolute data dir for the given options. */
export function resolveDataDir(opts: LocalBrokerOptions = {}): string {
  return resolve(opts.dataDir ?? join(process.cwd(), '.peridot', `kafka-${opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION}`))
}

function handle(state: NodeState, dataDir: string, reused: boolean): LocalBroker {
  const stop = async () => {
    await stopLocalBroker({ dataDir })
  }
  return {
    bootstrap: `${state.host}:${state.port}`,
    host: state.host,
    port: state.port,
    controllerPort: state.controllerPort,
    pid: state.pid,
    version: state.version,
    dataDir,
    logFile: join(dataDir, LOG_FILE),
    reused,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

/**
 * Starts a local single-node Kafka broker (KRaft, broker+controller) and resolves once it answers
 * Kafka requests. If a broker started earlier from the same data dir is still running and
 * answering, that one is returned instead (`reused: true`).
 *
 * The first start of a version downloads its jars with Maven; the first start in a data dir
 * formats storage with a new cluster id, later starts reuse it and keep all data.
 *
 * @throws DevToolError when java 17+ or mvn is missing; Error with the broker log tail when the
 * broker does not come up.
 */
export async function startLocalBroker(opts: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const version = opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION
  const port = opts.port ?? DEFAULT_PORT
  const dataDir = resolveDataDir({ ...opts, kafkaVersion: version })
  const progress = opts.onProgress ?? (() => {})

  const existing = await readState(dataDir)
  if (existing && isOurBroker(existing.pid, dataDir)) {
    if (existing.version !== version || existing.port !== port) {
      throw new Error(
        `A Kafka ${existing.version} broker from ${dataDir} is already running on port ${existing.port} ` +
          `(pid ${existing.pid}); stop it first (peridot broker stop --data-dir ${dataDir}) or use another data dir.`,
      )
    }
    if (await isKafkaAnswering(existing.host, existing.port)) return handle(existing, dataDir, true)
    // Alive but not answering: probably still starting (another process launched it). Wait for it.
    progress(`Waiting for the broker already starting from ${dataDir} (pid ${existing.pid})`)
    await waitUntilReady(existing, dataDir, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, () => isOurBroker(existing.pid, dataDir))
    return handle(existing, dataDir, true)
  }
  if (existing) await rm(join(dataDir, STATE_FILE), { force: true }) // stale: process is gone

  const java = await checkJava()
  const jars = await ensureKafkaJars(version, { cacheDir: opts.cacheDir, onProgress: progress })

  if (!(await isPortFree(port, HOST))) {
    const kafka = await isKafkaAnswering(HOST, port)
    throw new Error(
      `Port ${port} on ${HOST} is already in use${kafka ? ' by another Kafka broker' : ''}; ` +
        'stop whatever listens there or choose another port (--port).',
    )
  }
  const controllerPort = opts.controllerPort ?? (await findFreePort(undefined, HOST))
  if (!(await isPortFree(controllerPort, HOST))) throw new Error(`Controller port ${controllerPort} is already in use.`)

  const logDir = join(dataDir, 'kraft-logs')
  const launched = await launchNode({
    java,
    classpath: jars.join(delimiter),
    version,
    host: HOST,
    port,
    controllerPort,
    dataDir,
    properties: serverProperties({ version, host: HOST, port, controllerPort, logDir, overrides: opts.serverProperties }),
    heapMb: opts.heapMb ?? 1024,
    formatArgs: scramFormatArgs(opts.scramCredentials),
    jvmFlags: opts.jvmFlags,
    progress,
  })
  try {
    await waitUntilReady(launched.state, dataDir, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, launched.alive)
  } catch (err) {
    await stopLocalBroker({ dataDir })
    throw err
  }
  return handle(launched.state, dataDir, false)
}

/**
 * Stops the broker running from the data dir given by the options (SIGTERM for a controlled
 * shutdown, SIGKILL after 30 s) and removes its state file; the data stays.
 * @returns true when a running broker was stopped.
 */
export async function stopLocalBroker(opts: LocalBrokerOptions = {}): Promise<boolean> {
  return stopNode(resolveDataDir(opts))
}

/** Reports whether a broker runs from the data dir given by the options, and where. */
export async function localBrokerStatus(opts: LocalBrokerOptions = {}): Promise<LocalBrokerStatus> {
  const dataDir = resolveDataDir(opts)
  const logFile = join(dataDir, LOG_FILE)
  const state = await readState(dataDir)
  if (!state || !isOurBroker(state.pid, dataDir)) return { running: false, starting: false, dataDir, logFile }
  const answering = await isKafkaAnswering(state.host, state.port)
  return {
    running: answering,
    starting: !answering,
    dataDir,
    logFile,
    bootstrap: `${state.host}:${state.port}`,
    pid: state.pid,
    version: state.version,
  }
}
