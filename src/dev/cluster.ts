// A local multi-node KRaft cluster: N combined broker+controller nodes on 127.0.0.1 forming one
// static controller quorum, each node a JVM run from its own data dir (node-<id>/ under the
// cluster's dir) through node.ts. cluster.json in the cluster's dir records the layout, so
// `stop` and `status` find every node again, and a killed node restarts with the same ports.
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { delimiter, join, resolve } from 'node:path'
import { DEFAULT_KAFKA_VERSION, DEFAULT_PORT } from './broker.js'
import { checkJava } from './java.js'
import { clusterNodeProperties, randomClusterId } from './kafka-config.js'
import { ensureKafkaJars } from './maven.js'
import { isOurBroker, launchNode, LOG_FILE, readState, stopNode, waitUntilReady, type LaunchedNode } from './node.js'
import { isKafkaAnswering, isPortFree } from './probe.js'

const HOST = '127.0.0.1'
const LAYOUT_FILE = 'cluster.json'
const DEFAULT_START_TIMEOUT_MS = 120_000
/** Heap per node: three nodes plus the tests fit a small machine. */
const DEFAULT_CLUSTER_HEAP_MB = 384
/**
 * The JIT stops at C1: several JVMs starting at once on two cores spend most of their CPU in the
 * C2 compiler. Measured on a loaded 2-core machine (two runs each): a 3-node cluster started in
 * 27-30 s instead of 65-71 s and a killed node served again in 9.5-11 s instead of 15-29 s. Peak
 * throughput is lower, which a local cluster does not need.
 */
const CLUSTER_JVM_FLAGS = ['-XX:TieredStopAtLevel=1']

/** Options of {@link startLocalCluster}, {@link stopLocalCluster} and {@link localClusterStatus}. */
export interface LocalClusterOptions {
  /** Number of nodes, each a broker and a controller (a quorum of all of them); default 3. */
  nodes?: number
  /** Apache Kafka version; default {@link DEFAULT_KAFKA_VERSION}. */
  kafkaVersion?: string
  /**
   * First port: nodes listen for clients on `port`, `port + 1`, ... and their controllers on the
   * next `nodes` ports after those. Default 9092.
   */
  port?: number
  /** `broker.rack` of each node, in node order; when given, one per node. */
  racks?: readonly string[]
  /** Cluster dir (one `node-<id>` data dir per node); default `<cwd>/.peridot/cluster-<version>`. */
  dataDir?: string
  /** Jar cache for this version, as {@link LocalBrokerOptions.cacheDir}. */
  cacheDir?: string
  /** Extra or overriding configs applied to every node. */
  serverProperties?: Record<string, string>
  /** Maximum JVM heap per node in MB; default 384. (Nodes run with the C1 JIT only, to start fast.) */
  heapMb?: number
  /** How long to wait for every node to serve; default 120 s. */
  startTimeoutMs?: number
  /** Receives progress lines. Silent by default. */
  onProgress?: (line: string) => void
}

/** One node of a {@link LocalCluster}. */
export interface LocalClusterNode {
  /** Kafka `node.id` (1-based). */
  nodeId: number
  host: string
  port: number
  controllerPort: number
  /** `host:port` of this node's client listener. */
  bootstrap: string
  rack?: string
  dataDir: string
  logFile: string
  /** Pid of the running process, or undefined while the node is down. */
  pid(): Promise<number | undefined>
  /** Whether the node's process is running. */
  isRunning(): Promise<boolean>
  /** Kills the node with SIGKILL (a crash: no controlled shutdown) and waits until it is gone. */
  kill(): Promise<void>
  /** Stops the node with a controlled shutdown (SIGTERM). */
  stop(): Promise<void>
  /**
   * Starts the node again with its data (no-op when it runs) and resolves once it serves and the
   * cluster lists every node again.
   */
  start(): Promise<void>
}

/** A running local cluster. */
export interface LocalCluster {
  /** Comma-separated `host:port` of every node, for `--bootstrap-server`-style options. */
  bootstrap: string
  /** `host:port` of every node, in node order. */
  brokers: string[]
  nodes: LocalClusterNode[]
  version: string
  dataDir: string
  /** True when every node was already running (nothing was started). */
  reused: boolean
  /** The node with this `node.id`. */
  node(nodeId: number): LocalClusterNode
  /** Stops every node (controlled shutdown); the data stays. */
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Status of one node in {@link LocalClusterStatus}. */
export interface LocalClusterNodeStatus {
  nodeId: number
  bootstrap: string
  rack?: string
  running: boolean
  starting: boolean
  pid?: number
  dataDir: string
}

/** Result of {@link localClusterStatus}. */
export interface LocalClusterStatus {
  /** Some node runs. */
  running: boolean
  dataDir: string
  version?: string
  bootstrap?: string
  nodes: LocalClusterNodeStatus[]
}

interface NodeLayout {
  nodeId: number
  port: number
  controllerPort: number
  rack?: string
}

interface ClusterLayout {
  version: string
  host: string
  clusterId: string
  nodes: NodeLayout[]
}

/** Absolute cluster dir for the given options. */
export function resolveClusterDir(opts: LocalClusterOptions = {}): string {
  return resolve(opts.dataDir ?? join(process.cwd(), '.peridot', `cluster-${opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION}`))
}

/** Whether a cluster was ever started from this dir (its layout file exists). */
export async function readClusterLayout(dataDir: string): Promise<ClusterLayout | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, LAYOUT_FILE), 'utf8')) as ClusterLayout
  } catch {
    return undefined
  }
}

