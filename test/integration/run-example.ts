// Runs a file of examples/ as a user would (node with the tsx loader, the package imported by
// name) and collects its output.
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')

export interface RunningExample {
  child: ChildProcess
  /** stdout and stderr so far. */
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `examples/<name>` with `args`, `env` on top of this process's environment. */
export function startExample(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): RunningExample {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete fullEnv.PERIDOT_DEBUG
  const child = spawn(process.execPath, ['--import', 'tsx', join(EXAMPLES_DIR, name), ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  return { child, output: () => out, exited }
}

/** Runs an example to its end (killed after `timeoutMs`); resolves with its exit code and output. */
export async function runExample(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  const run = startExample(name, args, env)
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs)
  try {
    const { code } = await run.exited
    return { code, output: run.output() }
  } finally {
    clearTimeout(timer)
  }
}
