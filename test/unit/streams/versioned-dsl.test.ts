import { describe, expect, it } from 'vitest'
import {
  BufferConfig,
  Materialized,
  PUT_RETURN_CODE_NOT_PUT,
  PUT_RETURN_CODE_VALID_TO_UNDEFINED,
  Serdes,
  Stores,
  StreamsBuilder,
  Suppressed,
  Topology,
  TopologyError,
  TopologyTestDriver,
  type Change,
  type ProcessorContext,
  type Record,
  type VersionedKeyValueStore,
} from '../../../src/streams/index.js'
import { TableMapValues } from '../../../src/streams/dsl/processors.js'
import { VersionedTableSource } from '../../../src/streams/dsl/versioned-table.js'

const str = Serdes.string()

describe('KTable materialized on a versioned store', () => {
  function build() {
    const b = new StreamsBuilder()
    b.table('prices', { key: str, value: str }, Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore('prices-store', 100)))
      .toStream()
      .to('changes', { key: str, value: str })
    return new TopologyTestDriver(b.build())
  }

  it('keeps out-of-order updates as history, forwards them, and drops (and does not forward) updates past the history retention', () => {
    const driver = build()
    const prices = driver.createInputTopic('prices', str, str)
    const out = driver.createOutputTopic('changes', str, str)
    prices.pipeInput('a', '1', 10)
    prices.pipeInput('a', '2', 20)
    prices.pipeInput('a', 'late', 15)
    const store = driver.getVersionedKeyValueStore<string, string>('prices-store')
    expect(store.get('a')).toEqual({ value: '2', timestamp: 20 })
    expect(store.get('a', 17)).toEqual({ value: 'late', timestamp: 15, validTo: 20 })
    expect(store.get('a', 12)).toEqual({ value: '1', timestamp: 10, validTo: 15 })
    prices.pipeInput('b', 'x', 200)
    prices.pipeInput('a', 'too-old', 50) // 50 < 200 - 100: refused, not forwarded
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', '1', 10],
      ['a', '2', 20],
      ['a', 'late', 15],
      ['b', 'x', 200],
    ])
    // Stream time 200: history before 100 is beyond the retention; the latest version still answers.
    expect(store.get('a', 17)).toBeNull()
    expect(store.get('a', 150)).toEqual({ value: '2', timestamp: 20 })
    // Changelog: key, value, record timestamp = version timestamp; refused puts are logged too (as Kafka Streams).
    expect(driver.producedChangelog('prices-store').map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', '1', 10],
      ['a', '2', 20],
      ['a', 'late', 15],
      ['b', 'x', 200],
      ['a', 'too-old', 50],
    ])
    expect(() => driver.getKeyValueStore('nope')).toThrow(TopologyError)
    driver.close()
  })

  it('toTable() on a persistent versioned store, with tombstones', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str }).toTable(Materialized.as<string, string>(Stores.persistentVersionedKeyValueStore('t', 1000)))
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'v1', 100)
    input.pipeInput('k', null as unknown as string, 200)
    input.pipeInput('k', 'v0', 50)
    const store = driver.getVersionedKeyValueStore<string, string>('t')
    expect(store.get('k')).toBeNull()
    expect(store.get('k', 150)).toEqual({ value: 'v1', timestamp: 100, validTo: 200 })
    expect(store.get('k', 60)).toEqual({ value: 'v0', timestamp: 50, validTo: 100 })
    driver.close()
  })

  it('an aggregation on a versioned store: each update forwarded and kept as a version (as-of reads); a global table cannot be versioned', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str })
      .groupByKey()
      .count(Materialized.as<string, number>(Stores.inMemoryVersionedKeyValueStore('c', 1000)).withCachingEnabled())
      .toStream()
      .to('counts', { key: str, value: Serdes.int64() })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'x', 100)
    input.pipeInput('k', 'y', 200)
    expect(driver.createOutputTopic('counts', str, Serdes.int64()).readValuesToList()).toEqual([1, 2])
    const store = driver.getVersionedKeyValueStore<string, number>('c')
    expect(store.get('k', 150)).toEqual({ value: 1, timestamp: 100, validTo: 200 })
    driver.close()
    expect(() => new StreamsBuilder().globalTable('g', { key: str, value: str }, Materialized.as(Stores.inMemoryVersionedKeyValueStore('g', 10) as never))).toThrow(
      /versioned stores materialize tables/,
    )
  })
})

