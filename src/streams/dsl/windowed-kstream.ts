/**
 * Windowed grouped streams (Kafka Streams' TimeWindowedKStream, SlidingWindowedKStream and
 * SessionWindowedKStream): `groupByKey().windowedBy(windows)` then count, reduce or aggregate,
 * giving a `KTable<Windowed<K>, V>` backed by a timestamped window store or a session store.
 * Generated names follow Kafka Streams' DSL (store, then processor, then repartition topic).
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { ProcessorSupplier } from '../processor.js'
import type { Serde } from '../serde.js'
import { Serdes } from '../serde.js'
import { Prefix } from '../topology/naming.js'
import type { Windowed } from '../windowed.js'
import type { KStream } from './kstream.js'
import { KTable } from './ktable.js'
import type { BuilderInternals, MaterializedArg, ResolvedMaterialized } from './options.js'
import type { ValueGetterSupplier } from './processors.js'
import { isUnnamedMaterialized, resolveMaterialized } from './options.js'
import { SessionWindowAggregate, type SessionMerger } from './session-window-aggregate.js'
import { SlidingWindowAggregate } from './sliding-window-aggregate.js'
import { WindowAggregate, type WindowAggregation } from './window-aggregate.js'
import type { WindowedAggregationInfo } from './windowed-aggregation-info.js'
import { addSessionAggregationStore, addWindowAggregationStore, sessionValueGetter, windowValueGetter, windowedKeySerde } from './windowed-store-registration.js'
import { EmitStrategy, SessionWindows, SlidingWindows, TimeWindows, UnlimitedWindows, type Windows } from './windows.js'

type Supplier = ProcessorSupplier<unknown, unknown, unknown, unknown>

/** @internal What a windowed stream takes over from its KGroupedStream. */
export interface GroupedStreamInternals<K, V> {
  readonly stream: KStream<K, V>
  readonly keySerde: Serde<K> | undefined
  readonly valueSerde: Serde<V> | undefined
  /** Grouped name (names the repartition topic). */
  readonly name: string | undefined
}

const COUNT: WindowAggregation = { initializer: () => 0, aggregator: (_k, _v, agg) => (agg as number) + 1 }

/** Kafka Streams' reduce as an aggregation: null initial aggregate, the first value becomes it. */
function reduceAggregation<K, V>(reducer: (aggregate: V, value: V, key: K) => V): WindowAggregation {
  return {
    initializer: () => null,
    aggregator: (key, value, agg) => (agg == null ? value : reducer(agg as V, value as V, key as K)),
  }
}

/** The store options of a windowed aggregation's Materialized. */
function materializedOptions<K, V>(m: ResolvedMaterialized<K, V>): { retentionMs: number | undefined } {
  const r = m.options.retentionMs
  if (r !== undefined && (!Number.isSafeInteger(r) || r < 0)) throw new InvalidArgumentError(`Materialized retentionMs must be a whole number of ms >= 0, got ${String(r)}`)
  return { retentionMs: r }
}

/**
 * @internal Retention, window size and (for windows of variable length) window end of a time or
 * sliding window aggregation's store, checked against the windows (Kafka Streams' checks).
 */
