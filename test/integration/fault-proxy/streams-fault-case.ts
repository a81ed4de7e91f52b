// A small KafkaStreams app run through the fault proxy, and the checks every streams fault case
// shares: an echo of the input and a per-key count (caching off, so every update is output),
// whose committed output must be exactly once (exactly_once_v2) or complete (at_least_once).
import { expect } from 'vitest'
import type { Client } from '../../../src/index.js'
import { KafkaStreams, Materialized, Serdes, Stores, StreamsBuilder, type ProcessingGuarantee, type StreamsState } from '../../../src/streams/index.js'
import { uniqueTopic } from '../helpers.js'
import { readTopic, tempStateDir, waitFor } from '../streams-helpers.js'
import type { FaultProxy } from './fault-proxy.js'

/** Topic and application names of one case. */
export interface CaseNames {
  applicationId: string
  input: string
  echo: string
  counts: string
  /** The count store's changelog topic. */
  changelog: string
}

/** What a case does around the app: faults armed before start, waits while they act. */
export interface StreamsFaultCase {
  guarantee: ProcessingGuarantee
  /** Input partitions (default 1). */
  partitions?: number
  /** Arms the faults (before the app starts); returns what to remove once they have acted. */
  arm: (names: CaseNames) => { remove(): void }[]
  /** Resolves once the faults have acted (the case then removes them and sends more input). */
  acted: (names: CaseNames, app: KafkaStreams, newInstance: () => KafkaStreams) => Promise<void>
  /** The app may end in ERROR (a fault Kafka Streams treats as fatal): a second run must then finish the work. */
  mayFail?: boolean
}

const KEYS = ['a', 'b', 'c', 'd']
const FIRST = 20
const SECOND = 10

/** Records i of the input: key KEYS[i % 4], value `v<i>`. */
function inputRecords(input: string, from: number, n: number) {
  return Array.from({ length: n }, (_, j) => ({ topic: input, key: KEYS[(from + j) % KEYS.length], value: `v${from + j}` }))
}

/** Runs one case against `proxy` and checks the committed outputs. */
export async function runStreamsFaultCase(direct: Client, proxy: FaultProxy, c: StreamsFaultCase): Promise<{ names: CaseNames; states: StreamsState[] }> {
  const applicationId = uniqueTopic('sf-app')
  const names: CaseNames = {
    applicationId,
    input: uniqueTopic('sf-in'),
    echo: uniqueTopic('sf-echo'),
    counts: uniqueTopic('sf-counts'),
    changelog: `${applicationId}-counts-changelog`,
  }
  const partitions = c.partitions ?? 1
  await direct.createTopic(names.input, { partitions })
  await direct.createTopic(names.echo, { partitions })
  await direct.createTopic(names.counts, { partitions })
  const producer = direct.producer({ lingerMs: 0 })
  const states: StreamsState[] = []
  const apps: KafkaStreams[] = []
  const newApp = (): KafkaStreams => {
    const b = new StreamsBuilder()
    const s = b.stream(names.input, { key: Serdes.string(), value: Serdes.string() })
    s.to(names.echo, { key: Serdes.string(), value: Serdes.string() })
    s.groupByKey()
      .count(Materialized.as<string, number>(Stores.persistentKeyValueStore('counts')))
      .toStream()
      .to(names.counts, { key: Serdes.string(), value: Serdes.int64() })
    const app = new KafkaStreams(b.build(), {
      applicationId,
      brokers: [proxy.address],
      processingGuarantee: c.guarantee,
      commitIntervalMs: 100,
      heartbeatIntervalMs: 300,
      sessionTimeoutMs: 6_000,
      cacheMaxBytes: 0,
      stateDir: tempStateDir(),
      clientOptions: { requestTimeoutMs: 3_000, retry: { retries: 8, initialBackoffMs: 50, maxBackoffMs: 500 } },
      producerOptions: { maxBlockMs: 2_000 },
    })
    app.onStateChange((next) => states.push(next))
    apps.push(app)
    return app
  }
  const committedOffset = async (): Promise<bigint> => {
    const offsets = (await direct.admin().listGroupOffsets(applicationId)).filter((o) => o.topic === names.input)
    return offsets.reduce((sum, o) => sum + (o.offset > 0n ? o.offset : 0n), 0n)
  }
  try {
    await producer.sendBatch(inputRecords(names.input, 0, FIRST))
    const faults = c.arm(names)
    const app = newApp()
    await app.start()
    await c.acted(names, app, newApp)
    for (const f of faults) f.remove()
    await producer.sendBatch(inputRecords(names.input, FIRST, SECOND))
    if (c.mayFail) {
      await waitFor('the app to commit everything or fail', async () => app.state === 'ERROR' || (await committedOffset()) === BigInt(FIRST + SECOND), 30_000)
      if (app.state === 'ERROR') {
        await app.close()
        await newApp().start()
      }
    }
    await waitFor(`the app to commit all ${FIRST + SECOND} input records`, async () => (await committedOffset()) === BigInt(FIRST + SECOND), 30_000)
  } finally {
    for (const a of apps) await a.close({ timeoutMs: 10_000 })
    await producer.close()
  }
  expect(apps.filter((a) => a.state !== 'NOT_RUNNING').map((a) => a.state), 'apps closed').toEqual([])
  const total = FIRST + SECOND
  const expectedCounts = new Map(KEYS.map((k, i) => [k, Array.from({ length: Math.ceil((total - i) / KEYS.length) }, (_, j) => j + 1)]))
  // The last transaction's markers may land just after its offsets became stable.
  let echo: string[] = []
  let counts = new Map<string, number[]>()
  await waitFor('the committed output', async () => {
    echo = (await readTopic(direct, names.echo, 'read_committed')).map((r) => r.value?.toString() ?? '')
    counts = new Map()
    for (const r of await readTopic(direct, names.counts, 'read_committed')) {
      const k = r.key?.toString() ?? ''
      counts.set(k, [...(counts.get(k) ?? []), Number(r.value?.readBigInt64BE(0))])
    }
    return echo.length >= total && KEYS.every((k) => Math.max(0, ...(counts.get(k) ?? [])) >= (expectedCounts.get(k) ?? []).length)
  }, 10_000)
  if (c.guarantee === 'exactly_once_v2') {
    const sorted = (xs: string[]) => [...xs].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1)))
    expect(sorted(echo), 'echo output: every input record exactly once').toEqual(Array.from({ length: total }, (_, i) => `v${i}`))
    expect(new Map([...counts].sort()), 'count updates: 1, 2, ... per key, each once').toEqual(expectedCounts)
  } else {
    expect(new Set(echo), 'echo output: no input record lost').toEqual(new Set(Array.from({ length: total }, (_, i) => `v${i}`)))
    for (const [k, expected] of expectedCounts) {
      expect(Math.max(...(counts.get(k) ?? [0])), `count of ${k}: at least every record`).toBeGreaterThanOrEqual(expected.length)
    }
  }
  return { names, states }
}

/** Resolves once `check` holds, or throws after `ms` naming `what`. */
export function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  return waitFor(what, check, ms, 50)
}