describe('temporal stream-table join', () => {
  function build(left: boolean, gracePeriodMs?: number) {
    const b = new StreamsBuilder()
    const prices = b.table('prices', { key: str, value: str }, Materialized.as<string, string>(Stores.persistentVersionedKeyValueStore('prices-store', 1000)))
    const orders = b.stream('orders', { key: str, value: str })
    const joined = left
      ? orders.leftJoin(prices, (o, p) => `${o}:${p ?? 'null'}`, { name: 'tj', gracePeriodMs })
      : orders.join(prices, (o, p) => `${o}:${p}`, { name: 'tj', gracePeriodMs })
    joined.to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build())
    return {
      driver,
      prices: driver.createInputTopic('prices', str, str),
      orders: driver.createInputTopic('orders', str, str),
      out: driver.createOutputTopic('out', str, str),
    }
  }

  it('without grace: each record joins the table value as of its own timestamp', () => {
    for (const left of [false, true]) {
      const { driver, prices, orders, out } = build(left)
      prices.pipeInput('p', '10', 100)
      prices.pipeInput('p', '20', 200)
      orders.pipeInput('p', 'o1', 150)
      orders.pipeInput('p', 'o2', 250)
      orders.pipeInput('p', 'o3', 50)
      prices.pipeInput('p', '15', 170) // out of order: history only
      orders.pipeInput('p', 'o4', 180)
      orders.pipeInput('p', 'o5', 300)
      const expected = left ? ['o1:10', 'o2:20', 'o3:null', 'o4:15', 'o5:20'] : ['o1:10', 'o2:20', 'o4:15', 'o5:20']
      expect(out.readValuesToList()).toEqual(expected)
      driver.close()
    }
  })

  it('with grace: buffered records join after stream time passes timestamp + grace and see table updates that arrived late', () => {
    const run = (left: boolean) => {
      const { driver, prices, orders, out } = build(left, 100)
      orders.pipeInput('p', 'o1', 100) // buffered (stream time 100)
      prices.pipeInput('p', 'A', 90)
      orders.pipeInput('p', 'o2', 150) // buffered
      prices.pipeInput('p', 'B', 120)
      orders.pipeInput('p', 'o3', 210) // stream time 210: o1@100 is due, as of 100 -> A
      prices.pipeInput('p', 'C', 140) // late table update, within o2's grace
      orders.pipeInput('q', 'o4', 260) // o2@150 due, as of 150 -> C
      orders.pipeInput('p', 'o5', 20) // older than stream time - grace: joined at once, not buffered
      orders.pipeInput('p', 'o6', 400) // o3@210 (C) and o4@260 (q: no value) due
      orders.pipeInput('b', 'x', 500) // o6@400 due (C); same timestamp, keys b then a
      orders.pipeInput('a', 'y', 500)
      orders.pipeInput('p', 'o7', 700) // a@500 then b@500: buffer order is timestamp, then key bytes
      const records = out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
      const changelog = driver.producedChangelog('tj-Buffer')
      driver.close()
      return { records, changelog }
    }
    expect(run(false).records).toEqual([
      ['p', 'o1:A', 100],
      ['p', 'o2:C', 150],
      ['p', 'o3:C', 210],
      ['p', 'o6:C', 400],
    ])
    const left = run(true)
    expect(left.records).toEqual([
      ['p', 'o1:A', 100],
      ['p', 'o2:C', 150],
      ['p', 'o5:null', 20],
      ['p', 'o3:C', 210],
      ['q', 'o4:null', 260],
      ['p', 'o6:C', 400],
      ['a', 'y:null', 500],
      ['b', 'x:null', 500],
    ])
    // The buffer is logged: 8 buffered records (o5 was not), 7 of them evicted (tombstones); o7 is still buffered.
    expect(left.changelog.filter((r) => r.value !== null)).toHaveLength(8)
    expect(left.changelog.filter((r) => r.value === null)).toHaveLength(7)
  })

  it('grace 0 joins in-order records at once and out-of-order ones immediately too', () => {
    const { driver, prices, orders, out } = build(false, 0)
    prices.pipeInput('p', 'A', 10)
    orders.pipeInput('p', 'o1', 20)
    orders.pipeInput('p', 'o0', 15)
    expect(out.readValuesToList()).toEqual(['o1:A', 'o0:A'])
    driver.close()
  })

  it('drops records with a null value (and a null key in an inner join) into droppedRecords; a left join joins a null key with null at once', () => {
    for (const left of [false, true]) {
      const { driver, prices, orders, out } = build(left, 100)
      prices.pipeInput('p', 'A', 10)
      orders.pipeInput('p', null as unknown as string, 20)
      orders.pipeInput(null as unknown as string, 'nk', 30)
      orders.pipeInput('p', 'o1', 500) // buffered (nothing else is due)
      expect(out.readValuesToList()).toEqual(left ? ['nk:null'] : [])
      expect(driver.metrics().get('0_0')?.droppedRecords).toBe(left ? 1 : 2)
      driver.close()
    }
  })

  it('rejects a grace period on a table that is not versioned, and a negative grace', () => {
    const b = new StreamsBuilder()
    const table = b.table('t', { key: str, value: str })
    const stream = b.stream('s', { key: str, value: str })
    expect(() => stream.join(table, (a, c) => a + c, { gracePeriodMs: 10 })).toThrow(/must be versioned/)
    const vt = b.table('vt', { key: str, value: str }, Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore('vt-store', 10)))
    expect(() => stream.join(vt, (a, c) => a + c, { gracePeriodMs: -1 })).toThrow(/gracePeriodMs/)
  })
})

