// A real schema registry for the schema-registry integration tests: SCHEMA_REGISTRY_URL when set,
// else Karapace started from the tools folder beside the repo (../shared/tools/karapace, see its
// README) against the broker under test, with a schemas topic and group of its own. Without
// either, the tests say in one line that they are skipped and why.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll } from 'vitest'
import { Client } from '../../src/index.js'
import { bootstrap } from './helpers.js'

const exec = promisify(execFile)
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * The Karapace tools folder: KARAPACE_TOOLS_DIR when set (only it), else shared/tools/karapace
 * beside the checkout (or beside the folder of its worktree).
 */
export function karapaceToolsDir(): string | undefined {
  const env = process.env.KARAPACE_TOOLS_DIR
  const candidates = env ? [env] : [join(repoRoot, '..', 'shared', 'tools', 'karapace'), join(repoRoot, '..', '..', 'shared', 'tools', 'karapace')]
  return candidates.find((d) => existsSync(join(d, 'start.sh')))
}

/** Why no registry can be had here, or undefined when one can. */
export function registryUnavailableReason(): string | undefined {
  if (process.env.SCHEMA_REGISTRY_URL) return undefined
  if (karapaceToolsDir()) return undefined
  const where = process.env.KARAPACE_TOOLS_DIR ? `KARAPACE_TOOLS_DIR=${process.env.KARAPACE_TOOLS_DIR}` : '../shared/tools/karapace'
  return `no schema registry: SCHEMA_REGISTRY_URL is not set and ${where} (Karapace's start.sh) is not there`
}

/** A registry the tests of one file use. */
export interface TestRegistry {
  url: string
  /** 'external' (SCHEMA_REGISTRY_URL) or 'karapace' (started here). */
  kind: 'external' | 'karapace'
}

/**
 * The registry for the tests of one file (started in beforeAll, stopped in afterAll), or null
 * when there is none (then the file's tests skip: see {@link registryUnavailableReason}).
 */
export function sharedRegistry(): () => TestRegistry {
  let registry: TestRegistry | undefined
  let runDir: string | undefined
  let schemasTopic: string | undefined
  const tools = karapaceToolsDir()
  beforeAll(async () => {
    const external = process.env.SCHEMA_REGISTRY_URL
    if (external) {
      registry = { url: external.replace(/\/+$/, ''), kind: 'external' }
      return
    }
    if (!tools) return
    runDir = await mkdtemp(join(tmpdir(), 'peridot-karapace-'))
    const tag = `${Date.now().toString(36)}-${process.pid}`
    schemasTopic = `_schemas-peridot-${tag}`
    const t0 = Date.now()
    // First use may build Karapace (install.sh, 1-2 minutes); later starts take a few seconds.
    const { stdout } = await exec('bash', [join(tools, 'start.sh'), '--bootstrap', bootstrap(), '--dir', runDir, '--timeout', '180'], {
      env: {
        ...process.env,
        KARAPACE_TOPIC_NAME: schemasTopic,
        KARAPACE_GROUP_ID: `sr-peridot-${tag}`,
        KARAPACE_WAITING_TIME_BEFORE_ACTING_AS_MASTER_MS: '0', // one instance: no failover to wait for
        KARAPACE_LOG_LEVEL: 'WARNING',
      },
      timeout: 400_000,
      maxBuffer: 1 << 20,
    })
    registry = { url: stdout.trim().split('\n').at(-1)!, kind: 'karapace' }
    console.log(`[schema-registry] Karapace at ${registry.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }, 420_000)
  afterAll(async () => {
    if (!runDir || !tools) return
    await exec('bash', [join(tools, 'stop.sh'), '--dir', runDir]).catch(() => undefined)
    await rm(runDir, { recursive: true, force: true })
    if (schemasTopic) {
      const client = await Client.connect({ brokers: [bootstrap()] })
      await client.deleteTopic(schemasTopic).catch(() => undefined)
      await client.close()
    }
  }, 60_000)
  return () => {
    if (!registry) throw new Error('sharedRegistry: no registry (the test should have been skipped)')
    return registry
  }
}