const nodeDir = (dataDir: string, nodeId: number) => join(dataDir, `node-${nodeId}`)

function validate(opts: LocalClusterOptions): { nodes: number; port: number } {
  const nodes = opts.nodes ?? 3
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new RangeError(`nodes must be an integer from 1 to 9, got ${nodes}`)
  const port = opts.port ?? DEFAULT_PORT
  if (!Number.isInteger(port) || port < 1 || port + 2 * nodes - 1 > 65535) {
    throw new RangeError(`port must leave ${2 * nodes} consecutive ports below 65536, got ${port}`)
  }
  if (opts.racks !== undefined && opts.racks.length !== nodes) {
    throw new RangeError(`racks must name one rack per node (${nodes}), got ${opts.racks.length}: ${opts.racks.join(',')}`)
  }
  return { nodes, port }
}

/**
 * Starts a local Kafka cluster of `nodes` combined broker+controller nodes on consecutive ports
 * and resolves once every node serves and lists every other. Nodes already running from the same
 * dir are kept (all running: `reused: true`). The first start formats every node's storage with
 * one cluster id; later starts keep the data, ports and racks recorded then.
 *
 * @example
 * ```ts
 * const cluster = await startLocalCluster({ nodes: 3, port: 19092, racks: ['a', 'b', 'c'] })
 * await cluster.node(2).kill()   // kill -9
 * await cluster.node(2).start()  // back with its data
 * await cluster.stop()
 * ```
 * @throws RangeError for bad options; DevToolError when java 17+ or mvn is missing; Error with a
 * node's log tail when it does not come up.
 */
export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const version = opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION
  const { nodes, port } = validate(opts)
  const dataDir = resolveClusterDir({ ...opts, kafkaVersion: version })
  const progress = opts.onProgress ?? (() => {})
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS

  let layout = await readClusterLayout(dataDir)
  if (layout && (layout.version !== version || layout.nodes.length !== nodes)) {
    throw new Error(
      `${dataDir} holds a ${layout.nodes.length}-node Kafka ${layout.version} cluster; ` +
        `stop it and use another data dir for ${nodes} nodes of Kafka ${version}.`,
    )
  }
  if (!layout) {
    layout = {
      version,
      host: HOST,
      clusterId: randomClusterId(),
      nodes: Array.from({ length: nodes }, (_, i) => ({
        nodeId: i + 1,
        port: port + i,
        controllerPort: port + nodes + i,
        ...(opts.racks ? { rack: opts.racks[i] } : {}),
      })),
    }
    await mkdir(dataDir, { recursive: true })
    await writeFile(join(dataDir, LAYOUT_FILE), JSON.stringify(layout, null, 2) + '\n')
  }
  const cluster = new ClusterRunner(layout, dataDir, opts, progress, timeoutMs)
  const started = await cluster.startAll()
  return cluster.handle(started === 0)
}

/** Starts, kills and restarts the nodes of one cluster layout. */
class ClusterRunner {
  private jvm?: Promise<{ java: string; classpath: string }>

  constructor(
    private readonly layout: ClusterLayout,
    private readonly dataDir: string,
    private readonly opts: LocalClusterOptions,
    private readonly progress: (line: string) => void,
    private readonly timeoutMs: number,
  ) {}

  private java(): Promise<{ java: string; classpath: string }> {
    this.jvm ??= (async () => {
      const java = await checkJava()
      const jars = await ensureKafkaJars(this.layout.version, { cacheDir: this.opts.cacheDir, onProgress: this.progress })
      return { java, classpath: jars.join(delimiter) }
    })()
    return this.jvm
  }

  /** Starts every node that is not running, then waits for all; returns how many were started. */
  async startAll(): Promise<number> {
    const launched = await Promise.all(this.layout.nodes.map((n) => this.launch(n)))
    try {
      await Promise.all(this.layout.nodes.map((n, i) => this.waitFor(n, launched[i])))
    } catch (err) {
      await this.stopAll()
      throw err
    }
    return launched.filter((l) => l !== undefined).length
  }

