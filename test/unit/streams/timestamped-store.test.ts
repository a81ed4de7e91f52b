// DSL stores keep each value's timestamp (Kafka Streams' timestamped key-value stores): output
// timestamps of aggregations, the store bytes, the changelog records and restoration.
import { describe, expect, it } from 'vitest'
import { Materialized, Serdes, Stores, StreamsBuilder, StreamTask, Topology, TopologyTestDriver, type KeyValueStore, type SerdeKeyValueStore, type TimestampedKeyValueStore, timestampedSerde } from '../../../src/streams/index.js'

function counts() {
  const b = new StreamsBuilder()
  b.stream('in', { key: Serdes.string(), value: Serdes.string() })
    .groupByKey()
    .count(Materialized.as<string, number>('counts'))
    .toStream()
    .to('out', { key: Serdes.string(), value: Serdes.int64() })
  return b.build()
}

describe('timestamped DSL stores', () => {
  it('stamps an aggregate with the larger of the record timestamp and the stored aggregate timestamp', () => {
    const driver = new TopologyTestDriver(counts())
    const input = driver.createInputTopic('in', Serdes.string(), Serdes.string())
    input.pipeInput('a', 'x', 100)
    input.pipeInput('a', 'y', 50) // out of order: the count stays as new as its newest record
    input.pipeInput('a', 'z', 120)
    input.pipeInput('b', 'x', 10)
    const out = driver.createOutputTopic('out', Serdes.string(), Serdes.int64()).readRecordsToList()
    expect(out.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 1, 100],
      ['a', 2, 100],
      ['a', 3, 120],
      ['b', 1, 10],
    ])
  })

  it('keeps 8-byte timestamp + value in the store, plain values for getKeyValueStore, value and timestamp for getTimestampedKeyValueStore', () => {
    const driver = new TopologyTestDriver(counts())
    const input = driver.createInputTopic('in', Serdes.string(), Serdes.string())
    input.pipeInput('a', 'x', 100)
    input.pipeInput('a', 'y', 50)
    expect(driver.getKeyValueStore<string, number>('counts').get('a')).toBe(2)
    const ts = driver.getTimestampedKeyValueStore<string, number>('counts')
    expect(ts.get('a')).toEqual({ value: 2, timestamp: 100 })
    expect([...ts.all()]).toEqual([{ key: 'a', value: { value: 2, timestamp: 100 } }])
    const bytes = (ts as SerdeKeyValueStore<string, unknown>).bytes.get(Buffer.from('a'))
    expect(bytes?.toString('hex')).toBe('0000000000000064' + '0000000000000002')
    expect(() => driver.getTimestampedKeyValueStore('nope')).toThrow(/no state store named 'nope'/)
  })

  it('writes the plain value to the changelog with the stored timestamp as the record timestamp', () => {
    const driver = new TopologyTestDriver(counts())
    const input = driver.createInputTopic('in', Serdes.string(), Serdes.string())
    input.pipeInput('a', 'x', 100)
    input.pipeInput('a', 'y', 50)
    expect(driver.producedChangelog<string, number>('counts').map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 1, 100],
      ['a', 2, 100],
    ])
  })

  it('writes a table delete to the changelog with the deleting record timestamp', () => {
    const b = new StreamsBuilder()
    b.table('t', { key: Serdes.string(), value: Serdes.string() }, 'tbl')
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('t', Serdes.string(), Serdes.string())
    input.pipeInput('a', 'v', 10)
    input.pipeInput('a', null as unknown as string, 20)
    expect(driver.producedChangelog<string, string>('tbl').map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 'v', 10],
      ['a', null, 20],
    ])
  })

  it('restores changelog records with their timestamp in front of the value, and aggregates on from there', () => {
    const sent: Array<{ topic: string; timestamp: number; value: Buffer | string | null }> = []
    const task = new StreamTask({
      topology: counts(),
      subtopology: 0,
      partition: 0,
      config: { applicationId: 'restore-ts' },
      collector: { send: (topic, _key, value, _headers, timestamp) => void sent.push({ topic, timestamp, value }) },
    })
    task.restore('counts', [
      { key: Buffer.from('a'), value: Serdes.int64().serialize('', 5), timestamp: 500 },
      { key: Buffer.from('b'), value: Serdes.int64().serialize('', 1), timestamp: 7 },
      { key: Buffer.from('b'), value: null, timestamp: 8 },
    ])
    expect(task.timestampedStore('counts')?.get('a')).toEqual({ value: 5, timestamp: 500 })
    expect(task.timestampedStore('counts')?.get('b')).toBeNull()
    expect((task.store('counts') as KeyValueStore<string, number>).get('a')).toBe(5)
    task.process('in', 0, 0n, Buffer.from('a'), Buffer.from('x'), 300, [])
    const out = sent.filter((s) => s.topic === 'out')
    expect(out.map((s) => [s.timestamp, Serdes.int64().deserialize('', s.value as Buffer)])).toEqual([[500, 6]])
    task.close()
  })

  it('gives Processor API processors a TimestampedKeyValueStore from Stores.timestampedKeyValueStoreBuilder', () => {
    const str = Serdes.string()
    const topology = new Topology()
      .addSource('src', 'in', { keySerde: str, valueSerde: str })
      .addProcessor(
        'latest',
        () => {
          let store: TimestampedKeyValueStore<string, string>
          return {
            init: (ctx) => {
              store = ctx.getStateStore('latest')
            },
            // Keeps the value of the newest record per key, whatever the arrival order.
            process: (r) => {
              const old = store.get(r.key as string)
              if (old === null || old.timestamp <= r.timestamp) store.put(r.key as string, { value: r.value as string, timestamp: r.timestamp })
            },
          }
        },
        'src',
      )
      .addStateStore(Stores.timestampedKeyValueStoreBuilder(Stores.inMemoryKeyValueStore('latest'), str, str), 'latest')
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'new', 20)
    input.pipeInput('k', 'old', 10)
    expect(driver.getTimestampedKeyValueStore<string, string>('latest').get('k')).toEqual({ value: 'new', timestamp: 20 })
    expect(driver.getKeyValueStore<string, string>('latest').get('k')).toBe('new')
    expect(driver.producedChangelog<string, string>('latest').map((r) => [r.value, r.timestamp])).toEqual([['new', 20]])
  })
})

