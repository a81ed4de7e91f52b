// Exactly-once under crashes, in the spirit of Kafka's EosTestDriver: instances of an aggregating
// app (fixtures/eos-app.ts) run as child processes and are killed with SIGKILL at random points
// and restarted while input is produced. At the end: the echo output holds every input record
// exactly once (read_committed), the per-key count/sum/min/max are exact, each closed event-time
// window's final result (windowed count and sum + suppress untilWindowCloses) is emitted exactly
// once and exact while no open window is emitted, the stream-stream left join of the input
// (orders) with a co-partitioned payments topic emits every match exactly once and a null result
// exactly once for each unmatched order whose join window closed (none for matched or open ones),
// and no transaction of the app is left open.
// PERIDOT_EOS_RECORDS (default 20,000), PERIDOT_EOS_INSTANCES (3) and PERIDOT_EOS_SEED tune
// longer local runs; PERIDOT_EOS_DEBUG_DIR (a directory) collects each instance's whole stderr
// and the echo records missing.
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, partitionForKey } from '../../src/index.js'
import type { KafkaRecord } from '../../src/protocol/records/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { int64, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const RECORDS = Number(process.env.PERIDOT_EOS_RECORDS ?? 20_000)
const INSTANCES = Number(process.env.PERIDOT_EOS_INSTANCES ?? 3)
const KEYS = 200
const PARTITIONS = 6
/** A prime above any record count we run: value(i) = (i * 7919) mod P - P/2 is unique per record. */
const P = 1_000_003
/**
 * Hopping event-time windows of the windowed count and their grace: some windows close in nearly
 * every chunk of input, so kills also hit transactions that emit final results.
 */
const WINDOW_MS = 5_000
const ADVANCE_MS = 1_000
const GRACE_MS = 1_000
/** Event time advances STEP_MS per record, plus a jitter below the grace (out of order, never late). */
const STEP_MS = 5
/**
 * The left join: payments within JOIN_MS of an order (either way), JOIN_GRACE_MS grace. Both are
 * far above the disorder the input has (jitter below GRACE_MS, chunks of both topics produced
 * together), so no order is joined with null before its payment is processed: the outcome is
 * fixed by the data, whatever kills and restarts happen.
 */
const JOIN_MS = 5_000
const JOIN_GRACE_MS = 2_000
/** Event times start near now: the broker deletes segments whose records are older than its retention. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000

// Small seeded PRNG (mulberry32) so a failing schedule can be replayed with PERIDOT_EOS_SEED.
const seed = Number(process.env.PERIDOT_EOS_SEED ?? Date.now() % 1_000_000)
let state = seed >>> 0
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const debugDir = process.env.PERIDOT_EOS_DEBUG_DIR
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const valueOf = (i: number): number => ((i * 7919) % P) - Math.floor(P / 2)
const keyOf = (i: number): string => `k${(i * 31) % KEYS}`
/**
 * Record i's event time. With a jitter below the grace, no record is later than the grace behind
 * its partition's stream time, so none is dropped, whatever the order kills and restarts leave.
 */
const timestampOf = (i: number): number => BASE + i * STEP_MS + ((i * 7919) % GRACE_MS)
/**
 * Whether order (input record) i has a payment: every 7th record in odd blocks of 3,000 records,
 * so each key has payments ~7 s of event time apart in those blocks (orders there match one or
 * two) and none in even blocks (orders there, apart from near the block edges, match nothing).
 */
const hasPayment = (i: number): boolean => i % 7 === 0 && Math.floor(i / 3000) % 2 === 1
/** The payment of order i, up to 0.5 s after it; its value is the order's. */
const paymentTimestampOf = (i: number): number => timestampOf(i) + ((i * 13) % 500)
interface Instance {
  slot: number
  stateDir: string
  child: ChildProcess | null
  /** Reached RUNNING since its last start (its SIGTERM handler is installed). */
  running: boolean
  /** Its KafkaStreams state, from the STATE lines it prints. */
  state: string
  stderr: string
  starts: number
  /** Times its process died of SIGKILL (seen on the process's exit, not counted by the chaos loop). */
  killedBySignal: number
  /** Times it reached RUNNING again after such a death. */
  recoveredAfterKill: number
}

