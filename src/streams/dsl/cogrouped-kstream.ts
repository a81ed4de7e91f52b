/**
 * Cogrouped streams (Kafka Streams' CogroupedKStream, TimeWindowedCogroupedKStream and
 * SessionWindowedCogroupedKStream): several grouped streams with the same key, each with its own
 * aggregator, folded into one aggregate per key (and window) held in one store.
 *
 * Topology, as Kafka Streams builds it: the store name is generated first
 * (`COGROUPKSTREAM-AGGREGATE-STATE-STORE-<n>`), then each grouped stream that needs it is
 * repartitioned through `<grouped name or store name>-repartition`, then one aggregate processor
 * per grouped stream (`COGROUPKSTREAM-AGGREGATE-<n>`, all on the shared store) and a pass-through
 * merge processor (`COGROUPKSTREAM-MERGE-<n>`) the resulting table starts from. The input topics
 * must be co-partitioned. Each aggregate processor is the one of the single-stream aggregation
 * (same output values and timestamps); windowed cogroups emit on every update.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { ProcessorSupplier } from '../processor.js'
import type { Serde } from '../serde.js'
import type { Windowed } from '../windowed.js'
import type { KGroupedStream } from './grouped.js'
import { KTable } from './ktable.js'
import type { BuilderInternals, MaterializedArg, ResolvedMaterialized } from './options.js'
import { resolveMaterialized } from './options.js'
import { PassThrough, StreamAggregate, storeGetter, type ValueGetterSupplier } from './processors.js'
import { SessionWindowAggregate, type SessionMerger } from './session-window-aggregate.js'
import { SlidingWindowAggregate } from './sliding-window-aggregate.js'
import { addDslStore } from './store-registration.js'
import { addVersionedStore, versionedStoreGetter, versionedSupplierOf } from './versioned-table.js'
import { WindowAggregate, type WindowAggregation } from './window-aggregate.js'
import type { WindowedAggregationInfo } from './windowed-aggregation-info.js'
import { sessionStoreRetention, supplierRetention, timeWindowedStoreLayout, type GroupedStreamInternals } from './windowed-kstream.js'
import {
  addSessionAggregationStore,
  addWindowAggregationStore,
  sessionValueGetter,
  windowValueGetter,
  windowedKeySerde,
} from './windowed-store-registration.js'
import { EmitStrategy, SessionWindows, SlidingWindows, type Windows } from './windows.js'

type Supplier = ProcessorSupplier<unknown, unknown, unknown, unknown>
type Aggregator = (key: unknown, value: unknown, aggregate: unknown) => unknown

/** Kafka Streams' name prefixes of cogroup nodes (the store name uses the aggregate one). */
const AGGREGATE_NAME = 'COGROUPKSTREAM-AGGREGATE-'
const MERGE_NAME = 'COGROUPKSTREAM-MERGE-'

/** The grouped streams of a cogroup and their aggregators, in the order they were added. */
type Groups = Map<KGroupedStream<unknown, unknown>, Aggregator>

/** What one kind of cogroup aggregation contributes to {@link buildCogroup}. */
interface CogroupParts<K> {
  /** The aggregate processor of one grouped stream, given its aggregator. */
  processor: (store: string, aggregator: Aggregator) => Supplier
  /** Registers the shared store, connected to every aggregate processor. */
  addStore: (processorNames: readonly string[]) => void
  keySerde: Serde<K> | undefined
  valueGetter: ValueGetterSupplier
  /** For windowed aggregations: what downstream operations (suppression) learn from the table. */
  info?: Omit<WindowedAggregationInfo, 'processorName'>
}

/** Resolves the Materialized; its key serde or, without one, the first grouped stream's. */
function storeSerdes<K, VOut>(groups: Groups, m: ResolvedMaterialized<K, VOut>): { keySerde: Serde<K> | undefined; valueSerde: Serde<VOut> | undefined } {
  const first = groups.keys().next().value as KGroupedStream<K, unknown>
  return { keySerde: m.options.key ?? first.internals.keySerde, valueSerde: m.options.value }
}

