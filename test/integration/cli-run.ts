// Runs the `peridot` command for real as a child process (node + tsx loader, the fastest way to
// run the TypeScript entry point without a build) against the broker under test.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bootstrap } from './helpers.js'

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'index.ts')

/** What a run of the CLI gave. */
export interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Options of {@link peridot}. */
export interface RunOptions {
  input?: string
  /** Extra environment (PERIDOT_DEBUG is removed unless given here). */
  env?: NodeJS.ProcessEnv
  /** Called with the child once it runs, e.g. to watch stdout and send a signal. */
  onSpawn?: (child: ReturnType<typeof spawn>) => void
  /** Leave out --brokers (to test the error path of bad flags before any connection). */
  noBrokers?: boolean
}

/** Runs `peridot args --brokers <the test broker>`. */
export function peridot(args: string[], opts: RunOptions = {}): Promise<Run> {
  const full = opts.noBrokers ? args : [...args, '--brokers', bootstrap()]
  return new Promise((resolve, reject) => {
    const env = { ...process.env }
    delete env.PERIDOT_DEBUG
    Object.assign(env, opts.env)
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...full], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    opts.onSpawn?.(child)
    child.stdin.end(opts.input ?? '')
  })
}

/** Runs the CLI and returns its stdout as bytes (for binary output). */
export function peridotBytes(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env }
    delete env.PERIDOT_DEBUG
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args, '--brokers', bootstrap()], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => chunks.push(d))
    child.on('error', reject)
    child.on('close', () => resolve(Buffer.concat(chunks)))
  })
}

