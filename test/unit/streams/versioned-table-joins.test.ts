/**
 * Versioned semantics (Kafka Streams' KIP-914) downstream of a table materialized on a versioned
 * store: table-table joins, foreign-key joins and table groupBy drop the table's out-of-order
 * updates (older than the key's latest version), which never change the latest value.
 */
import { describe, expect, it } from 'vitest'
import { keyValue, Materialized, Serdes, Stores, StreamsBuilder, TopologyTestDriver, type KTable } from '../../../src/streams/index.js'

const S = Serdes.string()
const SS = { key: S, value: S }

const versioned = (b: StreamsBuilder, topic: string): KTable<string, string> =>
  b.table(topic, SS, Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore(`${topic}-store`, 1_000)))

function run(build: (b: StreamsBuilder) => void, steps: (pipe: (topic: string, key: string, value: string | null, ts: number) => void) => void) {
  const b = new StreamsBuilder()
  build(b)
  const driver = new TopologyTestDriver(b.build())
  try {
    const topics = new Map<string, ReturnType<typeof driver.createInputTopic<string, string>>>()
    steps((topic, key, value, ts) => {
      let t = topics.get(topic)
      if (t === undefined) topics.set(topic, (t = driver.createInputTopic(topic, S, S)))
      t.pipeInput(key, value as string, ts)
    })
    const out = driver
      .createOutputTopic('out', S, S)
      .readRecordsToList()
      .map((r) => [r.key, r.value, r.timestamp])
    const dropped = [...driver.metrics().values()].reduce((n, m) => n + m.droppedRecords, 0)
    return { out, dropped }
  } finally {
    driver.close()
  }
}

describe('versioned tables in table-table joins', () => {
  it('an out-of-order update of either versioned side emits no join result and is counted as dropped', () => {
    const { out, dropped } = run(
      (b) =>
        versioned(b, 'left')
          .join(versioned(b, 'right'), (l, r) => `${l}/${r}`)
          .toStream()
          .to('out', SS),
      (pipe) => {
        pipe('left', 'k', 'l1', 100)
        pipe('right', 'k', 'r1', 110)
        pipe('left', 'k', 'l0', 50) // out of order: history only, no result
        pipe('right', 'k', 'r0', 60) // likewise on the other side
        pipe('left', 'k', 'l2', 120)
      },
    )
    expect(out).toEqual([
      ['k', 'l1/r1', 110],
      ['k', 'l2/r1', 120],
    ])
    expect(dropped).toBe(2)
  })

  it('only the versioned side drops: an out-of-order update of the unversioned side still joins', () => {
    const { out } = run(
      (b) =>
        versioned(b, 'left')
          .leftJoin(b.table('right', SS), (l, r) => `${l}/${String(r)}`)
          .toStream()
          .to('out', SS),
      (pipe) => {
        pipe('left', 'k', 'l1', 100)
        pipe('left', 'k', 'l0', 50) // dropped
        pipe('right', 'k', 'r1', 110)
        pipe('right', 'k', 'r0', 40) // an unversioned table takes it as its latest value
      },
    )
    expect(out).toEqual([
      ['k', 'l1/null', 100],
      ['k', 'l1/r1', 110],
      ['k', 'l1/r0', 100],
    ])
  })
})

describe('versioned tables in foreign-key joins', () => {
  it('out-of-order updates of the left and of the foreign table send no subscription and no response', () => {
    const { out, dropped } = run(
      (b) =>
        versioned(b, 'orders')
          .join(versioned(b, 'customers'), (v) => v.split(':')[0], (o, c) => `${o}@${c}`)
          .toStream()
          .to('out', SS),
      (pipe) => {
        pipe('customers', 'c1', 'Ada', 10)
        pipe('orders', 'o1', 'c1:pen', 100)
        pipe('orders', 'o1', 'c2:old', 50) // out of order: the latest row still points at c1
        pipe('customers', 'c1', 'Ada-old', 5) // out of order: o1 keeps the latest customer
        pipe('customers', 'c1', 'Ada L', 120)
      },
    )
    expect(out).toEqual([
      ['o1', 'c1:pen@Ada', 100],
      ['o1', 'c1:pen@Ada L', 120],
    ])
    expect(dropped).toBe(2)
  })
})