export function timeWindowedStoreLayout<K, V>(
  windows: Windows | SlidingWindows,
  m: ResolvedMaterialized<K, V>,
): { retention: number; size: number; windowEnd: ((start: number) => number) | undefined } {
  const { retentionMs } = materializedOptions(m)
  if (windows instanceof SlidingWindows) {
    const d = windows.timeDifferenceMs
    const retention = retentionMs ?? 2 * d + windows.gracePeriodMs()
    // Windows needed to create new sliding windows start as early as record time - 2 x d.
    if (2 * d + windows.gracePeriodMs() > retention) {
      throw new InvalidArgumentError(
        `The retention period of the window store ${m.name} must be no smaller than 2 * time difference plus the grace period. Got time difference=[${d}], grace=[${windows.gracePeriodMs()}], retention=[${retention}]`,
      )
    }
    return { retention, size: d, windowEnd: undefined }
  }
  const size = windows.size()
  const retention = retentionMs ?? size + windows.gracePeriodMs()
  if (size + windows.gracePeriodMs() > retention) {
    throw new InvalidArgumentError(
      `The retention period of the window store ${m.name} must be no smaller than its window size plus the grace period. Got size=[${size}], grace=[${windows.gracePeriodMs()}], retention=[${retention}]`,
    )
  }
  // Windows of variable length (e.g. calendar windows) tell the store each window's end.
  const windowEnd =
    windows instanceof TimeWindows || windows instanceof UnlimitedWindows
      ? undefined
      : (start: number) => windows.windowsFor(start).find((w) => w.start === start)?.end ?? start + size
  return { retention, size, windowEnd }
}

/** @internal Retention of a session aggregation's store, checked against gap and grace (Kafka Streams' check). */
export function sessionStoreRetention<K, V>(windows: SessionWindows, m: ResolvedMaterialized<K, V>): number {
  const { retentionMs } = materializedOptions(m)
  const gap = windows.inactivityGap()
  const grace = windows.gracePeriodMs()
  const retention = retentionMs ?? gap + grace
  if (gap + grace > retention) {
    throw new InvalidArgumentError(
      `The retention period of the session store ${m.name} must be no smaller than the session inactivity gap plus the grace period. Got gap=[${gap}], grace=[${grace}], retention=[${retention}]`,
    )
  }
  return retention
}

/** @internal The retention of the store supplier a Materialized names, if any. */
export function supplierRetention(m: ResolvedMaterialized<unknown, unknown>): number | undefined {
  const supplier = m.options.supplier
  return supplier !== undefined && 'retentionPeriod' in supplier ? supplier.retentionPeriod : undefined
}

/** What a windowed stream contributes to {@link WindowedStreamBase.build}: processor, store, key serde. */
interface AggregationParts<K> {
  supplier: (store: string) => Supplier
  addStore: (processorName: string) => void
  info: Omit<WindowedAggregationInfo, 'processorName'>
  keySerde: Serde<Windowed<K>> | undefined
  valueGetter: ValueGetterSupplier
  /** Time windows: the record cache sits in front of the window store (also with emit on close). */
  cachingStore?: boolean
}

/** Shared by time and session windowed streams: naming, repartitioning and the resulting table. */
abstract class WindowedStreamBase<K, V> {
  /** @internal */
  protected readonly g: GroupedStreamInternals<K, V>
  /** @internal */
  protected strategy: EmitStrategy = EmitStrategy.onWindowUpdate()

  /** @internal */
  constructor(grouped: GroupedStreamInternals<K, V>) {
    this.g = grouped
  }

  /**
   * Resolves the store (burning a name first where Kafka Streams' count does), names the
   * processor, repartitions if needed and wires processor and store.
   */
  protected build<VA>(
    prefix: string,
    materialized: MaterializedArg<K, VA> | undefined,
    burnStoreName: boolean,
    defaultValueSerde: Serde<VA> | undefined,
    register: (m: ResolvedMaterialized<K, VA>, keySerde: Serde<K> | undefined, valueSerde: Serde<VA> | undefined) => AggregationParts<K>,
  ): KTable<Windowed<K>, VA> {
    const b: BuilderInternals = this.g.stream.b
    // Kafka Streams' windowed count(materialized) used to take a store name: it still burns one.
    if (burnStoreName && isUnnamedMaterialized(materialized as MaterializedArg<unknown, unknown> | undefined)) b.names.storeName(prefix)
    const m = resolveMaterialized(b, materialized, prefix)
    const keySerde = m.options.key ?? this.g.keySerde
    const valueSerde = m.options.value ?? defaultValueSerde
    const r = register(m, keySerde, valueSerde)
    const name = b.names.processorName(prefix)
    const input = this.g.stream.repartitionedIfRequired(this.g.name ?? m.name, this.g.keySerde, this.g.valueSerde)
    b.topology.addProcessor(name, r.supplier(m.name), input.name)
    r.addStore(name)
    // Emit-on-update results go through the record cache, as Kafka Streams caches window and
    // session stores; a time-window store is cached with emit on close too (its reads see the cache).
    const onClose = this.strategy.type === 'on-window-close'
    if (m.options.cachingEnabled !== false && (r.cachingStore === true || !onClose)) {
      b.topology.cacheForwards(name, {
        storeName: m.name,
        keySerde: r.keySerde as Serde<unknown> | undefined,
        valueSerde: valueSerde as Serde<unknown> | undefined,
        windowStore: r.cachingStore === true ? (onClose ? 'on-close' : 'on-update') : undefined,
      })
    }
    const table = new KTable<Windowed<K>, VA>(b, name, r.keySerde, valueSerde, input.sourceNodes, r.valueGetter, m.name)
    table.windowedAggregation = { ...r.info, processorName: name }
    return table
  }
}

