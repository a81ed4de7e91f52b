/**
 * Processor metadata committed with the input offsets (Kafka Streams' TopicPartitionMetadata):
 * the encoding, Kafka Streams' golden bytes, and a restarted onWindowClose aggregation that reads
 * its last emitted window close time back instead of emitting closed windows again.
 */
import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder } from '../../../src/streams/index.js'
import { EmitStrategy, SessionWindows, SlidingWindows, TimeWindows } from '../../../src/streams/dsl/windows.js'
import type { SessionWindowedKStream, TimeWindowedKStream } from '../../../src/streams/dsl/windowed-kstream.js'
import type { KGroupedStream } from '../../../src/streams/index.js'
import { decodeTaskOffsetMetadata, encodeTaskOffsetMetadata, ProcessorMetadata } from '../../../src/streams/runtime/task-metadata.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'
import { captureTask, type SentRecord } from './capture-task.js'

const s = Serdes.string()

describe('offset commit metadata encoding', () => {
  it("is Kafka Streams' TopicPartitionMetadata: base64 of version 2, partition time, entry count, (key length, key, value)*", () => {
    // Bytes written by hand from Kafka Streams' layout: 02 | time 10 | 1 entry | len 4 "key1" | 1.
    const golden = Buffer.from('02' + '000000000000000a' + '00000001' + '00000004' + '6b657931' + '0000000000000001', 'hex').toString('base64')
    expect(encodeTaskOffsetMetadata(10, new Map([['key1', 1]]))).toBe(golden)
    expect(decodeTaskOffsetMetadata(golden)).toEqual({ partitionTime: 10, processorMetadata: new Map([['key1', 1]]) })
    // Empty metadata: version and partition time only (what Kafka Streams writes without processor metadata).
    expect(Buffer.from(encodeTaskOffsetMetadata(-1, new Map()), 'base64').toString('hex')).toBe('02' + 'ffffffffffffffff')
  })

  it('round-trips several keys (UTF-8) and large times; reads version 1 (partition time only)', () => {
    const meta = new Map([['KSTREAM-AGGREGATE-STATE-STORE-0000000001', 1_733_000_000_123], ['zähler', -1]])
    expect(decodeTaskOffsetMetadata(encodeTaskOffsetMetadata(1_733_000_000_999, meta))).toEqual({ partitionTime: 1_733_000_000_999, processorMetadata: meta })
    const v1 = Buffer.from('01' + '0000000000000064', 'hex').toString('base64')
    expect(decodeTaskOffsetMetadata(v1)).toEqual({ partitionTime: 100, processorMetadata: new Map() })
  })

  it('empty, foreign and unknown-version metadata: unknown partition time, no processor metadata, reported', () => {
    const reasons: string[] = []
    const none = { partitionTime: -1, processorMetadata: new Map() }
    expect(decodeTaskOffsetMetadata(null)).toEqual(none)
    expect(decodeTaskOffsetMetadata('')).toEqual(none)
    expect(decodeTaskOffsetMetadata(Buffer.from('09' + '0000000000000064', 'hex').toString('base64'), (r) => reasons.push(r))).toEqual(none)
    expect(decodeTaskOffsetMetadata('x', (r) => reasons.push(r))).toEqual(none)
    const truncated = Buffer.from('02' + '000000000000000a' + '00000001' + '00000009' + '6b', 'hex').toString('base64')
    expect(decodeTaskOffsetMetadata(truncated, (r) => reasons.push(r))).toEqual(none)
    expect(reasons).toHaveLength(3)
    expect(reasons[0]).toMatch(/version 9/)
  })

  it('ProcessorMetadata: put marks a commit needed (not for the same value), merge keeps the larger value', () => {
    const m = new ProcessorMetadata()
    m.merge(new Map([['a', 5], ['b', 1]]))
    expect(m.needsCommit).toBe(false)
    m.merge(new Map([['a', 3], ['b', 2]]))
    expect([...m.entries()]).toEqual([['a', 5], ['b', 2]])
    m.put('a', 5)
    expect(m.needsCommit).toBe(false)
    m.put('a', 7)
    expect(m.needsCommit).toBe(true)
    m.committed()
    expect(m.needsCommit).toBe(false)
    expect(() => m.put('a', 1.5)).toThrow(RangeError)
  })
})

type Grouped = KGroupedStream<string, string>

/** A task of an onWindowClose count (emit check on every record), its sends captured. */
function countTask(windowed: (g: Grouped) => TimeWindowedKStream<string, string> | SessionWindowedKStream<string, string>) {
  const b = new StreamsBuilder()
  windowed(b.stream('in', { key: s, value: s }).groupByKey())
    .emitStrategy(EmitStrategy.onWindowClose())
    .count({ retentionMs: 1000 })
    .toStream()
    .to('out', { value: Serdes.int64() })
  const topology = b.build()
  const sent: SentRecord[] = []
  const task = captureTask(topology, sent, { applicationId: 'pm', windowedEmitIntervalMs: 0 })
  return { task, sent }
}

