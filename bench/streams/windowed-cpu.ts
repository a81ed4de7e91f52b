/**
 * CPU cost of the windowed workload without a broker: the topology of peridot-app.ts
 * (`--workload windowed`) run through StreamTasks in this process, one per partition, with the
 * record cache on and a commit (flush of caches and stores) every `--commit-every` records.
 * Output and changelog records are counted, not sent. Isolates processing and state cost from
 * the client and the broker.
 *
 *   npx tsx bench/streams/windowed-cpu.ts [--records 300000] [--partitions 6] [--commit-every 2000] [--fetch 0]
 *
 * `--fetch N` takes each partition's records in runs of N (as fetches deliver them to the broker
 * bench's tasks) instead of in input order with the partitions interleaved: the record cache then
 * collapses as many updates as it does there.
 *   node --cpu-prof --import tsx bench/streams/windowed-cpu.ts   (profile)
 */
import { parseArgs } from 'node:util'
import { BufferConfig, Serdes, StreamsBuilder, Suppressed, TimeWindows, WindowedSerdes } from '../../src/streams/index.js'
import { RecordCache, DEFAULT_CACHE_MAX_BYTES } from '../../src/streams/state/record-cache.js'
import { cpuTasks, startClock } from './cpu-tasks.js'

const { values: opts } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    partitions: { type: 'string', default: '6' },
    'commit-every': { type: 'string', default: '2000' },
    keys: { type: 'string', default: '10000' },
    fetch: { type: 'string', default: '0' },
  },
})
const N = Number(opts.records)
const P = Number(opts.partitions)
const COMMIT_EVERY = Number(opts['commit-every'])
const KEYS = Number(opts.keys)
/** Records per partition taken in one run, as from one fetch (0: records in input order, partitions interleaved). */
const FETCH = Number(opts.fetch)
const size = 300_000

const builder = new StreamsBuilder()
builder
  .stream('in', { key: Serdes.string(), value: Serdes.json<unknown>() })
  .groupByKey()
  .windowedBy(TimeWindows.ofSizeWithNoGrace(size).advanceBy(60_000))
  .count()
  .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
  .toStream()
  .to('out', { key: WindowedSerdes.timeWindowedSerdeFrom(Serdes.string(), size), value: Serdes.int64() })
const topology = builder.build()

const { tasks, commit, summary } = cpuTasks(topology, P, { applicationId: 'windowed-cpu', recordCache: new RecordCache(DEFAULT_CACHE_MAX_BYTES) })

const baseTs = Math.floor((Date.now() - N - 3_600_000) / 60_000) * 60_000
const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(`k${i}`))
const offsets = new Array<bigint>(P).fill(0n)

const clock = startClock()
const processRecord = (i: number): void => {
  const k = i % KEYS
  const p = k % P
  const value = Buffer.from(`{"id":${i},"name":"record-${i}","payload":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`)
  tasks[p].process('in', p, offsets[p]++, keys[k], value, baseTs + i, [])
}
if (FETCH > 0) {
  // Each partition's records in runs of FETCH, partitions in turn (as fetches arrive), a commit after each COMMIT_EVERY records.
  const byPartition = Array.from({ length: P }, () => [] as number[])
  for (let i = 0; i < N; i++) byPartition[(i % KEYS) % P].push(i)
  const at = new Array<number>(P).fill(0)
  let sinceCommit = 0
  for (let done = 0; done < N; ) {
    for (let p = 0; p < P; p++) {
      const list = byPartition[p]
      const end = Math.min(list.length, at[p] + FETCH)
      sinceCommit += end - at[p]
      done += end - at[p]
      for (; at[p] < end; at[p]++) processRecord(list[at[p]])
      if (sinceCommit >= COMMIT_EVERY) {
        commit()
        sinceCommit = 0
      }
    }
  }
  if (sinceCommit > 0) commit()
} else {
  for (let i = 0; i < N; i++) {
    processRecord(i)
    if ((i + 1) % COMMIT_EVERY === 0) commit()
  }
}
commit()
console.log(JSON.stringify(summary(N, clock)))
