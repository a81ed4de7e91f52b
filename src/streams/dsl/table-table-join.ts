/**
 * KTable-KTable joins on the primary key (inner, left, outer), as Kafka Streams builds them: a
 * join processor per side (KTABLE-JOINTHIS for changes of this table, KTABLE-JOINOTHER for the
 * other), each looking up the other table through its value getter, and a KTABLE-MERGE processor
 * that both feed (and that writes the result store when the join is materialized).
 *
 * Semantics copied from Kafka Streams' KTableKTable{Inner,Left,Right,Outer}Join and
 * KTableKTableJoinMerger: a result's timestamp is the larger of the two rows' timestamps; old
 * values are joined only when something downstream asks for them (enableSendingOldValues); an
 * update whose other side is missing emits nothing for an inner join, and a change that has no
 * row on either side (a delete of an absent key) emits nothing for left and outer joins. A side
 * reading a versioned table drops that table's out-of-order updates (KIP-914): the other side's
 * lookups see its latest value only, which those updates do not change.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { Processor, ProcessorContext } from '../processor.js'
import type { Change, Record } from '../record.js'
import type { TimestampedKeyValueStore } from '../state/timestamped.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import { Prefix } from '../topology/naming.js'
import { KTable } from './ktable.js'
import type { OldValues } from './old-values.js'
import { resolveMaterialized, type MaterializedArg } from './options.js'
import { storeGetter, type ValueGetter, type ValueGetterSupplier } from './processors.js'
import { addDslStore } from './store-registration.js'
import { addVersionedStore, droppedOutOfOrder, versionedSupplierOf } from './versioned-table.js'
import { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED, type VersionedKeyValueStore } from '../state/versioned-store.js'

/** Which rows a table-table join keeps: both sides present, this side present, or either. */
export type TableJoinKind = 'inner' | 'left' | 'outer'

/** The join processor of one side; `right` is the other table's side of a left join. */
type SideKind = TableJoinKind | 'right'

type Ctx = ProcessorContext<unknown, unknown>
type ChangeRec = Record<unknown, Change<unknown>>
type Joiner = (value: unknown, otherValue: unknown) => unknown

/** Kafka's "unknown timestamp": smaller than any record timestamp, so max() ignores it. */
const UNKNOWN = -1

/**
 * Joins the changes of one table with the other table's current row (Kafka Streams'
 * KTableKTable*JoinProcessor). `joiner` takes this side's value first.
 */
class TableTableJoinProcessor implements Processor<unknown, Change<unknown>, unknown, Change<unknown>> {
  #ctx!: Ctx
  #send = false
  readonly #other: ValueGetter

  constructor(
    other: ValueGetterSupplier,
    private readonly joiner: Joiner,
    private readonly kind: SideKind,
    private readonly sendOldValues: () => boolean,
  ) {
    this.#other = other.create()
  }

  init(context: Ctx): void {
    this.#ctx = context
    this.#other.init(context)
    this.#send = this.sendOldValues()
  }

