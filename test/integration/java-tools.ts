// Runs Kafka's own Java tools (from the kafka-tools jars on Maven Central) as
// independent peers in interop tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { delimiter } from 'node:path'
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars } from '../../src/dev/index.js'
import { kafkaVersion } from './helpers.js'

/** Classpath of kafka-tools for the Kafka version under test. */
export async function kafkaToolsClasspath(): Promise<string> {
  const v = kafkaVersion()
  const version = /^\d+\.\d+\.\d+$/.test(v) ? v : DEFAULT_KAFKA_VERSION
  const jars = await ensureKafkaJars(version, { artifacts: ['org.apache.kafka:kafka-tools'] })
  return jars.join(delimiter)
}

/** A running Java tool with its stdout collected line by line. */
export interface JavaTool {
  proc: ChildProcessWithoutNullStreams
  lines: string[]
  /** Resolves once `predicate` holds for the lines seen so far. */
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts `mainClass` (a class name, or a single-file `.java` program) on the kafka-tools classpath
 * or on `classpath` when given.
 */
export async function startJavaTool(mainClass: string, args: string[], classpath?: string): Promise<JavaTool> {
  const cp = classpath ?? (await kafkaToolsClasspath())
  const proc = spawn('java', ['-Xmx256m', '-cp', cp, mainClass, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  let partial = ''
  const waiters = new Set<() => void>()
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    for (const w of waiters) w()
  })
  let stderr = ''
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)))
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  return {
    proc,
    lines,
    waitFor(predicate, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(lines)) {
            waiters.delete(check)
            clearTimeout(t)
            resolve()
          }
        }
        const t = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`${mainClass}: condition not met in ${timeoutMs} ms; ${lines.length} lines; stderr: ${stderr}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    },
  }
}