/**
 * Repartitions, adds aggregate and merge processors and the store, and returns the table
 * (Kafka Streams' CogroupedStreamAggregateBuilder). The Materialized is resolved by the caller:
 * the store name comes before every other generated name.
 */
function buildCogroup<KT, VOut>(
  b: BuilderInternals,
  groups: Groups,
  m: ResolvedMaterialized<unknown, VOut>,
  named: string | undefined,
  valueSerde: Serde<VOut> | undefined,
  parts: CogroupParts<unknown>,
): KTable<KT, VOut> {
  const inputs = [...groups].map(([grouped, aggregator]) => {
    const g = grouped.internals
    return { input: g.stream.repartitionedIfRequired(g.name ?? m.name, g.keySerde, g.valueSerde), aggregator }
  })
  const sources = new Set(inputs.flatMap(({ input }) => [...input.sourceNodes]))
  b.topology.copartition(sources)
  const names = inputs.map(({ input, aggregator }, i) => {
    const name = named !== undefined ? `${named}-cogroup-agg-${i}` : b.names.processorName(AGGREGATE_NAME)
    b.topology.addProcessor(name, parts.processor(m.name, aggregator), input.name)
    return name
  })
  parts.addStore(names)
  const merge = named !== undefined ? `${named}-cogroup-merge` : b.names.processorName(MERGE_NAME)
  b.topology.addProcessor(merge, () => new PassThrough(), ...names)
  const table = new KTable<KT, VOut>(b, merge, parts.keySerde as Serde<KT> | undefined, valueSerde, sources, parts.valueGetter, m.name)
  if (parts.info !== undefined) table.windowedAggregation = { ...parts.info, processorName: merge }
  return table
}

/**
 * Every aggregate processor of a cogroup writes the shared store: with caching, all of them hold
 * their updates in one cache namespace (Kafka Streams has one cached store), flushed once per key.
 */
function cacheAll(b: BuilderInternals, storeName: string, names: readonly string[], keySerde: Serde<unknown> | undefined, valueSerde: Serde<unknown> | undefined, enabled: boolean): void {
  if (!enabled) return
  for (const name of names) b.topology.cacheForwards(name, { storeName, keySerde, valueSerde })
}

/** Checks a `named` argument (Kafka Streams' Named): a non-empty string when given. */
function checkNamed(named: string | undefined): void {
  if (named !== undefined && (typeof named !== 'string' || named.length === 0)) {
    throw new InvalidArgumentError(`named must be a non-empty string, got ${String(named)}`)
  }
}

/**
 * Grouped streams cogrouped into one aggregate per key: from `KGroupedStream.cogroup(aggregator)`,
 * more streams are added with {@link cogroup}, then {@link aggregate} (or {@link windowedBy} first).
 */
export class CogroupedKStream<K, VOut> {
  readonly #b: BuilderInternals
  readonly #groups: Groups = new Map()

  /** @internal */
  constructor(b: BuilderInternals) {
    this.#b = b
  }