  process(r: ChangeRec): void {
    // Keys must be equal to join: a null key joins nothing.
    if (r.key == null) return
    if (droppedOutOfOrder(this.#ctx, r.value)) return
    const { newValue, oldValue } = r.value
    const other = this.#other.get(r.key)
    const ov = other === null ? null : other.value
    const timestamp = Math.max(r.timestamp, other === null ? UNKNOWN : other.timestamp)
    const j = this.joiner
    let out: Change<unknown>
    switch (this.kind) {
      case 'inner':
        if (ov === null) return
        out = { newValue: newValue !== null ? j(newValue, ov) : null, oldValue: this.#send && oldValue !== null ? j(oldValue, ov) : null }
        break
      case 'left':
        if (ov === null && newValue === null && oldValue === null) return
        out = { newValue: newValue !== null ? j(newValue, ov) : null, oldValue: this.#send && oldValue !== null ? j(oldValue, ov) : null }
        break
      case 'right':
        // The other table of a left join: its rows exist only next to this table's; as Kafka
        // Streams, the joiner sees a null for this side's missing value.
        if (ov === null) return
        out = { newValue: j(newValue, ov), oldValue: this.#send ? j(oldValue, ov) : null }
        break
      case 'outer':
        if (ov === null && newValue === null && oldValue === null) return
        out = {
          newValue: ov !== null || newValue !== null ? j(newValue, ov) : null,
          oldValue: this.#send && (ov !== null || oldValue !== null) ? j(oldValue, ov) : null,
        }
        break
    }
    this.#ctx.forward({ key: r.key, value: out, timestamp, headers: r.headers })
  }
}

/**
 * Kafka Streams' KTableKTableJoinMerger: forwards both join processors' results; a materialized
 * join first writes the new value (with its timestamp) to the result store. On a versioned result
 * store, a result older than the key's latest one is kept as history and forwarded with
 * `isLatest: false`; one the store refuses (older than its history retention) is not forwarded.
 */
class TableJoinMerge implements Processor<unknown, Change<unknown>, unknown, Change<unknown>> {
  #ctx!: Ctx
  #send = false
  #store: TimestampedKeyValueStore<unknown, unknown> | undefined
  #versioned: VersionedKeyValueStore<unknown, unknown> | undefined

  constructor(
    private readonly storeName: string | undefined,
    private readonly versioned: boolean,
    private readonly sendOldValues: () => boolean,
  ) {}

  init(context: Ctx): void {
    this.#ctx = context
    this.#send = this.sendOldValues()
    if (this.storeName === undefined) return
    if (this.versioned) this.#versioned = context.getStateStore(this.storeName)
    else this.#store = context.getStateStore(this.storeName)
  }

  process(r: ChangeRec): void {
    const { newValue, oldValue } = r.value
    const out: Change<unknown> = { newValue, oldValue: this.#send ? oldValue : null }
    if (this.#versioned !== undefined) {
      const code = this.#versioned.put(r.key, newValue, r.timestamp)
      if (code === PUT_RETURN_CODE_NOT_PUT) return
      out.isLatest = code === PUT_RETURN_CODE_VALID_TO_UNDEFINED
    } else if (this.#store !== undefined) this.#store.put(r.key, newValue === null ? null : { value: newValue, timestamp: r.timestamp })
    this.#ctx.forward({ key: r.key, value: out, timestamp: r.timestamp, headers: r.headers })
  }
}

/** Reads the join result for a key from both tables' getters (Kafka Streams' join value getters). */
function joinedGetter(kind: TableJoinKind, left: ValueGetterSupplier, right: ValueGetterSupplier, joiner: Joiner): ValueGetterSupplier {
  return {
    storeNames: [...new Set([...left.storeNames, ...right.storeNames])],
    create(): ValueGetter {
      const g1 = left.create()
      const g2 = right.create()
      return {
        init(ctx) {
          g1.init(ctx)
          g2.init(ctx)
        },
        get(key): ValueAndTimestamp<unknown> | null {
          const a = g1.get(key)
          if (kind !== 'outer' && a === null) return null
          const b = g2.get(key)
          if (kind === 'inner' && b === null) return null
          if (a === null && b === null) return null
          const value = joiner(a === null ? null : a.value, b === null ? null : b.value)
          // A null join result is no row (Kafka Streams' ValueAndTimestamp.make).
          if (value == null) return null
          return { value, timestamp: Math.max(a === null ? UNKNOWN : a.timestamp, b === null ? UNKNOWN : b.timestamp) }
        },
      }
    },
  }
}

/**
 * Old values of a join result: asking for them makes both inputs send theirs (Kafka Streams
 * materializes the inputs) and turns them on in both join processors and the merger.
 */
function joinOldValues(left: OldValues, right: OldValues): OldValues & { sending(): boolean } {
  let send = false
  return {
    enable() {
      left.enable(true)
      right.enable(true)
      send = true
      return true
    },
    materialize() {},
    sending: () => send,
  }
}

/** @internal Builds `left.join/leftJoin/outerJoin(right, joiner, materialized)`. */
export function joinTables<K, V, VO, VR>(
  left: KTable<K, V>,
  right: KTable<K, VO>,
  joiner: (value: V | null, otherValue: VO | null) => VR,
  kind: TableJoinKind,
  materialized: MaterializedArg<K, VR> | undefined,
): KTable<K, VR> {
  if (!(right instanceof KTable)) throw new InvalidArgumentError(`KTable.${kind === 'inner' ? 'join' : `${kind}Join`}: other must be a KTable`)
  if (typeof joiner !== 'function') throw new InvalidArgumentError(`KTable.${kind === 'inner' ? 'join' : `${kind}Join`}: joiner must be a function`)
  if (right.b !== left.b) throw new InvalidArgumentError('KTable join: both tables must come from the same StreamsBuilder')
  const b = left.b
  // Kafka Streams' order of generated names: the result store, the merger, then the two sides.
  const m = materialized === undefined ? undefined : resolveMaterialized(b, materialized, Prefix.KTABLE_MERGE)
  const mergeName = b.names.processorName(Prefix.KTABLE_MERGE)
  const sources = new Set([...left.sourceNodes, ...right.sourceNodes])
  b.topology.copartition(sources)
  if (kind !== 'inner') left.oldValues.enable(true)
  if (kind === 'outer') right.oldValues.enable(true)
  // Each side reads the other through its store: source tables become materialized.
  left.oldValues.materialize()
  right.oldValues.materialize()
  const thisName = b.names.processorName(Prefix.KTABLE_JOINTHIS)
  const otherName = b.names.processorName(Prefix.KTABLE_JOINOTHER)
  const ov = joinOldValues(left.oldValues, right.oldValues)
  const j = joiner as Joiner
  const reversed: Joiner = (v, o) => j(o, v)
  const otherKind: SideKind = kind === 'left' ? 'right' : kind
  const leftGetter = left.valueGetter
  const rightGetter = right.valueGetter
  b.topology.addProcessor(thisName, () => new TableTableJoinProcessor(rightGetter, j, kind, ov.sending), left.name)
  b.topology.addProcessor(otherName, () => new TableTableJoinProcessor(leftGetter, reversed, otherKind, ov.sending), right.name)
  const versioned = m === undefined ? undefined : versionedSupplierOf(m.options)
  b.topology.addProcessor(mergeName, () => new TableJoinMerge(m?.name, versioned !== undefined, ov.sending), thisName, otherName)
  b.topology.connectProcessorAndStateStores(thisName, ...rightGetter.storeNames)
  b.topology.connectProcessorAndStateStores(otherName, ...leftGetter.storeNames)
  const keySerde = m?.options.key ?? left.keySerde
  const valueSerde = m?.options.value
  let getter: ValueGetterSupplier
  if (m === undefined) getter = joinedGetter(kind, leftGetter, rightGetter, j)
  else if (versioned !== undefined) getter = addVersionedStore(b, versioned, m.options, keySerde, valueSerde, mergeName)
  else {
    addDslStore(b, m, keySerde, valueSerde, mergeName)
    getter = storeGetter(m.name)
  }
  return new KTable<K, VR>(b, mergeName, keySerde, valueSerde, sources, getter, m?.name, ov)
}
