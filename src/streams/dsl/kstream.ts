/**
 * KStream: a record stream. Each operation adds a processor node to the topology; key-changing
 * operations mark the stream so that the next stateful operation (aggregation, join, toTable)
 * first writes through a repartition topic, named as in Kafka Streams.
 */
import type { ProcessorSupplier } from '../processor.js'
import type { KeyValue } from '../record.js'
import { StreamExport, type StreamExportOptions } from '../stream-export.js'
import type { Serde } from '../serde.js'
import { Serdes } from '../serde.js'
import { GENERATED_NAME, Prefix, REPARTITION_SUFFIX } from '../topology/naming.js'
import type { StreamPartitioner } from '../topology/topology.js'
import { Branch, ExportSink, FlatMap, FlatMapValues, Filter, MapKV, MapValues, PassThrough, Peek, SelectKey, StreamGlobalJoin, StreamTableJoin, TableSource, storeGetter } from './processors.js'
import type { BuilderInternals, Grouped, Joined, MaterializedArg, Produced, Repartitioned, TopicOrExtractor } from './options.js'
import { resolveMaterialized } from './options.js'
import { addSourceTableStore } from './store-registration.js'
import { KTable } from './ktable.js'
import { KGroupedStream } from './grouped.js'
import { GlobalKTable } from './global.js'
import type { JoinWindows } from './join-windows.js'
import { joinStreams, type StreamJoined } from './stream-stream-join.js'
import { addTemporalJoin } from './temporal-join.js'
import { addVersionedTableSource, isVersionedGetter, versionedSupplierOf } from './versioned-table.js'
import type { Record } from '../record.js'
import {
  filterAsyncNode,
  flatMapAsyncNode,
  flatMapValuesAsyncNode,
  mapAsyncNode,
  mapValuesAsyncNode,
  processAsyncNode,
  type AsyncCallContext,
  type AsyncNode,
  type AsyncOptions,
  type AsyncProcessorContext,
  type ProcessAsyncOptions,
} from './async-operators.js'

/**
 * Writes a stream through a repartition topic; returns the source node reading it back.
 * Java burns three indices (sink, filter, source) and uses them only for generated prefixes.
 * @internal
 */
export function addRepartition(
  b: BuilderInternals,
  parent: string,
  prefix: string,
  keySerde: Serde<unknown> | undefined,
  valueSerde: Serde<unknown> | undefined,
  options: { partitions?: number; partitioner?: StreamPartitioner<unknown, unknown> } = {},
): string {
  const topic = prefix.endsWith(REPARTITION_SUFFIX) ? prefix : prefix + REPARTITION_SUFFIX
  const genSink = b.names.processorName(Prefix.SINK)
  const genFilter = b.names.processorName(Prefix.FILTER)
  const genSource = b.names.processorName(Prefix.SOURCE)
  const generated = GENERATED_NAME.test(prefix)
  const sink = generated ? genSink : `${topic}-sink`
  const filter = generated ? genFilter : `${topic}-filter`
  const source = generated ? genSource : `${topic}-source`
  // The filter drops null keys unless a left/outer join downstream joins them (decided at build time).
  b.topology.addProcessor(filter, b.nullKeyJoins.filter(filter), parent)
  b.topology.addSink(sink, topic, { keySerde, valueSerde, partitioner: options.partitioner }, filter)
  b.topology.addSource(source, topic, { keySerde, valueSerde })
  b.topology.addRepartitionTopic(topic, options.partitions)
  return source
}

