/**
 * The differential test's topologies, Peridot side. Each entry has a Java twin of the same name in
 * DiffHarness.java, built from the same DSL calls; both read and write UTF-8 strings and 8-byte
 * longs, so equal records mean equal bytes. Adding a topology: one `def(...)` line here, one there.
 *
 * Input topics: `in` and `in2` (string, string), `nums` (string, long), `table` and `global`
 * (string, string). `storeName` is a store name prefix, or null for generated store names.
 */
import {
  Branched,
  BufferConfig,
  EmitStrategy,
  JoinWindows,
  keyValue,
  Materialized,
  Serdes,
  SessionWindows,
  SlidingWindows,
  Stores,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  WindowedSerdes,
  type KStream,
  type KTable,
  type ProcessorContext,
} from '../../../../src/streams/index.js'

/** How an output topic's value bytes read, for readable diffs. */
export type OutputType = 'string' | 'long'

/**
 * How an output topic's key bytes read: a string (the default), or a windowed string key as
 * Kafka Streams writes it (time-windowed: key + 8-byte start; session: key + 8-byte end + 8-byte start).
 */
export type KeyType = 'string' | 'time-windowed' | 'session-windowed'

/** An output topic's value type, or its key and value types. */
export type OutputSpec = OutputType | { readonly key: KeyType; readonly value: OutputType }

/** A topology of the catalogue. */
export interface CatalogueEntry {
  readonly name: string
  /** Input topics it reads (inputs for other topics are left out of its cases). */
  readonly inputs: readonly string[]
  /** Output topics and how their values (and keys, strings by default) read. */
  readonly outputs: Readonly<Record<string, OutputSpec>>
  /** True when it has state stores (run with a named and with generated store names). */
  readonly stateful: boolean
  /** Kafka Streams major version whose semantics it pins, when older ones differ (Peridot follows the newest). */
  readonly sinceKafkaMajor?: number
  /**
   * Run with the record cache on only: without it Kafka Streams has a bug Peridot does not copy
   * (README, "Checked against Kafka Streams"), which no normalization can undo.
   */
  readonly cacheOnly?: boolean
  build(b: StreamsBuilder, storeName: string | null, cache: boolean): void
}

const S = Serdes.string()
const L = Serdes.int64()
const SS = { key: S, value: S }
const SL = { key: S, value: L }

/** A store option: named (or generated for null), with the record cache as the case says. */
function mat<V>(name: string | null, value: typeof S | typeof L, cache: boolean): Materialized<string, V> {
  const m = (name === null ? Materialized.with<string, V>(S, value as never) : Materialized.as<string, V>(name).withKeySerde(S).withValueSerde(value as never))
  return cache ? m.withCachingEnabled() : m.withCachingDisabled()
}

const inStream = (b: StreamsBuilder): KStream<string, string> => b.stream('in', SS)
const nums = (b: StreamsBuilder): KStream<string, number> => b.stream('nums', SL)
const table = (b: StreamsBuilder, n: string | null, cache: boolean): KTable<string, string> => b.table('table', SS, mat<string>(n, S, cache))
const sub = (n: string | null, suffix: string): string | null => (n === null ? null : n + suffix)

/** First character, or the empty string (null stays null). */
function first(v: string | null): string | null {
  return v === null ? null : v.slice(0, 1)
}

/** Java's `a + b` on strings: null reads "null". */
const str = (v: unknown): string => String(v)

export const CATALOGUE: CatalogueEntry[] = []

/**
 * Differences found and not fixed yet, by topology: their cases (all, or those with the record
 * cache on) are listed as todo with the reason instead of run. Remove an entry once fixed.
 */
export const PENDING: Readonly<Record<string, { readonly cacheOnOnly?: boolean; readonly reason: string }>> = {
  'tumbling-count-onWindowClose': {
    cacheOnOnly: true,
    reason: 'onWindowClose with the record cache on: Kafka Streams emits closed windows that Peridot does not',
  },
  'cogroup-hopping': {
    cacheOnOnly: true,
    reason:
      "a cogroup's aggregate processors keep their own stream time but share one window store, whose retention follows the largest window start any of them wrote: " +
      'a lagging input still updates a window the store already expired. Kafka Streams\' caching window store serves that read from the cache (entries stay after a flush until evicted), ' +
      'so the window keeps its aggregate; Peridot\'s record cache holds forwards only and reads the store, so the aggregate restarts from the initializer',
  },
}

function def(
  name: string,
  inputs: readonly string[],
  outputs: Readonly<Record<string, OutputSpec>>,
  build: (b: StreamsBuilder, storeName: string | null, cache: boolean) => void,
  stateful = false,
  sinceKafkaMajor?: number,
  cacheOnly?: boolean,
): void {
  CATALOGUE.push({ name, inputs, outputs, stateful, build, sinceKafkaMajor, cacheOnly })
}

