#!/usr/bin/env node
// `npm test`: every check of the package, as npm scripts run in two lanes at once. Most of the
// integration runs' time is spent waiting on a broker (rebalances, session timeouts, transaction
// markers), not on CPU, so the Kafka 4.x run goes alone in one lane while the other lane runs
// the typecheck, the unit tests, the Kafka 3.9 run, the Redpanda-profile run and test:pack. Each
// integration run starts its own broker (global-setup.ts takes a private data dir and port when
// another run holds the usual ones), so the lanes share nothing but the CPU.
//
// Each step's output is printed whole when the step ends (and kept in .peridot/test-logs/), so
// the lanes do not interleave line by line. Every step runs even when another failed; the exit
// code is non-zero when any failed. PERIDOT_TEST_SERIAL=1 runs the steps one after another, in
// lane order (for a machine too loaded to run two at once).
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** npm scripts by lane; a lane runs its steps in order, the lanes run at the same time. */
const LANES = [
  ['test:integration'],
  // The unit tests on one worker: the other core stays with the Kafka 4.x lane, whose tests wait
  // on real timeouts and processes (a CPU-starved broker restart or kill -9 test could flake).
  ['typecheck', 'test:unit:one-worker', 'test:integration:3', 'test:integration:redpanda', 'test:pack'],
]
/** How often to say which steps are still running, so a long step does not look hung. */
const PROGRESS_EVERY_MS = 120_000

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const logDir = join(repo, '.peridot', 'test-logs')
mkdirSync(logDir, { recursive: true })

const npm = process.env.npm_execpath
  ? { cmd: process.execPath, pre: [process.env.npm_execpath] }
  : { cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', pre: [] }
const t0 = Date.now()
const secs = (ms) => `${(ms / 1000).toFixed(0)} s`
/** @type {Map<string, { child: import('node:child_process').ChildProcess, start: number }>} */
const running = new Map()
/** @type {{ step: string, code: number | null, signal: string | null, ms: number }[]} */
const results = []

/** Runs `npm run <step>`, printing its output in one piece when it ends. */
function runStep(step) {
  return new Promise((resolve) => {
    const start = Date.now()
    const chunks = []
    const log = createWriteStream(join(logDir, `${step.replace(/[^\w.-]/g, '_')}.log`))
    // Its own process group, so a signal to this script reaches the step's whole process tree.
    const child = spawn(npm.cmd, [...npm.pre, 'run', step], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: process.env, detached: true })
    running.set(step, { child, start })
    console.log(`[test] ${step}: started (${secs(start - t0)} in)`)
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        chunks.push(chunk)
        log.write(chunk)
      })
    }
    child.on('close', (code, signal) => {
      running.delete(step)
      log.end()
      const ms = Date.now() - start
      const ok = code === 0
      results.push({ step, code, signal, ms })
      process.stdout.write(`\n[test] ===== ${step}: ${ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`} in ${secs(ms)} =====\n`)
      process.stdout.write(Buffer.concat(chunks))
      process.stdout.write(`[test] ===== end of ${step} =====\n\n`)
      resolve(ok)
    })
  })
}

/** Set by SIGINT/SIGTERM: the running steps get the signal and no further step starts. */
let stopped = false

async function runLane(steps) {
  for (const step of steps) {
    if (stopped) return
    await runStep(step)
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopped = true
    for (const { child } of running.values()) {
      try {
        process.kill(-child.pid, signal)
      } catch {
        // The group is gone already.
      }
    }
    process.exitCode = 130
  })
}

const progress = setInterval(() => {
  const now = Date.now()
  console.log(`[test] ${secs(now - t0)} in, running: ${[...running].map(([step, r]) => `${step} (${secs(now - r.start)})`).join(', ')}`)
}, PROGRESS_EVERY_MS)

if (process.env.PERIDOT_TEST_SERIAL === '1') await runLane(LANES.flat().map((step) => (step === 'test:unit:one-worker' ? 'test:unit' : step)))
else await Promise.all(LANES.map(runLane))
clearInterval(progress)

console.log(`[test] summary (${secs(Date.now() - t0)} in all):`)
for (const r of results) console.log(`  ${r.code === 0 ? 'ok    ' : 'FAILED'}  ${r.step}  ${secs(r.ms)}`)
if (stopped) console.log('[test] stopped by a signal: the steps not listed did not run')
else if (results.some((r) => r.code !== 0)) process.exitCode = 1