  /**
   * Adds a grouped stream (same key type, co-partitioned with the others) and the aggregator that
   * folds its values into the shared aggregate. Adding the same grouped stream again replaces its
   * aggregator, as in Kafka Streams.
   */
  cogroup<VIn>(grouped: KGroupedStream<K, VIn>, aggregator: (key: K, value: VIn, aggregate: VOut) => VOut): this {
    if (grouped === null || typeof grouped !== 'object' || !('internals' in grouped)) throw new InvalidArgumentError('cogroup: groupedStream must be a KGroupedStream')
    if (typeof aggregator !== 'function') throw new InvalidArgumentError('cogroup: aggregator must be a function')
    if (grouped.internals.stream.b !== this.#b) throw new InvalidArgumentError('cogroup: the grouped stream belongs to another StreamsBuilder')
    this.#groups.set(grouped as unknown as KGroupedStream<unknown, unknown>, aggregator as Aggregator)
    return this
  }

  /**
   * Aggregates per key: records with a null key or value are skipped; each record's aggregator
   * (that of its grouped stream) folds it into the key's aggregate, starting from `initializer()`.
   * `named` names the processors (`<named>-cogroup-agg-<i>`, `<named>-cogroup-merge`).
   */
  aggregate(initializer: () => VOut, materialized?: MaterializedArg<K, VOut>, named?: string): KTable<K, VOut> {
    if (typeof initializer !== 'function') throw new InvalidArgumentError('aggregate: initializer must be a function')
    checkNamed(named)
    const b = this.#b
    const m = resolveMaterialized(b, materialized, AGGREGATE_NAME) as ResolvedMaterialized<unknown, VOut>
    const { keySerde, valueSerde } = storeSerdes(this.#groups, m)
    // On a versioned store (never cached, as Kafka Streams): a versioned result table.
    const versioned = versionedSupplierOf(m.options)
    return buildCogroup<K, VOut>(b, this.#groups, m, named, valueSerde, {
      processor: (store, aggregator) => () => new StreamAggregate(store, initializer, aggregator),
      addStore: (names) => {
        if (versioned !== undefined) {
          addVersionedStore(b, versioned, m.options, keySerde, valueSerde, ...names)
          return
        }
        // Caching is set up here for every aggregate processor, not only the first.
        addDslStore(b, { ...m, options: { ...m.options, cachingEnabled: false } }, keySerde, valueSerde, ...names)
        const spec = { keySerde: (m.options.key ?? keySerde) as Serde<unknown> | undefined, valueSerde: (m.options.value ?? valueSerde) as Serde<unknown> | undefined }
        cacheAll(b, m.name, names, spec.keySerde, spec.valueSerde, m.options.cachingEnabled !== false)
      },
      keySerde,
      valueGetter: versioned !== undefined ? versionedStoreGetter(m.name) : storeGetter(m.name),
    })
  }

  /** Aggregates per key and session window: gives a {@link SessionWindowedCogroupedKStream}. */
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, VOut>
  /** Aggregates per key and time window (tumbling, hopping, unlimited, calendar) or sliding window. */
  windowedBy(windows: Windows | SlidingWindows): TimeWindowedCogroupedKStream<K, VOut>
  windowedBy(windows: Windows | SlidingWindows | SessionWindows): TimeWindowedCogroupedKStream<K, VOut> | SessionWindowedCogroupedKStream<K, VOut> {
    if (windows == null) throw new InvalidArgumentError('windowedBy: windows must be given')
    return windows instanceof SessionWindows
      ? new SessionWindowedCogroupedKStream<K, VOut>(this.#b, this.#groups, windows)
      : new TimeWindowedCogroupedKStream<K, VOut>(this.#b, this.#groups, windows)
  }
}

/** A cogroup aggregated per key and time or sliding window. From `CogroupedKStream.windowedBy`. */
export class TimeWindowedCogroupedKStream<K, VOut> {
  readonly #b: BuilderInternals
  readonly #groups: Groups
  readonly #windows: Windows | SlidingWindows

  /** @internal */
  constructor(b: BuilderInternals, groups: Groups, windows: Windows | SlidingWindows) {
    this.#b = b
    this.#groups = groups
    this.#windows = windows
  }

  /**
   * Folds the records of each key and window into an aggregate starting from `initializer()`,
   * each with its grouped stream's aggregator; results are forwarded on every update, stamped
   * with the largest record timestamp of the window (as the single-stream windowed aggregate).
   */
  aggregate(initializer: () => VOut, materialized?: MaterializedArg<K, VOut>, named?: string): KTable<Windowed<K>, VOut> {
    if (typeof initializer !== 'function') throw new InvalidArgumentError('aggregate: initializer must be a function')
    checkNamed(named)
    const b = this.#b
    const windows = this.#windows
    const m = resolveMaterialized(b, materialized, AGGREGATE_NAME) as ResolvedMaterialized<unknown, VOut>
    const { keySerde, valueSerde } = storeSerdes(this.#groups, m)
    const { retention, size, windowEnd } = timeWindowedStoreLayout(windows, m)
    const sliding = windows instanceof SlidingWindows
    const strategy = EmitStrategy.onWindowUpdate()
    const tableKeySerde = windowedKeySerde(keySerde, size)
    return buildCogroup<Windowed<K>, VOut>(b, this.#groups, m, named, valueSerde, {
      processor: (store, aggregator) => {
        const agg: WindowAggregation = { initializer, aggregator }
        return () => (sliding ? new SlidingWindowAggregate(store, windows, strategy, agg) : new WindowAggregate(store, windows as Windows, strategy, agg))
      },
      addStore: (names) => {
        addWindowAggregationStore(b, m, { retentionMs: retention, windowSizeMs: size, windowEnd, keySerde, valueSerde, processorName: names[0], timeOrdered: false })
        for (const name of names.slice(1)) b.topology.connectProcessorAndStateStores(name, m.name)
        cacheAll(b, m.name, names, tableKeySerde as Serde<unknown>, valueSerde as Serde<unknown> | undefined, m.options.cachingEnabled !== false)
      },
      keySerde: tableKeySerde,
      valueGetter: windowValueGetter(m.name),
      info: { windowedKeys: true, kind: sliding ? 'sliding' : 'time', graceMs: windows.gracePeriodMs() },
    })
  }
}

/** A cogroup aggregated per key and session. From `CogroupedKStream.windowedBy(SessionWindows...)`. */
export class SessionWindowedCogroupedKStream<K, VOut> {
  readonly #b: BuilderInternals
  readonly #groups: Groups
  readonly #windows: SessionWindows

  /** @internal */
  constructor(b: BuilderInternals, groups: Groups, windows: SessionWindows) {
    this.#b = b
    this.#groups = groups
    this.#windows = windows
  }

  /**
   * Folds the records of each key and session into an aggregate starting from `initializer()`,
   * each with its grouped stream's aggregator; when a record joins sessions, `merger` combines
   * their aggregates. Results are forwarded on every update, stamped with the session's end.
   */
  aggregate(
    initializer: () => VOut,
    merger: (key: K, aggregate1: VOut, aggregate2: VOut) => VOut,
    materialized?: MaterializedArg<K, VOut>,
    named?: string,
  ): KTable<Windowed<K>, VOut> {
    if (typeof initializer !== 'function') throw new InvalidArgumentError('aggregate: initializer must be a function')
    if (typeof merger !== 'function') throw new InvalidArgumentError('aggregate: sessionMerger must be a function')
    checkNamed(named)
    const b = this.#b
    const windows = this.#windows
    const m = resolveMaterialized(b, materialized, AGGREGATE_NAME) as ResolvedMaterialized<unknown, VOut>
    const { keySerde, valueSerde } = storeSerdes(this.#groups, m)
    const retention = sessionStoreRetention(windows, m)
    const strategy = EmitStrategy.onWindowUpdate()
    const tableKeySerde = windowedKeySerde(keySerde, 'session')
    return buildCogroup<Windowed<K>, VOut>(b, this.#groups, m, named, valueSerde, {
      // The store's retention: the supplier's when the Materialized names one (as in Kafka Streams).
      processor: (store, aggregator) => () => new SessionWindowAggregate(store, windows, strategy, { initializer, aggregator }, merger as SessionMerger, supplierRetention(m) ?? retention),
      addStore: (names) => {
        addSessionAggregationStore(b, m, { retentionMs: retention, keySerde, valueSerde, processorName: names[0], timeOrdered: false })
        for (const name of names.slice(1)) b.topology.connectProcessorAndStateStores(name, m.name)
        cacheAll(b, m.name, names, tableKeySerde as Serde<unknown>, valueSerde as Serde<unknown> | undefined, m.options.cachingEnabled !== false)
      },
      keySerde: tableKeySerde,
      valueGetter: sessionValueGetter(m.name),
      info: { windowedKeys: true, kind: 'session', graceMs: windows.inactivityGap() + windows.gracePeriodMs() },
    })
  }
}