/** The window starts (and keys) a task emitted to 'out'. */
function emitted(sent: SentRecord[]): string[] {
  return sent.filter((r) => r.topic === 'out').map((r) => `${(r.key as Buffer).subarray(0, 1).toString()}@${(r.key as Buffer).readBigInt64BE(1)}`)
}

/** Runs `inputs` (key, timestamp) through a task, "restarts" it from its changelog (with or without the committed metadata) and runs `after`. */
function restartScenario(
  windowed: (g: Grouped) => TimeWindowedKStream<string, string> | SessionWindowedKStream<string, string>,
  inputs: Array<[string, number]>,
  after: Array<[string, number]>,
  withMetadata: boolean,
) {
  const first = countTask(windowed)
  let offset = 0n
  for (const [k, ts] of inputs) first.task.process('in', 0, offset++, Buffer.from(k), Buffer.from('v'), ts, [])
  first.task.flush()
  const committed = first.task.committableOffsets()
  first.task.markCommitted()
  first.task.close()

  const second = countTask(windowed)
  for (const c of second.task.changelogPartitions()) second.task.restore(c.storeName, first.sent.filter((r) => r.topic === c.topic))
  if (withMetadata) second.task.initializeMetadata(committed)
  second.task.init()
  for (const [k, ts] of after) second.task.process('in', 0, offset++, Buffer.from(k), Buffer.from('v'), ts, [])
  return { before: emitted(first.sent), afterRestart: emitted(second.sent), committed, second: second.task }
}

describe('onWindowClose across a restart', () => {
  const tumbling = (g: Grouped) => g.windowedBy(TimeWindows.ofSizeWithNoGrace(10))
  const inputs: Array<[string, number]> = [['a', 1], ['b', 5], ['a', 12], ['a', 25]]
  // Stream time 26 closes no window the first instance has not emitted yet: nothing to emit.
  const after: Array<[string, number]> = [['c', 26]]

  it('commits the last emitted close time under the store name, with the partition time, on every input partition', () => {
    const { before, committed, second } = restartScenario(tumbling, inputs, after, true)
    expect(before).toEqual(['a@0', 'b@0', 'a@10'])
    expect(committed).toHaveLength(1)
    expect(committed[0].offset).toBe(4n)
    const meta = decodeTaskOffsetMetadata(committed[0].metadata)
    expect(meta.partitionTime).toBe(25)
    expect([...meta.processorMetadata]).toEqual([['KSTREAM-AGGREGATE-STATE-STORE-0000000002', 25]])
    // Partition time and stream time come back with the metadata, as in Kafka Streams.
    expect(second.streamTime).toBe(26)
  })

  it('a restarted task with the committed metadata does not emit closed windows again; without it, it does (the old gap)', () => {
    expect(restartScenario(tumbling, inputs, after, true).afterRestart).toEqual([])
    expect(restartScenario(tumbling, inputs, after, false).afterRestart).toEqual(['a@0', 'b@0', 'a@10'])
    // It goes on emitting what closes after the restart.
    expect(restartScenario(tumbling, inputs, [['c', 41]], true).afterRestart).toEqual(['a@20'])
  })

  it('sliding and session windows keep their close time too', () => {
    const sliding = (g: Grouped) => g.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(5))
    // Stream time stays 25: nothing closes beyond what the first instance emitted.
    const same: Array<[string, number]> = [['c', 25]]
    expect(restartScenario(sliding, inputs, same, false).afterRestart.length).toBeGreaterThan(0)
    expect(restartScenario(sliding, inputs, same, true).afterRestart).toEqual([])
    const session = (g: Grouped) => g.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(3))
    expect(restartScenario(session, inputs, after, false).afterRestart.length).toBeGreaterThan(0)
    expect(restartScenario(session, inputs, after, true).afterRestart).toEqual([])
  })

  it('a commit without new offsets carries changed metadata to every known input partition', () => {
    const { task } = countTask(tumbling)
    task.initializeMetadata([{ topic: 'in', partition: 0, offset: 7n, metadata: encodeTaskOffsetMetadata(3, new Map()) }])
    expect(task.committableOffsets()).toEqual([])
    task.processorMetadata.put('x', 1)
    const [c] = task.committableOffsets()
    expect(c.offset).toBe(7n)
    expect(decodeTaskOffsetMetadata(c.metadata)).toEqual({ partitionTime: 3, processorMetadata: new Map([['x', 1]]) })
    task.markCommitted()
    expect(task.committableOffsets()).toEqual([])
  })
})
