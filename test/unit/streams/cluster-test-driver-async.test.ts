// ClusterTestDriver with async stages: a full stage stops its task's input; commits (and the handoff commits of rebalances) wait for
// every record in flight to be forwarded, the synchronous commits refuse to pass one, a crash
// abandons the calls in flight (late results dropped, input re-read from the last commit); under
// random schedules of crashes and rebalances an async mapValues topology's output is exactly once
// under exactly_once_v2, and at least once (never lost) under at_least_once.
import { describe, expect, it } from 'vitest'
import {
  AsyncAbandonedError,
  ClusterTestDriver,
  outputUnderScheduleAsync,
  randomFailureSchedule,
  Serdes,
  StreamsBuilder,
  TopologyError,
  type ClusterTestDriverOptions,
  type ProcessingGuarantee,
  type Topology,
} from '../../../src/streams/index.js'

const str = Serdes.string()

/** Resolves after `turns` turns of the event loop (setImmediate). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r))
}

/** Counts of a run's async calls. */
interface Calls {
  started: number
  abandoned: number
}

/**
 * in -> mapValuesAsync (upper-cases; value `v<i>` waits i % 4 event-loop turns) -> out, and the
 * results counted per key -> counts. `gate`, when given, holds every call until it resolves.
 */
function asyncTopology(calls: Calls, gate?: () => Promise<void>, maxBufferedRecords?: number): Topology {
  const b = new StreamsBuilder()
  const mapped = b.stream('in', { key: str, value: str }).mapValuesAsync(
    async (v, _k, call) => {
      calls.started++
      call.signal.addEventListener('abort', () => {
        if (call.signal.reason instanceof AsyncAbandonedError) calls.abandoned++
      })
      await (gate?.() ?? turns(Number(v.slice(1)) % 4))
      return v.toUpperCase()
    },
    { concurrency: 4, maxBufferedRecords },
  )
  mapped.to('out', { key: str, value: str })
  mapped.groupByKey({ key: str, value: str }).count({ name: 'counts' }).toStream().to('counts', { key: str, value: Serdes.int64() })
  return b.build()
}

const KEYS = 7
const input = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [`k${i % KEYS}`, `v${i}`])

function driverFor(topology: Topology, guarantee: ProcessingGuarantee, options: ClusterTestDriverOptions = {}): ClusterTestDriver {
  return new ClusterTestDriver(topology, { processingGuarantee: guarantee, defaultPartitions: 3, cacheMaxBytes: 0, ...options })
}

function pipe(driver: ClusterTestDriver, records: Array<[string, string]>): void {
  const topic = driver.createInputTopic('in', str, str, { startTimestampMs: 1000, autoAdvanceMs: 1 })
  for (const [k, v] of records) topic.pipeInput(k, v)
}

/** The output values (sorted) and the counts emitted per key, in order. */
function outputOf(driver: ClusterTestDriver, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): { values: string[]; counts: Map<string, number[]> } {
  const values = driver
    .createOutputTopic('out', str, str, { isolation })
    .readValuesToList()
    .sort()
  const counts = new Map<string, number[]>()
  for (const { key, value } of driver.createOutputTopic('counts', str, Serdes.int64(), { isolation }).readKeyValuesToList()) counts.set(key, [...(counts.get(key) ?? []), value])
  return { values, counts }
}

