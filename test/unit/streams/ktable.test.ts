import { describe, expect, it } from 'vitest'
import { keyValue, Materialized, Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'

interface User {
  region: string
  score: number
}

describe('KTable groupBy aggregations', () => {
  function regionTotals() {
    const b = new StreamsBuilder()
    b.table('users', { key: Serdes.string(), value: Serdes.json<User>() })
      .groupBy((_id, u) => keyValue(u.region, u.score), { key: Serdes.string(), value: Serdes.int32() })
      .aggregate(
        () => 0,
        (_region, score, total) => total + score,
        (_region, score, total) => total - score,
        Materialized.as<string, number>('region-totals').withValueSerde(Serdes.int64()),
      )
      .toStream()
      .to('totals', { value: Serdes.int64() })
    return b.build()
  }

  it('applies adder and subtractor on inserts, updates (same and other group) and deletes', () => {
    const driver = new TopologyTestDriver(regionTotals())
    const users = driver.createInputTopic('users', Serdes.string(), Serdes.json<User>())
    const out = driver.createOutputTopic('totals', Serdes.string(), Serdes.int64())
    users.pipeInput('alice', { region: 'eu', score: 10 }, 1)
    users.pipeInput('bob', { region: 'eu', score: 5 }, 2)
    users.pipeInput('carol', { region: 'us', score: 7 }, 3)
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'eu', value: 10 },
      { key: 'eu', value: 15 },
      { key: 'us', value: 7 },
    ])
    // Update within the same group: one change record (subtract 10, add 12).
    users.pipeInput('alice', { region: 'eu', score: 12 }, 4)
    expect(out.readKeyValuesToList()).toEqual([{ key: 'eu', value: 17 }])
    // Move to another group: subtract from the old group first, then add to the new one.
    users.pipeInput('bob', { region: 'us', score: 5 }, 5)
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'eu', value: 12 },
      { key: 'us', value: 12 },
    ])
    // Delete (tombstone): subtract only.
    users.pipeInput('carol', null as unknown as User, 6)
    expect(out.readKeyValuesToList()).toEqual([{ key: 'us', value: 5 }])
    const store = driver.getKeyValueStore<string, number>('region-totals')
    expect(store.get('eu')).toBe(12)
    expect(store.get('us')).toBe(5)
    expect(driver.getKeyValueStore<string, User>('users-STATE-STORE-0000000000').get('carol')).toBeNull()
  })

  it('count and reduce with subtractor', () => {
    const b = new StreamsBuilder()
    const table = b.table('users', { key: Serdes.string(), value: Serdes.json<User>() })
    table
      .groupBy((_id, u) => keyValue(u.region, u.region), { key: Serdes.string(), value: Serdes.string() })
      .count('region-count')
      .toStream()
      .to('counts', { value: Serdes.int64() })
    table
      .groupBy((_id, u) => keyValue(u.region, u.score), { key: Serdes.string(), value: Serdes.int32() })
      .reduce((a, v) => a + v, (a, v) => a - v, { name: 'region-sum' })
      .toStream()
      .to('sums', { value: Serdes.int32() })
    const driver = new TopologyTestDriver(b.build())
    const users = driver.createInputTopic('users', Serdes.string(), Serdes.json<User>())
    users.pipeInput('a', { region: 'eu', score: 1 })
    users.pipeInput('b', { region: 'eu', score: 2 })
    users.pipeInput('a', { region: 'us', score: 3 })
    users.pipeInput('b', null as unknown as User)
    expect(driver.createOutputTopic('counts', Serdes.string(), Serdes.int64()).readKeyValuesToList()).toEqual([
      { key: 'eu', value: 1 },
      { key: 'eu', value: 2 },
      { key: 'eu', value: 1 },
      { key: 'us', value: 1 },
      { key: 'eu', value: 0 },
    ])
    expect(driver.createOutputTopic('sums', Serdes.string(), Serdes.int32()).readKeyValuesToMap()).toEqual(
      new Map([
        ['eu', 0],
        ['us', 3],
      ]),
    )
  })

  function filteredTable(materialized?: string) {
    const b = new StreamsBuilder()
    b.table('t', { key: Serdes.string(), value: Serdes.int32() }, materialized)
      .filter((_k, v) => v > 10)
      .mapValues((v) => `v=${v}`)
      .toStream()
      .to('out', { value: Serdes.string() })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('t', Serdes.string(), Serdes.int32())
    input.pipeInput('a', 5)
    input.pipeInput('a', 20)
    input.pipeInput('a', 3)
    input.pipeInput('a', 4)
    return driver.createOutputTopic('out', Serdes.string(), Serdes.string()).readKeyValuesToList()
  }

  it('filter and mapValues forward a delete when a row stops matching (named source table: old values known)', () => {
    expect(filteredTable('t-store')).toEqual([
      { key: 'a', value: 'v=20' },
      { key: 'a', value: null },
    ])
  })

  it('caches a source table only when it is materialized (a named store, or a groupBy, join or suppress needs it), as Kafka Streams', () => {
    const deletesOfAbsentKeys = (store?: string) => {
      const b = new StreamsBuilder()
      b.table('t', { key: Serdes.string(), value: Serdes.string() }, store).toStream().to('out', { value: Serdes.string() })
      const driver = new TopologyTestDriver(b.build()) // record cache on (the default)
      driver.createInputTopic('t', Serdes.string(), Serdes.string()).pipeInput('a', null as unknown as string, 1)
      return driver.createOutputTopic('out', Serdes.string(), Serdes.string()).readKeyValuesToList()
    }
    // Not materialized: no store and no cache in Kafka Streams, so the delete goes downstream.
    expect(deletesOfAbsentKeys()).toEqual([{ key: 'a', value: null }])
    // Materialized and cached: a delete of a key the table never held sends nothing.
    expect(deletesOfAbsentKeys('t-store')).toEqual([])
  })

  it('filter forwards a delete for every filtered-out update when the source table is not materialized by name, as Kafka Streams does', () => {
    expect(filteredTable()).toEqual([
      { key: 'a', value: null },
      { key: 'a', value: 'v=20' },
      { key: 'a', value: null },
      { key: 'a', value: null },
    ])
  })

  it('stream aggregate and reduce with groupByKey', () => {
    const b = new StreamsBuilder()
    const s = b.stream('in', { key: Serdes.string(), value: Serdes.int32() })
    s.groupByKey().reduce((a, v) => Math.max(a, v), 'max').toStream().to('max', { value: Serdes.int32() })
    s.groupByKey()
      .aggregate(() => [] as number[], (_k, v, agg) => [...agg, v], Materialized.as<string, number[]>('lists').withValueSerde(Serdes.json<number[]>()))
      .toStream()
      .to('lists', { value: Serdes.json<number[]>() })
    const topology = b.build()
    expect(topology.subtopologies()).toHaveLength(1) // no key change, no repartition
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', Serdes.string(), Serdes.int32())
    input.pipeKeyValueList([keyValue('x', 3), keyValue('x', 9), keyValue('x', 4), keyValue('y', 1)])
    expect(driver.createOutputTopic('max', Serdes.string(), Serdes.int32()).readValuesToList()).toEqual([3, 9, 9, 1])
    expect(driver.getKeyValueStore<string, number[]>('lists').get('x')).toEqual([3, 9, 4])
  })
})
