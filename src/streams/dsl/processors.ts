/**
 * The processors behind DSL operations. Each is small and allocates only the records it forwards.
 * KTable processors forward `Change` values (new and old), as Kafka Streams does, so downstream
 * aggregations can subtract the old value and add the new one.
 */
import type { Processor, ProcessorContext } from '../processor.js'
import type { Change, KeyValue, Record } from '../record.js'
import type { KeyValueStore } from '../state/store.js'
import type { StreamExport } from '../stream-export.js'
import type { TimestampedKeyValueStore } from '../state/timestamped.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import { droppedOutOfOrder, isVersionedGetter, type VersionedValueGetterSupplier } from './versioned-table.js'
import { SerdeVersionedKeyValueStore } from '../state/versioned-store-builder.js'
import { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED, type VersionedKeyValueStore } from '../state/versioned-store.js'

type Ctx = ProcessorContext<unknown, unknown>
type Rec = Record<unknown, unknown>
type ChangeRec = Record<unknown, Change<unknown>>

/** Base: keeps the context. */
abstract class Base<KIn = unknown, VIn = unknown> implements Processor<KIn, VIn, unknown, unknown> {
  protected ctx!: Ctx
  init(context: Ctx): void {
    this.ctx = context
  }
  abstract process(record: Record<KIn, VIn>): void
}

/**
 * An aggregation processor on its DSL store, opened in init(): a timestamped key-value store, or a
 * versioned one (Kafka Streams' KeyValueStoreWrapper): then an aggregate the store refuses (older
 * than its history retention) is not forwarded, and the others carry `isLatest`.
 */
