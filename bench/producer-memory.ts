/**
 * Producer memory under fire-and-forget sends: peak RSS and records/s for N records of 100 B
 * sent without awaiting each one, through
 *
 * - `send`: `for (...) producer.send(r)` (Producer, 3 partitions),
 * - `batch`: `for (...) batchProducer.produce(r)` (BatchProducer, one partition),
 * - `writable`: `Readable.from(records).pipe(producer.writable(topic))` (backpressure),
 *
 * each in a child process of its own (peak RSS is the child's `maxRSS`), with
 * `maxBufferedBytes` 1 MiB. The loops are synchronous, as in the code users write: every record
 * they hand over before the first one is sent waits for buffer space, so memory grows with the
 * records waiting; what must stay flat is the cost per record (time and bytes).
 *
 * ```sh
 * KAFKA_CONNECT=127.0.0.1:29092 npx tsx bench/producer-memory.ts --records 10000,200000,1000000 --modes send,batch,writable
 * ```
 *
 * `--timeout-s` (default 300) ends a case that takes longer; `--record-size` (default 100),
 * `--max-buffered` (default 1 MiB) and `--fresh-values` (a new value Buffer per record rather
 * than one shared) change the workload. `node --expose-gc --import tsx bench/producer-memory.ts
 * --per-call` measures the heap one waiting produce() call costs, without a broker.
 */
import { spawnSync } from 'node:child_process'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { Client } from '../src/index.js'
import type { PartitionClient } from '../src/client/partition-client.js'
import { BatchProducer } from '../src/client/producer/batch-producer.js'

/** Value bytes per record (`--record-size`, default 100). */
const RECORD_SIZE = Number(arg('record-size', '100'))
/** The producers' `maxBufferedBytes` (`--max-buffered`, default 1 MiB). */
const MAX_BUFFERED = Number(arg('max-buffered', String(1 << 20)))
/** `--fresh-values`: a new value Buffer per record (as most code sends), instead of one shared value. */
const FRESH = process.argv.includes('--fresh-values')

type Mode = 'send' | 'batch' | 'writable'

interface CaseResult {
  mode: Mode
  records: number
  seconds: number
  peakRssMB: number
  startRssMB: number
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt
}

async function runCase(mode: Mode, n: number, topic: string, bootstrap: string): Promise<CaseResult> {
  const client = await Client.connect({ brokers: [bootstrap], clientId: 'bench-memory' })
  const shared = Buffer.alloc(RECORD_SIZE, 'x')
  const valueOf = FRESH ? () => Buffer.alloc(RECORD_SIZE, 'x') : () => shared
  const value = shared
  let failed = 0
  const onError = (): void => void failed++
  const startRssMB = process.memoryUsage().rss / 1e6
  let t0: number
  if (mode === 'batch') {
    const bp = new BatchProducer(await client.partitionClient(topic, 0), { maxBufferedBytes: MAX_BUFFERED })
    await bp.produce({ value })
    t0 = performance.now()
    for (let i = 0; i < n; i++) bp.produce({ value: valueOf() }).catch(onError)
    await bp.flush()
  } else {
    const producer = client.producer({ maxBufferedBytes: MAX_BUFFERED })
    await producer.send({ topic, value })
    t0 = performance.now()
    if (mode === 'send') {
      for (let i = 0; i < n; i++) producer.send({ topic, value: valueOf() }).catch(onError)
    } else {
      const records = (function* () {
        for (let i = 0; i < n; i++) yield { value: valueOf() }
      })()
      // writable() exists only after the memory work: this mode is skipped on older commits.
      const w = (producer as unknown as { writable(topic: string): NodeJS.WritableStream }).writable(topic)
      await pipeline(Readable.from(records), w)
    }
    await producer.flush()
  }
  const seconds = (performance.now() - t0) / 1000
  await client.close()
  if (failed > 0) throw new Error(`${failed} sends failed`)
  return { mode, records: n, seconds, peakRssMB: process.resourceUsage().maxRSS / 1e3, startRssMB }
}