  /** Launches one node unless it already runs (then undefined). */
  private async launch(node: NodeLayout): Promise<LaunchedNode | undefined> {
    const dir = nodeDir(this.dataDir, node.nodeId)
    const state = await readState(dir)
    if (state && isOurBroker(state.pid, dir)) return undefined
    for (const p of [node.port, node.controllerPort]) {
      if (!(await isPortFree(p, this.layout.host))) {
        const kafka = await isKafkaAnswering(this.layout.host, p)
        throw new Error(`Port ${p} on ${this.layout.host} (node ${node.nodeId}) is already in use${kafka ? ' by another Kafka broker' : ''}; choose another --port.`)
      }
    }
    const { java, classpath } = await this.java()
    const voters = this.layout.nodes.map((n) => `${n.nodeId}@${this.layout.host}:${n.controllerPort}`).join(',')
    return launchNode({
      java,
      classpath,
      version: this.layout.version,
      host: this.layout.host,
      port: node.port,
      controllerPort: node.controllerPort,
      dataDir: dir,
      clusterId: this.layout.clusterId,
      heapMb: this.opts.heapMb ?? DEFAULT_CLUSTER_HEAP_MB,
      jvmFlags: CLUSTER_JVM_FLAGS,
      progress: this.progress,
      properties: clusterNodeProperties({
        version: this.layout.version,
        host: this.layout.host,
        port: node.port,
        controllerPort: node.controllerPort,
        logDir: join(dir, 'kraft-logs'),
        nodeId: node.nodeId,
        voters,
        nodes: this.layout.nodes.length,
        rack: node.rack,
        overrides: this.opts.serverProperties,
      }),
    })
  }

  /** Waits until the node serves and lists every node of the cluster. */
  private async waitFor(node: NodeLayout, launched: LaunchedNode | undefined): Promise<void> {
    const dir = nodeDir(this.dataDir, node.nodeId)
    const state = launched?.state ?? (await readState(dir))
    if (!state) throw new Error(`node ${node.nodeId} has no state file in ${dir}`)
    const alive = launched?.alive ?? (() => isOurBroker(state.pid, dir))
    await waitUntilReady(state, dir, this.timeoutMs, alive, this.layout.nodes.length)
  }

  async stopAll(): Promise<boolean> {
    const stopped = await Promise.all(this.layout.nodes.map((n) => stopNode(nodeDir(this.dataDir, n.nodeId))))
    return stopped.some(Boolean)
  }

  handle(reused: boolean): LocalCluster {
    const host = this.layout.host
    const nodes = this.layout.nodes.map((n): LocalClusterNode => {
      const dir = nodeDir(this.dataDir, n.nodeId)
      const pid = async () => {
        const state = await readState(dir)
        return state && isOurBroker(state.pid, dir) ? state.pid : undefined
      }
      return {
        nodeId: n.nodeId,
        host,
        port: n.port,
        controllerPort: n.controllerPort,
        bootstrap: `${host}:${n.port}`,
        ...(n.rack !== undefined ? { rack: n.rack } : {}),
        dataDir: dir,
        logFile: join(dir, LOG_FILE),
        pid,
        isRunning: async () => (await pid()) !== undefined,
        kill: async () => {
          await stopNode(dir, 'SIGKILL')
        },
        stop: async () => {
          await stopNode(dir, 'SIGTERM')
        },
        start: async () => {
          const launched = await this.launch(n)
          await this.waitFor(n, launched)
        },
      }
    })
    const stop = async () => {
      await this.stopAll()
    }
    return {
      bootstrap: nodes.map((n) => n.bootstrap).join(','),
      brokers: nodes.map((n) => n.bootstrap),
      nodes,
      version: this.layout.version,
      dataDir: this.dataDir,
      reused,
      node: (nodeId) => {
        const found = nodes.find((n) => n.nodeId === nodeId)
        if (!found) throw new RangeError(`no node ${nodeId} in this cluster (nodes 1..${nodes.length})`)
        return found
      },
      stop,
      [Symbol.asyncDispose]: stop,
    }
  }
}

/**
 * Stops every node of the cluster in the dir given by the options (controlled shutdown); the data
 * stays. @returns true when some node was running.
 */
export async function stopLocalCluster(opts: LocalClusterOptions = {}): Promise<boolean> {
  const dataDir = resolveClusterDir(opts)
  const layout = await readClusterLayout(dataDir)
  if (!layout) return false
  return new ClusterRunner(layout, dataDir, opts, () => {}, 0).stopAll()
}

/** Reports which nodes of the cluster in the dir given by the options run, and where. */
export async function localClusterStatus(opts: LocalClusterOptions = {}): Promise<LocalClusterStatus> {
  const dataDir = resolveClusterDir(opts)
  const layout = await readClusterLayout(dataDir)
  if (!layout) return { running: false, dataDir, nodes: [] }
  const nodes = await Promise.all(
    layout.nodes.map(async (n): Promise<LocalClusterNodeStatus> => {
      const dir = nodeDir(dataDir, n.nodeId)
      const state = await readState(dir)
      const alive = state !== undefined && isOurBroker(state.pid, dir)
      const answering = alive && (await isKafkaAnswering(layout.host, n.port))
      return {
        nodeId: n.nodeId,
        bootstrap: `${layout.host}:${n.port}`,
        ...(n.rack !== undefined ? { rack: n.rack } : {}),
        running: answering,
        starting: alive && !answering,
        ...(alive ? { pid: state.pid } : {}),
        dataDir: dir,
      }
    }),
  )
  return {
    running: nodes.some((n) => n.running || n.starting),
    dataDir,
    version: layout.version,
    bootstrap: layout.nodes.map((n) => `${layout.host}:${n.port}`).join(','),
    nodes,
  }
}