/** Chains an operation onto a branch: a function returning a stream (kept in the map) or nothing. */
export class Branched<K, V> {
  private constructor(
    readonly name: string | undefined,
    readonly chain: ((stream: KStream<K, V>) => KStream<K, V> | void) | undefined,
  ) {}
  /** A branch named `<splitName><name>`. */
  static as<K, V>(name: string): Branched<K, V> {
    return new Branched<K, V>(name, undefined)
  }
  /** The branch stream is passed to `fn`; its result (if any) goes in the result map. */
  static withFunction<K, V>(fn: (stream: KStream<K, V>) => KStream<K, V> | void, name?: string): Branched<K, V> {
    return new Branched<K, V>(name, fn)
  }
  /** The branch stream is passed to `fn` and left out of the result map. */
  static withConsumer<K, V>(fn: (stream: KStream<K, V>) => void, name?: string): Branched<K, V> {
    return new Branched<K, V>(name, (s) => {
      fn(s)
    })
  }
}

/** Result of `KStream.split()`: add branches, then `defaultBranch()` or `noDefaultBranch()`. */
export class BranchedKStream<K, V> {
  readonly #parent: KStream<K, V>
  readonly #splitter: string
  readonly #predicates: Array<(key: unknown, value: unknown) => boolean> = []
  readonly #children: string[] = []
  #defaultChild: string | undefined
  readonly #result: { [name: string]: KStream<K, V> } = {}