const OUT = { out: 'string' } as const
const COUNT_OUT = { out: 'long' } as const

// Stateless.
def('filter', ['in'], { out: 'string', out2: 'string' }, (b) => {
  const s = inStream(b)
  s.filter((_k, v) => v !== null && v.length % 2 === 0).to('out', SS)
  s.filterNot((k) => k === null).to('out2', SS)
})
def('map', ['in'], OUT, (b) => inStream(b).map((k, v) => keyValue(v, k)).to('out', SS))
def('mapValues', ['in'], OUT, (b) => inStream(b).mapValues((v, k) => `${str(k)}:${str(v)}`).to('out', SS))
def('flatMap', ['in'], OUT, (b) =>
  inStream(b)
    .flatMap((k, v) => (v === null ? [] : [keyValue(k, v), keyValue<string | null, string | null>(v, k)]))
    .to('out', SS),
)
def('flatMapValues', ['in'], OUT, (b) =>
  inStream(b)
    .flatMapValues((v): Array<string | null> => (v === null ? [null, 'none'] : Array.from(v)))
    .to('out', SS),
)
def('selectKey', ['in'], OUT, (b) => inStream(b).selectKey((_k, v) => first(v)).to('out', SS))
def('peek', ['in'], OUT, (b) => {
  let seen = 0
  inStream(b)
    .peek(() => seen++)
    .mapValues((v) => `${str(v)}#${seen}`)
    .to('out', SS)
})
def('split', ['in'], { 'out-a': 'string', 'out-b': 'string', 'out-c': 'string' }, (b) => {
  inStream(b)
    .split({ name: 'sp-' })
    .branch((k) => k === null, Branched.withConsumer((s) => s.to('out-a', SS)))
    .branch((_k, v) => v !== null && v < 'm', Branched.withConsumer((s) => s.to('out-b', SS)))
    .defaultBranch(Branched.withConsumer((s) => s.to('out-c', SS)))
})
def('merge', ['in', 'in2'], OUT, (b) => inStream(b).merge(b.stream('in2', SS)).to('out', SS))
def('to-extractor', ['in'], { 'out-a': 'string', 'out-0': 'string', 'out-1': 'string' }, (b) =>
  inStream(b).to((k, _v, ctx) => (k === null ? 'out-a' : `out-${ctx.timestamp % 2}`), SS),
)
def('topic-list', ['in', 'in2'], OUT, (b) =>
  b
    .stream<string, string>(['in', 'in2'], SS)
    .mapValues((v) => `l${v}`)
    .to('out', SS),
)
def('pattern', ['in', 'in2'], OUT, (b) =>
  b
    .stream<string, string>(/^in2?$/, SS)
    .mapValues((v) => `p${v}`)
    .to('out', SS),
)
// Processor API inside the DSL: record metadata, a changed timestamp, stream-time and wall-clock punctuators.
def('process', ['in'], OUT, (b) =>
  inStream(b)
    .process<string, string>(() => {
      let ctx: ProcessorContext<string, string>
      return {
        init(context) {
          ctx = context
          ctx.schedule(100, 'stream-time', (ts) => ctx.forward({ key: 'tick', value: `t${ts}`, timestamp: ts, headers: [] }))
          ctx.schedule(40, 'wall-clock', (ts) => ctx.forward({ key: 'wall', value: `w${ts}`, timestamp: ts, headers: [] }))
        },
        process(r) {
          ctx.forward({ key: r.key, value: `${str(r.value)}@${String(ctx.recordMetadata()?.offset)}`, timestamp: r.timestamp + 1, headers: r.headers })
        },
      }
    })
    .to('out', SS),
)
def('repartition', ['in'], OUT, (b) =>
  inStream(b)
    .repartition({ ...SS, name: 'rep' })
    .mapValues((v) => `r${str(v)}`)
    .to('out', SS),
)

// Stream aggregations.
const stateful = (
  name: string,
  inputs: readonly string[],
  outputs: Readonly<Record<string, OutputSpec>>,
  build: (b: StreamsBuilder, storeName: string | null, cache: boolean) => void,
  sinceKafkaMajor?: number,
  cacheOnly?: boolean,
): void => def(name, inputs, outputs, build, true, sinceKafkaMajor, cacheOnly)