/** A gate: calls wait on `opened` until `open()`. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  return { opened, open }
}

describe('ClusterTestDriver: async stages', () => {
  it('commitAsync waits until every record in flight was forwarded; the synchronous commit refuses to pass one', async () => {
    const calls: Calls = { started: 0, abandoned: 0 }
    const g = gate()
    const driver = driverFor(asyncTopology(calls, () => g.opened), 'exactly_once_v2', { defaultPartitions: 1 })
    pipe(driver, input(3))
    expect(driver.process()).toBe(3)
    await turns(2)
    expect(driver.asyncHeld()).toBe(3)
    expect(() => driver.commit()).toThrow(TopologyError)
    expect(() => driver.runUntilIdle()).toThrow(/commitAsync/)
    let committed = false
    const commit = driver.commitAsync().then(() => (committed = true))
    await turns(3)
    expect(committed).toBe(false)
    expect(driver.committedOffset('in', 0)).toBeUndefined()
    g.open()
    await commit
    expect(driver.asyncHeld()).toBe(0)
    expect(driver.committedOffset('in', 0)).toBe(3n)
    expect(outputOf(driver).values).toEqual(['V0', 'V1', 'V2'])
    driver.close()
  })

  it('a task whose async stage is full takes no input until the stage has room', async () => {
    const g = gate()
    const driver = driverFor(asyncTopology({ started: 0, abandoned: 0 }, () => g.opened, 3), 'at_least_once', { defaultPartitions: 1 })
    pipe(driver, input(8))
    expect(driver.process()).toBe(3)
    expect(driver.process()).toBe(0)
    g.open()
    await driver.settle()
    expect(driver.asyncHeld()).toBe(0)
    expect(driver.committedOffset('in', 0)).toBeUndefined() // settle() commits nothing
    expect(await driver.runUntilIdleAsync()).toBe(5)
    expect(outputOf(driver).values).toHaveLength(8)
    driver.close()
  })

  it('a crash abandons the calls in flight: their late results are dropped, the input is processed again from the last commit', async () => {
    const calls: Calls = { started: 0, abandoned: 0 }
    let g = gate()
    const driver = driverFor(asyncTopology(calls, () => g.opened), 'exactly_once_v2', { defaultPartitions: 1 })
    pipe(driver, input(4))
    driver.process(2)
    g.open()
    await driver.commitAsync() // v0, v1 committed
    // The next two calls hang on a closed gate, past the crash.
    const hanging = (g = gate())
    driver.process()
    await turns(1)
    expect(driver.asyncHeld()).toBe(2)
    driver.crash('instance-0')
    expect(calls.abandoned).toBe(2)
    expect(driver.asyncHeld()).toBe(0)
    hanging.open() // the abandoned calls settle now: nothing of theirs may come out
    await turns(2)
    expect(driver.asyncHeld()).toBe(0)
    expect(outputOf(driver, 'read_uncommitted').values).toEqual(['V0', 'V1'])
    g = gate()
    g.open()
    await driver.runUntilIdleAsync()
    expect(calls.started).toBe(6) // v2 and v3 twice
    expect(outputOf(driver).values).toEqual(['V0', 'V1', 'V2', 'V3'])
    expect(outputOf(driver, 'read_uncommitted').values).toEqual(['V0', 'V1', 'V2', 'V3'])
    driver.close()
  })

  it('rebalanceAsync commits the handoff once the moving tasks\' calls were forwarded', async () => {
    const calls: Calls = { started: 0, abandoned: 0 }
    const driver = driverFor(asyncTopology(calls), 'at_least_once', { instances: 2 })
    const records = input(30)
    pipe(driver, records)
    driver.process(20)
    expect(driver.asyncHeld()).toBeGreaterThan(0)
    expect(() => driver.rebalance({ '0_0': 'instance-1' })).toThrow(TopologyError)
    const moved = await driver.rebalanceAsync({ '0_0': 'instance-1', '0_1': 'instance-0' })
    expect(moved).toEqual(['0_0', '0_1'])
    await driver.runUntilIdleAsync()
    // Clean handoffs: nothing lost, nothing processed twice (even under at_least_once).
    expect(outputOf(driver).values).toEqual(records.map(([, v]) => v.toUpperCase()).sort())
    expect(calls.started).toBe(30)
    expect(calls.abandoned).toBe(0)
    driver.close()
  })

  const instances = ['instance-0', 'instance-1']
  const records = input(40)
  const want = records.map(([, v]) => v.toUpperCase()).sort()
  const perKey = new Map<string, number>()
  for (const [k] of records) perKey.set(k, (perKey.get(k) ?? 0) + 1)
  const run = async (guarantee: ProcessingGuarantee, seed: number, calls: Calls): Promise<{ values: string[]; counts: Map<string, number[]> }> =>
    outputUnderScheduleAsync({
      driver: () => driverFor(asyncTopology(calls), guarantee, { instances: 2, seed }),
      input: (d) => pipe(d, records),
      output: (d) => outputOf(d),
      schedule: randomFailureSchedule(seed, { instances, steps: 30, maxRecordsPerStep: 12 }),
    })
  const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1)

  it('exactly_once_v2: under random schedules with crashes and rebalances every result and count is output exactly once', async () => {
    const calls: Calls = { started: 0, abandoned: 0 }
    for (const seed of SEEDS) {
      const { values, counts } = await run('exactly_once_v2', seed, calls)
      expect(values, `seed ${seed}`).toEqual(want)
      for (const [k, n] of perKey) expect(counts.get(k), `seed ${seed}, ${k}`).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    }
    // The schedules crashed instances with calls in flight (their results abandoned, the input redone).
    expect(calls.abandoned).toBeGreaterThan(0)
    expect(calls.started).toBeGreaterThan(records.length * SEEDS.length)
  })

  it('at_least_once: under the same schedules results may be duplicated but none is lost', async () => {
    const calls: Calls = { started: 0, abandoned: 0 }
    let duplicated = false
    for (const seed of SEEDS) {
      const { values, counts } = await run('at_least_once', seed, calls)
      expect([...new Set(values)], `seed ${seed}`).toEqual(want)
      if (values.length > want.length) duplicated = true
      for (const [k, n] of perKey) {
        const seen = counts.get(k) ?? []
        for (let i = 1; i <= n; i++) expect(seen, `seed ${seed}, ${k}`).toContain(i)
      }
    }
    expect(calls.abandoned).toBeGreaterThan(0)
    expect(duplicated).toBe(true)
  })
})