describe('versioned tables in table groupBy', () => {
  it('aggregates the latest values only: out-of-order updates neither add nor subtract', () => {
    const { out } = run(
      (b) =>
        versioned(b, 'table')
          .groupBy((_k, v) => keyValue(v, v), SS)
          .count(Materialized.with(S, Serdes.int64()).withCachingDisabled())
          .toStream()
          .mapValues((n) => String(n))
          .to('out', SS),
      (pipe) => {
        pipe('table', 'a', 'x', 100)
        pipe('table', 'a', 'y', 50) // out of order: x stays the latest
        pipe('table', 'a', 'z', 150)
      },
    )
    expect(out).toEqual([
      ['x', '1', 100],
      ['x', '0', 150],
      ['z', '1', 150],
    ])
  })
})

describe('join results materialized on a versioned store', () => {
  it('a table-table join result older than the latest is kept as history, forwarded, and skipped by a groupBy', () => {
    const b = new StreamsBuilder()
    const joined = b
      .table('left', SS)
      .join(b.table('right', SS), (l, r) => `${l}/${r}`, Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore('joined', 1_000)).withValueSerde(S))
    joined.toStream().to('out', SS)
    joined
      .groupBy((_k, v) => keyValue(v, v), SS)
      .count(Materialized.with(S, Serdes.int64()).withCachingDisabled())
      .toStream()
      .mapValues((n) => String(n))
      .to('counts', SS)
    const driver = new TopologyTestDriver(b.build())
    try {
      const left = driver.createInputTopic('left', S, S)
      const right = driver.createInputTopic('right', S, S)
      left.pipeInput('k', 'l1', 100)
      right.pipeInput('k', 'r1', 110)
      right.pipeInput('k', 'r0', 40) // joins l1 at max(100, 40) = 100: older than the latest result (110)
      const store = driver.getVersionedKeyValueStore<string, string>('joined')
      expect(store.get('k')).toEqual({ value: 'l1/r1', timestamp: 110 })
      expect(store.get('k', 105)).toEqual({ value: 'l1/r0', timestamp: 100, validTo: 110 })
      const rows = (topic: string) =>
        driver
          .createOutputTopic(topic, S, S)
          .readRecordsToList()
          .map((r) => [r.key, r.value, r.timestamp])
      expect(rows('out')).toEqual([
        ['k', 'l1/r1', 110],
        ['k', 'l1/r0', 100],
      ])
      expect(rows('counts')).toEqual([['l1/r1', '1', 110]])
    } finally {
      driver.close()
    }
  })

  it('a foreign-key join result on a versioned store answers as-of reads', () => {
    const b = new StreamsBuilder()
    b.table('orders', SS).join(
      b.table('customers', SS),
      (v) => v,
      (o, c) => `${o}@${c}`,
      {},
      Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore('fk-result', 1_000)).withValueSerde(S),
    )
    const driver = new TopologyTestDriver(b.build())
    try {
      driver.createInputTopic('customers', S, S).pipeInput('c1', 'Ada', 10)
      const orders = driver.createInputTopic('orders', S, S)
      orders.pipeInput('o1', 'c1', 100)
      orders.pipeInput('o1', null as unknown as string, 200)
      const store = driver.getVersionedKeyValueStore<string, string>('fk-result')
      expect(store.get('o1')).toBeNull()
      expect(store.get('o1', 150)).toEqual({ value: 'c1@Ada', timestamp: 100, validTo: 200 })
    } finally {
      driver.close()
    }
  })
})
