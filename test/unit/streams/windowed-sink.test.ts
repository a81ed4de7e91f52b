import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../../src/client/partitioner.js'
import { Serdes, StreamsBuilder, StreamTask, type RecordCollector, type SinkPartitioner } from '../../../src/streams/index.js'
import { TimeWindows } from '../../../src/streams/dsl/windows.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'

const s = Serdes.string()

function sent(build: (b: StreamsBuilder) => void, defaultKeySerde?: typeof s) {
  const b = new StreamsBuilder()
  build(b)
  const out: Array<{ topic: string; key: Buffer | string | null; partition: number | undefined }> = []
  const collector: RecordCollector = {
    send(topic, key, value, _headers, _ts, partition) {
      const p = typeof partition === 'object' ? (partition as SinkPartitioner).partition(topic, key, value, 16) : partition
      out.push({ topic, key, partition: p })
    },
  }
  const task = new StreamTask({ topology: b.build(), subtopology: 0, partition: 0, config: { applicationId: 'app', defaultKeySerde, defaultValueSerde: defaultKeySerde }, collector })
  let ts = 1000
  for (const k of ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']) task.process('in', 0, BigInt(ts), Buffer.from(k), Buffer.from('v'), ts++, [])
  return out.filter((r) => r.topic === 'out')
}

describe('windowed table sinks', () => {
  it('write Kafka Streams windowed key bytes and partition by the inner key (WindowedStreamPartitioner)', () => {
    const out = sent((b) =>
      b.stream('in', { key: s, value: s }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count().toStream().to('out', { value: Serdes.int64() }),
    )
    expect(out).toHaveLength(6)
    for (const r of out) {
      const bytes = r.key as Buffer
      const inner = bytes.subarray(0, bytes.length - 8)
      expect(bytes.readBigInt64BE(bytes.length - 8)).toBe(0n) // window start
      expect(r.partition).toBe(partitionForKey(inner, 16))
    }
    // Partitioning by the windowed bytes would differ for some key: the test can tell them apart.
    expect(out.some((r) => partitionForKey(r.key as Buffer, 16) !== r.partition)).toBe(true)
  })

  it('without a key serde, the windowed serde of the default key serde (documented beyond Kafka Streams)', () => {
    const out = sent(
      (b) => b.stream('in').groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count().toStream().to('out', { value: Serdes.int64() }),
      s,
    )
    const serde = WindowedSerdes.timeWindowedSerdeFrom(s, 60_000)
    expect(out.map((r) => serde.deserialize('out', r.key as Buffer).key)).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'])
  })
})

describe('sink partitioners', () => {
  it('see the record they partition when the collector calls them after send returns (topic metadata not yet known)', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: s, value: s }).to('out', { partitioner: (_t, key) => Number((key as string).slice(1)) })
    const later: Array<() => number | undefined> = []
    const collector: RecordCollector = {
      send(topic, key, value, _headers, _ts, partition) {
        if (typeof partition === 'object') later.push(() => (partition as SinkPartitioner).partition(topic, key, value, 16))
      },
    }
    const task = new StreamTask({ topology: b.build(), subtopology: 0, partition: 0, config: { applicationId: 'app' }, collector })
    task.process('in', 0, 0n, Buffer.from('p3'), Buffer.from('v'), 1, [])
    task.process('in', 0, 1n, Buffer.from('p7'), Buffer.from('v'), 2, [])
    expect(later.map((f) => f())).toEqual([3, 7])
  })
})