/**
 * `--per-call`: heap bytes one waiting `BatchProducer.produce()` call costs (its promise kept by
 * the caller), against a partition client that never answers so every call waits; no broker.
 */
async function perCallHeap(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with node --expose-gc --import tsx bench/producer-memory.ts --per-call')
  const never = { produceEncoded: () => new Promise<bigint>(() => undefined) } as unknown as PartitionClient
  const bp = new BatchProducer(never, { maxBufferedBytes: 1024, lingerMs: 0 })
  const record = { value: Buffer.alloc(RECORD_SIZE) }
  for (let i = 0; i < 20; i++) void bp.produce(record) // fills the budget
  await new Promise((r) => setTimeout(r, 10))
  const n = 200_000
  const kept = new Array<Promise<bigint>>(n)
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < n; i++) kept[i] = bp.produce(record)
  gc()
  const perCall = (process.memoryUsage().heapUsed - before) / n - 8 // minus the caller's array slot
  process.stdout.write(`heap per waiting produce() call: ${Math.round(perCall)} B (${n} calls waiting)\n`)
  process.exit(0)
}

async function child(): Promise<void> {
  const res = await runCase(arg('mode', 'send') as Mode, Number(arg('n', '10000')), arg('topic', ''), arg('bootstrap', ''))
  process.stdout.write(JSON.stringify(res) + '\n')
  process.exit(0)
}

async function main(): Promise<void> {
  const bootstrap = process.env.KAFKA_CONNECT
  if (!bootstrap) throw new Error('set KAFKA_CONNECT=host:port')
  const counts = arg('records', '10000,200000,1000000').split(',').map(Number)
  const modes = arg('modes', 'send,batch,writable').split(',') as Mode[]
  const client = await Client.connect({ brokers: [bootstrap], clientId: 'bench-memory-setup' })
  const topic = `bench-memory-${Date.now()}`
  await client.createTopic(topic, { partitions: 3, replicationFactor: 1 })
  await client.close()
  const rows: string[] = ['| mode | records | records/s | peak RSS MB | RSS growth MB | growth B/record |', '| --- | ---: | ---: | ---: | ---: | ---: |']
  const self = fileURLToPath(import.meta.url)
  for (const mode of modes) {
    for (const n of counts) {
      const passOn = ['--record-size', String(RECORD_SIZE), '--max-buffered', String(MAX_BUFFERED), ...(FRESH ? ['--fresh-values'] : [])]
      const childArgs = ['--max-old-space-size=12288', '--import', 'tsx', self, '--child', '--mode', mode, '--n', String(n), '--topic', topic, '--bootstrap', bootstrap, ...passOn]
      const r = spawnSync(process.execPath, childArgs, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
        timeout: Number(arg('timeout-s', '300')) * 1000,
      })
      const line = r.stdout.trim().split('\n').pop() ?? ''
      if (r.status !== 0 || !line.startsWith('{')) {
        rows.push(`| ${mode} | ${n.toLocaleString('en')} | ${r.signal === 'SIGTERM' ? 'over the timeout' : `failed (exit ${r.status ?? r.signal})`} | | | |`)
        continue
      }
      const res = JSON.parse(line) as CaseResult
      const growth = res.peakRssMB - res.startRssMB
      rows.push(
        `| ${mode} | ${n.toLocaleString('en')} | ${Math.round(n / res.seconds).toLocaleString('en')} | ${res.peakRssMB.toFixed(0)} | ${growth.toFixed(0)} | ${Math.round((growth * 1e6) / n)} |`,
      )
      process.stderr.write(rows[rows.length - 1] + '\n')
    }
  }
  process.stdout.write(rows.join('\n') + '\n')
}

await (process.argv.includes('--per-call') ? perCallHeap() : process.argv.includes('--child') ? child() : main())
