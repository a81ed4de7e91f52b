/**
 * The processors of a foreign-key join, in the order a record meets them (Kafka Streams'
 * SubscriptionSend, SubscriptionReceive, SubscriptionJoin, ForeignTableJoin and ResponseJoin
 * processor suppliers):
 *
 * 1. {@link SubscriptionSend} (left table's task): a left row's change becomes subscriptions keyed
 *    by its foreign key, carrying the left key, the hash of the new left value and the left
 *    partition, sent through the subscription topic to the foreign table's partition.
 * 2. {@link SubscriptionReceive} (foreign table's task): keeps the subscription in the
 *    subscription store (or deletes it).
 * 3. {@link SubscriptionJoin}: looks the foreign key up and responds (per the instruction) with the
 *    foreign value, through the response topic to the left row's partition.
 * 4. {@link ForeignTableJoin}: a foreign row's change responds to every subscriber (prefix scan).
 * 5. {@link ResponseJoin} (left table's task): drops a response whose hash no longer matches the
 *    left row (the row changed since), else joins and forwards the result (a delete when nothing
 *    joins).
 */
import { SerializationError, TopologyError } from '../../errors.js'
import type { Processor, ProcessorContext } from '../../processor.js'
import type { Change, Record } from '../../record.js'
import type { Serde } from '../../serde.js'
import type { TimestampedKeyValueStore } from '../../state/timestamped.js'
import type { ValueAndTimestamp } from '../../state/value-and-timestamp.js'
import type { ValueGetter, ValueGetterSupplier } from '../processors.js'
import { droppedOutOfOrder } from '../versioned-table.js'
import { murmur3Hash128 } from './murmur3.js'
import {
  combinedKey,
  foreignKeyPrefix,
  Instruction,
  prefixEnd,
  primaryKeyBytes,
  RESPONSE_VERSION,
  SUBSCRIPTION_VERSION,
  type InstructionValue,
  type SubscriptionResponseWrapper,
  type SubscriptionWrapper,
} from './wrappers.js'

type Ctx = ProcessorContext<unknown, unknown>
type Subscription = SubscriptionWrapper<unknown>
type Response = SubscriptionResponseWrapper<unknown>

/** @internal The key and value serdes a foreign-key join serializes with, and the pseudo topics it names. */
export interface ForeignKeySerdes {
  /** Serde of the left table's keys (undefined: the default key serde). */
  readonly primaryKey: Serde<unknown> | undefined
  /** Serde of the left table's values, for the hash (undefined: the default value serde). */
  readonly primaryValue: Serde<unknown> | undefined
  /** Serde of the foreign table's keys (undefined: the default key serde). */
  readonly foreignKey: Serde<unknown> | undefined
  /** The subscription topic's name (without the application id), which Kafka Streams' pseudo topics extend. */
  readonly subscriptionTopic: string
}

interface SerdeResolver {
  resolveSerde(serde: Serde<unknown> | undefined, which: 'key' | 'value', where: string): Serde<unknown>
}

/** The serde to use: the given one, or the runtime's default. */
function resolve(ctx: Ctx, serde: Serde<unknown> | undefined, which: 'key' | 'value', where: string): Serde<unknown> {
  const r = ctx as Partial<SerdeResolver>
  if (typeof r.resolveSerde === 'function') return r.resolveSerde(serde, which, where)
  if (serde === undefined) throw new TopologyError(`no ${which} serde for ${where}: pass one in the DSL or set default${which === 'key' ? 'Key' : 'Value'}Serde`)
  return serde
}

/** Kafka Streams' decorated pseudo topic: `<applicationId>-<subscription topic>-<suffix>`. */
const pseudoTopic = (ctx: Ctx, s: ForeignKeySerdes, suffix: string): string => `${ctx.applicationId}-${s.subscriptionTopic}-${suffix}`

function bytesOrThrow(b: Buffer | null, what: string): Buffer {
  if (b === null) throw new SerializationError(`foreign-key join: ${what} serialized to null`)
  return b
}