/**
 * A stream grouped by key and by time windows (tumbling, hopping, unlimited, or sliding), ready
 * to aggregate per key and window. From `KGroupedStream.windowedBy(windows)`.
 */
export class TimeWindowedKStream<K, V> extends WindowedStreamBase<K, V> {
  readonly #windows: Windows | SlidingWindows

  /** @internal */
  constructor(grouped: GroupedStreamInternals<K, V>, windows: Windows | SlidingWindows) {
    super(grouped)
    this.#windows = windows
  }

  /**
   * When results are forwarded: on every update (default) or once per window when it closes
   * (`EmitStrategy.onWindowClose()`, not for UnlimitedWindows, which never close).
   */
  emitStrategy(strategy: EmitStrategy): this {
    if (this.#windows instanceof UnlimitedWindows && strategy.type === 'on-window-close') {
      throw new InvalidArgumentError('ON_WINDOW_CLOSE emit strategy cannot be used for UnlimitedWindows')
    }
    this.strategy = strategy
    return this
  }

  /** Records per key and window (null keys are dropped). Values are int64 by default. */
  count(materialized?: MaterializedArg<K, number>): KTable<Windowed<K>, number> {
    // Kafka Streams' time-windowed count burns a name for an unnamed Materialized; its sliding one does not.
    return this.#aggregate<number>(Prefix.AGGREGATE, materialized, !(this.#windows instanceof SlidingWindows), Serdes.int64(), COUNT)
  }

  /** Combines the values of each key and window; the first value is the initial aggregate. */
  reduce(reducer: (aggregate: V, value: V, key: K) => V, materialized?: MaterializedArg<K, V>): KTable<Windowed<K>, V> {
    return this.#aggregate<V>(Prefix.REDUCE, materialized, false, this.g.valueSerde, reduceAggregation(reducer))
  }

  /** Folds the values of each key and window into an aggregate, starting from `initializer()`. */
  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, materialized?: MaterializedArg<K, VA>): KTable<Windowed<K>, VA> {
    return this.#aggregate<VA>(Prefix.AGGREGATE, materialized, false, undefined, {
      initializer,
      aggregator: aggregator as WindowAggregation['aggregator'],
    })
  }

  #aggregate<VA>(prefix: string, materialized: MaterializedArg<K, VA> | undefined, burn: boolean, defaultValueSerde: Serde<VA> | undefined, agg: WindowAggregation): KTable<Windowed<K>, VA> {
    const windows = this.#windows
    const strategy = this.strategy
    return this.build<VA>(prefix, materialized, burn, defaultValueSerde, (m, keySerde, valueSerde) => {
      const { retention, size, windowEnd } = timeWindowedStoreLayout(windows, m)
      const sliding = windows instanceof SlidingWindows
      return {
        supplier: (store) => () => (sliding ? new SlidingWindowAggregate(store, windows, strategy, agg) : new WindowAggregate(store, windows as Windows, strategy, agg)),
        addStore: (processorName) => addWindowAggregationStore(this.g.stream.b, m, {
            retentionMs: retention,
            windowSizeMs: size,
            windowEnd,
            keySerde,
            valueSerde,
            processorName,
            timeOrdered: strategy.type === 'on-window-close',
          }),
        info: { windowedKeys: true, kind: sliding ? 'sliding' : 'time', graceMs: windows.gracePeriodMs() },
        keySerde: windowedKeySerde(keySerde, size),
        valueGetter: windowValueGetter(m.name),
        cachingStore: !sliding,
      }
    })
  }
}

