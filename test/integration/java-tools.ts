// Runs Kafka's own Java tools (from the kafka-tools jars on Maven Central) as
// independent peers in interop tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm } from 'node:fs/promises'
import { basename, delimiter, join } from 'node:path'
import { DEFAULT_KAFKA_VERSION, defaultCacheDir, ensureKafkaJars } from '../../src/dev/index.js'
import { run } from '../../src/dev/process.js'
import { kafkaVersion } from './helpers.js'

/** The Kafka release whose Java jars the peers use: the broker's when it is a release number. */
export function javaPeerKafkaVersion(): string {
  const v = kafkaVersion()
  return /^\d+\.\d+\.\d+$/.test(v) ? v : DEFAULT_KAFKA_VERSION
}

/** Classpath of kafka-tools for the Kafka version under test. */
export async function kafkaToolsClasspath(): Promise<string> {
  const jars = await ensureKafkaJars(javaPeerKafkaVersion(), { artifacts: ['org.apache.kafka:kafka-tools'] })
  return jars.join(delimiter)
}

/**
 * Compiles a Java program (its main source first, then the sources it shares with other programs)
 * against `classpath` into the jar cache, once per source texts and classpath, and returns its
 * classes directory (the JVM then starts without compiling).
 */
export async function compileJavaProgram(sources: string | readonly string[], classpath: string): Promise<string> {
  const files = typeof sources === 'string' ? [sources] : [...sources]
  const hash = createHash('sha1')
  for (const f of files) hash.update(await readFile(f)).update('\0')
  const digest = hash.update(classpath).digest('hex').slice(0, 12)
  const main = basename(files[0]!, '.java')
  const classes = join(defaultCacheDir(javaPeerKafkaVersion()), 'programs', `${main}-${digest}`)
  if (existsSync(classes)) return classes
  // Compiled into a temp dir and renamed into place: a parallel run never sees half the classes.
  const tmp = `${classes}.tmp-${process.pid}`
  await mkdir(tmp, { recursive: true })
  const javac = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'javac') : 'javac'
  const r = await run(javac, ['-cp', classpath, '-d', tmp, ...files]).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }))
  if (r.code !== 0) {
    await rm(tmp, { recursive: true, force: true })
    throw new Error(`javac failed on ${files.map((f) => basename(f)).join(', ')} (a JDK 17+ is needed, not only a JRE):\n${r.stdout}${r.stderr}`)
  }
  try {
    await rename(tmp, classes)
  } catch {
    await rm(tmp, { recursive: true, force: true })
  }
  return classes
}

/** A running Java tool with its stdout collected line by line. */
export interface JavaTool {
  proc: ChildProcessWithoutNullStreams
  lines: string[]
  /** Resolves once `predicate` holds for the lines seen so far. */
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

/** Options of {@link startJavaTool}. */
export interface JavaToolOptions {
  /** The classpath; default the kafka-tools one. */
  classpath?: string
  /** JVM options next to `-Xmx256m`. */
  jvmArgs?: string[]
}

/** JVM options for a short run: the C1 compiler alone and the serial collector use less CPU on a small, busy machine. */
export const SHORT_RUN_JVM_ARGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']

/** Starts `mainClass` (a class name, or a single-file `.java` program). */
export async function startJavaTool(mainClass: string, args: string[], opts: JavaToolOptions = {}): Promise<JavaTool> {
  const cp = opts.classpath ?? (await kafkaToolsClasspath())
  const proc = spawn('java', ['-Xmx256m', ...(opts.jvmArgs ?? []), '-cp', cp, mainClass, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
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
  // After the exit and the end of its output.
  const closed = new Promise<void>((r) => proc.once('close', () => r()))
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
        const fail = (why: string) => {
          waiters.delete(check)
          clearTimeout(t)
          reject(new Error(`${mainClass}: condition not met ${why}; ${lines.length} lines; stderr: ${stderr}`))
        }
        const t = setTimeout(() => fail(`in ${timeoutMs} ms`), timeoutMs)
        waiters.add(check)
        check()
        // A tool that exited will print nothing more: fail now rather than at the timeout.
        void closed.then(() => {
          if (waiters.has(check)) {
            check()
            if (waiters.has(check)) fail(`before it exited with ${proc.exitCode ?? proc.signalCode}`)
          }
        })
      })
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    },
  }
}
