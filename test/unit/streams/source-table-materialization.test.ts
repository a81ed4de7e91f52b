import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyTestDriver, keyValue } from '../../../src/streams/index.js'

const S = Serdes.string()
const SS = { key: S, value: S }

describe('source tables are materialized only when something needs it (as Kafka Streams)', () => {
  it('an unnamed table that only a filter reads has no store and no changelog, and forwards a delete for each filtered-out update', () => {
    const b = new StreamsBuilder()
    const t = b.table<string, string>('t', SS)
    expect(t.queryableStoreName).toBeUndefined()
    t.filter((_k, v) => v.startsWith('a'))
      .toStream()
      .to('out', SS)
    const topology = b.build()
    expect([...topology.stores.keys()]).toEqual([])
    expect(topology.resolveInternalTopics('app', () => 1).internalTopics).toEqual([])
    const driver = new TopologyTestDriver(topology)
    try {
      const input = driver.createInputTopic('t', S, S)
      input.pipeInput('k', 'apple', 1)
      input.pipeInput('k', 'banana', 2)
      input.pipeInput('k', 'berry', 3) // was and stays filtered out: without old values, a delete again
      expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
        { key: 'k', value: 'apple' },
        { key: 'k', value: null },
        { key: 'k', value: null },
      ])
      expect(() => driver.getKeyValueStore('t-STATE-STORE-0000000000')).toThrow()
    } finally {
      driver.close()
    }
  })

  it('a named store, a groupBy, a stream-table join or a table-table join materializes it (store and changelog)', () => {
    const cases: Array<[string, (b: StreamsBuilder) => void]> = [
      ['named', (b) => b.table<string, string>('t', SS, 'named').toStream().to('out', SS)],
      ['groupBy', (b) => b.table<string, string>('t', SS).groupBy((k, v) => keyValue(v, k), SS).count()],
      ['stream-table join', (b) => b.stream<string, string>('s', SS).join(b.table<string, string>('t', SS), (a, c) => a + c).to('out', SS)],
      ['table-table join', (b) => b.table<string, string>('t', SS).join(b.table<string, string>('u', SS), (a, c) => a + c).toStream().to('out', SS)],
    ]
    for (const [what, build] of cases) {
      const b = new StreamsBuilder()
      build(b)
      const changelogs = b
        .build()
        .resolveInternalTopics('app', () => 1)
        .internalTopics.filter((x) => x.kind === 'changelog')
        .map((x) => x.name)
      const expected = what === 'named' ? /^app-named-changelog$/ : /^app-t-STATE-STORE-\d{10}-changelog$/
      expect(changelogs.filter((n) => expected.test(n)), what).toHaveLength(1)
    }
  })

  it('an unnamed toTable() read by nothing has no store either', () => {
    const b = new StreamsBuilder()
    b.stream<string, string>('s', SS).toTable().toStream().to('out', SS)
    expect([...b.build().stores.keys()]).toEqual([])
  })
})
