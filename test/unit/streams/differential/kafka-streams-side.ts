/**
 * Runs the differential test's cases in Kafka Streams' own TopologyTestDriver: fetches
 * kafka-streams and kafka-streams-test-utils for the Kafka version under test (once, with Maven),
 * compiles DiffHarness.java into the jar cache (once per source and version), and runs all cases
 * in one JVM (JVM start is slow), exchanging JSON files.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkJava, defaultCacheDir, ensureKafkaJars } from '../../../../src/dev/index.js'
import type { InputRecord } from './inputs.js'

const HARNESS = join(dirname(fileURLToPath(import.meta.url)), 'DiffHarness.java')

/** One case as the harness reads it. */
export interface HarnessCase {
  id: string
  topology: string
  storeName: string | null
  cache: boolean
  records: InputRecord[]
  outputs: string[]
}

/** An output record as JSON: key and value base64 (null for null), headers as [key, base64 | null]. */
export interface JsonRecord {
  key: string | null
  value: string | null
  timestamp: number
  headers: Array<[string, string | null]>
}

/** Per case id: its output records per topic, or the Java exception. */
export type HarnessResults = Record<string, Record<string, JsonRecord[]> | { error: string }>

const b64 = (b: Buffer | null): string | null => (b === null ? null : b.toString('base64'))

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

/** Java and javac, or an error saying what to install: the test must not skip silently. */
async function checkJdk(): Promise<{ java: string; javac: string }> {
  let java: string
  try {
    java = await checkJava()
  } catch (err) {
    throw new Error(`The differential test runs Kafka Streams' TopologyTestDriver and needs a JDK 17+ (java and javac): ${(err as Error).message}`)
  }
  const javac = join(dirname(java), 'javac')
  const javacCmd = java === 'java' ? 'javac' : javac
  const probe = await run(javacCmd, ['-version']).catch(() => ({ code: -1, output: '' }))
  if (probe.code !== 0) {
    throw new Error(`The differential test compiles a Kafka Streams harness and needs javac (a JDK 17+, not only a JRE); "${javacCmd} -version" failed. Install e.g. openjdk-17-jdk-headless or set JAVA_HOME to a JDK.`)
  }
  return { java, javac: javacCmd }
}

/** Runs all cases in Kafka Streams and returns their outputs. */
export async function runKafkaStreams(kafkaVersion: string, cases: readonly HarnessCase[]): Promise<HarnessResults> {
  const { java, javac } = await checkJdk()
  const jars = await ensureKafkaJars(kafkaVersion, {
    artifacts: ['org.apache.kafka:kafka-streams', 'org.apache.kafka:kafka-streams-test-utils'],
  })
  const classpath = jars.join(':')
  const source = readFileSync(HARNESS)
  const hash = createHash('sha1').update(source).update(kafkaVersion).digest('hex').slice(0, 12)
  const classes = join(defaultCacheDir(kafkaVersion), `diff-harness-${hash}`)
  if (!existsSync(join(classes, 'DiffHarness.class'))) {
    // Compiled into a temp dir and renamed into place, so a parallel run never sees half the classes.
    const tmp = `${classes}.tmp-${process.pid}`
    mkdirSync(tmp, { recursive: true })
    const r = await run(javac, ['-cp', classpath, '-d', tmp, HARNESS])
    if (r.code !== 0) throw new Error(`javac failed on DiffHarness.java (Kafka ${kafkaVersion}):\n${r.output}`)
    try {
      renameSync(tmp, classes)
    } catch {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'peridot-diff-'))
  try {
    const input = join(dir, 'cases.json')
    const output = join(dir, 'outputs.json')
    const json = cases.map((c) => ({
      ...c,
      records: c.records.map((r) => ({ ...r, key: b64(r.key), value: b64(r.value), headers: r.headers.map(([k, v]) => [k, b64(v)]) })),
    }))
    writeFileSync(input, JSON.stringify({ cases: json }))
    // A short run of many small topologies: the C1 compiler alone and the serial collector make it
    // 2-3x faster than the default JIT and GC threads on a small machine.
    const r = await run(java, ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', `${classpath}:${classes}`, 'DiffHarness', input, output])
    if (r.code !== 0 || !existsSync(output)) throw new Error(`DiffHarness (Kafka ${kafkaVersion}) exited with ${r.code}:\n${r.output}`)
    return JSON.parse(readFileSync(output, 'utf8')) as HarnessResults
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