/** 1. Left table changes to subscriptions (Kafka Streams' SubscriptionSendProcessorSupplier). */
export class SubscriptionSend implements Processor<unknown, Change<unknown>, unknown, Subscription> {
  #ctx!: Ctx
  #fkSerde!: Serde<unknown>
  #valueSerde!: Serde<unknown>
  #fkTopic = ''
  #valueTopic = ''
  #hash: Buffer | null | undefined

  constructor(
    private readonly extractor: (value: unknown, key: unknown) => unknown,
    private readonly serdes: ForeignKeySerdes,
    private readonly leftJoin: boolean,
  ) {}

  init(context: Ctx): void {
    this.#ctx = context
    this.#fkSerde = resolve(context, this.serdes.foreignKey, 'key', 'the foreign key of a foreign-key join')
    this.#valueSerde = resolve(context, this.serdes.primaryValue, 'value', 'the left values of a foreign-key join')
    this.#fkTopic = pseudoTopic(context, this.serdes, 'fk')
    this.#valueTopic = pseudoTopic(context, this.serdes, 'vh')
  }

  process(r: Record<unknown, Change<unknown>>): void {
    this.#hash = undefined
    // An out-of-order update of a versioned left table changes no result (KIP-914).
    if (droppedOutOfOrder(this.#ctx, r.value)) return
    const { oldValue, newValue } = r.value
    if (this.leftJoin) {
      // A delete of an absent row has nothing to (un)subscribe.
      if (oldValue === null && newValue === null) return
      const oldFk = oldValue === null ? null : this.extractor(oldValue, r.key)
      const newFk = newValue === null ? null : this.extractor(newValue, r.key)
      if (oldFk != null && this.#changed(newFk, oldFk)) this.#send(r, oldFk, Instruction.DELETE_KEY_NO_PROPAGATE)
      // Every change gets a response (a null foreign key too), so the left join always emits.
      this.#send(r, newFk ?? null, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
      return
    }
    const oldFk = oldValue === null ? null : this.extractor(oldValue, r.key)
    const unsubscribe = oldFk != null
    if (newValue === null) {
      if (unsubscribe) this.#send(r, oldFk, Instruction.DELETE_KEY_AND_PROPAGATE)
      return
    }
    const newFk = this.extractor(newValue, r.key)
    if (newFk == null) {
      // No foreign key: the row joins nothing; drop the old subscription and its result.
      if (unsubscribe) this.#send(r, oldFk, Instruction.DELETE_KEY_AND_PROPAGATE)
      return
    }
    if (!unsubscribe) {
      this.#send(r, newFk, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)
    } else if (this.#changed(newFk, oldFk)) {
      // The old foreign key may sit on another partition: unsubscribe there, and delete the old
      // result when the new foreign key finds no row.
      this.#send(r, oldFk, Instruction.DELETE_KEY_NO_PROPAGATE)
      this.#send(r, newFk, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
    } else {
      // Same foreign key: if it finds no row, the old value did not join either.
      this.#send(r, newFk, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)
    }
  }

  /** Foreign keys compare by their bytes, as Kafka Streams compares them. */
  #changed(a: unknown, b: unknown): boolean {
    const x = a == null ? null : this.#fkSerde.serialize(this.#fkTopic, a)
    const y = b == null ? null : this.#fkSerde.serialize(this.#fkTopic, b)
    return x === null || y === null ? x !== y : !x.equals(y)
  }

  #send(r: Record<unknown, Change<unknown>>, foreignKey: unknown, instruction: InstructionValue): void {
    if (this.#hash === undefined) {
      const v = r.value.newValue
      const bytes = v === null ? null : this.#valueSerde.serialize(this.#valueTopic, v)
      this.#hash = bytes === null ? null : murmur3Hash128(bytes)
    }
    const value: Subscription = {
      hash: this.#hash,
      instruction,
      primaryKey: r.key,
      version: SUBSCRIPTION_VERSION,
      primaryPartition: this.#ctx.recordMetadata()?.partition ?? 0,
    }
    this.#ctx.forward({ key: foreignKey, value, timestamp: r.timestamp, headers: r.headers })
  }
}

/** Key of the records between the subscription processors: the foreign and the primary key. */
interface CombinedKey {
  readonly foreignKey: unknown
  readonly primaryKey: unknown
}

/** Serializes subscription store keys with the task's serdes. */
class KeySchema {
  #fk!: Serde<unknown>
  #pk!: Serde<unknown>
  #fkTopic = ''
  #pkTopic = ''
  constructor(private readonly serdes: ForeignKeySerdes) {}
  init(ctx: Ctx): void {
    this.#fk = resolve(ctx, this.serdes.foreignKey, 'key', 'the foreign key of a foreign-key join')
    this.#pk = resolve(ctx, this.serdes.primaryKey, 'key', 'the primary key of a foreign-key join')
    this.#fkTopic = pseudoTopic(ctx, this.serdes, 'fk')
    this.#pkTopic = pseudoTopic(ctx, this.serdes, 'pk')
  }
  toBytes(foreignKey: unknown, primaryKey: unknown): Buffer {
    return combinedKey(bytesOrThrow(this.#fk.serialize(this.#fkTopic, foreignKey), 'a foreign key'), bytesOrThrow(this.#pk.serialize(this.#pkTopic, primaryKey), 'a primary key'))
  }
  prefix(foreignKey: unknown): Buffer {
    return foreignKeyPrefix(bytesOrThrow(this.#fk.serialize(this.#fkTopic, foreignKey), 'a foreign key'))
  }
  primaryKey(storeKey: Buffer): unknown {
    return this.#pk.deserialize(this.#pkTopic, primaryKeyBytes(storeKey))
  }
}

function checkSubscriptionVersion(w: Subscription): void {
  if (w.version > SUBSCRIPTION_VERSION) throw new SerializationError(`foreign-key subscription of version ${w.version}; this version reads up to ${SUBSCRIPTION_VERSION}`)
}

/** The processors on the subscription store: it, the context, and the store key layout. */
abstract class SubscriptionStoreProcessor<KIn, VIn> implements Processor<KIn, VIn, unknown, unknown> {
  protected ctx!: Ctx
  protected store!: TimestampedKeyValueStore<Buffer, Subscription>
  protected readonly keys: KeySchema

  constructor(
    private readonly storeName: string,
    serdes: ForeignKeySerdes,
  ) {
    this.keys = new KeySchema(serdes)
  }

  init(context: Ctx): void {
    this.ctx = context
    this.store = context.getStateStore(this.storeName)
    this.keys.init(context)
  }

  abstract process(record: Record<KIn, VIn>): void
}

/** 2. Stores (or deletes) subscriptions (Kafka Streams' SubscriptionReceiveProcessorSupplier). */
export class SubscriptionReceive extends SubscriptionStoreProcessor<unknown, Subscription> {
  process(r: Record<unknown, Subscription>): void {
    const w = r.value
    if (w == null) return
    const fk = r.key
    // A null foreign key only asks a left join for its null result.
    if (fk == null && w.instruction !== Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) return
    checkSubscriptionVersion(w)
    const newValue = { value: w, timestamp: r.timestamp }
    let oldValue: ValueAndTimestamp<Subscription> | null = null
    if (fk != null) {
      const key = this.keys.toBytes(fk, w.primaryKey)
      oldValue = this.store.get(key)
      if (w.instruction === Instruction.DELETE_KEY_AND_PROPAGATE || w.instruction === Instruction.DELETE_KEY_NO_PROPAGATE) this.store.delete(key)
      else this.store.put(key, newValue)
    }
    const key: CombinedKey = { foreignKey: fk ?? null, primaryKey: w.primaryKey }
    this.ctx.forward({ key, value: { newValue, oldValue }, timestamp: r.timestamp, headers: r.headers })
  }
}

/** 3. Answers a subscription with the foreign row (Kafka Streams' SubscriptionJoinProcessorSupplier). */
export class SubscriptionJoin implements Processor<CombinedKey, Change<ValueAndTimestamp<Subscription>>, unknown, Response> {
  #ctx!: Ctx
  readonly #foreign: ValueGetter

  constructor(foreign: ValueGetterSupplier) {
    this.#foreign = foreign.create()
  }

  init(context: Ctx): void {
    this.#ctx = context
    this.#foreign.init(context)
  }

  process(r: Record<CombinedKey, Change<ValueAndTimestamp<Subscription>>>): void {
    const sub = r.value.newValue
    if (sub === null) return
    const w = sub.value
    checkSubscriptionVersion(w)
    const foreign = r.key.foreignKey == null ? null : this.#foreign.get(r.key.foreignKey)
    const timestamp = foreign === null ? sub.timestamp : Math.max(sub.timestamp, foreign.timestamp)
    let foreignValue: unknown
    switch (w.instruction) {
      case Instruction.DELETE_KEY_AND_PROPAGATE:
        foreignValue = null
        break
      case Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
        foreignValue = foreign === null ? null : foreign.value
        break
      case Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE:
        if (foreign === null) return
        foreignValue = foreign.value
        break
      default:
        return
    }
    const value: Response = { hash: w.hash, foreignValue, version: RESPONSE_VERSION, primaryPartition: w.primaryPartition }
    this.#ctx.forward({ key: r.key.primaryKey, value, timestamp, headers: r.headers })
  }
}

/** 4. A foreign row's change answers all its subscribers (Kafka Streams' ForeignTableJoinProcessorSupplier). */
export class ForeignTableJoin extends SubscriptionStoreProcessor<unknown, Change<unknown>> {
  process(r: Record<unknown, Change<unknown>>): void {
    if (r.key == null) return
    // An out-of-order update of a versioned foreign table is not its current row (KIP-914).
    if (droppedOutOfOrder(this.ctx, r.value)) return
    const prefix = this.keys.prefix(r.key)
    // Collect first: forwarding may write the store (a downstream join on the same task).
    const subscribers: Array<{ key: Buffer; w: Subscription }> = []
    for (const kv of this.store.range(prefix, prefixEnd(prefix))) {
      if (kv.key.length >= prefix.length && kv.key.subarray(0, prefix.length).equals(prefix)) subscribers.push({ key: kv.key, w: kv.value.value })
    }
    for (const { key, w } of subscribers) {
      const value: Response = { hash: w.hash, foreignValue: r.value.newValue, version: RESPONSE_VERSION, primaryPartition: w.primaryPartition }
      this.ctx.forward({ key: this.keys.primaryKey(key), value, timestamp: r.timestamp, headers: r.headers })
    }
  }
}

/** 5. Joins a response with the current left row, unless the row changed since (Kafka Streams' ResponseJoinProcessorSupplier). */
export class ResponseJoin implements Processor<unknown, Response, unknown, unknown> {
  #ctx!: Ctx
  #valueSerde!: Serde<unknown>
  #valueTopic = ''
  readonly #left: ValueGetter

  constructor(
    left: ValueGetterSupplier,
    private readonly serdes: ForeignKeySerdes,
    private readonly joiner: (value: unknown, foreignValue: unknown) => unknown,
    private readonly leftJoin: boolean,
  ) {
    this.#left = left.create()
  }

  init(context: Ctx): void {
    this.#ctx = context
    this.#left.init(context)
    this.#valueSerde = resolve(context, this.serdes.primaryValue, 'value', 'the left values of a foreign-key join')
    this.#valueTopic = pseudoTopic(context, this.serdes, 'vh')
  }

  process(r: Record<unknown, Response>): void {
    const res = r.value
    if (res == null) return
    if (res.version !== RESPONSE_VERSION) throw new SerializationError(`foreign-key response of version ${res.version}; this version reads ${RESPONSE_VERSION}`)
    const current = this.#left.get(r.key)
    const bytes = current === null ? null : this.#valueSerde.serialize(this.#valueTopic, current.value)
    const currentHash = bytes === null ? null : murmur3Hash128(bytes)
    // A response computed for another value of the left row is stale: a newer one is on its way.
    if (currentHash === null || res.hash === null ? currentHash !== res.hash : !currentHash.equals(res.hash)) return
    const result = res.foreignValue === null && (!this.leftJoin || current === null) ? null : this.joiner(current === null ? null : current.value, res.foreignValue)
    this.#ctx.forward({ key: r.key, value: result, timestamp: r.timestamp, headers: r.headers })
  }
}