stateful('count', ['in'], COUNT_OUT, (b, n, c) => inStream(b).groupByKey(SS).count(mat(n, L, c)).toStream().to('out', SL))
stateful('groupBy-count', ['in'], COUNT_OUT, (b, n, c) =>
  inStream(b)
    .groupBy((_k, v) => first(v), SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
)
stateful('selectKey-count', ['in'], COUNT_OUT, (b, n, c) =>
  inStream(b)
    .selectKey((_k, v) => first(v))
    .groupByKey(SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
)
stateful('reduce', ['in'], OUT, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .reduce((a, v) => `${a}+${v}`, mat(n, S, c))
    .toStream()
    .to('out', SS),
)
stateful('aggregate', ['nums'], COUNT_OUT, (b, n, c) =>
  nums(b)
    .groupByKey(SL)
    .aggregate(() => 0, (_k, v, a) => a + v, mat<number>(n, L, c))
    .toStream()
    .to('out', SL),
)
stateful('aggregate-string', ['in'], OUT, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .aggregate(() => '', (_k, v, a) => a + String(v.length), mat<string>(n, S, c))
    .toStream()
    .to('out', SS),
)

stateful('groupBy-reduce', ['in'], OUT, (b, n, c) =>
  inStream(b)
    .groupBy((_k, v) => first(v), SS)
    .reduce((a, v) => `${a}+${v}`, mat(n, S, c))
    .toStream()
    .to('out', SS),
)
stateful('merge-count', ['in', 'in2'], COUNT_OUT, (b, n, c) =>
  inStream(b)
    .merge(b.stream('in2', SS))
    .groupByKey(SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
)
// Cache on only: without the cache Kafka Streams forwards the count's initializer (0) as the old
// value of a key's first count, so the regrouped count subtracts a row that was never added.
stateful(
  'count-groupBy-count',
  ['in'],
  COUNT_OUT,
  (b, n, c) =>
    inStream(b)
      .groupByKey(SS)
      .count(mat(sub(n, '-src'), L, c))
      .groupBy((k, v) => keyValue(String(v % 3), k), SS)
      .count(mat(n, L, c))
      .toStream()
      .to('out', SL),
  undefined,
  true,
)
stateful('count-filter', ['in'], COUNT_OUT, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .count(mat(n, L, c))
    .filter((_k, v) => v % 2 === 0)
    .toStream()
    .to('out', SL),
)

// Windowed aggregations.
const WINDOW = 100
const TWL = { key: WindowedSerdes.timeWindowedSerdeFrom(S, WINDOW), value: L }
const SWL = { key: WindowedSerdes.sessionWindowedSerdeFrom(S), value: L }
const SWS = { key: WindowedSerdes.sessionWindowedSerdeFrom(S), value: S }
const TIME_WINDOWED = { out: { key: 'time-windowed', value: 'long' } } as const
stateful('tumbling-count', ['in'], TIME_WINDOWED, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, 200))
    .count(mat(n, L, c))
    .toStream()
    .to('out', TWL),
)
stateful('hopping-aggregate', ['nums'], TIME_WINDOWED, (b, n, c) =>
  nums(b)
    .groupByKey(SL)
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, 50).advanceBy(40))
    // Kafka Streams' windowed aggregations pass null values to the aggregator.
    .aggregate(() => 0, (_k, v: number | null, a) => (v === null ? a : a + v), mat<number>(n, L, c))
    .toStream()
    .to('out', TWL),
)
stateful('sliding-count', ['in'], TIME_WINDOWED, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(50, 100))
    .count(mat(n, L, c))
    .toStream()
    .to('out', TWL),
)
stateful('session-count', ['in'], { out: { key: 'session-windowed', value: 'long' } }, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(60, 100))
    .count(mat(n, L, c))
    .toStream()
    .to('out', SWL),
)
stateful('session-reduce', ['in'], { out: { key: 'session-windowed', value: 'string' } }, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(60, 100))
    .reduce((a, v) => `${a}+${v}`, mat<string>(n, S, c))
    .toStream()
    .to('out', SWS),
)
stateful('tumbling-count-onWindowClose', ['in'], TIME_WINDOWED, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, 50))
    .emitStrategy(EmitStrategy.onWindowClose())
    .count(mat(n, L, c))
    .toStream()
    .to('out', TWL),
)
stateful('tumbling-count-suppress', ['in'], TIME_WINDOWED, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, 50))
    .count(mat(n, L, c))
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
    .toStream()
    .to('out', TWL),
)
stateful('table-suppress-timeLimit', ['table'], OUT, (b, n, c) =>
  table(b, n, c)
    .suppress(Suppressed.untilTimeLimit(30, BufferConfig.unbounded()))
    .toStream()
    .to('out', SS),
)

// Stream-stream joins (their window stores are never cached).
const joinWindows = (): JoinWindows => JoinWindows.ofTimeDifferenceAndGrace(50, 100)
const joined = (n: string | null) => ({ key: S, value: S, otherValue: S, ...(n === null ? {} : { storeName: n }) })
stateful('stream-stream-join', ['in', 'in2'], OUT, (b, n) =>
  inStream(b)
    .join(b.stream<string, string>('in2', SS), (v, o) => `${v}/${o}`, joinWindows(), joined(n))
    .to('out', SS),
)
stateful('stream-stream-leftJoin', ['in', 'in2'], OUT, (b, n) =>
  inStream(b)
    .leftJoin(b.stream<string, string>('in2', SS), (v, o) => `${v}/${str(o)}`, joinWindows(), joined(n))
    .to('out', SS),
)
stateful('stream-stream-outerJoin', ['in', 'in2'], OUT, (b, n) =>
  inStream(b)
    .outerJoin(b.stream<string, string>('in2', SS), (v, o) => `${str(v)}/${str(o)}`, joinWindows(), joined(n))
    .to('out', SS),
)

