// Confluent's own serializers for the interop tests: confluent-kafka for Python (its Avro, JSON
// Schema and Protobuf serdes, and librdkafka for produce/consume), installed from PyPI into a cached venv
// (binary wheels: nothing compiles) the first time. Gives null, with the reason, when it cannot.
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const exec = promisify(execFile)
const VERSION = '2.13.2'
// grpcio-tools brings protoc (as a wheel) to compile the Protobuf test schema for Python.
const REQUIREMENTS = [`confluent-kafka[avro,json,protobuf,schemaregistry]==${VERSION}`, 'grpcio-tools==1.85.4']
const REQUIREMENT = REQUIREMENTS.join(' ')
export const CONFLUENT_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'confluent_serdes.py')

/** A Python 3.9+ with the venv module, or undefined. */
function findPython(): string | undefined {
  for (const py of [process.env.PERIDOT_PYTHON, 'python3', 'python3.12', 'python3.11']) {
    if (!py) continue
    const r = spawnSync(py, ['-c', 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 9) else 1)'])
    if (r.status === 0) return py
  }
  return undefined
}

/** The venv's python with confluent-kafka installed, or the reason there is none. */
export async function confluentPython(): Promise<{ python: string } | { reason: string }> {
  const prefix = join(process.env.PERIDOT_TOOLS_CACHE ?? join(homedir(), '.cache', 'peridot-tools'), `confluent-kafka-python-${VERSION}`)
  const python = join(prefix, 'venv', 'bin', 'python')
  const stamp = join(prefix, '.install-ok')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === REQUIREMENT && existsSync(python)) return { python }
  const base = findPython()
  if (!base) return { reason: 'no Python 3.9+ with the venv module for confluent-kafka (set PERIDOT_PYTHON)' }
  try {
    await rm(prefix, { recursive: true, force: true })
    await mkdir(prefix, { recursive: true })
    await exec(base, ['-m', 'venv', join(prefix, 'venv')], { timeout: 120_000 })
    await exec(python, ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--progress-bar', 'off', '--only-binary', ':all:', ...REQUIREMENTS], {
      timeout: 400_000,
      maxBuffer: 8 << 20,
    })
  } catch (err) {
    return { reason: `installing ${REQUIREMENT} from PyPI failed: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' | ')}` }
  }
  writeFileSync(stamp, `${REQUIREMENT}\n`)
  return { python }
}

/** Runs the fixture script; gives its JSON output. */
export async function runConfluent(python: string, args: string[]): Promise<unknown> {
  const { stdout } = await exec(python, ['-W', 'ignore', CONFLUENT_SCRIPT, ...args], { timeout: 60_000, maxBuffer: 8 << 20 })
  return JSON.parse(stdout)
}