abstract class StoreProcessor<KIn = unknown, VIn = unknown> extends Base<KIn, VIn> {
  #plain: TimestampedKeyValueStore<unknown, unknown> | undefined
  #versioned: VersionedKeyValueStore<unknown, unknown> | undefined
  constructor(private readonly storeName: string) {
    super()
  }
  override init(context: Ctx): void {
    super.init(context)
    const store = context.getStateStore<TimestampedKeyValueStore<unknown, unknown> | SerdeVersionedKeyValueStore<unknown, unknown>>(this.storeName)
    if (store instanceof SerdeVersionedKeyValueStore) this.#versioned = store
    else this.#plain = store
  }
  /** The stored aggregate and its timestamp (a versioned store's latest version). */
  protected read(key: unknown): ValueAndTimestamp<unknown> | null {
    if (this.#plain !== undefined) return this.#plain.get(key)
    const v = this.#versioned!.get(key)
    return v === null ? null : { value: v.value, timestamp: v.timestamp }
  }
  /** Stores the new aggregate (null deletes) and forwards its change at `timestamp`. */
  protected writeAndForward(r: Record<unknown, unknown>, newValue: unknown, oldValue: unknown, timestamp: number): void {
    const change: Change<unknown> = { newValue, oldValue }
    if (this.#plain !== undefined) this.#plain.put(r.key, newValue === null ? null : { value: newValue, timestamp })
    else {
      const code = this.#versioned!.put(r.key, newValue, timestamp)
      if (code === PUT_RETURN_CODE_NOT_PUT) return
      change.isLatest = code === PUT_RETURN_CODE_VALID_TO_UNDEFINED
    }
    this.ctx.forward({ key: r.key, value: change, timestamp, headers: r.headers })
  }
}

export class PassThrough extends Base {
  process(r: Rec): void {
    this.ctx.forward(r)
  }
}

export class Filter extends Base {
  constructor(
    private readonly predicate: (key: unknown, value: unknown) => boolean,
    private readonly not: boolean,
  ) {
    super()
  }
  process(r: Rec): void {
    if (this.predicate(r.key, r.value) !== this.not) this.ctx.forward(r)
  }
}

/** Drops null keys before a repartition topic (as Java's repartition filter does). */
export class NullKeyFilter extends Base {
  process(r: Rec): void {
    if (r.key != null) this.ctx.forward(r)
  }
}

export class MapKV extends Base {
  constructor(private readonly mapper: (key: unknown, value: unknown) => KeyValue<unknown, unknown>) {
    super()
  }
  process(r: Rec): void {
    const kv = this.mapper(r.key, r.value)
    this.ctx.forward({ key: kv.key, value: kv.value, timestamp: r.timestamp, headers: r.headers })
  }
}

export class MapValues extends Base {
  constructor(private readonly mapper: (value: unknown, key: unknown) => unknown) {
    super()
  }
  process(r: Rec): void {
    this.ctx.forward({ key: r.key, value: this.mapper(r.value, r.key), timestamp: r.timestamp, headers: r.headers })
  }
}

export class FlatMap extends Base {
  constructor(private readonly mapper: (key: unknown, value: unknown) => Iterable<KeyValue<unknown, unknown>>) {
    super()
  }
  process(r: Rec): void {
    for (const kv of this.mapper(r.key, r.value)) this.ctx.forward({ key: kv.key, value: kv.value, timestamp: r.timestamp, headers: r.headers })
  }
}

export class FlatMapValues extends Base {
  constructor(private readonly mapper: (value: unknown, key: unknown) => Iterable<unknown>) {
    super()
  }
  process(r: Rec): void {
    for (const v of this.mapper(r.value, r.key)) this.ctx.forward({ key: r.key, value: v, timestamp: r.timestamp, headers: r.headers })
  }
}

export class SelectKey extends Base {
  constructor(private readonly selector: (key: unknown, value: unknown) => unknown) {
    super()
  }
  process(r: Rec): void {
    this.ctx.forward({ key: this.selector(r.key, r.value), value: r.value, timestamp: r.timestamp, headers: r.headers })
  }
}

export class Peek extends Base {
  constructor(
    private readonly action: (key: unknown, value: unknown) => void,
    private readonly forward: boolean,
  ) {
    super()
  }
  process(r: Rec): void {
    this.action(r.key, r.value)
    if (this.forward) this.ctx.forward(r)
  }
}

/** Hands each record to an in-process reader (`KStream.toAsyncIterable()`). */
export class ExportSink extends Base {
  constructor(private readonly target: StreamExport<unknown, unknown>) {
    super()
  }
  process(r: Rec): void {
    this.target.push(r)
  }
}

/** Java's KStreamBranch: the first matching predicate's child gets the record, else the default. */
export class Branch extends Base {
  constructor(
    private readonly predicates: ReadonlyArray<(key: unknown, value: unknown) => boolean>,
    private readonly children: readonly string[],
    private readonly defaultChild: () => string | undefined,
  ) {
    super()
  }
  process(r: Rec): void {
    for (let i = 0; i < this.predicates.length; i++) {
      if (this.predicates[i](r.key, r.value)) {
        this.ctx.forward(r, this.children[i])
        return
      }
    }
    const d = this.defaultChild()
    if (d !== undefined) this.ctx.forward(r, d)
  }
}

/** KStream aggregation (count and aggregate): skips null keys and values. */
export class StreamAggregate extends StoreProcessor {
  constructor(
    storeName: string,
    private readonly initializer: () => unknown,
    private readonly aggregator: (key: unknown, value: unknown, aggregate: unknown) => unknown,
  ) {
    super(storeName)
  }
  process(r: Rec): void {
    if (r.key == null || r.value == null) return
    const stored = this.read(r.key)
    const old = stored === null ? null : stored.value
    const newAgg = this.aggregator(r.key, r.value, old ?? this.initializer())
    // The aggregate is as new as the newest record in it (Kafka Streams' KStreamAggregate).
    const timestamp = stored === null ? r.timestamp : Math.max(r.timestamp, stored.timestamp)
    this.writeAndForward(r, newAgg, old, timestamp)
  }
}

/** KStream reduce: the first value is the initial aggregate. */
export class StreamReduce extends StoreProcessor {
  constructor(
    storeName: string,
    private readonly reducer: (aggregate: unknown, value: unknown, key: unknown) => unknown,
  ) {
    super(storeName)
  }
  process(r: Rec): void {
    if (r.key == null || r.value == null) return
    const stored = this.read(r.key)
    const old = stored === null ? null : stored.value
    const newAgg = old === null ? r.value : this.reducer(old, r.value, r.key)
    const timestamp = stored === null ? r.timestamp : Math.max(r.timestamp, stored.timestamp)
    this.writeAndForward(r, newAgg, old, timestamp)
  }
}

/**
 * Materializes a stream of upserts (table source, toTable, a foreign-key join's result): a null
 * value deletes. As in Kafka Streams, a table that nothing materializes (no user-given store name,
 * no groupBy, join or suppress reading it) has no store: it forwards its updates without old values.
 */
export class TableSource extends Base {
  #store: TimestampedKeyValueStore<unknown, unknown> | undefined
  constructor(
    private readonly storeName: string,
    private readonly stored: () => boolean = () => true,
  ) {
    super()
  }
  override init(context: Ctx): void {
    super.init(context)
    if (this.stored()) this.#store = context.getStateStore(this.storeName)
  }
  process(r: Rec): void {
    if (r.key == null) return
    const value = r.value ?? null
    let old: unknown = null
    if (this.#store !== undefined) {
      const stored = this.#store.get(r.key)
      old = stored === null ? null : stored.value
      this.#store.put(r.key, value === null ? null : { value, timestamp: r.timestamp })
    }
    this.ctx.forward({ key: r.key, value: { newValue: value, oldValue: old }, timestamp: r.timestamp, headers: r.headers })
  }
}

/**
 * KTable filter. With old values (see old-values.ts) an update that was and stays filtered out is
 * dropped; without, every filtered-out update is forwarded as a delete (Kafka Streams' KTableFilter).
 */
export class TableFilter extends Base<unknown, Change<unknown>> {
  constructor(
    private readonly predicate: (key: unknown, value: unknown) => boolean,
    private readonly not: boolean,
    private readonly sendOldValues: boolean,
  ) {
    super()
  }
  private pass(key: unknown, v: unknown): unknown {
    return v !== null && this.predicate(key, v) !== this.not ? v : null
  }
  process(r: ChangeRec): void {
    const newValue = this.pass(r.key, r.value.newValue)
    const oldValue = this.sendOldValues ? this.pass(r.key, r.value.oldValue) : null
    // With old values, an update that was and stays filtered out is dropped; changes of a
    // versioned table (they carry isLatest) are forwarded even then, as Kafka Streams' filter
    // with versioned semantics.
    if (this.sendOldValues && newValue === null && oldValue === null && r.value.isLatest === undefined) return
    this.ctx.forward({ key: r.key, value: withIsLatest({ newValue, oldValue }, r.value), timestamp: r.timestamp, headers: r.headers })
  }
}

/** `change` with the `isLatest` flag of `from` (versioned tables), when it has one. */
function withIsLatest(change: Change<unknown>, from: Change<unknown>): Change<unknown> {
  if (from.isLatest !== undefined) change.isLatest = from.isLatest
  return change
}

export class TableMapValues extends Base<unknown, Change<unknown>> {
  constructor(private readonly mapper: (value: unknown, key: unknown) => unknown) {
    super()
  }
  process(r: ChangeRec): void {
    const { newValue, oldValue } = r.value
    this.ctx.forward({
      key: r.key,
      value: withIsLatest({ newValue: newValue === null ? null : this.mapper(newValue, r.key), oldValue: oldValue === null ? null : this.mapper(oldValue, r.key) }, r.value),
      timestamp: r.timestamp,
      headers: r.headers,
    })
  }
}

export class TableToStream extends Base<unknown, Change<unknown>> {
  process(r: ChangeRec): void {
    this.ctx.forward({ key: r.key, value: r.value.newValue, timestamp: r.timestamp, headers: r.headers })
  }
}

/**
 * KTable.groupBy: maps old and new values to (key, value) pairs. Same key: one record with both;
 * different keys: the old pair (to subtract) first, then the new one (Java's KTableRepartitionMap).
 */
export class TableRepartitionMap extends Base<unknown, Change<unknown>> {
  constructor(private readonly selector: (key: unknown, value: unknown) => KeyValue<unknown, unknown>) {
    super()
  }
  process(r: ChangeRec): void {
    // Aggregates of a versioned table count its latest values only (KIP-914).
    if (droppedOutOfOrder(this.ctx, r.value)) return
    const { newValue, oldValue } = r.value
    const n = newValue === null ? null : this.selector(r.key, newValue)
    const o = oldValue === null ? null : this.selector(r.key, oldValue)
    const nOk = n !== null && n.key != null && n.value != null
    const oOk = o !== null && o.key != null && o.value != null
    if (nOk && oOk && Object.is(n.key, o.key)) {
      this.ctx.forward({ key: n.key, value: { newValue: n.value, oldValue: o.value }, timestamp: r.timestamp, headers: r.headers })
      return
    }
    if (oOk) this.ctx.forward({ key: o.key, value: { newValue: null, oldValue: o.value }, timestamp: r.timestamp, headers: r.headers })
    if (nOk) this.ctx.forward({ key: n.key, value: { newValue: n.value, oldValue: null }, timestamp: r.timestamp, headers: r.headers })
  }
}

/** KGroupedTable.aggregate: subtract the old value, then add the new one (Java's KTableAggregate). */
export class TableAggregate extends StoreProcessor<unknown, Change<unknown>> {
  constructor(
    storeName: string,
    private readonly initializer: () => unknown,
    private readonly adder: (key: unknown, value: unknown, aggregate: unknown) => unknown,
    private readonly subtractor: (key: unknown, value: unknown, aggregate: unknown) => unknown,
  ) {
    super(storeName)
  }
  process(r: ChangeRec): void {
    if (r.key == null) return
    const { newValue, oldValue } = r.value
    const stored = this.read(r.key)
    const oldAgg = stored === null ? null : stored.value
    const mid = oldValue !== null && oldAgg !== null ? this.subtractor(r.key, oldValue, oldAgg) : oldAgg
    const newAgg = newValue !== null ? this.adder(r.key, newValue, mid ?? this.initializer()) : mid
    // Kafka Streams' KTableAggregate: the stored aggregate's timestamp counts once it was subtracted from or added to.
    const timestamp = stored !== null && ((oldValue !== null && oldAgg !== null) || newValue !== null) ? Math.max(r.timestamp, stored.timestamp) : r.timestamp
    this.writeAndForward(r, newAgg ?? null, oldAgg, timestamp)
  }
}

/** KGroupedTable.reduce (Java's KTableReduce). */
export class TableReduce extends StoreProcessor<unknown, Change<unknown>> {
  constructor(
    storeName: string,
    private readonly adder: (aggregate: unknown, value: unknown) => unknown,
    private readonly subtractor: (aggregate: unknown, value: unknown) => unknown,
  ) {
    super(storeName)
  }
  process(r: ChangeRec): void {
    if (r.key == null) return
    const { newValue, oldValue } = r.value
    const stored = this.read(r.key)
    const oldAgg = stored === null ? null : stored.value
    const subtracted = oldValue !== null && oldAgg !== null
    const mid = subtracted ? this.subtractor(oldAgg, oldValue) : oldAgg
    const added = newValue !== null && mid != null
    const newAgg = newValue !== null ? (mid == null ? newValue : this.adder(mid, newValue)) : mid
    // Kafka Streams' KTableReduce: the stored aggregate's timestamp counts once it was subtracted from or added to.
    const timestamp = stored !== null && (subtracted || added) ? Math.max(r.timestamp, stored.timestamp) : r.timestamp
    this.writeAndForward(r, newAgg ?? null, oldAgg, timestamp)
  }
}

/**
 * Reads a KTable's current value for a key with the timestamp of the record that produced it
 * (through its store and any stateless table operations); null when the table has no row.
 */
export interface ValueGetter {
  init(context: Ctx): void
  get(key: unknown): ValueAndTimestamp<unknown> | null
}

/** Creates value getters for one table; `storeNames` must be connected to the reading processor. */
export interface ValueGetterSupplier {
  readonly storeNames: readonly string[]
  create(): ValueGetter
}

export function storeGetter(storeName: string): ValueGetterSupplier {
  return {
    storeNames: [storeName],
    create() {
      let store: TimestampedKeyValueStore<unknown, unknown>
      return {
        init: (ctx) => {
          store = ctx.getStateStore(storeName)
        },
        get: (key) => store.get(key),
      }
    },
  }
}

/** A getter mapping the parent's values; as-of reads of a versioned parent are mapped too (Kafka Streams' filter / mapValues getters). */
export function mappedGetter(parent: ValueGetterSupplier, map: (value: unknown, key: unknown) => unknown): ValueGetterSupplier {
  const apply = (v: ValueAndTimestamp<unknown> | null, key: unknown): ValueAndTimestamp<unknown> | null => {
    if (v === null) return null
    const mapped = map(v.value, key)
    return mapped === null ? null : { value: mapped, timestamp: v.timestamp }
  }
  if (isVersionedGetter(parent)) {
    const versioned: VersionedValueGetterSupplier = {
      storeNames: parent.storeNames,
      versioned: true,
      create() {
        const p = parent.create()
        return { init: (ctx) => p.init(ctx), get: (key) => apply(p.get(key), key), getAsOf: (key, ts) => apply(p.getAsOf(key, ts), key) }
      },
    }
    return versioned
  }
  return {
    storeNames: parent.storeNames,
    create() {
      const p = parent.create()
      return {
        init: (ctx) => p.init(ctx),
        get: (key) => apply(p.get(key), key),
      }
    },
  }
}

/** KStream-KTable join: the stream record looks up the table; table updates emit nothing. */
export class StreamTableJoin extends Base {
  private readonly getter: ValueGetter
  constructor(
    getter: ValueGetterSupplier,
    private readonly joiner: (value: unknown, tableValue: unknown, key: unknown) => unknown,
    private readonly left: boolean,
  ) {
    super()
    this.getter = getter.create()
  }
  override init(context: Ctx): void {
    super.init(context)
    this.getter.init(context)
  }
  process(r: Rec): void {
    if (r.value == null) return
    // A null key finds no row: a left join still emits (Kafka Streams since KIP-962), an inner join drops it.
    const other = r.key == null ? null : (this.getter.get(r.key)?.value ?? null)
    if (other === null && !this.left) return
    this.ctx.forward({ key: r.key, value: this.joiner(r.value, other, r.key), timestamp: r.timestamp, headers: r.headers })
  }
}

/** KStream-GlobalKTable join: the key selector maps the stream record to the global table's key. */
export class StreamGlobalJoin extends Base {
  // Global stores reach stream tasks as plain key-value stores.
  private store!: KeyValueStore<unknown, unknown>
  constructor(
    private readonly storeName: string,
    private readonly keySelector: (key: unknown, value: unknown) => unknown,
    private readonly joiner: (value: unknown, tableValue: unknown, key: unknown) => unknown,
    private readonly left: boolean,
  ) {
    super()
  }
  override init(context: Ctx): void {
    super.init(context)
    this.store = context.getStateStore(this.storeName)
  }
  process(r: Rec): void {
    if (r.value == null) return
    const gk = this.keySelector(r.key, r.value)
    const other = gk == null ? null : this.store.get(gk)
    if (other === null && !this.left) return
    this.ctx.forward({ key: r.key, value: this.joiner(r.value, other, r.key), timestamp: r.timestamp, headers: r.headers })
  }
}