  /** @internal */
  constructor(parent: KStream<K, V>, splitterName: string) {
    this.#parent = parent
    this.#splitter = splitterName
    const predicates = this.#predicates
    const children = this.#children
    parent.b.topology.addProcessor(splitterName, () => new Branch(predicates, children, () => this.#defaultChild), parent.name)
  }

  /** Records matching `predicate` (and no earlier one) go to this branch. */
  branch(predicate: (key: K, value: V) => boolean, branched?: Branched<K, V>): this {
    this.#predicates.push(predicate as (key: unknown, value: unknown) => boolean)
    this.#children.push(this.#create(this.#predicates.length, branched))
    return this
  }

  /** Records matching no predicate go to the default branch; returns the branches by name. */
  defaultBranch(branched?: Branched<K, V>): { [name: string]: KStream<K, V> } {
    // Unnamed, it is branch "0" (as in Kafka Streams), whatever the number of branches before it.
    this.#defaultChild = this.#create(0, branched)
    return this.#result
  }

  /** Records matching no predicate are dropped; returns the branches by name. */
  noDefaultBranch(): { [name: string]: KStream<K, V> } {
    return this.#result
  }

  #create(index: number, branched: Branched<K, V> | undefined): string {
    const p = this.#parent
    const childName = this.#splitter + (branched?.name ?? String(index))
    p.b.names.processorName(Prefix.BRANCHCHILD) // burn an index, as Java does
    p.b.topology.addProcessor(childName, () => new PassThrough(), this.#splitter)
    const stream = new KStream<K, V>(p.b, childName, p.keySerde, p.valueSerde, p.sourceNodes, p.repartitionRequired)
    if (branched?.chain === undefined) this.#result[childName] = stream
    else {
      const out = branched.chain(stream)
      if (out) this.#result[childName] = out
    }
    return childName
  }
}

/** A stream of records with keys of type K and values of type V. */
export class KStream<K, V> {
  /** @internal */ readonly b: BuilderInternals
  /** Name of the node producing this stream. */
  readonly name: string
  /** @internal */ readonly keySerde: Serde<K> | undefined
  /** @internal */ readonly valueSerde: Serde<V> | undefined
  /** @internal Source nodes upstream in the same sub-topology (for co-partitioning). */
  readonly sourceNodes: ReadonlySet<string>
  /** @internal A key-changing operation happened since the last repartition. */
  readonly repartitionRequired: boolean

  /** @internal */
  constructor(
    b: BuilderInternals,
    name: string,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    sourceNodes: ReadonlySet<string>,
    repartitionRequired: boolean,
  ) {
    this.b = b
    this.name = name
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.sourceNodes = sourceNodes
    this.repartitionRequired = repartitionRequired
  }

  #add<K2, V2>(
    prefix: string,
    supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>,
    keySerde: Serde<K2> | undefined,
    valueSerde: Serde<V2> | undefined,
    repartitionRequired: boolean,
  ): KStream<K2, V2> {
    const name = this.b.names.processorName(prefix)
    this.b.topology.addProcessor(name, supplier, this.name)
    return new KStream<K2, V2>(this.b, name, keySerde, valueSerde, this.sourceNodes, repartitionRequired)
  }

  /** Keeps records for which `predicate` is true. */
  filter(predicate: (key: K, value: V) => boolean): KStream<K, V> {
    return this.#add(Prefix.FILTER, () => new Filter(predicate as (k: unknown, v: unknown) => boolean, false), this.keySerde, this.valueSerde, this.repartitionRequired)
  }

  /** Drops records for which `predicate` is true. */
  filterNot(predicate: (key: K, value: V) => boolean): KStream<K, V> {
    return this.#add(Prefix.FILTER, () => new Filter(predicate as (k: unknown, v: unknown) => boolean, true), this.keySerde, this.valueSerde, this.repartitionRequired)
  }

  /** New key and value per record (marks the stream for repartitioning). */
  map<KR, VR>(mapper: (key: K, value: V) => KeyValue<KR, VR>): KStream<KR, VR> {
    return this.#add<KR, VR>(Prefix.MAP, () => new MapKV(mapper as (k: unknown, v: unknown) => KeyValue<unknown, unknown>), undefined, undefined, true)
  }

  /** New value per record; the key is unchanged. */
  mapValues<VR>(mapper: (value: V, key: K) => VR): KStream<K, VR> {
    return this.#add<K, VR>(Prefix.MAPVALUES, () => new MapValues(mapper as (v: unknown, k: unknown) => unknown), this.keySerde, undefined, this.repartitionRequired)
  }

  /** Zero or more records per record (marks the stream for repartitioning). */
  flatMap<KR, VR>(mapper: (key: K, value: V) => Iterable<KeyValue<KR, VR>>): KStream<KR, VR> {
    return this.#add<KR, VR>(Prefix.FLATMAP, () => new FlatMap(mapper as (k: unknown, v: unknown) => Iterable<KeyValue<unknown, unknown>>), undefined, undefined, true)
  }

  /** Zero or more values per record, each with the record's key. */
  flatMapValues<VR>(mapper: (value: V, key: K) => Iterable<VR>): KStream<K, VR> {
    return this.#add<K, VR>(Prefix.FLATMAPVALUES, () => new FlatMapValues(mapper as (v: unknown, k: unknown) => Iterable<unknown>), this.keySerde, undefined, this.repartitionRequired)
  }

  /** A new key per record (marks the stream for repartitioning). */
  selectKey<KR>(selector: (key: K, value: V) => KR): KStream<KR, V> {
    return this.#add<KR, V>(Prefix.KEY_SELECT, () => new SelectKey(selector as (k: unknown, v: unknown) => unknown), undefined, this.valueSerde, true)
  }

  /** Calls `action` for each record and passes it on. */
  peek(action: (key: K, value: V) => void): KStream<K, V> {
    return this.#add(Prefix.PEEK, () => new Peek(action as (k: unknown, v: unknown) => void, true), this.keySerde, this.valueSerde, this.repartitionRequired)
  }

  /** Calls `action` for each record (terminal). */
  foreach(action: (key: K, value: V) => void): void {
    this.#add(Prefix.FOREACH, () => new Peek(action as (k: unknown, v: unknown) => void, false), this.keySerde, this.valueSerde, false)
  }

  /**
   * The stream's records for a reader in this process (terminal): `for await (const r of
   * exported)`, or `exported.readable()` for `stream.pipeline`. Records arrive in the order the
   * tasks produce them (input order per partition).
   *
   * Backpressure: when more than `highWaterMark` records wait for the reader, the application
   * stops taking input until the reader catches up (keep the reader's pace within
   * `maxPollIntervalMs`).
   *
   * Commits: a commit waits until the reader has taken every record exported so far and asked
   * for the next one, so a committed input offset never passes a record the reader has not
   * finished with: the reader sees every record at least once, under either processing
   * guarantee (after a crash, or an aborted exactly-once transaction, records are exported
   * again). The reader's own effects are not part of a transaction. On close(), records the
   * reader has not taken are dropped and the final commit is skipped (the next run exports
   * them again); then the iteration ends. One reader per export.
   */
  toAsyncIterable(options: StreamExportOptions = {}): StreamExport<K, V> {
    const target = new StreamExport<K, V>(options)
    this.b.topology.exports.push(target as StreamExport<unknown, unknown>)
    this.#add(Prefix.FOREACH, () => new ExportSink(target as StreamExport<unknown, unknown>), this.keySerde, this.valueSerde, false)
    return target
  }

  /** Both streams' records in one stream. */
  merge(other: KStream<K, V>): KStream<K, V> {
    const name = this.b.names.processorName(Prefix.MERGE)
    this.b.topology.addProcessor(name, () => new PassThrough(), this.name, other.name)
    return new KStream<K, V>(
      this.b,
      name,
      this.keySerde === other.keySerde ? this.keySerde : undefined,
      this.valueSerde === other.valueSerde ? this.valueSerde : undefined,
      new Set([...this.sourceNodes, ...other.sourceNodes]),
      this.repartitionRequired || other.repartitionRequired,
    )
  }

  /** Splits the stream by predicates (first match wins), Java's BranchedKStream. */
  split(options: { name?: string } = {}): BranchedKStream<K, V> {
    return new BranchedKStream(this, options.name ?? this.b.names.processorName(Prefix.BRANCH))
  }

  /** Writes the stream to a topic (or a topic chosen per record). */
  to(topic: TopicOrExtractor<K, V>, produced: Produced<K, V> = {}): void {
    const name = produced.name ?? this.b.names.processorName(Prefix.SINK)
    this.b.topology.addSink(name, topic, { keySerde: produced.key ?? this.keySerde, valueSerde: produced.value ?? this.valueSerde, partitioner: produced.partitioner }, this.name)
  }

  /** Writes the stream through a repartition topic (by key) and reads it back. */
  repartition(options: Repartitioned<K, V> = {}): KStream<K, V> {
    const name = options.name ?? this.b.names.processorName(Prefix.REPARTITION)
    const keySerde = options.key ?? this.keySerde
    const valueSerde = options.value ?? this.valueSerde
    const source = addRepartition(this.b, this.name, name, keySerde as Serde<unknown> | undefined, valueSerde as Serde<unknown> | undefined, {
      partitions: options.numberOfPartitions,
      partitioner: options.partitioner as StreamPartitioner<unknown, unknown> | undefined,
    })
    return new KStream<K, V>(this.b, source, keySerde, valueSerde, new Set([source]), false)
  }

  /** @internal This stream, repartitioned first when a key-changing operation requires it. */
  repartitionedIfRequired(prefix: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined): KStream<K, V> {
    if (!this.repartitionRequired) return this
    const source = addRepartition(this.b, this.name, prefix, keySerde as Serde<unknown> | undefined, valueSerde as Serde<unknown> | undefined)
    return new KStream<K, V>(this.b, source, keySerde, valueSerde, new Set([source]), false)
  }

  /** Interprets the stream as a changelog: the latest value per key (null deletes). */
  toTable(materialized?: MaterializedArg<K, V>): KTable<K, V> {
    const name = this.b.names.processorName(Prefix.TOTABLE)
    const m = resolveMaterialized(this.b, materialized, Prefix.TOTABLE)
    const keySerde = m.options.key ?? this.keySerde
    const valueSerde = m.options.value ?? this.valueSerde
    const input = this.repartitionedIfRequired(name, keySerde, valueSerde)
    const versioned = versionedSupplierOf(m.options)
    if (versioned !== undefined) {
      const getter = addVersionedTableSource(this.b, versioned, m.options, keySerde, valueSerde, name, input.name)
      return new KTable<K, V>(this.b, name, keySerde, valueSerde, input.sourceNodes, getter, m.name)
    }
    this.b.topology.addProcessor(name, () => new TableSource(m.name, () => oldValues.stored()), input.name)
    const oldValues = addSourceTableStore(this.b, m, keySerde, valueSerde, name)
    return new KTable<K, V>(this.b, name, keySerde, valueSerde, input.sourceNodes, storeGetter(m.name), m.named ? m.name : undefined, oldValues)
  }

  /** Groups by the current key (repartitions first if the key was changed). */
  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this, grouped.key ?? this.keySerde, grouped.value ?? this.valueSerde, grouped.name)
  }

  /** Groups by a new key (always repartitions before the aggregation). */
  groupBy<KR>(selector: (key: K, value: V) => KR, grouped: Grouped<KR, V> = {}): KGroupedStream<KR, V> {
    const selected = this.selectKey(selector)
    return new KGroupedStream<KR, V>(selected, grouped.key, grouped.value ?? this.valueSerde, grouped.name)
  }

  /**
   * Windowed inner join with another co-partitioned stream: a record joins every record of the
   * other stream with the same key whose timestamp is within `windows` of its own; each pair is
   * forwarded once, stamped with the larger timestamp. `joiner` gets the key as third argument
   * (Kafka Streams' ValueJoiner and ValueJoinerWithKey in one).
   */
  join<VO, VR>(other: KStream<K, VO>, joiner: (value: V, otherValue: VO, key: K) => VR, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR>
  /**
   * Inner join with a co-partitioned KTable: each record meets the table's current value for its
   * key; a table materialized on a versioned store is read as of the record's timestamp, and
   * `joined.gracePeriodMs` buffers records so late table updates within the grace are seen.
   */
  join<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT, key: K) => VR, joined?: Joined<K, V, VT>): KStream<K, VR>
  /** Inner join with a GlobalKTable: `keySelector` gives the table key to look up. */
  join<GK, GV, VR>(table: GlobalKTable<GK, GV>, keySelector: (key: K, value: V) => GK, joiner: (value: V, tableValue: GV, key: K) => VR): KStream<K, VR>
  // Implementation signatures are not part of the emitted types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  join(table: KStream<K, any> | KTable<any, any> | GlobalKTable<any, any>, a: (...args: never[]) => unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    if (table instanceof KStream) return this.#joinStream(table, a, b, c, 'inner')
    return this.#join(table, a, b, false)
  }

  /**
   * Windowed left join with another stream: as {@link KStream.join}, and a record of this stream
   * that found no match is forwarded joined with null once its window has closed (window end +
   * grace passed by stream time), never before; a record with a null key is forwarded joined with
   * null at once.
   */
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V, otherValue: VO | null, key: K) => VR, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR>
  /**
   * Left join with a KTable: records without a table value join with null (versioned tables and
   * grace as for {@link KStream.join}); so does a record with a null key, also one re-keyed to null
   * upstream (the repartition topic in front of a left join keeps null keys, as in Kafka Streams).
   */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | null, key: K) => VR, joined?: Joined<K, V, VT>): KStream<K, VR>
  /** Left join with a GlobalKTable. */
  leftJoin<GK, GV, VR>(table: GlobalKTable<GK, GV>, keySelector: (key: K, value: V) => GK, joiner: (value: V, tableValue: GV | null, key: K) => VR): KStream<K, VR>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  leftJoin(table: KStream<K, any> | KTable<any, any> | GlobalKTable<any, any>, a: (...args: never[]) => unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    if (table instanceof KStream) return this.#joinStream(table, a, b, c, 'left')
    return this.#join(table, a, b, true)
  }

  /**
   * Windowed outer join with another stream: as {@link KStream.leftJoin}, for records of both
   * streams (`value` is null for an unmatched record of the other stream).
   */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V | null, otherValue: VO | null, key: K) => VR, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR> {
    return this.#joinStream(other as unknown as KStream<K, unknown>, joiner as (...args: never[]) => unknown, windows, streamJoined, 'outer') as KStream<K, VR>
  }

  #joinStream(other: KStream<K, unknown>, joiner: (...args: never[]) => unknown, windows: unknown, streamJoined: unknown, kind: 'inner' | 'left' | 'outer'): KStream<K, unknown> {
    const sj = (streamJoined ?? {}) as StreamJoined<K, V, unknown>
    return joinStreams(this, other, joiner as unknown as (v: V, o: unknown, k: K) => unknown, windows as JoinWindows, sj, kind)
  }

  #join(table: KTable<unknown, unknown> | GlobalKTable<unknown, unknown>, a: (...args: never[]) => unknown, b: unknown, left: boolean): KStream<K, unknown> {
    const prefix = left ? Prefix.LEFTJOIN : Prefix.JOIN
    if (table instanceof GlobalKTable) {
      const joiner = b as (v: unknown, t: unknown, k: unknown) => unknown
      const selector = a as unknown as (k: unknown, v: unknown) => unknown
      const joined = this.#add(prefix, () => new StreamGlobalJoin(table.storeName, selector, joiner, left), this.keySerde, undefined, this.repartitionRequired)
      if (left) this.b.nullKeyJoins.joinsNullKeys(joined.name)
      return joined
    }
    const joiner = a as unknown as (v: unknown, t: unknown, k: unknown) => unknown
    const joined = (b ?? {}) as Joined<K, V, unknown>
    const input = this.repartitionedIfRequired(joined.name ?? this.name, joined.key ?? this.keySerde, joined.value ?? this.valueSerde)
    const name = joined.name ?? this.b.names.processorName(prefix)
    // Reading the table through its store materializes a source table (Kafka Streams' valueGetterSupplier).
    table.oldValues.materialize()
    const getter = table.valueGetter
    if (isVersionedGetter(getter) || joined.gracePeriodMs !== undefined) {
      const keySerde = (joined.key ?? input.keySerde) as Serde<unknown> | undefined
      addTemporalJoin(this.b, name, input.name, getter, joiner, left, joined.gracePeriodMs, keySerde, (joined.value ?? input.valueSerde) as Serde<unknown> | undefined)
    } else {
      this.b.topology.addProcessor(name, () => new StreamTableJoin(getter, joiner, left), input.name)
      this.b.topology.connectProcessorAndStateStores(name, ...getter.storeNames)
    }
    // A left join joins null-key records with null: repartitions in front of it keep them.
    if (left) this.b.nullKeyJoins.joinsNullKeys(name)
    const sources = new Set([...input.sourceNodes, ...table.sourceNodes])
    this.b.topology.copartition(sources)
    return new KStream<K, unknown>(this.b, name, input.keySerde, undefined, sources, false)
  }

  // ---- async operators (async-operators.ts, runtime/async-stage.ts) ----------------------
  // Up to `concurrency` records of a task in flight; with `keyed` (the default) one record per
  // key at a time, in input order; a commit waits for the records in flight. See the README.

  #addAsync<K2, V2>(n: AsyncNode, keySerde: Serde<K2> | undefined, valueSerde: Serde<V2> | undefined, repartitionRequired: boolean): KStream<K2, V2> {
    const name = n.name ?? this.b.names.processorName(n.prefix)
    this.b.topology.addProcessor(name, n.supplier(name), this.name)
    if (n.stores.length > 0) this.b.topology.connectProcessorAndStateStores(name, ...n.stores)
    return new KStream<K2, V2>(this.b, name, keySerde, valueSerde, this.sourceNodes, repartitionRequired)
  }

  /**
   * {@link KStream.mapValues} with an async mapper: up to `options.concurrency` records of a task in
   * flight; records with the same key one at a time, their results in input order (all results
   * in input order with `ordered: true`). `call.signal` fires on timeout or when the task closes.
   */
  mapValuesAsync<VR>(mapper: (value: V, key: K, call: AsyncCallContext) => Promise<VR>, options: AsyncOptions): KStream<K, VR> {
    return this.#addAsync<K, VR>(mapValuesAsyncNode(mapper as (v: unknown, k: unknown, c: AsyncCallContext) => Promise<unknown>, options), this.keySerde, undefined, this.repartitionRequired)
  }

  /** {@link KStream.map} with an async mapper (as {@link KStream.mapValuesAsync}; per-key order is by the input key). */
  mapAsync<KR, VR>(mapper: (key: K, value: V, call: AsyncCallContext) => Promise<KeyValue<KR, VR>>, options: AsyncOptions): KStream<KR, VR> {
    return this.#addAsync<KR, VR>(mapAsyncNode(mapper as (k: unknown, v: unknown, c: AsyncCallContext) => Promise<KeyValue<unknown, unknown>>, options), undefined, undefined, true)
  }

  /** {@link KStream.flatMap} with an async mapper (as {@link KStream.mapValuesAsync}). */
  flatMapAsync<KR, VR>(mapper: (key: K, value: V, call: AsyncCallContext) => Promise<Iterable<KeyValue<KR, VR>>>, options: AsyncOptions): KStream<KR, VR> {
    return this.#addAsync<KR, VR>(flatMapAsyncNode(mapper as (k: unknown, v: unknown, c: AsyncCallContext) => Promise<Iterable<KeyValue<unknown, unknown>>>, options), undefined, undefined, true)
  }

  /** {@link KStream.flatMapValues} with an async mapper (as {@link KStream.mapValuesAsync}). */
  flatMapValuesAsync<VR>(mapper: (value: V, key: K, call: AsyncCallContext) => Promise<Iterable<VR>>, options: AsyncOptions): KStream<K, VR> {
    return this.#addAsync<K, VR>(flatMapValuesAsyncNode(mapper as (v: unknown, k: unknown, c: AsyncCallContext) => Promise<Iterable<unknown>>, options), this.keySerde, undefined, this.repartitionRequired)
  }

  /** {@link KStream.filter} with an async predicate (as {@link KStream.mapValuesAsync}). */
  filterAsync(predicate: (key: K, value: V, call: AsyncCallContext) => Promise<boolean>, options: AsyncOptions): KStream<K, V> {
    return this.#addAsync<K, V>(filterAsyncNode(predicate as (k: unknown, v: unknown, c: AsyncCallContext) => Promise<boolean>, options), this.keySerde, this.valueSerde, this.repartitionRequired)
  }

  /**
   * An async processor: `fn` gets each record and a context to forward records and open the
   * stores named in `options.stores`; forwarded records go downstream when its promise resolves
   * (as {@link KStream.mapValuesAsync}: per-key order, `ordered`, timeout and abort signal).
   */
  processAsync<KOut, VOut>(fn: (record: Record<K, V>, context: AsyncProcessorContext<KOut, VOut>) => Promise<void>, options: ProcessAsyncOptions): KStream<KOut, VOut> {
    const n = processAsyncNode(fn as unknown as (r: Record<unknown, unknown>, c: AsyncProcessorContext<unknown, unknown>) => Promise<void>, options)
    return this.#addAsync<KOut, VOut>(n, undefined, undefined, true)
  }

  /** Runs a Processor API processor with access to the named stores (registered with `addStateStore`). */
  process<KOut, VOut>(supplier: ProcessorSupplier<K, V, KOut, VOut>, ...storeNames: string[]): KStream<KOut, VOut> {
    const out = this.#add<KOut, VOut>(Prefix.PROCESSOR, supplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>, undefined, undefined, true)
    if (storeNames.length > 0) this.b.topology.connectProcessorAndStateStores(out.name, ...storeNames)
    return out
  }
}

/** @internal Serde for counts. */
export const COUNT_SERDE = Serdes.int64()