let client: Client
const instances: Instance[] = []

beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  for (const inst of instances) {
    if (inst.child && inst.child.exitCode === null && inst.child.signalCode === null) inst.child.kill('SIGKILL')
    rmSync(inst.stateDir, { recursive: true, force: true })
  }
  await client?.close()
})

/**
 * What a failing echo check needs to be told apart: per partition, the echo topic's high watermark
 * and last stable offset (a transaction left open on the partition holds read_committed back),
 * committed and uncommitted record counts, the input records missing (as index ranges), and the
 * group's committed offset of the input partition against its end.
 */
async function echoGap(echoed: KafkaRecord[], input: string, echo: string, group: string): Promise<string> {
  const got = new Set(echoed.map((r) => int64(r.value!)))
  // Missing records by partition, as runs of their position in the partition's input (offsets, since the input is written in order).
  const missing = new Map<number, Array<[number, number]>>()
  const position = new Array<number>(PARTITIONS).fill(0)
  let count = 0
  for (let i = 0; i < RECORDS; i++) {
    const p = partitionForKey(keyOf(i), PARTITIONS)
    const at = position[p]++
    if (got.has(valueOf(i))) continue
    count++
    const runs = missing.get(p) ?? []
    missing.set(p, runs)
    const last = runs[runs.length - 1]
    if (last !== undefined && last[1] === at - 1) last[1] = at
    else runs.push([at, at])
  }
  const ranges = (runs: Array<[number, number]>): string =>
    runs.slice(0, 12).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(' ') + (runs.length > 12 ? ` ... (${runs.length} runs)` : '')
  const offsets = new Map<string, bigint>()
  for (const o of await client.admin().listGroupOffsets(group)) offsets.set(`${o.topic}-${o.partition}`, o.offset)
  const lines: string[] = [`echo has ${echoed.length} of ${RECORDS} records; ${count} input records missing (by input offset)`]
  const fetcher = client.fetcher()
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      const [r] = await fetcher.fetch([{ topic: echo, partition: p, offset: 0n, maxBytes: 1024 }], { maxWaitMs: 10, isolationLevel: 'read_committed' })
      const [i] = await fetcher.fetch([{ topic: input, partition: p, offset: 0n, maxBytes: 1024 }], { maxWaitMs: 10 })
      if (r.error) throw r.error
      if (i.error) throw i.error
      const committedHere = echoed.filter((e) => partitionForKey(e.key!.toString(), PARTITIONS) === p).length
      lines.push(
        `echo-${p}: high watermark ${r.highWatermark}, last stable ${r.lastStableOffset}, ${committedHere} committed records; ` +
          `input-${p}: end ${i.highWatermark}, group offset ${offsets.get(`${input}-${p}`)}; missing ${ranges(missing.get(p) ?? [])}`,
      )
    }
  } finally {
    await fetcher.close()
  }
  const open = await client.admin().listTransactions({})
  lines.push(`transactions of the app: ${open.filter((t) => t.transactionalId.startsWith(group)).map((t) => `${t.transactionalId} ${t.state}`).join(', ')}`)
  return lines.join('\n')
}

