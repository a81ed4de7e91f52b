/**
 * CPU cost of the join workload without a broker: the topology of peridot-app.ts (`--workload
 * join`: orders inner-joined with payments within 5 minutes, JSON) run through StreamTasks in this
 * process, one per partition, each fed its orders and payments partitions in timestamp order (as
 * the runtime's partition groups feed them), with a commit (flush of stores) every
 * `--commit-every` records. Output and changelog records are counted, not sent. Isolates
 * processing and state cost from the client and the broker.
 *
 *   npx tsx bench/streams/join-cpu.ts [--records 400000] [--partitions 6] [--commit-every 2000] [--rounds 3] [--kind inner|left|outer]
 *   node --cpu-prof --import tsx bench/streams/join-cpu.ts   (profile)
 *
 * Records as bench/streams/run.ts makes them (`--records` split into orders and payments);
 * `--rounds` repeats the whole run on fresh tasks and prints each (the first includes warm-up).
 * `--kind left` or `outer` runs that join instead of the inner one (unmatched records go through
 * the outer-join store and out once their window closes, checked at most once a second).
 */
import { parseArgs } from 'node:util'
import { partitionForKey } from '../../src/index.js'
import { JoinWindows, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { cpuTasks, startClock } from './cpu-tasks.js'

const { values: opts } = parseArgs({
  options: {
    records: { type: 'string', default: '400000' },
    partitions: { type: 'string', default: '6' },
    'commit-every': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    kind: { type: 'string', default: 'inner' },
  },
})
const N = Number(opts.records)
const P = Number(opts.partitions)
const COMMIT_EVERY = Number(opts['commit-every'])
const ROUNDS = Number(opts.rounds)
const KIND = opts.kind
if (KIND !== 'inner' && KIND !== 'left' && KIND !== 'outer') throw new Error(`--kind must be inner, left or outer, got ${KIND}`)
const ORDERS = N / 2
const STEP_MS = 10
const BASE_TS = Math.floor((Date.now() - ORDERS * STEP_MS - 3_600_000) / 60_000) * 60_000

const builder = new StreamsBuilder()
const json = Serdes.json<unknown>()
const orders = builder.stream('orders', { key: Serdes.string(), value: json })
const payments = builder.stream('payments', { key: Serdes.string(), value: json })
const joiner = (order: unknown, payment: unknown): unknown => ({ order, payment })
const joined = { key: Serdes.string(), value: json, otherValue: json }
const window = JoinWindows.ofTimeDifferenceWithNoGrace(300_000)
;(KIND === 'inner' ? orders.join(payments, joiner, window, joined) : KIND === 'left' ? orders.leftJoin(payments, joiner, window, joined) : orders.outerJoin(payments, joiner, window, joined)).to('out', {
  key: Serdes.string(),
  value: json,
})
const topology = builder.build()

interface In {
  topic: string
  key: Buffer
  value: Buffer
  timestamp: number
}

// The records of bench/streams/run.ts (orderRecord, paymentRecord).
function order(i: number): In {
  const id = i + 1
  const value = `{"id":${id},"customer":"customer-${String(id % 100_000).padStart(6, '0')}","amount":${(((id * 7919) % 10000) / 100 + 1).toFixed(2)}}`
  return { topic: 'orders', key: Buffer.from(String(id)), value: Buffer.from(value), timestamp: BASE_TS + i * STEP_MS }
}
function payment(i: number): In {
  const orderTs = BASE_TS + i * STEP_MS
  const spread = (i * 7919) % 240_000
  const id = i % 10 === 9 ? ORDERS + 1 + i : i + 1
  const timestamp = i % 10 === 8 ? orderTs + 360_000 + (spread % 180_000) : orderTs + spread
  const value = `{"payment":${i + 1},"order":${id},"method":"${i % 3 === 0 ? 'card' : 'transfer'}","amount":${(((i * 7919) % 10000) / 100 + 1).toFixed(2)}}`
  return { topic: 'payments', key: Buffer.from(String(id)), value: Buffer.from(value), timestamp }
}

// Per partition, both topics merged in timestamp order (ties: orders first, as the partition group registers them first).
const byPartition: In[][] = Array.from({ length: P }, () => [])
for (let i = 0; i < ORDERS; i++) {
  const o = order(i)
  byPartition[partitionForKey(o.key, P)].push(o)
}
const pays = Array.from({ length: ORDERS }, (_, i) => payment(i)).sort((a, b) => a.timestamp - b.timestamp)
for (const p of pays) byPartition[partitionForKey(p.key, P)].push(p)
for (const list of byPartition) list.sort((a, b) => a.timestamp - b.timestamp || (a.topic === b.topic ? 0 : a.topic === 'orders' ? -1 : 1))

for (let round = 1; round <= ROUNDS; round++) {
  const { tasks, commit, close, summary } = cpuTasks(topology, P, { applicationId: 'join-cpu' })
  const offsets = { orders: new Array<bigint>(P).fill(0n), payments: new Array<bigint>(P).fill(0n) } as Record<string, bigint[]>
  const clock = startClock()
  // Partitions in turn, a run of records each (as fetched batches interleave).
  const at = new Array<number>(P).fill(0)
  let sinceCommit = 0
  for (let done = 0; done < N; ) {
    for (let p = 0; p < P; p++) {
      const list = byPartition[p]
      const end = Math.min(list.length, at[p] + 500)
      for (; at[p] < end; at[p]++) {
        const r = list[at[p]]
        tasks[p].process(r.topic, p, offsets[r.topic][p]++, r.key, r.value, r.timestamp, [])
        done++
        if (++sinceCommit === COMMIT_EVERY) {
          commit()
          sinceCommit = 0
        }
      }
    }
  }
  commit()
  const line = { round, kind: KIND, ...summary(N, clock) }
  close()
  console.log(JSON.stringify(line))
}
