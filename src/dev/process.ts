// Small child-process helpers shared by the Maven and Java launchers.
import { spawn } from 'node:child_process'

/** Raised when a tool the local broker needs (java, mvn) is missing or too old. */
export class DevToolError extends Error {
  override name = 'DevToolError'
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs a command to completion, streaming each output line to `onLine`.
 * Rejects only when the command cannot be started (ENOENT and friends).
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // mvn is a .cmd script on Windows.
      shell: process.platform === 'win32',
    })
    let stdout = ''
    let stderr = ''
    const feed = (which: 'out' | 'err') => {
      let pending = ''
      return (chunk: Buffer) => {
        const text = chunk.toString('utf8')
        if (which === 'out') stdout += text
        else stderr += text
        if (!opts.onLine) return
        pending += text
        const lines = pending.split(/\r?\n/)
        pending = lines.pop() ?? ''
        for (const line of lines) if (line.trim() !== '') opts.onLine(line)
      }
    }
    child.stdout.on('data', feed('out'))
    child.stderr.on('data', feed('err'))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Last `n` non-empty lines of a text, for error messages. */
export function tailLines(text: string, n: number): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n')
}