/**
 * A stream grouped by key and by sessions of activity, ready to aggregate per key and session.
 * From `KGroupedStream.windowedBy(SessionWindows...)`.
 */
export class SessionWindowedKStream<K, V> extends WindowedStreamBase<K, V> {
  readonly #windows: SessionWindows

  /** @internal */
  constructor(grouped: GroupedStreamInternals<K, V>, windows: SessionWindows) {
    super(grouped)
    this.#windows = windows
  }

  /** When results are forwarded: on every update (default) or once per session when it closes. */
  emitStrategy(strategy: EmitStrategy): this {
    this.strategy = strategy
    return this
  }

  /** Records per key and session (null keys are dropped). Values are int64 by default. */
  count(materialized?: MaterializedArg<K, number>): KTable<Windowed<K>, number> {
    return this.#aggregate<number>(Prefix.AGGREGATE, materialized, true, Serdes.int64(), COUNT, (_k, a, b) => (a as number) + (b as number))
  }

  /** Combines the values of each key and session; merged sessions are combined with the reducer too. */
  reduce(reducer: (aggregate: V, value: V, key: K) => V, materialized?: MaterializedArg<K, V>): KTable<Windowed<K>, V> {
    const agg = reduceAggregation(reducer)
    // Kafka Streams' merger for reduce: the reducer applied to the two aggregates.
    return this.#aggregate<V>(Prefix.REDUCE, materialized, false, this.g.valueSerde, agg, (key, one, two) => agg.aggregator(key, two, one))
  }

  /**
   * Folds the values of each key and session into an aggregate; when a record joins sessions,
   * `merger` combines their aggregates.
   */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    merger: (key: K, aggregate1: VA, aggregate2: VA) => VA,
    materialized?: MaterializedArg<K, VA>,
  ): KTable<Windowed<K>, VA> {
    return this.#aggregate<VA>(
      Prefix.AGGREGATE,
      materialized,
      false,
      undefined,
      { initializer, aggregator: aggregator as WindowAggregation['aggregator'] },
      merger as SessionMerger,
    )
  }

  #aggregate<VA>(
    prefix: string,
    materialized: MaterializedArg<K, VA> | undefined,
    burn: boolean,
    defaultValueSerde: Serde<VA> | undefined,
    agg: WindowAggregation,
    merger: SessionMerger,
  ): KTable<Windowed<K>, VA> {
    const windows = this.#windows
    const strategy = this.strategy
    return this.build<VA>(prefix, materialized, burn, defaultValueSerde, (m, keySerde, valueSerde) => {
      const retention = sessionStoreRetention(windows, m)
      const gap = windows.inactivityGap()
      const grace = windows.gracePeriodMs()
      return {
        // The store's retention: the supplier's when the Materialized names one (as in Kafka Streams).
        supplier: (store) => () => new SessionWindowAggregate(store, windows, strategy, agg, merger, supplierRetention(m) ?? retention),
        addStore: (processorName) => addSessionAggregationStore(this.g.stream.b, m, { retentionMs: retention, keySerde, valueSerde, processorName, timeOrdered: strategy.type === 'on-window-close' }),
        info: { windowedKeys: true, kind: 'session', graceMs: gap + grace },
        keySerde: windowedKeySerde(keySerde, 'session'),
        valueGetter: sessionValueGetter(m.name),
      }
    })
  }
}
