import { describe, expect, it } from 'vitest'
import { Branched, keyValue, Serdes, StreamsBuilder, TopologyTestDriver } from '../../../src/streams/index.js'

const str = Serdes.string()

describe('KStream operations', () => {
  it('split() routes to the first matching branch, Java branch names, default branch', () => {
    const b = new StreamsBuilder()
    const branches = b
      .stream('in', { key: str, value: Serdes.int32() })
      .split()
      .branch((_k, v) => v < 0, Branched.as('negative'))
      .branch((_k, v) => v % 2 === 0)
      .defaultBranch()
    // The names Kafka Streams 4.3.1 gives the same split (the keys of its defaultBranch() map, printed
    // by a Java StreamsBuilder program): the unnamed default branch is "0", not the next index.
    expect(Object.keys(branches).sort()).toEqual(['KSTREAM-BRANCH-00000000010', 'KSTREAM-BRANCH-00000000012', 'KSTREAM-BRANCH-0000000001negative'])
    branches['KSTREAM-BRANCH-0000000001negative'].to('neg')
    branches['KSTREAM-BRANCH-00000000012'].to('even')
    branches['KSTREAM-BRANCH-00000000010'].to('odd')
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, Serdes.int32())
    for (const v of [-2, 1, 2, 3, -1, 4]) input.pipeInput('k', v)
    expect(driver.createOutputTopic('neg', str, Serdes.int32()).readValuesToList()).toEqual([-2, -1])
    expect(driver.createOutputTopic('even', str, Serdes.int32()).readValuesToList()).toEqual([2, 4])
    expect(driver.createOutputTopic('odd', str, Serdes.int32()).readValuesToList()).toEqual([1, 3])
  })

  it('split() with withFunction / withConsumer and noDefaultBranch', () => {
    const b = new StreamsBuilder()
    const result = b
      .stream('in', { key: str, value: str })
      .split({ name: 'route-' })
      .branch((_k, v) => v.startsWith('a'), Branched.withFunction((s) => s.mapValues((v) => v.toUpperCase()), 'a'))
      .branch((_k, v) => v.startsWith('b'), Branched.withConsumer((s) => s.to('b-out'), 'b'))
      .noDefaultBranch()
    expect(Object.keys(result)).toEqual(['route-a'])
    result['route-a'].to('a-out', { value: str })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', str, str)
    for (const v of ['apple', 'banana', 'cherry', 'avocado']) input.pipeInput('k', v)
    expect(driver.createOutputTopic('a-out', str, str).readValuesToList()).toEqual(['APPLE', 'AVOCADO'])
    expect(driver.createOutputTopic('b-out', str, str).readValuesToList()).toEqual(['banana'])
  })

  it('merge, map, flatMap, filterNot, peek, foreach and a dynamic sink topic', () => {
    const seen: string[] = []
    const counted: number[] = []
    const b2 = new StreamsBuilder()
    const l2 = b2.stream('left', { key: str, value: str })
    l2.merge(b2.stream('right', { key: str, value: str }))
      .flatMap((k, v) => v.split(',').map((part) => keyValue(`${k}-${part}`, part.length)))
      .filterNot((_k, n) => n === 0)
      .peek((k) => seen.push(k))
      .map((k, n) => keyValue(k.toUpperCase(), n * 10))
      .to((_k, v) => (v >= 30 ? 'big' : 'small'), { key: str, value: Serdes.int32() })
    l2.foreach((k) => counted.push(k.length))
    const d = new TopologyTestDriver(b2.build())
    d.createInputTopic('left', str, str).pipeInput('l', 'ab,,abcd')
    d.createInputTopic('right', str, str).pipeInput('r', 'x')
    expect(d.createOutputTopic('big', str, Serdes.int32()).readKeyValuesToList()).toEqual([{ key: 'L-ABCD', value: 40 }])
    expect(d.createOutputTopic('small', str, Serdes.int32()).readKeyValuesToList()).toEqual([
      { key: 'L-AB', value: 20 },
      { key: 'R-X', value: 10 },
    ])
    expect(seen).toEqual(['l-ab', 'l-abcd', 'r-x'])
    expect(counted).toEqual([1])
  })

  it('rejects a topic read by two sources', () => {
    const b = new StreamsBuilder()
    b.stream('t')
    expect(() => b.stream('t')).toThrow(/already read by source/)
  })

  it('repartition() names topics like Java and keeps a fixed partition count; records keep timestamps and headers', () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str })
      .selectKey((_k, v) => v)
      .repartition({ numberOfPartitions: 5, key: str })
      .mapValues((v) => v.length)
      .to('out', { value: Serdes.int32() })
    b.stream('in2', { key: str, value: str }).repartition({ name: 'by-user' }).to('out2')
    const topology = b.build()
    const text = topology.describe().toString()
    // Lines of Kafka Streams 4.3.1's describe() for the same topology (Repartitioned.numberOfPartitions(5)
    // .withKeySerde, Repartitioned.as("by-user"), printed once by a Java StreamsBuilder program; the
    // whole text was equal).
    expect(text).toContain('Sink: KSTREAM-SINK-0000000003 (topic: KSTREAM-REPARTITION-0000000002-repartition)')
    expect(text).toContain('Source: KSTREAM-SOURCE-0000000005 (topics: [KSTREAM-REPARTITION-0000000002-repartition])')
    expect(text).toContain('Sink: by-user-repartition-sink (topic: by-user-repartition)')
    const resolved = topology.resolveInternalTopics('app', (t) => ({ in: 2, in2: 7 })[t])
    expect(resolved.internalTopics.map((t) => [t.name, t.partitions])).toEqual([
      ['app-KSTREAM-REPARTITION-0000000002-repartition', 5],
      ['app-by-user-repartition', 7],
    ])
    const driver = new TopologyTestDriver(topology, { applicationId: 'app' })
    driver.createInputTopic('in', str, str).pipeInput('k', 'hello', 1234, [['h', Buffer.from('1')]])
    expect(driver.createOutputTopic('out', str, Serdes.int32()).readRecord()).toEqual({
      key: 'hello',
      value: 5,
      timestamp: 1234,
      headers: [['h', Buffer.from('1')]],
    })
  })

  it('RegExp sources and toTable', () => {
    const b = new StreamsBuilder()
    b.stream(/^events-.*/, { key: str, value: str })
      .toTable({ name: 'latest' })
      .toStream()
      .to('latest-out')
    const topology = b.build()
    expect(topology.describe().toString()).toContain('Source: KSTREAM-SOURCE-0000000000 (topicPattern: ^events-.*)')
    const driver = new TopologyTestDriver(topology, { defaultKeySerde: str, defaultValueSerde: str })
    driver.createInputTopic('events-a', str, str).pipeInput('k', 'v1')
    driver.createInputTopic('events-b', str, str).pipeInput('k', 'v2')
    expect(driver.getKeyValueStore<string, string>('latest').get('k')).toBe('v2')
    expect(driver.createOutputTopic('latest-out', str, str).readValuesToList()).toEqual(['v1', 'v2'])
  })
})
