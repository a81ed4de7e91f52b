/**
 * Null keys through repartition topics, as Kafka Streams (3.7+) decides at build time: a
 * repartition keeps them when a left or outer join (stream-table, stream-global table,
 * stream-stream) is downstream of it, since those join a null key with null; any other
 * repartition drops them.
 */
import { describe, expect, it } from 'vitest'
import { Materialized, Serdes, StreamsBuilder, TopologyTestDriver, type KStream, type KTable } from '../../../src/streams/index.js'

const S = Serdes.string()
const SS = { key: S, value: S }
/** Values starting with n get a null key. */
const rekey = (_k: string, v: string): string => (v.startsWith('n') ? (null as unknown as string) : v.slice(0, 1))

function run(build: (b: StreamsBuilder, input: KStream<string, string>, table: KTable<string, string>) => void): Array<[string | null, string | null]> {
  const b = new StreamsBuilder()
  build(b, b.stream('in', SS), b.table('table', SS))
  const driver = new TopologyTestDriver(b.build())
  try {
    driver.createInputTopic('table', S, S).pipeInput('a', 'A', 1)
    const input = driver.createInputTopic('in', S, S)
    input.pipeInput('x', 'a1', 2)
    input.pipeInput('x', 'n1', 3)
    return driver
      .createOutputTopic('out', S, S)
      .readKeyValuesToList()
      .map((r) => [r.key, r.value])
  } finally {
    driver.close()
  }
}

const joiner = (v: string, t: string | null): string => `${v}/${String(t)}`

describe('null keys through a repartition topic', () => {
  it('a stream-table left join after a key change joins null keys with null (an inner join drops them)', () => {
    expect(run((_b, s, t) => s.selectKey(rekey).leftJoin(t, joiner, { key: S, value: S }).to('out', SS))).toEqual([
      ['a', 'a1/A'],
      [null, 'n1/null'],
    ])
    expect(run((_b, s, t) => s.selectKey(rekey).join(t, joiner, { key: S, value: S }).to('out', SS))).toEqual([['a', 'a1/A']])
  })

  it('an explicit repartition() keeps null keys when a left join follows (also past stateless steps), drops them otherwise', () => {
    expect(run((_b, s, t) => s.repartition(SS).mapValues((v) => v.toUpperCase()).leftJoin(t, joiner).to('out', SS))).toEqual([
      ['x', 'A1/null'],
      ['x', 'N1/null'],
    ])
    const nullKeyed = (s: KStream<string, string>) => s.selectKey(rekey).repartition(SS)
    expect(run((_b, s, t) => nullKeyed(s).leftJoin(t, joiner).to('out', SS))).toEqual([
      ['a', 'a1/A'],
      [null, 'n1/null'],
    ])
    expect(run((_b, s) => nullKeyed(s).to('out', SS))).toEqual([['a', 'a1']])
  })

  it('a stream-global table left join downstream keeps them as well', () => {
    const out = run((b, s) => {
      const g = b.globalTable('global', SS, Materialized.as<string, string>('g'))
      s.selectKey(rekey)
        .repartition(SS)
        .leftJoin(g, (k) => k, joiner)
        .to('out', SS)
    })
    expect(out).toEqual([
      ['a', 'a1/null'],
      [null, 'n1/null'],
    ])
  })

  it('only repartitions upstream of the left join keep them: a second branch through its own repartition drops them', () => {
    const out = run((_b, s, t) => {
      const rekeyed = s.selectKey(rekey)
      rekeyed.leftJoin(t, joiner, { key: S, value: S }).to('out', SS)
      rekeyed.repartition(SS).mapValues((v) => `r:${v}`).to('out', SS)
    })
    expect(out).toEqual([
      ['a', 'a1/A'],
      ['a', 'r:a1'],
      [null, 'n1/null'],
    ])
  })
})
