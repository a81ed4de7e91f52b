/**
 * Tables materialized on a versioned store (`builder.table(topic, consumed,
 * Materialized.as(Stores.persistentVersionedKeyValueStore(...)))`, `toTable` likewise), as Kafka
 * Streams' KTableSource does with a versioned store:
 * - every update is put into the store with its record timestamp; an out-of-order update (older
 *   than the key's latest version) becomes a historical version and does not replace the latest;
 * - an update the store refuses (older than the history retention) is not forwarded;
 * - the rest are forwarded with `isLatest` (false for out-of-order updates): stateless table
 *   operations pass it on, table-table joins drop changes that are not the latest;
 * - versioned stores are never cached (Kafka Streams does not cache them): every update is
 *   forwarded at once.
 * The table's value getter answers as-of reads, used by temporal stream-table joins.
 */
import type { ProcessorContext } from '../processor.js'
import type { Change, Record } from '../record.js'
import type { Serde } from '../serde.js'
import type { MaterializedOptions } from '../state/stores.js'
import { VersionedStoreBuilder } from '../state/versioned-store-builder.js'
import { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED, type VersionedBytesStoreSupplier, type VersionedKeyValueStore } from '../state/versioned-store.js'
import type { BuilderInternals } from './options.js'
import type { ValueGetter, ValueGetterSupplier } from './processors.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import { recordDropped } from './windowed-context.js'

type Ctx = ProcessorContext<unknown, unknown>

/** A table value getter that also answers "the value as of time T". */
export interface VersionedValueGetter extends ValueGetter {
  /** The value valid at `asOfTimestamp` with its version's timestamp (null when none). */
  getAsOf(key: unknown, asOfTimestamp: number): ValueAndTimestamp<unknown> | null
}

/** Value getters of a table materialized on a versioned store. */
export interface VersionedValueGetterSupplier extends ValueGetterSupplier {
  readonly versioned: true
  create(): VersionedValueGetter
}

/** True when the table's getter answers as-of reads (the table is materialized on a versioned store). */
export function isVersionedGetter(s: ValueGetterSupplier): s is VersionedValueGetterSupplier {
  return (s as Partial<VersionedValueGetterSupplier>).versioned === true
}

/** A version as a timestamped value (the version's validFrom as its timestamp). */
function timestamped(r: { value: unknown; timestamp: number } | null): ValueAndTimestamp<unknown> | null {
  return r === null ? null : { value: r.value, timestamp: r.timestamp }
}

/** The value getter of a versioned store: latest and as-of values. */
export function versionedStoreGetter(storeName: string): VersionedValueGetterSupplier {
  return {
    storeNames: [storeName],
    versioned: true,
    create() {
      let store: VersionedKeyValueStore<unknown, unknown>
      return {
        init: (ctx) => {
          store = ctx.getStateStore(storeName)
        },
        get: (key) => timestamped(store.get(key)),
        getAsOf: (key, ts) => timestamped(store.get(key, ts)),
      }
    },
  }
}

/** A change as a versioned table forwards it: `isLatest` is false for out-of-order updates. */
export interface VersionedChange<V> extends Change<V> {
  isLatest: boolean
}

/**
 * True (and counted in `droppedRecords`) for an out-of-order update of a versioned table: Kafka
 * Streams' table-table and foreign-key joins and table groupBy use versioned semantics when their
 * input table is versioned (KIP-914) and drop such updates, which never replace the latest value.
 * Only changes coming from a versioned table carry `isLatest`, so the flag alone tells.
 */
export function droppedOutOfOrder(ctx: ProcessorContext<unknown, unknown>, change: Change<unknown>): boolean {
  if (change.isLatest !== false) return false
  recordDropped(ctx, 'out-of-order update of a versioned table')
  return true
}

/** Materializes table updates in a versioned store (KTableSource with a versioned store). */
export class VersionedTableSource {
  #ctx!: Ctx
  #store!: VersionedKeyValueStore<unknown, unknown>

  constructor(private readonly storeName: string) {}

  init(context: Ctx): void {
    this.#ctx = context
    this.#store = context.getStateStore(this.storeName)
  }

  process(r: Record<unknown, unknown>): void {
    if (r.key == null) {
      recordDropped(this.#ctx, 'null key')
      return
    }
    const oldValue = this.#store.get(r.key)?.value ?? null
    const value = r.value ?? null
    const code = this.#store.put(r.key, value, r.timestamp)
    // A put the store refused (older than the history retention) is not forwarded either.
    if (code === PUT_RETURN_CODE_NOT_PUT) return
    const change: VersionedChange<unknown> = { newValue: value, oldValue, isLatest: code === PUT_RETURN_CODE_VALID_TO_UNDEFINED }
    this.#ctx.forward({ key: r.key, value: change, timestamp: r.timestamp, headers: r.headers })
  }
}

/** The versioned supplier of a Materialized, if it has one. */
export function versionedSupplierOf<K, V>(options: MaterializedOptions<K, V>): VersionedBytesStoreSupplier | undefined {
  const s = options.supplier
  return s !== undefined && (s as Partial<VersionedBytesStoreSupplier>).kind === 'versioned' ? (s as VersionedBytesStoreSupplier) : undefined
}

/**
 * Registers the versioned store of a Materialized for the named processors (never cached, as
 * Kafka Streams does not cache versioned stores); returns the value getter of the table it holds.
 * @internal
 */
export function addVersionedStore<K, V>(
  b: BuilderInternals,
  supplier: VersionedBytesStoreSupplier,
  options: MaterializedOptions<K, V>,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  ...processorNames: string[]
): VersionedValueGetterSupplier {
  let builder = new VersionedStoreBuilder<K, V>(supplier, options.key ?? keySerde, options.value ?? valueSerde)
  if (options.loggingEnabled === false) builder = builder.withLoggingDisabled()
  else if (options.changelogConfig !== undefined) builder = builder.withLoggingEnabled(options.changelogConfig)
  b.topology.addStateStore(builder, ...processorNames)
  return versionedStoreGetter(supplier.name)
}

/**
 * Adds the table source processor `name` (reading `parent`) and its versioned store; returns the
 * table's value getter. Also materializes a foreign-key join's result on a versioned store. @internal
 */
export function addVersionedTableSource<K, V>(
  b: BuilderInternals,
  supplier: VersionedBytesStoreSupplier,
  options: MaterializedOptions<K, V>,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  name: string,
  parent: string,
): VersionedValueGetterSupplier {
  const storeName = supplier.name
  b.topology.addProcessor(name, () => new VersionedTableSource(storeName), parent)
  return addVersionedStore(b, supplier, options, keySerde, valueSerde, name)
}