describe('StoreBuilder copies', () => {
  it('keeps the timestamped flag through the logging toggles', () => {
    const base = Stores.timestampedKeyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), Serdes.string(), Serdes.string())
    const relogged = base.withLoggingEnabled({ 'retention.ms': '1000' })
    expect(relogged.timestamped).toBe(true)
    expect(relogged.changelogConfig).toEqual({ 'retention.ms': '1000' })
    expect(base.withLoggingDisabled().timestamped).toBe(true)
    expect(base.withLoggingDisabled().loggingEnabled).toBe(false)
  })
})

describe('timestampedSerde', () => {
  it('serializes small integers with the inner serde of the topic at hand (kept bytes are per topic)', () => {
    // An inner serde whose bytes depend on the topic: kept bytes of one topic must not serve another.
    const inner = { serialize: (topic: string, v: number) => Buffer.from(`${topic}:${v}`), deserialize: (_t: string, b: Buffer | null) => Number(String(b).split(':')[1]) }
    const serde = timestampedSerde(inner)
    const a1 = serde.serialize('a', { value: 7, timestamp: 1 }) as Buffer
    const a2 = serde.serialize('a', { value: 7, timestamp: 2 }) as Buffer
    const b = serde.serialize('b', { value: 7, timestamp: 3 }) as Buffer
    expect(a1.subarray(8).toString()).toBe('a:7')
    expect(a2.subarray(8).toString()).toBe('a:7')
    expect(a2.readBigInt64BE(0)).toBe(2n)
    expect(b.subarray(8).toString()).toBe('b:7')
    expect(serde.deserialize('a', a2)).toEqual({ value: 7, timestamp: 2 })
  })

  it('keeps a copy of the bytes it reuses: a serde may return one Buffer it rewrites on every call', () => {
    const scratch = Buffer.alloc(8)
    const inner = { serialize: (_t: string, v: number) => (scratch.writeBigInt64BE(BigInt(v)), scratch), deserialize: (_t: string, b: Buffer | null) => Number(b!.readBigInt64BE(0)) }
    const serde = timestampedSerde(inner)
    serde.serialize('t', { value: 5, timestamp: 1 })
    serde.serialize('t', { value: 7, timestamp: 1 })
    serde.serialize('t', { value: 9000, timestamp: 1 })
    expect(serde.deserialize('t', serde.serialize('t', { value: 5, timestamp: 2 }))).toEqual({ value: 5, timestamp: 2 })
    expect(serde.deserialize('t', serde.serialize('t', { value: 7, timestamp: 3 }))).toEqual({ value: 7, timestamp: 3 })
  })

  it('keeps -0 apart from 0 and serializes other numbers each time', () => {
    const serde = timestampedSerde(Serdes.double())
    const zero = serde.serialize('t', { value: 0, timestamp: 5 }) as Buffer
    const negZero = serde.serialize('t', { value: -0, timestamp: 5 }) as Buffer
    expect(Object.is(serde.deserialize('t', zero).value, 0)).toBe(true)
    expect(Object.is(serde.deserialize('t', negZero).value, -0)).toBe(true)
    expect(serde.deserialize('t', serde.serialize('t', { value: 2.5, timestamp: 5 })).value).toBe(2.5)
    expect(serde.deserialize('t', serde.serialize('t', { value: 5000, timestamp: 5 })).value).toBe(5000)
  })
})