describe('KafkaStreams exactly_once_v2 under SIGKILL', () => {
  it(
    `${RECORDS} records, ${INSTANCES} instances killed and restarted at random: output exactly once, aggregates exact, no open transactions`,
    async () => {
      console.error(`eos crash test: seed ${seed}`)
      const applicationId = uniqueTopic('eos-app')
      const input = uniqueTopic('eos-in')
      const echo = uniqueTopic('eos-echo')
      const aggPrefix = uniqueTopic('eos-agg')
      const aggTopics = ['count', 'sum', 'min', 'max'].map((a) => `${aggPrefix}-${a}`)
      for (const t of [input, echo, ...aggTopics]) await client.createTopic(t, { partitions: PARTITIONS })

      const windowFinal = `${aggPrefix}-wfinal`
      const windowSum = `${aggPrefix}-wsum`
      const payments = uniqueTopic('eos-payments')
      const joined = `${aggPrefix}-join`
      for (const t of [windowFinal, windowSum, payments, joined]) await client.createTopic(t, { partitions: PARTITIONS })
      const appConfig = {
        bootstrap: bootstrap(),
        applicationId,
        input,
        echo,
        aggPrefix,
        commitIntervalMs: 100,
        windowMs: WINDOW_MS,
        advanceMs: ADVANCE_MS,
        graceMs: GRACE_MS,
        payments,
        joinMs: JOIN_MS,
        joinGraceMs: JOIN_GRACE_MS,
      }
      const start = (inst: Instance): void => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'eos-app.ts')], {
          env: { ...process.env, EOS_APP: JSON.stringify({ ...appConfig, stateDir: inst.stateDir }) },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        inst.child = child
        inst.running = false
        inst.starts++
        inst.state = 'CREATED'
        createInterface({ input: child.stdout! }).on('line', (l) => {
          if (!l.startsWith('STATE ')) return
          inst.state = l.slice(6).trim()
          if (inst.state === 'RUNNING' && !inst.running && inst.starts > 1 && inst.killedBySignal > 0) inst.recoveredAfterKill++
          if (inst.state === 'RUNNING') inst.running = true
        })
        child.once('exit', (_code, signal) => {
          if (signal === 'SIGKILL') inst.killedBySignal++
        })
        child.stderr!.on('data', (d: Buffer) => {
          inst.stderr = (inst.stderr + d.toString()).slice(-3000)
          if (debugDir) appendFileSync(join(debugDir, `instance-${inst.slot}.log`), d)
        })
      }
      const alive = (inst: Instance): boolean => inst.child !== null && inst.child.exitCode === null && inst.child.signalCode === null
      const kill = async (inst: Instance): Promise<void> => {
        const c = inst.child
        if (c === null || !alive(inst)) return
        const exited = new Promise<void>((r) => c.once('exit', () => r()))
        c.kill('SIGKILL')
        await exited
      }
      for (let slot = 0; slot < INSTANCES; slot++) {
        const inst: Instance = { slot, stateDir: tempStateDir(), child: null, running: false, state: 'CREATED', stderr: '', starts: 0, killedBySignal: 0, recoveredAfterKill: 0 }
        instances.push(inst)
        start(inst)
        // The first instance creates the internal topics alone: instances racing to create them can
        // see a topic that exists but is not in their metadata yet (internal-topics.ts ensureTopic).
        if (slot === 0) await waitFor('the first instance running', () => inst.running || !alive(inst), 60_000).then(() => {
          if (!alive(inst)) throw new Error(`instance 0 failed to start: ${inst.stderr}`)
        })
      }

      // Input, produced in chunks while the chaos below goes on.
      const expected = new Map<string, { count: number; sum: number; min: number; max: number }>()
      const valuesByKey = new Map<string, number[]>()
      /** Count per key and hopping window, sum per key and tumbling window (`key@start`). */
      const windowCounts = new Map<string, number>()
      const windowSums = new Map<string, number>()
      /** Largest event time per input partition: its stream time once all input is processed. */
      const streamTime = new Array<number>(PARTITIONS).fill(-1)
      /** Largest event time per partition of both join inputs (the join's stream time at the end, before the flush). */
      const joinTime = new Array<number>(PARTITIONS).fill(-1)
      let paymentCount = 0
      for (let i = 0; i < RECORDS; i++) {
        const k = keyOf(i)
        const v = valueOf(i)
        const ts = timestampOf(i)
        const p = partitionForKey(k, PARTITIONS)
        for (let start = ts - (ts % ADVANCE_MS); start > ts - WINDOW_MS; start -= ADVANCE_MS) {
          const w = `${k}@${start}`
          windowCounts.set(w, (windowCounts.get(w) ?? 0) + 1)
        }
        const tumbling = `${k}@${ts - (ts % WINDOW_MS)}`
        windowSums.set(tumbling, (windowSums.get(tumbling) ?? 0) + v)
        streamTime[p] = Math.max(streamTime[p], ts)
        joinTime[p] = Math.max(joinTime[p], ts)
        if (hasPayment(i)) {
          joinTime[p] = Math.max(joinTime[p], paymentTimestampOf(i))
          paymentCount++
        }
        const e = expected.get(k)
        if (e === undefined) expected.set(k, { count: 1, sum: v, min: v, max: v })
        else {
          e.count++
          e.sum += v
          e.min = Math.min(e.min, v)
          e.max = Math.max(e.max, v)
        }
        const list = valuesByKey.get(k)
        if (list === undefined) valuesByKey.set(k, [v])
        else list.push(v)
      }
      /** Input records produced so far (payments not counted: the chaos goes on until all input is out). */
      let produced = 0
      let stopProducing = false
      /** Resolved after each produced chunk: kills aim at the moments the app is busy with it. */
      const chunkWaiters: Array<() => void> = []
      const nextChunk = (): Promise<void> => new Promise((r) => chunkWaiters.push(r))
      const producing = (async () => {
        const producer = client.producer({ lingerMs: 5 })
        // Spread over ~30 s, the chaos phase.
        const chunks = 60
        const per = Math.ceil(RECORDS / chunks)
        for (let c = 0; c < chunks && !stopProducing; c++) {
          const records = []
          for (let i = c * per; i < Math.min(RECORDS, (c + 1) * per); i++) {
            const v = Buffer.allocUnsafe(8)
            v.writeBigInt64BE(BigInt(valueOf(i)))
            records.push({ topic: input, partition: partitionForKey(keyOf(i), PARTITIONS), key: Buffer.from(keyOf(i)), value: v, timestamp: timestampOf(i) })
            if (hasPayment(i)) records.push({ topic: payments, partition: partitionForKey(keyOf(i), PARTITIONS), key: Buffer.from(keyOf(i)), value: v, timestamp: paymentTimestampOf(i) })
          }
          await producer.sendBatch(records)
          // Orders only: counting the payments too ended the chaos (and with it, through
          // stopProducing, the producer) before the last chunks of input were written.
          produced = Math.min(RECORDS, (c + 1) * per)
          for (const w of chunkWaiters.splice(0)) w()
          await sleep(500)
        }
        await producer.close()
      })()

      let kills = 0
      try {
        // Chaos, two kinds of kills alternating at random: at a random moment 1-3 s after the
        // previous restart, or aimed at an open transaction (the group is stable and a chunk of
        // input was just produced: kill 400-700 ms later, since the app picks new input up
        // ~400-500 ms after it is written and commits ~100-200 ms later). The victim restarts
        // 0.2-1.5 s after.
        const chaosUntil = Date.now() + 30_000
        while (Date.now() < chaosUntil || produced < RECORDS) {
          if (produced < RECORDS && random() < 0.5) {
            const stable = Date.now() + 10_000
            while (Date.now() < stable && !instances.every((i) => i.state === 'RUNNING')) await sleep(50)
            await Promise.race([nextChunk(), sleep(3000)])
            await sleep(400 + random() * 300)
          } else await sleep(1000 + random() * 2000)
          const inst = instances[Math.floor(random() * instances.length)]
          for (const other of instances) {
            if (!alive(other)) throw new Error(`instance ${other.slot} died on its own (exit ${other.child?.exitCode}, ${other.child?.signalCode}): ${other.stderr}`)
          }
          if (process.env.PERIDOT_EOS_DEBUG) console.error(`kill ${inst.slot} (states ${instances.map((i) => i.state).join('/')}, produced ${produced})`)
          await kill(inst)
          kills++
          await sleep(200 + random() * 1300)
          start(inst)
        }
      } finally {
        // Never leave the producer running into afterAll's client.close().
        stopProducing = true
        await producing.catch(() => undefined)
      }
      await producing

      // Settle: all instances up; the app's committed offsets cover the whole input.
      const committed = async (): Promise<number> => {
        try {
          let sum = 0
          for (const o of await client.admin().listGroupOffsets(applicationId)) if ((o.topic === input || o.topic === payments) && o.offset > 0n) sum += Number(o.offset)
          return sum
        } catch {
          return 0
        }
      }
      const settled = async (what: string, records: number): Promise<void> =>
        waitFor(
          what,
          async () => {
            for (const inst of instances) if (!alive(inst)) throw new Error(`instance ${inst.slot} died: ${inst.stderr}`)
            // Every instance must be up (its SIGTERM handler installed) before the clean shutdown.
            return instances.every((i) => i.running) && (await committed()) >= records
          },
          90_000,
          250,
        )
      await settled(`the app to commit all ${RECORDS} input records and ${paymentCount} payments`, RECORDS + paymentCount)
      const stopAll = (): Promise<void> =>
        Promise.all(
          instances.map(async (inst) => {
            const c = inst.child
            if (c === null || !alive(inst)) return
            const exited = new Promise<string>((r) => c.once('exit', (code, signal) => r(`${code ?? signal}`)))
            c.kill('SIGTERM')
            const timer = setTimeout(() => c.kill('SIGKILL'), 20_000)
            const code = await exited
            clearTimeout(timer)
            expect(code, `instance ${inst.slot} exit code; stderr: ${inst.stderr}`).toBe('0')
          }),
        ).then(() => undefined)
      // The join emits closed windows' null results when a record advances its stream time, at
      // most once a second (wall clock), and skips the scan while the smallest timestamp it
      // last saw buffered (in memory, like its stream time) is within the window of stream time.
      // To fix the end state: a clean restart (fresh in-memory join time, the buffered orders
      // restored), then one payment per partition (a key no order has) 1 ms after everything
      // else: it scans and emits every order whose window that closes, and no other.
      await stopAll()
      for (const inst of instances) start(inst)
      await waitFor('all instances running again', () => instances.every((i) => i.running || !alive(i)), 60_000)
      const flushTime = joinTime.map((t) => t + 1)
      const flushKeys: string[] = []
      for (let n = 0; flushKeys.filter(Boolean).length < PARTITIONS; n++) flushKeys[partitionForKey(`flush-${n}`, PARTITIONS)] ??= `flush-${n}`
      const flusher = client.producer({ lingerMs: 0 })
      await flusher.sendBatch(flushKeys.map((k, p) => ({ topic: payments, partition: p, key: Buffer.from(k), value: Buffer.alloc(8), timestamp: flushTime[p] })))
      await flusher.close()
      await settled('the app to commit the flush payments', RECORDS + paymentCount + PARTITIONS)
      // Clean shutdown of every instance.
      await stopAll()
      console.error(`eos crash test: ${kills} kills, starts per instance ${instances.map((i) => i.starts).join('/')}`)
      // The crashes happened: processes died of SIGKILL mid-run, and each killed instance came back
      // to RUNNING after its restart (the output checks below then hold across them).
      const deaths = instances.reduce((n, i) => n + i.killedBySignal, 0)
      expect(deaths, `instances that died of SIGKILL (the chaos loop tried ${kills} kills)`).toBeGreaterThan(3)
      expect(
        instances.filter((i) => i.killedBySignal > 0).map((i) => i.recoveredAfterKill > 0),
        'killed instances that reached RUNNING again',
      ).toEqual(instances.filter((i) => i.killedBySignal > 0).map(() => true))

      // No transaction of the app left open.
      const admin = client.admin()
      const open = (await admin.listTransactions({ states: ['Ongoing', 'PrepareCommit', 'PrepareAbort'] })).filter((t) => t.transactionalId.startsWith(applicationId))
      expect(open).toEqual([])

      // Echo output: every input record exactly once, per-key order kept.
      const echoed = await readTopic(client, echo, 'read_committed')
      if (debugDir) {
        const got = new Set(echoed.map((r) => int64(r.value!)))
        const missing: string[] = []
        for (let i = 0; i < RECORDS; i++) if (!got.has(valueOf(i))) missing.push(`record ${i} (partition ${partitionForKey(keyOf(i), PARTITIONS)})`)
        writeFileSync(join(debugDir, 'missing-echo.txt'), missing.join('\n'))
      }
      expect(echoed.length, echoed.length === RECORDS ? '' : await echoGap(echoed, input, echo, applicationId)).toBe(RECORDS)
      // Records of aborted transactions (killed instances): evidence that the crashes hit open transactions.
      const uncommitted = (await readTopic(client, echo, 'read_uncommitted')).length
      console.error(`eos crash test: ${uncommitted - RECORDS} echo records in aborted transactions`)
      const seen = new Map<string, number[]>()
      for (const r of echoed) {
        const k = r.key!.toString()
        const list = seen.get(k)
        if (list === undefined) seen.set(k, [int64(r.value!)])
        else list.push(int64(r.value!))
      }
      for (const [k, values] of valuesByKey) expect(seen.get(k), `values of key ${k}`).toEqual(values)

      // Aggregates: the latest value per key in each output topic.
      const latest = (records: KafkaRecord[]): Map<string, number> => {
        const m = new Map<string, number>()
        for (const r of records) m.set(r.key!.toString(), int64(r.value!))
        return m
      }
      const [counts, sums, mins, maxes] = await Promise.all(aggTopics.map(async (t) => latest(await readTopic(client, t, 'read_committed'))))
      for (const [k, e] of expected) {
        expect(counts.get(k), `count of ${k}`).toBe(e.count)
        expect(sums.get(k), `sum of ${k}`).toBe(e.sum)
        expect(mins.get(k), `min of ${k}`).toBe(e.min)
        expect(maxes.get(k), `max of ${k}`).toBe(e.max)
      }

      // Windowed aggregations + suppress(untilWindowCloses): a window is closed once its partition's
      // stream time (the largest event time in it: every record is processed) reaches window end +
      // grace. Each closed window's final result comes out exactly once and exact; an open one not
      // at all. Whoever processes a partition's newest record closes its windows then, so this
      // holds whatever kills and restarts happened (a restarted suppression starts from stream
      // time -1, as in Kafka Streams).
      const checkFinals = async (topic: string, all: Map<string, number>, what: string): Promise<void> => {
        const expectedFinal = new Map<string, number>()
        for (const [w, n] of all) {
          const at = w.indexOf('@')
          const start = Number(w.slice(at + 1))
          if (start + WINDOW_MS + GRACE_MS <= streamTime[partitionForKey(w.slice(0, at), PARTITIONS)]) expectedFinal.set(w, n)
        }
        expect(expectedFinal.size, `${what}: the newest windows are still open`).toBeLessThan(all.size)
        const finals = (await readTopic(client, topic, 'read_committed')).map((r) => {
          const key = r.key!
          return { window: `${key.subarray(0, key.length - 8).toString()}@${key.readBigInt64BE(key.length - 8)}`, value: int64(r.value!) }
        })
        const seenWindows = new Set<string>()
        const emittedTwice = finals.filter((f) => seenWindows.has(f.window) || (seenWindows.add(f.window), false)).map((f) => f.window)
        expect(emittedTwice, `${what}: windows emitted more than once`).toEqual([])
        expect(new Map(finals.map((f) => [f.window, f.value])), `${what}: final results`).toEqual(expectedFinal)
        const uncommitted = (await readTopic(client, topic, 'read_uncommitted')).length
        console.error(`eos crash test: ${finals.length} ${what}, ${uncommitted - finals.length} more in aborted transactions`)
      }
      await checkFinals(windowFinal, windowCounts, 'final hopping-window counts (cached)')
      await checkFinals(windowSum, windowSums, 'final tumbling-window sums (uncached)')

      // Left join: every match exactly once with both values; a null result exactly once for each
      // order without a payment within JOIN_MS whose window closed (order time + JOIN_MS +
      // JOIN_GRACE_MS below its partition's stream time, the flush payment's); nothing else.
      const expectedJoin: string[] = []
      const paymentsByKey = new Map<string, number[]>()
      for (let i = 0; i < RECORDS; i++) {
        if (!hasPayment(i)) continue
        const list = paymentsByKey.get(keyOf(i))
        if (list === undefined) paymentsByKey.set(keyOf(i), [i])
        else list.push(i)
      }
      let leftResults = 0
      let openUnmatched = 0
      for (let i = 0; i < RECORDS; i++) {
        const k = keyOf(i)
        const ts = timestampOf(i)
        const matches = (paymentsByKey.get(k) ?? []).filter((j) => Math.abs(paymentTimestampOf(j) - ts) <= JOIN_MS)
        for (const j of matches) expectedJoin.push(`${k} ${valueOf(i)}:${valueOf(j)}`)
        if (matches.length > 0) continue
        if (ts + JOIN_MS + JOIN_GRACE_MS < flushTime[partitionForKey(k, PARTITIONS)]) {
          expectedJoin.push(`${k} ${valueOf(i)}:null`)
          leftResults++
        } else openUnmatched++
      }
      // The data exercises all three outcomes.
      expect(leftResults, 'orders joined with null').toBeGreaterThan(0)
      expect(openUnmatched, 'unmatched orders whose window is still open').toBeGreaterThan(0)
      expect(expectedJoin.length - leftResults, 'matches').toBeGreaterThan(0)
      const joinOut = await readTopic(client, joined, 'read_committed')
      const pending = new Map<string, number>()
      for (const e of expectedJoin) pending.set(e, (pending.get(e) ?? 0) + 1)
      const unexpected: string[] = []
      for (const r of joinOut) {
        const got = `${r.key!.toString()} ${r.value!.toString()}`
        const n = pending.get(got) ?? 0
        if (n === 0) unexpected.push(got)
        else pending.set(got, n - 1)
      }
      const describe = (e: string): string => {
        const [k, v] = e.split(' ')
        const order = Number(v.split(':')[0])
        const i = Array.from({ length: RECORDS }, (_, j) => j).find((j) => valueOf(j) === order) ?? -1
        const p = partitionForKey(k, PARTITIONS)
        return `${e} (order ${i} at +${timestampOf(i) - BASE}, partition ${p} flush at +${flushTime[p] - BASE})`
      }
      const missing = [...pending].flatMap(([e, n]) => Array.from({ length: n }, () => e))
      expect(unexpected.slice(0, 20).map(describe), `left join results not expected (${unexpected.length})`).toEqual([])
      expect(missing.slice(0, 20).map(describe), `left join results missing (${missing.length})`).toEqual([])
      const joinUncommitted = (await readTopic(client, joined, 'read_uncommitted')).length
      console.error(`eos crash test: ${joinOut.length} join results (${leftResults} with null, ${openUnmatched} orders still open), ${joinUncommitted - joinOut.length} more in aborted transactions`)

      // read_committed reached the high watermark everywhere: nothing pending behind an open transaction.
      for (const t of [echo, ...aggTopics, windowFinal, windowSum, joined]) {
        const fetcher = client.fetcher()
        try {
          for (let p = 0; p < PARTITIONS; p++) {
            const [r] = await fetcher.fetch([{ topic: t, partition: p, offset: 0n, maxBytes: 1024 }], { maxWaitMs: 10, isolationLevel: 'read_committed' })
            if (r.error) throw r.error
            expect(r.lastStableOffset, `${t}-${p}: last stable offset`).toBe(r.highWatermark)
          }
        } finally {
          await fetcher.close()
        }
      }
    },
    180_000,
  )
})
