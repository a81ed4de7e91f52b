// Randomized checks of KTable.suppress: against a plain model of Kafka Streams' suppression
// (latest change per key, first buffer time kept, eviction by buffer time then key, eager
// buffers emitting the oldest when over the record limit), and a run interrupted by restarts from
// the changelogs against one that was not.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BufferConfig,
  Serdes,
  StreamTask,
  StreamsBuilder,
  Suppressed,
  TopologyTestDriver,
  type Topology,
} from '../../../src/streams/index.js'
import { captureTask, type SentRecord } from './capture-task.js'
import { captureChanges, tuples, type SeenChange } from './table-changes.js'

const str = Serdes.string()

interface Update {
  key: string
  value: string | null
  ts: number
}

type Emitted = [key: string, newValue: string | null, oldValue: string | null, timestamp: number]

/**
 * Kafka Streams' suppression of a table source's changes, written as plainly as possible. With
 * the record cache on, the source forwards no delete of a key it did not hold.
 */
function model(updates: Update[], limitMs: number, maxRecords: number, cached: boolean): Emitted[] {
  const table = new Map<string, string>()
  const buffer = new Map<string, { time: number; newValue: string | null; oldValue: string | null; ts: number }>()
  let streamTime = -1
  const out: Emitted[] = []
  const oldest = (): string => [...buffer.entries()].sort(([ka, a], [kb, b]) => a.time - b.time || (ka < kb ? -1 : ka > kb ? 1 : 0))[0][0]
  const emit = (key: string): void => {
    const e = buffer.get(key)!
    out.push([key, e.newValue, e.oldValue, e.ts])
    buffer.delete(key)
  }
  for (const u of updates) {
    const old = table.get(u.key) ?? null
    if (cached && u.value === null && old === null) continue
    if (u.value === null) table.delete(u.key)
    else table.set(u.key, u.value)
    streamTime = Math.max(streamTime, u.ts)
    const time = buffer.get(u.key)?.time ?? u.ts
    buffer.set(u.key, { time, newValue: u.value, oldValue: old, ts: u.ts })
    while (buffer.size > 0 && buffer.get(oldest())!.time <= streamTime - limitMs) emit(oldest())
    while (buffer.size > maxRecords) emit(oldest())
  }
  return out
}

function topology(limitMs: number, maxRecords: number): { topology: Topology; seen: SeenChange[] } {
  const b = new StreamsBuilder()
  const config = maxRecords === Infinity ? BufferConfig.unbounded() : BufferConfig.maxRecords(maxRecords)
  const table = b.table('in', { key: str, value: str }).suppress(Suppressed.untilTimeLimit(limitMs, config).withName('s'))
  const t = b.build()
  const seen = captureChanges(t, table)
  return { topology: t, seen }
}

const update = fc.record({
  key: fc.integer({ min: 0, max: 7 }).map((k) => `k${k}`),
  value: fc.option(fc.integer({ min: 0, max: 99 }).map(String), { freq: 6 }),
  ts: fc.integer({ min: 0, max: 200 }),
})

describe('suppress: randomized', () => {
  it('emits what the model emits (out-of-order timestamps, deletes, eager record limits, cache on and off)', () => {
    fc.assert(
      fc.property(
        fc.array(update, { maxLength: 60 }),
        fc.integer({ min: 0, max: 50 }),
        fc.constantFrom(Infinity, 1, 2, 3, 5),
        fc.boolean(),
        (updates, limitMs, maxRecords, cached) => {
          const { topology: t, seen } = topology(limitMs, maxRecords)
          const driver = new TopologyTestDriver(t, { cacheMaxBytes: cached ? 1 << 20 : 0 })
          const input = driver.createInputTopic('in', str, str)
          for (const u of updates) input.pipeInput(u.key, u.value as string, u.ts)
          driver.close()
          expect(tuples(seen)).toEqual(model(updates, limitMs, maxRecords, cached))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('restarts from the changelogs (after a commit) emit exactly what an uninterrupted run emits', () => {
    const monotone = fc.array(fc.tuple(update, fc.integer({ min: 0, max: 9 })), { maxLength: 50 }).map((list) => {
      let ts = 0
      return list.map(([u, step]) => ({ ...u, ts: (ts += step) }))
    })
    fc.assert(
      fc.property(monotone, fc.integer({ min: 0, max: 30 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 4 }), (updates, limitMs, crashes) => {
        // Stream time is the processor's and starts over after a restart, as in Kafka Streams:
        // with non-decreasing timestamps that changes nothing.
        const run = (crashAt: ReadonlySet<number>) => {
          const emitted: Array<[unknown, unknown, unknown, number]> = []
          const changelog: SentRecord[] = []
          let task: StreamTask | null = null
          const start = (): StreamTask => {
            const { topology: t, seen } = topology(limitMs, Infinity)
            const next = captureTask(t, changelog)
            for (const c of next.changelogPartitions()) next.restore(c.storeName, changelog.filter((r) => r.topic === c.topic))
            next.init()
            seenOf.set(next, seen)
            return next
          }
          const seenOf = new Map<StreamTask, SeenChange[]>()
          updates.forEach((u, i) => {
            if (task === null || crashAt.has(i)) {
              if (task !== null) {
                task.flush()
                emitted.push(...tuples(seenOf.get(task)!))
                task.close()
              }
              task = start()
            }
            task.process('in', 0, BigInt(i), Buffer.from(u.key), u.value === null ? null : Buffer.from(u.value), u.ts, [])
            task.flush()
          })
          if (task !== null) emitted.push(...tuples(seenOf.get(task)!))
          return emitted
        }
        expect(run(new Set(crashes))).toEqual(run(new Set()))
      }),
      { numRuns: 200 },
    )
  })
})