describe('versioned tables: isLatest, derived tables and the Processor API', () => {
  it('forwards isLatest (false for out-of-order updates) and table mapValues keeps it', () => {
    const seen: Array<[unknown, Change<unknown>]> = []
    const topology = new Topology()
      .addSource('src', 'prices', { keySerde: str, valueSerde: str })
      .addProcessor('table', () => new VersionedTableSource('s'), 'src')
      .addProcessor('map', () => new TableMapValues((v) => `m${String(v)}`), 'table')
      .addProcessor('capture', () => ({ process: (r: Record<unknown, Change<unknown>>) => void seen.push([r.key, r.value]) }), 'map')
      .addStateStore(Stores.versionedKeyValueStoreBuilder(Stores.inMemoryVersionedKeyValueStore('s', 100), str, str), 'table')
    const driver = new TopologyTestDriver(topology)
    const prices = driver.createInputTopic('prices', str, str)
    prices.pipeInput('a', '1', 10)
    prices.pipeInput('a', '2', 20)
    prices.pipeInput('a', 'x', 15)
    prices.pipeInput('a', null as unknown as string, 30)
    expect(seen).toEqual([
      ['a', { newValue: 'm1', oldValue: null, isLatest: true }],
      ['a', { newValue: 'm2', oldValue: 'm1', isLatest: true }],
      ['a', { newValue: 'mx', oldValue: 'm2', isLatest: false }],
      ['a', { newValue: null, oldValue: 'm2', isLatest: true }],
    ])
    driver.close()
  })

  it('a temporal join through mapValues of a versioned table reads mapped as-of values, with grace', () => {
    const b = new StreamsBuilder()
    const prices = b
      .table('prices', { key: str, value: str }, Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore('ps', 1000)))
      .mapValues((v) => v.toUpperCase())
    b.stream('orders', { key: str, value: str })
      .join(prices, (o, p) => `${o}:${p}`, { gracePeriodMs: 50 })
      .to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build())
    const p = driver.createInputTopic('prices', str, str)
    const o = driver.createInputTopic('orders', str, str)
    p.pipeInput('k', 'a', 10)
    p.pipeInput('k', 'c', 300)
    o.pipeInput('k', 'o1', 100) // buffered
    p.pipeInput('k', 'b', 90) // late, within the grace
    o.pipeInput('k', 'o2', 160) // o1 due: as of 100 -> B
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['o1:B'])
    driver.close()
  })

  it('rejects suppress() on a versioned table and on tables derived from one, as Kafka Streams', () => {
    const b = new StreamsBuilder()
    const t = b.table('t', { key: str, value: str }, Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore('vs', 10)))
    expect(() => t.suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))).toThrow(/non-versioned/)
    expect(() => t.mapValues((v) => v).suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))).toThrow(/non-versioned/)
  })

  it('filter of a versioned table forwards updates filtered out on both sides (versioned semantics)', () => {
    const b = new StreamsBuilder()
    b.table('t', { key: str, value: str }, Materialized.as<string, string>(Stores.inMemoryVersionedKeyValueStore('vs', 10)))
      .filter((_k, v) => v.startsWith('y'))
      .toStream()
      .to('out', { key: str, value: str })
    const driver = new TopologyTestDriver(b.build())
    const t = driver.createInputTopic('t', str, str)
    t.pipeInput('a', 'n1', 10)
    t.pipeInput('a', 'y1', 20)
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      { key: 'a', value: null },
      { key: 'a', value: 'y1' },
    ])
    driver.close()
  })

  it('Processor API: a versioned store from versionedKeyValueStoreBuilder, return codes and its changelog', () => {
    const codes: number[] = []
    class Put {
      #store!: VersionedKeyValueStore<string, string>
      init(ctx: ProcessorContext<unknown, unknown>): void {
        this.#store = ctx.getStateStore('vs')
      }
      process(r: Record<string, string>): void {
        codes.push(this.#store.put(r.key, r.value, r.timestamp))
      }
    }
    const topology = new Topology()
      .addSource('src', 'in', { keySerde: str, valueSerde: str })
      .addProcessor('put', () => new Put(), 'src')
      .addStateStore(Stores.versionedKeyValueStoreBuilder(Stores.persistentVersionedKeyValueStore('vs', 50), str, str), 'put')
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'a', 100)
    input.pipeInput('k', 'b', 80)
    input.pipeInput('k', 'c', 10)
    expect(codes).toEqual([PUT_RETURN_CODE_VALID_TO_UNDEFINED, 100, PUT_RETURN_CODE_NOT_PUT])
    expect(driver.producedChangelog('vs').map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['k', 'a', 100],
      ['k', 'b', 80],
      ['k', 'c', 10],
    ])
    expect(topology.resolveInternalTopics('app', () => 1).internalTopics.find((t) => t.name === 'app-vs-changelog')?.config).toEqual({
      'cleanup.policy': 'compact',
      'min.compaction.lag.ms': String(50 + 86_400_000),
    })
    expect(() => driver.getWindowStore('vs')).toThrow(/versioned store/)
    driver.close()
  })
})
