/**
 * Soak test for the idempotent producer under connection cuts (not part of `npm test`: it runs
 * for minutes). Each round produces 20,000 keyed records to a new 4-partition topic through a TCP
 * proxy that cuts every connection 6 times, then checks that every send was acknowledged within
 * 15 s and that each partition holds every record exactly once, in send order.
 *
 *   npx tsx bench/soak-idempotent.ts [--rounds 40] [--kafka 3.9.2] [--port 19400]
 *
 * Exits 1 at the first round that stalls or loses, duplicates or reorders a record.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { Client } from '../src/index.js'
import { startLocalBroker } from '../src/dev/index.js'
import { startTcpProxy } from '../test/integration/tcp-proxy.js'

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    kafka: { type: 'string', default: '3.9.2' },
    port: { type: 'string', default: '19400' },
  },
})
const ROUNDS = Number(opts.rounds)
const TOTAL = 20_000
const PARTITIONS = 4

const dataDir = mkdtempSync(join(os.tmpdir(), 'peridot-soak-'))
const broker = await startLocalBroker({ kafkaVersion: opts.kafka, port: Number(opts.port), dataDir })
const direct = await Client.connect({ brokers: [broker.bootstrap] })
const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(opts.port) })
let failed = false
try {
  for (let round = 1; round <= ROUNDS && !failed; round++) {
    const topic = `soak-idem-${Date.now().toString(36)}-${round}`
    await direct.createTopic(topic, { partitions: PARTITIONS })
    const log: string[] = []
    const client = await Client.connect({
      logger: pino({ level: 'debug' }, { write: (line: string) => void log.push(line) }),
      brokers: [proxy.address],
      resolveBroker: () => ({ host: proxy.host, port: proxy.port }),
      requestTimeoutMs: 10_000,
      retry: { retries: 20, initialBackoffMs: 50, maxBackoffMs: 500 },
    })
    const producer = client.producer({ lingerMs: 2, maxBatchBytes: 8 * 1024 })
    const t0 = performance.now()
    let settled = 0
    const sends: Array<Promise<unknown>> = []
    let cuts = 0
    for (let i = 0, wave = 0; i < TOTAL; i += 250, wave++) {
      for (let j = i; j < i + 250; j++) {
        const p = producer.send({ topic, key: Buffer.from(`key-${j % 101}`), value: Buffer.from(`v-${j}`) })
        p.then(
          () => settled++,
          () => settled++,
        )
        sends.push(p)
      }
      if (wave % 12 === 6 && cuts < 6) {
        await new Promise((r) => setTimeout(r, 3))
        proxy.cutAll()
        cuts++
      }
      await new Promise((r) => setTimeout(r, 8))
    }
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      Promise.allSettled(sends),
      new Promise<'stalled'>((r) => (timer = setTimeout(() => r('stalled'), 15_000))),
    ])
    clearTimeout(timer)
    const retries = log.filter((l) => l.includes('producer: retrying batch')).length
    let problem: string | undefined
    if (outcome === 'stalled') {
      problem = `stalled: ${settled} of ${TOTAL} sends settled after 15 s; last log lines:\n${log.slice(-20).join('')}`
    } else {
      const rejected = outcome.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
      if (rejected.length > 0) problem = `${rejected.length} sends failed, first: ${String(rejected[0].reason)}`
    }
    await producer.close().catch(() => undefined)
    await client.close()
    if (problem === undefined) problem = await checkLog(topic)
    const ms = performance.now() - t0
    console.log(`round ${round}: ${problem === undefined ? 'ok' : 'FAILED'} in ${ms.toFixed(0)} ms, ${retries} batch retries`)
    if (problem !== undefined) {
      console.log(problem)
      failed = true
    }
    await direct.deleteTopic(topic)
  }
} finally {
  await direct.close()
  await proxy.close()
  await broker.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

/** Each record exactly once, and in send order within its partition; a problem's description otherwise. */
async function checkLog(topic: string): Promise<string | undefined> {
  const seen = new Set<number>()
  for (let p = 0; p < PARTITIONS; p++) {
    const pc = await direct.partitionClient(topic, p)
    const end = await pc.getOffset('latest')
    let next = 0n
    let last = -1
    while (next < end) {
      const res = await pc.fetchRecords(next, { maxBytes: 4 << 20 })
      for (const r of res.records) {
        const i = Number(r.value?.toString().slice(2))
        if (seen.has(i)) return `record v-${i} written twice (partition ${p})`
        if (i < last) return `partition ${p}: v-${i} after v-${last}`
        seen.add(i)
        last = i
      }
      next = res.nextOffset
    }
  }
  return seen.size === TOTAL ? undefined : `${TOTAL - seen.size} records missing`
}
