import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { keyValue, Materialized, Serdes, StreamsBuilder, TopologyTestDriver, type KTable } from '../../../src/streams/index.js'

const S = Serdes.string()
const SS = { key: S, value: S }

type Kind = 'join' | 'leftJoin' | 'outerJoin'

function joined(b: StreamsBuilder, kind: Kind, materialized?: string): KTable<string, string> {
  const left = b.table<string, string>('left', SS)
  const right = b.table<string, string>('right', SS)
  const joiner = (l: string | null, r: string | null): string => `${String(l)}+${String(r)}`
  const m = materialized === undefined ? undefined : Materialized.as<string, string>(materialized).withValueSerde(S)
  if (kind === 'join') return left.join(right, joiner, m)
  if (kind === 'leftJoin') return left.leftJoin(right, joiner, m)
  return left.outerJoin(right, joiner, m)
}

/** Runs the same updates on both sides through a join; returns [key, value, timestamp] per output record. */
function run(kind: Kind): Array<[string, string | null, number]> {
  const b = new StreamsBuilder()
  joined(b, kind).toStream().to('out', SS)
  const driver = new TopologyTestDriver(b.build())
  try {
    const left = driver.createInputTopic('left', S, S)
    const right = driver.createInputTopic('right', S, S)
    left.pipeInput('k', 'L1', 100) // no right row yet
    right.pipeInput('k', 'R1', 50) // older right row: result keeps the left's time
    left.pipeInput('k', 'L2', 200)
    right.pipeInput('k', 'R2', 300)
    right.pipeInput('k', null as unknown as string, 310) // delete on the right
    left.pipeInput('k', null as unknown as string, 320) // delete on the left
    left.pipeInput('x', null as unknown as string, 330) // delete of a key neither side has
    right.pipeInput('y', 'R9', 340) // right only
    return driver
      .createOutputTopic('out', S, S)
      .readRecordsToList()
      .map((r) => [r.key, r.value, r.timestamp])
  } finally {
    driver.close()
  }
}

describe('KTable-KTable joins', () => {
  it('inner join: a row where both sides have one, timestamp the larger of the two; deletes of either side emit a delete', () => {
    expect(run('join')).toEqual([
      ['k', 'L1+R1', 100],
      ['k', 'L2+R1', 200],
      ['k', 'L2+R2', 300],
      ['k', null, 310], // right deleted while the left row exists
    ])
  })

  it('left join: every left row, joined with null when the right has none; right rows alone emit nothing', () => {
    expect(run('leftJoin')).toEqual([
      ['k', 'L1+null', 100],
      ['k', 'L1+R1', 100],
      ['k', 'L2+R1', 200],
      ['k', 'L2+R2', 300],
      ['k', 'L2+null', 310],
      ['k', null, 320],
    ])
  })

  it('outer join: a row where either side has one; a delete of a key neither side has emits nothing', () => {
    expect(run('outerJoin')).toEqual([
      ['k', 'L1+null', 100],
      ['k', 'L1+R1', 100],
      ['k', 'L2+R1', 200],
      ['k', 'L2+R2', 300],
      ['k', 'L2+null', 310],
      ['k', null, 320],
      ['y', 'null+R9', 340],
    ])
  })

  it('names processors as Kafka Streams does and materializes the result in a queryable store with timestamps', () => {
    const b = new StreamsBuilder()
    joined(b, 'leftJoin', 'joined').toStream().to('out', SS)
    const topology = b.build()
    const names = topology.describe().subtopologies.flatMap((s) => s.nodes.map((n) => n.name))
    expect(names).toEqual(expect.arrayContaining(['KTABLE-MERGE-0000000006', 'KTABLE-JOINTHIS-0000000007', 'KTABLE-JOINOTHER-0000000008']))
    expect(topology.copartitionSourceGroups).toEqual([['KSTREAM-SOURCE-0000000001', 'KSTREAM-SOURCE-0000000004']])
    const driver = new TopologyTestDriver(topology)
    try {
      driver.createInputTopic('left', S, S).pipeInput('k', 'L', 10)
      driver.createInputTopic('right', S, S).pipeInput('k', 'R', 20)
      expect(driver.getTimestampedKeyValueStore<string, string>('joined').get('k')).toEqual({ value: 'L+R', timestamp: 20 })
      driver.createInputTopic('left', S, S).pipeInput('k', null as unknown as string, 30)
      expect(driver.getKeyValueStore<string, string>('joined').get('k')).toBeNull()
    } finally {
      driver.close()
    }
  })

  it('sends old values when downstream needs them: a groupBy subtracts the previous joined row', () => {
    const b = new StreamsBuilder()
    const ops: string[] = []
    joined(b, 'join')
      .groupBy((_k, v) => keyValue('all', v), SS)
      .aggregate(
        () => '',
        (_k, v, agg) => (ops.push(`+${v}`), agg),
        (_k, v, agg) => (ops.push(`-${v}`), agg),
        Materialized.with(S, S),
      )
    const driver = new TopologyTestDriver(b.build())
    try {
      const left = driver.createInputTopic('left', S, S)
      const right = driver.createInputTopic('right', S, S)
      left.pipeInput('k', 'L1')
      right.pipeInput('k', 'R1')
      right.pipeInput('k', 'R2')
      left.pipeInput('k', 'L2')
      left.pipeInput('k', null as unknown as string)
      expect(ops).toEqual(['+L1+R1', '-L1+R1', '+L1+R2', '-L1+R2', '+L2+R2', '-L2+R2'])
    } finally {
      driver.close()
    }
  })

  it('a join result is itself a table: joined again, its rows are read through the join value getter', () => {
    const b = new StreamsBuilder()
    const third = b.table<string, string>('third', SS)
    joined(b, 'join')
      .join(third, (lr, t) => `${lr}|${t}`)
      .toStream()
      .to('out', SS)
    const driver = new TopologyTestDriver(b.build())
    try {
      driver.createInputTopic('third', S, S).pipeInput('k', 'T', 5)
      driver.createInputTopic('left', S, S).pipeInput('k', 'L', 7)
      driver.createInputTopic('right', S, S).pipeInput('k', 'R', 6)
      // The third table's update reads the (unmaterialized) join of left and right.
      driver.createInputTopic('third', S, S).pipeInput('k', 'T2', 1)
      expect(driver.createOutputTopic('out', S, S).readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
        ['L+R|T', 7],
        ['L+R|T2', 7],
      ])
    } finally {
      driver.close()
    }
  })

  it('rejects a joiner that is not a function and a table of another builder', () => {
    const b = new StreamsBuilder()
    const left = b.table<string, string>('left', SS)
    const other = new StreamsBuilder().table<string, string>('right', SS)
    expect(() => left.join(other, (l, r) => l + r)).toThrow(InvalidArgumentError)
    expect(() => left.join(b.table<string, string>('right', SS), 'nope' as never)).toThrow(/joiner must be a function/)
  })
})
