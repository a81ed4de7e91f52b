import { describe, expect, it } from 'vitest'
import {
  Serdes,
  Stores,
  StreamsBuilder,
  StreamsProcessingError,
  Topology,
  TopologyTestDriver,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type Record,
} from '../../../src/streams/index.js'

const str = Serdes.string()

/** Sums values per key in a store; emits all sums on each punctuation. */
class SumProcessor implements Processor<string, number, string, string> {
  ctx!: ProcessorContext<string, string>
  store!: KeyValueStore<string, number>
  constructor(
    private readonly type: 'stream-time' | 'wall-clock',
    private readonly log: number[],
  ) {}
  init(ctx: ProcessorContext<string, string>): void {
    this.ctx = ctx
    this.store = ctx.getStateStore<KeyValueStore<string, number>>('sums')
    ctx.schedule(1000, this.type, (ts) => {
      this.log.push(ts)
      for (const { key, value } of this.store.all()) ctx.forward({ key, value: `${key}=${value}@${ts}`, timestamp: ts, headers: [] })
    })
  }
  process(record: Record<string, number>): void {
    expect(this.ctx.recordMetadata()).toMatchObject({ topic: 'in', partition: 0 })
    this.store.put(record.key, (this.store.get(record.key) ?? 0) + record.value)
  }
}

function topology(type: 'stream-time' | 'wall-clock', log: number[]): Topology {
  return new Topology()
    .addSource('src', 'in', { keySerde: str, valueSerde: Serdes.int32() })
    .addProcessor('sum', () => new SumProcessor(type, log), 'src')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('sums'), str, Serdes.int32()), 'sum')
    .addSink('sink', 'out', { keySerde: str, valueSerde: str }, 'sum')
}

describe('Processor API', () => {
  it('describes a hand-built topology', () => {
    // As Kafka Streams 4.3.1's Topology.describe() prints the same topology (addSource, addProcessor,
    // addStateStore, addSink), printed once by a Java program.
    expect(topology('stream-time', []).describe().toString()).toBe(
      'Topologies:\n   Sub-topology: 0\n' +
        '    Source: src (topics: [in])\n      --> sum\n' +
        '    Processor: sum (stores: [sums])\n      --> sink\n      <-- src\n' +
        '    Sink: sink (topic: out)\n      <-- sum\n\n',
    )
  })

  it('stream-time punctuation fires as record timestamps advance, aligned to the interval', () => {
    const log: number[] = []
    const driver = new TopologyTestDriver(topology('stream-time', log), { initialWallClockTimeMs: 0 })
    const input = driver.createInputTopic('in', str, Serdes.int32())
    const out = driver.createOutputTopic('out', str, str)
    input.pipeInput('a', 1, 500) // first record: punctuates at once (aligned to 0)
    expect(log).toEqual([500])
    input.pipeInput('a', 2, 900) // before 1000: nothing
    input.pipeInput('b', 5, 1100) // passes 1000
    input.pipeInput('b', 1, 400) // out-of-order: stream time stays at 1100
    input.pipeInput('a', 1, 3500) // skipped 2000 and 3000: one punctuation, next at 4000
    expect(log).toEqual([500, 1100, 3500])
    driver.advanceWallClockTime(10_000) // wall clock does not drive stream-time punctuation
    expect(log).toEqual([500, 1100, 3500])
    expect(out.readValuesToList()).toEqual(['a=1@500', 'a=3@1100', 'b=5@1100', 'a=4@3500', 'b=6@3500'])
  })

  it('wall-clock punctuation fires from the mocked clock only', () => {
    const log: number[] = []
    const driver = new TopologyTestDriver(topology('wall-clock', log), { initialWallClockTimeMs: 10_000 })
    const input = driver.createInputTopic('in', str, Serdes.int32())
    const out = driver.createOutputTopic('out', str, str)
    input.pipeInput('a', 1, 999_999)
    expect(log).toEqual([])
    driver.advanceWallClockTime(999)
    expect(log).toEqual([])
    driver.advanceWallClockTime(1)
    expect(log).toEqual([11_000])
    expect(out.readValuesToList()).toEqual(['a=1@11000'])
    driver.advanceWallClockTime(2500) // missed 12000: fires once at 13500, next at 14000
    expect(log).toEqual([11_000, 13_500])
    driver.advanceWallClockTime(500)
    expect(log).toEqual([11_000, 13_500, 14_000])
    expect(driver.getKeyValueStore<string, number>('sums').get('a')).toBe(1)
  })

  it('cancel() stops a punctuator; stores must be connected', () => {
    const fired: number[] = []
    const t = new Topology()
      .addSource('src', 'in', { keySerde: str, valueSerde: str })
      .addProcessor(
        'p',
        () => ({
          init(ctx: ProcessorContext) {
            const c = ctx.schedule(10, 'wall-clock', (ts) => {
              fired.push(ts)
              c.cancel()
            })
            expect(() => ctx.getStateStore('nope')).toThrow(/no access to state store 'nope'/)
          },
          process() {},
        }),
        'src',
      )
    const driver = new TopologyTestDriver(t, { initialWallClockTimeMs: 0 })
    driver.advanceWallClockTime(10)
    driver.advanceWallClockTime(10)
    expect(fired).toEqual([10])
  })

  it('KStream.process() with a store added through the builder, forwarding to named children', () => {
    const b = new StreamsBuilder()
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('dedup'), str, Serdes.int64()).withLoggingDisabled())
    b.stream('in', { key: str, value: str })
      .process<string, string>(
        () => {
          let ctx: ProcessorContext<string, string>
          let seen: KeyValueStore<string, number>
          return {
            init(c) {
              ctx = c
              seen = c.getStateStore('dedup')
            },
            process(r) {
              if (seen.putIfAbsent(r.value, r.timestamp) === null) ctx.forward(r)
            },
          }
        },
        'dedup',
      )
      .to('out', { key: str, value: str })
    const topology = b.build()
    expect(topology.describe().toString()).toContain('Processor: KSTREAM-PROCESSOR-0000000001 (stores: [dedup])')
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', str, str)
    for (const v of ['x', 'y', 'x', 'z', 'y']) input.pipeInput('k', v)
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['x', 'y', 'z'])
    expect(() => driver.producedChangelog('dedup')).not.toThrow()
    expect(driver.producedChangelog('dedup')).toEqual([]) // logging disabled
    expect(topology.resolveInternalTopics('app', () => 1).internalTopics).toEqual([])
  })

  it('tracks offsets to commit and wraps processing errors with their source position', () => {
    const t = new Topology()
      .addSource('src', 'in', { keySerde: str, valueSerde: str })
      .addProcessor('p', () => ({
        process(r: Record<string, string>) {
          if (r.value === 'boom') throw new RangeError('bad value')
        },
      }), 'src')
    const driver = new TopologyTestDriver(t)
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'ok')
    input.pipeInput('k', 'ok')
    expect(driver.committableOffsets().get('0_0')).toEqual([]) // the driver commits after each record
    let err: unknown
    try {
      input.pipeInput('k', 'boom')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StreamsProcessingError)
    expect(err).toMatchObject({ taskId: '0_0', topic: 'in', partition: 0, offset: 2n })
    expect((err as Error).cause).toBeInstanceOf(RangeError)
  })
})
