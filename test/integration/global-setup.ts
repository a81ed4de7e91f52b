// Vitest globalSetup for the integration project: provides a Kafka bootstrap address to tests.
// KAFKA_CONNECT=host:port uses an existing broker (e.g. Redpanda from docker-compose-redpanda.yml);
// otherwise a local broker (PERIDOT_KAFKA_VERSION, default DEFAULT_KAFKA_VERSION) is started from
// a clean data dir under <repo>/.peridot and stopped at teardown.
// The failover tests' three-node cluster is not started here: the first test file that needs it
// starts it (cluster-helpers.ts) in the dir chosen here, later files reuse it, and teardown stops
// it. So runs without those files pay nothing for it.
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { DEFAULT_KAFKA_VERSION, findFreePort, isPortFree, startLocalBroker, stopLocalBroker, stopLocalCluster } from '../../src/dev/index.js'

/** What tests need to restart the local broker from their worker process. */
export interface LocalBrokerInfo {
  dataDir: string
  port: number
  kafkaVersion: string
}

/** Where the failover tests' multi-node cluster runs (started on first use, see cluster-helpers.ts). */
export interface TestClusterInfo {
  dataDir: string
  /** First of the cluster's consecutive ports. */
  port: number
  kafkaVersion: string
  /** An already running cluster given with PERIDOT_TEST_CLUSTER_DIR: neither wiped nor stopped. */
  external: boolean
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the broker under test. */
    kafkaBootstrap: string
    /** Kafka version of the local broker, or PERIDOT_KAFKA_VERSION / 'external' with KAFKA_CONNECT. */
    kafkaVersion: string
    /** Set when this run started the broker itself (so tests may restart it); null with KAFKA_CONNECT. */
    kafkaLocalBroker: LocalBrokerInfo | null
    /** The failover tests' cluster, or null when the Kafka version under test is unknown (external broker). */
    kafkaCluster: TestClusterInfo | null
  }
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const OWNER_FILE = 'owner.pid'

/** Whether another, still running vitest process owns the broker in this data dir. */
function ownedByLiveRun(dataDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dataDir, OWNER_FILE), 'utf8').trim())
    if (!Number.isInteger(pid) || pid === process.pid) return false
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** `count` consecutive free ports, the first at or above `from`. */
async function findFreePortRange(from: number, count: number): Promise<number> {
  for (let base = from; base < 65000; base += count) {
    let free = true
    for (let p = base; p < base + count && free; p++) free = await isPortFree(p)
    if (free) return base
  }
  throw new Error(`no ${count} consecutive free ports from ${from}`)
}

/**
 * Chooses the failover cluster's dir and ports (nothing starts yet); returns its teardown.
 * PERIDOT_TEST_CLUSTER_DIR=<dir> uses a cluster started beforehand from that dir instead
 * (`peridot broker start --nodes 3 --data-dir <dir>`), which is then neither wiped nor stopped.
 */
async function provideCluster(project: TestProject, kafkaVersion: string | undefined): Promise<() => Promise<void>> {
  const given = process.env.PERIDOT_TEST_CLUSTER_DIR
  if (given) {
    // The port matters only when the dir holds no cluster yet (a later start keeps its ports).
    const port = await findFreePortRange(19300, 6)
    project.provide('kafkaCluster', { dataDir: given, port, kafkaVersion: kafkaVersion ?? DEFAULT_KAFKA_VERSION, external: true })
    return async () => {}
  }
  if (kafkaVersion === undefined) {
    project.provide('kafkaCluster', null)
    return async () => {}
  }
  const baseDir = join(repoRoot, '.peridot', `test-cluster-${kafkaVersion}`)
  const dataDir = ownedByLiveRun(baseDir) ? `${baseDir}-${process.pid}` : baseDir
  await stopLocalCluster({ dataDir })
  await rm(dataDir, { recursive: true, force: true })
  await mkdir(dataDir, { recursive: true })
  await writeFile(join(dataDir, OWNER_FILE), `${process.pid}\n`)
  const port = await findFreePortRange(kafkaVersion.startsWith('3.') ? 19200 : 19100, 6)
  project.provide('kafkaCluster', { dataDir, port, kafkaVersion, external: false })
  return async () => {
    await stopLocalCluster({ dataDir })
    await rm(dataDir, { recursive: true, force: true })
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const connect = process.env.KAFKA_CONNECT
  if (connect) {
    project.provide('kafkaBootstrap', connect)
    project.provide('kafkaVersion', process.env.PERIDOT_KAFKA_VERSION ?? 'external')
    project.provide('kafkaLocalBroker', null)
    console.log(`[kafka] using KAFKA_CONNECT=${connect}`)
    return provideCluster(project, process.env.PERIDOT_KAFKA_VERSION)
  }

  const kafkaVersion = process.env.PERIDOT_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION
  const baseDir = join(repoRoot, '.peridot', `test-${kafkaVersion}`)
  // Another test run in this checkout may be using the shared dir right now: then take a private one.
  const dataDir = ownedByLiveRun(baseDir) ? `${baseDir}-${process.pid}` : baseDir
  // A broker left over from an interrupted run must go before its data is wiped.
  await stopLocalBroker({ dataDir })
  await rm(dataDir, { recursive: true, force: true })
  await mkdir(dataDir, { recursive: true })
  await writeFile(join(dataDir, OWNER_FILE), `${process.pid}\n`)

  // Off the user's 9092; the OS picks another port if a concurrent run holds the preferred one.
  const port = await findFreePort(kafkaVersion.startsWith('3.') ? 19093 : 19092)
  const t0 = Date.now()
  const broker = await startLocalBroker({
    kafkaVersion,
    port,
    dataDir,
    onProgress: (line) => console.log(`[kafka] ${line}`),
  })
  console.log(`[kafka] Kafka ${kafkaVersion} ready at ${broker.bootstrap} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  project.provide('kafkaBootstrap', broker.bootstrap)
  project.provide('kafkaVersion', kafkaVersion)
  project.provide('kafkaLocalBroker', { dataDir, port, kafkaVersion })
  const stopCluster = await provideCluster(project, kafkaVersion)

  return async () => {
    await stopCluster()
    // Stops whichever process runs from the data dir now (tests may have restarted it).
    await stopLocalBroker({ dataDir })
    if (dataDir !== baseDir) await rm(dataDir, { recursive: true, force: true })
    else if (existsSync(join(dataDir, OWNER_FILE))) await rm(join(dataDir, OWNER_FILE), { force: true })
  }
}