// Tables.
stateful('table', ['table'], OUT, (b, n, c) => table(b, n, c).toStream().to('out', SS))
stateful('toTable', ['in'], OUT, (b, n, c) => inStream(b).toTable(mat<string>(n, S, c)).toStream().to('out', SS))
stateful('table-filter', ['table'], { out: 'string', out2: 'string' }, (b, n, c) => {
  const t = table(b, n, c)
  t.filter((_k, v) => v.length % 2 === 0).toStream().to('out', SS)
  t.filterNot((_k, v) => v.startsWith('a')).toStream().to('out2', SS)
})
stateful('table-mapValues', ['table'], OUT, (b, n, c) =>
  table(b, n, c)
    .mapValues((v, k) => `${k}=${v}`)
    .toStream()
    .to('out', SS),
)
stateful('table-groupBy-count', ['table'], COUNT_OUT, (b, n, c) =>
  table(b, sub(n, '-src'), c)
    .groupBy((_k, v) => keyValue(first(v), v), SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
)
stateful('table-groupBy-reduce', ['table'], OUT, (b, n, c) =>
  table(b, sub(n, '-src'), c)
    .groupBy((k, v) => keyValue(first(v), k + v), SS)
    .reduce(
      (a, v) => `${a}+${v}`,
      (a, v) => `${a}-${v}`,
      mat(n, S, c),
    )
    .toStream()
    .to('out', SS),
)
stateful('table-groupBy-aggregate', ['table'], COUNT_OUT, (b, n, c) =>
  table(b, sub(n, '-src'), c)
    .groupBy((_k, v) => keyValue(first(v), v), SS)
    .aggregate(
      () => 0,
      (_k, v, a) => a + v.length,
      (_k, v, a) => a - v.length,
      mat<number>(n, L, c),
    )
    .toStream()
    .to('out', SL),
)

stateful('table-mapValues-filter', ['table'], OUT, (b, n, c) =>
  table(b, n, c)
    .mapValues((v, k) => v + k)
    .filter((_k, v) => v.length % 2 === 0)
    .toStream()
    .to('out', SS),
)
stateful('table-filter-groupBy-count', ['table'], COUNT_OUT, (b, n, c) =>
  table(b, sub(n, '-src'), c)
    .filter((_k, v) => !v.startsWith('a'))
    .groupBy((_k, v) => keyValue(first(v), v), SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
)

// Joins.
stateful('stream-table-join', ['in', 'table'], OUT, (b, n, c) =>
  inStream(b)
    .join(table(b, n, c), (v, tv) => `${v}/${tv}`)
    .to('out', SS),
)
stateful('stream-table-leftJoin', ['in', 'table'], OUT, (b, n, c) =>
  inStream(b)
    .leftJoin(table(b, n, c), (v, tv) => `${v}/${str(tv)}`)
    .to('out', SS),
)
stateful('stream-filteredTable-join', ['in', 'table'], OUT, (b, n, c) =>
  inStream(b)
    .join(
      table(b, n, c).filter((_k, v) => !v.startsWith('a')),
      (v, tv) => `${v}/${tv}`,
    )
    .to('out', SS),
)
stateful('selectKey-table-join', ['in', 'table'], OUT, (b, n, c) =>
  inStream(b)
    .selectKey((_k, v) => first(v))
    .join(table(b, n, c) as KTable<string | null, string>, (v, tv) => `${v}/${tv}`, { key: S, value: S, otherValue: S })
    .to('out', SS),
)
stateful('stream-global-join', ['in', 'global'], OUT, (b, n, c) => {
  const g = b.globalTable('global', SS, mat<string>(n ?? 'global-store', S, c))
  inStream(b)
    .join(g, (_k, v) => first(v), (v, gv) => `${v}/${gv}`)
    .to('out', SS)
})
stateful('stream-global-leftJoin', ['in', 'global'], OUT, (b, n, c) => {
  const g = b.globalTable('global', SS, mat<string>(n ?? 'global-store', S, c))
  inStream(b)
    .leftJoin(g, (_k, v) => first(v), (v, gv) => `${v}/${str(gv)}`)
    .to('out', SS)
})
// The key selector maps some records to a null table key: a left join still emits them since
// Kafka Streams 4 (3.9 dropped them). Kafka Streams calls the selector for null values too, then drops those.
stateful(
  'stream-global-leftJoin-nullKey',
  ['in', 'global'],
  OUT,
  (b, n, c) => {
    const g = b.globalTable('global', SS, mat<string>(n ?? 'global-store', S, c))
    inStream(b)
      .leftJoin(g, (k, v) => (v === null || v.startsWith('m') ? null : k), (v, gv) => `${v}/${str(gv)}`)
      .to('out', SS)
  },
  4,
)

// Stream-stream joins (`storeName`: StreamJoined's store name; the cache does not apply).
const in2 = (b: StreamsBuilder): KStream<string, string> => b.stream('in2', SS)
const sj = (n: string | null) => ({ key: S, value: S, otherValue: S, ...(n === null ? {} : { storeName: n }) })
const jw = (diff: number, grace: number) => JoinWindows.ofTimeDifferenceAndGrace(diff, grace)
const ssJoined = (v: string | null, o: string | null) => `${str(v)}/${str(o)}`
stateful('ss-join', ['in', 'in2'], OUT, (b, n) => inStream(b).join(in2(b), ssJoined, jw(100, 0), sj(n)).to('out', SS))
stateful('ss-join-withKey', ['in', 'in2'], OUT, (b, n) =>
  inStream(b)
    .join(in2(b), (v, o, k) => `${str(k)}:${v}/${o}`, jw(30, 0).before(0), sj(n))
    .to('out', SS),
)
stateful('ss-leftJoin', ['in', 'in2'], OUT, (b, n) => inStream(b).leftJoin(in2(b), ssJoined, jw(50, 30), sj(n)).to('out', SS))
stateful('ss-outerJoin', ['in', 'in2'], OUT, (b, n) => inStream(b).outerJoin(in2(b), ssJoined, jw(60, 20).before(10), sj(n)).to('out', SS))
stateful('ss-outerJoin-negativeAfter', ['in', 'in2'], OUT, (b, n) => inStream(b).outerJoin(in2(b), ssJoined, jw(40, 0).after(-10), sj(n)).to('out', SS))
stateful('ss-selfJoin', ['in'], OUT, (b, n) => {
  const s = inStream(b)
  s.join(s, ssJoined, jw(50, 10), sj(n)).to('out', SS)
})
stateful('ss-selectKey-leftJoin', ['in', 'in2'], OUT, (b, n) =>
  inStream(b)
    .selectKey((_k, v) => first(v))
    .leftJoin(in2(b) as KStream<string | null, string>, ssJoined, jw(80, 0), sj(n) as never)
    .to('out', SS),
)
stateful('ss-outerJoin-both-rekeyed', ['in', 'in2'], OUT, (b, n) =>
  inStream(b)
    .selectKey((_k, v) => first(v))
    .outerJoin(
      in2(b).selectKey((_k, v) => first(v)),
      ssJoined,
      jw(70, 40),
      sj(n) as never,
    )
    .to('out', SS),
)

// Table-table joins. The `global` topic doubles as the second table's changelog (same keys a-e).
const table2 = (b: StreamsBuilder, n: string | null, cache: boolean): KTable<string, string> => b.table('global', SS, mat<string>(sub(n, '-2'), S, cache))
stateful('table-join', ['table', 'global'], OUT, (b, n, c) =>
  table(b, n, c)
    .join(table2(b, n, c), (v, o) => `${v}/${o}`)
    .toStream()
    .to('out', SS),
)
stateful('table-leftJoin', ['table', 'global'], OUT, (b, n, c) =>
  table(b, n, c)
    .leftJoin(table2(b, n, c), (v, o) => `${v}/${str(o)}`)
    .toStream()
    .to('out', SS),
)
stateful('table-outerJoin', ['table', 'global'], OUT, (b, n, c) =>
  table(b, n, c)
    .outerJoin(table2(b, n, c), (v, o) => `${str(v)}/${str(o)}`)
    .toStream()
    .to('out', SS),
)
// Materialized result; a filter downstream asks for old values (drops updates that stay filtered out).
stateful('table-join-materialized-filter', ['table', 'global'], { out: 'string', out2: 'string' }, (b, n, c) => {
  const j = table(b, n, c).leftJoin(table2(b, n, c), (v, o) => `${v}/${str(o)}`, mat<string>(sub(n, '-join'), S, c))
  j.toStream().to('out', SS)
  j.filter((_k, v) => v.length % 2 === 0).toStream().to('out2', SS)
})
// Filtered inputs (unnamed source stores: the join makes them send old values); old values reach a groupBy.
stateful('table-outerJoin-groupBy-count', ['table', 'global'], COUNT_OUT, (b, n, c) =>
  table(b, sub(n, '-1'), c)
    .filter((_k, v) => !v.startsWith('a'))
    .outerJoin(
      table2(b, n, c).filterNot((_k, v) => v.startsWith('b')),
      (v, o) => `${str(v)}/${str(o)}`,
    )
    .groupBy((_k, v) => keyValue(first(v), v), SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
)
// An aggregation joined with a table: the aggregate's timestamps count in max(); a join of a join.
stateful('count-table-join', ['in', 'table', 'global'], OUT, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .count(mat(sub(n, '-count'), L, c))
    .join(table(b, n, c), (cnt, v) => `${cnt}:${v}`)
    .leftJoin(table2(b, n, c), (v, o) => `${v}/${str(o)}`)
    .toStream()
    .to('out', SS),
)

// Foreign-key joins: the left table's value picks the second table's key by its first character
// (a-e hit, m and z miss); rows change foreign key, both sides delete. Kafka Streams 4 changed which
// subscriptions a left row sends (and added the key-and-value extractor): these pin 4.x.
stateful('fk-join', ['table', 'global'], OUT, (b, n, c) =>
  table(b, n, c)
    .join(table2(b, n, c), (v) => first(v), (v, o) => `${v}/${o}`)
    .toStream()
    .to('out', SS),
  4,
)
// Values starting with m have no foreign key (null): a left join still emits them.
stateful('fk-leftJoin', ['table', 'global'], OUT, (b, n, c) =>
  table(b, n, c)
    .leftJoin(table2(b, n, c), (v) => (v.startsWith('m') ? null : first(v)), (v, o) => `${v}/${str(o)}`)
    .toStream()
    .to('out', SS),
  4,
)
// Extractor on key and value; a named join (topics, processors and store named from it) with a materialized result.
stateful('fk-join-key-named-materialized', ['table', 'global'], { out: 'string', out2: 'string' }, (b, n, c) => {
  const j = table(b, n, c).join(
    table2(b, n, c),
    (v, k) => (k < 'c' ? first(v) : k),
    (v, o) => `${v}/${o}`,
    { name: 'fk' },
    mat<string>(sub(n, '-fk'), S, c),
  )
  j.toStream().to('out', SS)
  j.filter((_k, v) => v.length % 2 === 0).toStream().to('out2', SS)
}, 4)
// A filtered left table: its deletes of filtered-out rows, and a foreign-key left join feeding a groupBy (old values).
stateful('fk-leftJoin-filtered-groupBy-count', ['table', 'global'], COUNT_OUT, (b, n, c) =>
  table(b, sub(n, '-1'), c)
    .filter((_k, v) => !v.startsWith('b'))
    // Unnamed result store: the groupBy materializes it (its serdes are needed then).
    .leftJoin(table2(b, n, c), (v) => first(v), (v, o) => `${v}/${str(o)}`, {}, mat<string>(null, S, c))
    .groupBy((_k, v) => keyValue(v.slice(-1), v), SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
  4,
)

// Cogroups: several grouped streams folded into one aggregate per key (and window) in one store.
// Kafka Streams' windowed aggregations pass null values to the aggregators (non-windowed ones skip them).
const TWS = { key: WindowedSerdes.timeWindowedSerdeFrom(S, WINDOW), value: S }
const plus = (_k: string, v: string | null, a: string): string => `${a}+${str(v)}`
const minus = (_k: string, v: string | null, a: string): string => `${a}-${str(v)}`
const addLength = (_k: string, v: string | null, a: number): number => (v === null ? a : a + v.length)
const addNum = (_k: string, v: number | null, a: number): number => (v === null ? a : a + v)
// One input re-keyed: it goes through `<store name>-repartition` (the generated store name when unnamed).
stateful('cogroup', ['in', 'in2'], OUT, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .cogroup<string>(plus)
    .cogroup(in2(b).groupBy((_k, v) => first(v), SS) as never, minus)
    .aggregate(() => '', mat<string>(n, S, c))
    .toStream()
    .to('out', SS),
)
stateful('cogroup-mixed-values', ['in', 'nums'], COUNT_OUT, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .cogroup<number>(addLength)
    .cogroup(nums(b).groupByKey(SL), addNum)
    .aggregate(() => 0, mat<number>(n, L, c))
    .toStream()
    .to('out', SL),
)
stateful('cogroup-tumbling', ['in', 'in2'], { out: { key: 'time-windowed', value: 'string' } }, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .cogroup<string>(plus)
    .cogroup(in2(b).selectKey((_k, v) => first(v)).groupByKey(SS) as never, minus)
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, 50))
    .aggregate(() => '', mat<string>(n, S, c))
    .toStream()
    .to('out', TWS),
)
stateful('cogroup-hopping', ['in', 'nums'], TIME_WINDOWED, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .cogroup<number>(addLength)
    .cogroup(nums(b).groupByKey(SL), addNum)
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, 50).advanceBy(40))
    .aggregate(() => 0, mat<number>(n, L, c))
    .toStream()
    .to('out', TWL),
)
stateful('cogroup-sliding', ['in', 'nums'], TIME_WINDOWED, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .cogroup<number>(addLength)
    .cogroup(nums(b).groupByKey(SL), addNum)
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(50, 100))
    .aggregate(() => 0, mat<number>(n, L, c))
    .toStream()
    .to('out', TWL),
)
stateful('cogroup-session', ['in', 'in2'], { out: { key: 'session-windowed', value: 'string' } }, (b, n, c) =>
  inStream(b)
    .groupByKey(SS)
    .cogroup<string>(plus)
    .cogroup(in2(b).groupByKey(SS), minus)
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(60, 100))
    .aggregate(() => '', (_k, a1, a2) => `${a1}|${a2}`, mat<string>(n, S, c))
    .toStream()
    .to('out', SWS),
)

// Versioned tables (Kafka Streams' KIP-914): a table materialized on a versioned store keeps
// out-of-order updates as history; they are forwarded with isLatest = false, which table-table and
// foreign-key joins and a table groupBy drop; a temporal stream-table join reads the table as of
// each record's timestamp (with a grace buffer when given). Versioned stores are never cached; the
// history retention (1 s) refuses the late inputs (1-5 s behind), which are not forwarded then.
const HISTORY_MS = 1_000
const vmat = (n: string | null, suffix: string): Materialized<string, string> =>
  Materialized.as<string, string>(Stores.persistentVersionedKeyValueStore(`${n ?? 'v'}${suffix}`, HISTORY_MS))
    .withKeySerde(S)
    .withValueSerde(S)
const vtable = (b: StreamsBuilder, n: string | null): KTable<string, string> => b.table('table', SS, vmat(n, '-vt'))
const vtable2 = (b: StreamsBuilder, n: string | null): KTable<string, string> => b.table('global', SS, vmat(n, '-vt2'))
stateful('versioned-table', ['table'], OUT, (b, n) => vtable(b, n).toStream().to('out', SS))
stateful('versioned-toTable', ['in'], OUT, (b, n) => inStream(b).toTable(vmat(n, '-vt')).toStream().to('out', SS))
stateful('versioned-table-filter-mapValues', ['table'], OUT, (b, n) =>
  vtable(b, n)
    .filter((_k, v) => !v.startsWith('a'))
    .mapValues((v, k) => `${k}=${v}`)
    .toStream()
    .to('out', SS),
)
stateful('versioned-stream-table-join', ['in', 'table'], OUT, (b, n) =>
  inStream(b)
    .join(vtable(b, n), (v, tv) => `${v}/${tv}`)
    .to('out', SS),
)
// Null keys filtered out first: Kafka Streams' grace buffer throws on them (Peridot joins them with null at once).
stateful('versioned-stream-table-leftJoin-grace', ['in', 'table'], OUT, (b, n) =>
  inStream(b)
    .filter((k) => k !== null)
    .leftJoin(vtable(b, n), (v, tv) => `${v}/${str(tv)}`, { key: S, value: S, otherValue: S, gracePeriodMs: 60 })
    .to('out', SS),
)
stateful('versioned-stream-table-join-grace-mapValues', ['in', 'table'], OUT, (b, n) =>
  inStream(b)
    .join(
      vtable(b, n).mapValues((v) => v.toUpperCase()),
      (v, tv) => `${v}/${tv}`,
      { key: S, value: S, otherValue: S, gracePeriodMs: 20 },
    )
    .to('out', SS),
)
// Re-keyed to null for values starting with m: the left join keeps them through the repartition topic.
stateful(
  'versioned-selectKey-table-leftJoin',
  ['in', 'table'],
  OUT,
  (b, n) =>
    inStream(b)
      .selectKey((_k, v) => (v === null || v.startsWith('m') ? null : first(v)))
      .leftJoin(vtable(b, n) as KTable<string | null, string>, (v, tv) => `${v}/${str(tv)}`, { key: S, value: S, otherValue: S })
      .to('out', SS),
  4,
)
stateful('versioned-table-join', ['table', 'global'], OUT, (b, n) =>
  vtable(b, n)
    .join(vtable2(b, n), (v, o) => `${v}/${o}`)
    .toStream()
    .to('out', SS),
)
// One side versioned: only its out-of-order updates are dropped.
stateful('versioned-table-leftJoin-mixed', ['table', 'global'], OUT, (b, n, c) =>
  vtable(b, n)
    .leftJoin(table2(b, n, c), (v, o) => `${v}/${str(o)}`)
    .toStream()
    .to('out', SS),
)
stateful('versioned-table-outerJoin-mixed', ['table', 'global'], { out: 'string', out2: 'string' }, (b, n, c) => {
  const j = table(b, n, c).outerJoin(vtable2(b, n), (v, o) => `${str(v)}/${str(o)}`, mat<string>(sub(n, '-join'), S, c))
  j.toStream().to('out', SS)
  j.filter((_k, v) => v.length % 2 === 0).toStream().to('out2', SS)
})
stateful('versioned-table-groupBy-count', ['table'], COUNT_OUT, (b, n, c) =>
  vtable(b, n)
    .groupBy((_k, v) => keyValue(first(v), v), SS)
    .count(mat(n, L, c))
    .toStream()
    .to('out', SL),
)
stateful(
  'versioned-fk-join',
  ['table', 'global'],
  OUT,
  (b, n) =>
    vtable(b, n)
      .join(vtable2(b, n), (v) => first(v), (v, o) => `${v}/${o}`)
      .toStream()
      .to('out', SS),
  4,
)
stateful(
  'versioned-fk-leftJoin-left-versioned',
  ['table', 'global'],
  OUT,
  (b, n, c) =>
    vtable(b, n)
      .leftJoin(table2(b, n, c), (v) => (v.startsWith('m') ? null : first(v)), (v, o) => `${v}/${str(o)}`)
      .toStream()
      .to('out', SS),
  4,
)
stateful(
  'versioned-fk-leftJoin-right-versioned',
  ['table', 'global'],
  { out: 'string', out2: 'string' },
  (b, n, c) => {
    const j = table(b, n, c).leftJoin(vtable2(b, n), (v) => first(v), (v, o) => `${v}/${str(o)}`, {}, mat<string>(sub(n, '-fk'), S, c))
    j.toStream().to('out', SS)
    j.filter((_k, v) => v.length % 2 === 0).toStream().to('out2', SS)
  },
  4,
)
// Join results materialized on a versioned store: results older than a key's latest one (the
// inputs here are not versioned) are history, which a groupBy skips and a temporal join reads.
stateful('versioned-result-table-outerJoin', ['table', 'global'], { out: 'string', out2: 'long' }, (b, n, c) => {
  const j = table(b, n, c).outerJoin(table2(b, n, c), (v, o) => `${str(v)}/${str(o)}`, vmat(n, '-vj'))
  j.toStream().to('out', SS)
  j.groupBy((_k, v) => keyValue(first(v), v), SS)
    .count(mat(sub(n, '-count'), L, c))
    .toStream()
    .to('out2', SL)
})
stateful(
  'versioned-result-fk-leftJoin',
  ['in', 'table', 'global'],
  { out: 'string', out2: 'string' },
  (b, n, c) => {
    const j = table(b, n, c).leftJoin(table2(b, n, c), (v) => first(v), (v, o) => `${v}/${str(o)}`, {}, vmat(n, '-vfk'))
    j.toStream().to('out', SS)
    inStream(b)
      .join(j, (v, jv) => `${v}=${jv}`)
      .to('out2', SS)
  },
  4,
)
// Aggregations on a versioned store: never cached; a stream joined with the result reads it as of
// each record's timestamp.
const vmatL = (n: string | null, suffix: string): Materialized<string, number> =>
  Materialized.as<string, number>(Stores.persistentVersionedKeyValueStore(`${n ?? 'v'}${suffix}`, HISTORY_MS))
    .withKeySerde(S)
    .withValueSerde(L)
stateful('versioned-count-temporal-join', ['in', 'in2'], { out: 'long', out2: 'string' }, (b, n) => {
  const counts = inStream(b).groupByKey(SS).count(vmatL(n, '-vc'))
  counts.toStream().to('out', SL)
  in2(b)
    .join(counts, (v, cnt) => `${v}#${cnt}`)
    .to('out2', SS)
})
stateful('versioned-table-groupBy-reduce', ['table'], OUT, (b, n, c) =>
  table(b, sub(n, '-src'), c)
    .groupBy((k, v) => keyValue(first(v), k + v), SS)
    .reduce(
      (a, v) => `${a}+${v}`,
      (a, v) => `${a}-${v}`,
      vmat(n, '-vr'),
    )
    .toStream()
    .to('out', SS),
)
stateful('versioned-cogroup', ['in', 'in2'], OUT, (b, n) =>
  inStream(b)
    .groupByKey(SS)
    .cogroup<string>(plus)
    .cogroup(in2(b).groupByKey(SS), minus)
    .aggregate(() => '', vmat(n, '-vcg'))
    .toStream()
    .to('out', SS),
)

// Stream-table left joins after a key change: null keys go through the repartition topic and join
// with null (Kafka Streams 4); an explicit repartition() in front of a left join keeps them too.
stateful(
  'selectKey-table-leftJoin-nullKey',
  ['in', 'table'],
  OUT,
  (b, n, c) =>
    inStream(b)
      .selectKey((_k, v) => (v === null || v.startsWith('m') ? null : first(v)))
      .leftJoin(table(b, n, c) as KTable<string | null, string>, (v, tv) => `${v}/${str(tv)}`, { key: S, value: S, otherValue: S })
      .to('out', SS),
  4,
)
stateful(
  'repartition-table-leftJoin',
  ['in', 'table'],
  OUT,
  (b, n, c) =>
    inStream(b)
      .repartition({ ...SS, name: 'rep' })
      .leftJoin(table(b, n, c), (v, tv) => `${v}/${str(tv)}`)
      .to('out', SS),
  4,
)
