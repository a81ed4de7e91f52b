/**
 * KTable.suppress's processor (Kafka Streams' KTableSuppressProcessor): buffers the latest change
 * per key and forwards it once its buffer time (the record timestamp, or the window end for
 * final results) is at most the processor's stream time minus the suppression duration (the
 * time limit, or the windows' grace). Over a size limit it emits the oldest keys early, or fails.
 */
import { SerializationError, SuppressionBufferFullError, TopologyError } from '../errors.js'
import type { Processor, ProcessorContext } from '../processor.js'
import type { Change, Record } from '../record.js'
import type { Serde } from '../serde.js'
import { SuppressionBuffer, decodeBufferedChange, encodeBufferedChange, type BufferedChange } from '../state/suppression-buffer.js'
import { SerdeKeyValueStore } from '../state/typed.js'
import { changelogTopic } from '../topology/naming.js'
import type { Windowed } from '../windowed.js'
import type { DeferredSerde } from './change-serde.js'
import type { ValueGetterSupplier } from './processors.js'

/** A buffered change as the suppression store's serde reads it (e.g. the test driver's `producedChangelog`). */
export interface SuppressedChange<V> {
  /** When the change is due: the record timestamp (time limit) or the window end (window close). */
  bufferTime: number
  /** Timestamp and headers the change is emitted with. */
  timestamp: number
  headers: BufferedChange['headers']
  /** What downstream last saw for the key (the old value of the first buffered change). */
  priorValue: V | null
  oldValue: V | null
  newValue: V | null
}

/** Value serde of the suppression store: the buffer layout around the table's value serde. @internal */
export class SuppressionBufferValueSerde<V> implements Serde<SuppressedChange<V>>, DeferredSerde {
  readonly inner: Serde<V> | undefined
  constructor(inner: Serde<V> | undefined) {
    this.inner = inner
  }

  resolveDefaults(_key: Serde<unknown> | undefined, value: Serde<unknown> | undefined): Serde<unknown> {
    if (this.inner !== undefined) return this as Serde<unknown>
    if (value === undefined) throw new TopologyError('no value serde for a suppression buffer: give the table a value serde or set defaultValueSerde')
    return new SuppressionBufferValueSerde(value) as Serde<unknown>
  }

  serialize(topic: string, c: SuppressedChange<V>): Buffer | null {
    if (c == null) return null
    const inner = this.inner as Serde<V>
    const bytes = (v: V | null): Buffer | null => (v === null ? null : inner.serialize(topic, v))
    return encodeBufferedChange({
      bufferTime: c.bufferTime,
      timestamp: c.timestamp,
      headers: c.headers,
      topic: null,
      partition: -1,
      offset: -1n,
      priorValue: bytes(c.priorValue),
      oldValue: bytes(c.oldValue),
      newValue: bytes(c.newValue),
    })
  }

  deserialize(topic: string, data: Buffer | null): SuppressedChange<V> {
    if (data === null) return null as unknown as SuppressedChange<V>
    const c = decodeBufferedChange(data)
    const inner = this.inner as Serde<V>
    const value = (b: Buffer | null): V | null => (b === null ? null : inner.deserialize(topic, b))
    return {
      bufferTime: c.bufferTime,
      timestamp: c.timestamp,
      headers: c.headers,
      priorValue: value(c.priorValue),
      oldValue: value(c.oldValue),
      newValue: value(c.newValue),
    }
  }
}

/**
 * Key serde of a windowed table's suppression store when the table has no key serde: the
 * (default) key serde's bytes, then the window start and end (8 bytes each). @internal
 */
export class WindowedBufferKeySerde<K> implements Serde<Windowed<K>>, DeferredSerde {
  readonly inner: Serde<K> | undefined
  constructor(inner: Serde<K> | undefined) {
    this.inner = inner
  }

  resolveDefaults(key: Serde<unknown> | undefined): Serde<unknown> {
    if (this.inner !== undefined) return this as Serde<unknown>
    if (key === undefined) throw new TopologyError('no key serde for a suppression buffer: give the windowed table a key serde or set defaultKeySerde')
    return new WindowedBufferKeySerde(key) as Serde<unknown>
  }

  serialize(topic: string, w: Windowed<K>): Buffer | null {
    if (w == null) return null
    const k = (this.inner as Serde<K>).serialize(topic, w.key)
    if (k === null) throw new SerializationError('suppression buffer: windowed keys must have a non-null key')
    const out = Buffer.allocUnsafe(k.length + 16)
    k.copy(out, 0)
    out.writeBigInt64BE(BigInt(w.window.start), k.length)
    out.writeBigInt64BE(BigInt(w.window.end), k.length + 8)
    return out
  }

  deserialize(topic: string, data: Buffer | null): Windowed<K> {
    if (data === null) return null as unknown as Windowed<K>
    if (data.length < 16) throw new SerializationError(`suppression buffer: windowed key of ${data.length} bytes is too short`)
    const n = data.length - 16
    const key = (this.inner as Serde<K>).deserialize(topic, data.subarray(0, n))
    return { key, window: { start: Number(data.readBigInt64BE(n)), end: Number(data.readBigInt64BE(n + 8)) } }
  }
}

/** How a suppression processor decides and limits. @internal */
export interface SuppressionSpec {
  readonly storeName: string
  /** Buffered changes wait until buffer time <= stream time - this. */
  readonly durationMs: number
  /** Buffer time is the window end of a Windowed key (final results) instead of the record timestamp. */
  readonly windowEndTime: boolean
  /** Deletes are not forwarded (final results: nothing was emitted for the window before). */
  readonly dropTombstones: boolean
  readonly maxRecords: number
  readonly maxBytes: number
  readonly emitEarlyWhenFull: boolean
}

/** The store of a suppression processor, with its resolved serdes. */
function openBuffer(ctx: ProcessorContext<unknown, unknown>, storeName: string): { store: SerdeKeyValueStore<unknown, unknown>; inner: Serde<unknown> } {
  const store = ctx.getStateStore(storeName)
  if (!(store instanceof SerdeKeyValueStore) || !(store.valueSerde instanceof SuppressionBufferValueSerde)) {
    throw new TopologyError(`'${storeName}' is not a suppression buffer store`)
  }
  return { store, inner: (store.valueSerde as SuppressionBufferValueSerde<unknown>).inner as Serde<unknown> }
}

/** Distinct number and boolean values whose bytes a suppression processor keeps. */
const MAX_PRIMITIVE_BYTES = 4096

/** @internal */
export class SuppressProcessor implements Processor<unknown, Change<unknown>, unknown, Change<unknown>> {
  readonly #spec: SuppressionSpec
  #ctx!: ProcessorContext<unknown, Change<unknown>>
  #buffer!: SuppressionBuffer
  #keySerde!: Serde<unknown>
  #valueSerde!: Serde<unknown>
  #topic = ''
  /** Serialized numbers and booleans (see {@link #valueBytes}). */
  readonly #primitiveBytes = new Map<unknown, Buffer | null>()
  /** Largest timestamp of the records that reached this processor (Kafka Streams' observed stream time). */
  #streamTime = -1
  readonly #overCapacity = (): boolean => this.#buffer.numRecords > this.#spec.maxRecords || this.#buffer.bufferSize > this.#spec.maxBytes
  readonly #emit = (key: Buffer, c: BufferedChange): void => this.#forward(key, c)

  constructor(spec: SuppressionSpec) {
    this.#spec = spec
  }

  init(context: ProcessorContext<unknown, Change<unknown>>): void {
    this.#ctx = context
    const { store, inner } = openBuffer(context, this.#spec.storeName)
    this.#keySerde = store.keySerde
    this.#valueSerde = inner
    this.#topic = changelogTopic(context.applicationId, this.#spec.storeName)
    const buffer = new SuppressionBuffer(store.bytes)
    buffer.load()
    this.#buffer = buffer
    store.beforeFlush = () => buffer.flush()
  }

  process(record: Record<unknown, Change<unknown>>): void {
    if (record.timestamp > this.#streamTime) this.#streamTime = record.timestamp
    const spec = this.#spec
    const key = this.#keySerde.serialize(this.#topic, record.key)
    if (key === null) throw new SerializationError(`suppression '${spec.storeName}': null keys cannot be buffered`)
    const change = record.value
    const newValue = this.#valueBytes(change.newValue)
    const oldValue = this.#valueBytes(change.oldValue)
    const time = spec.windowEndTime ? (record.key as Windowed<unknown>).window.end : record.timestamp
    this.#buffer.put(time, key, newValue, oldValue, record.timestamp, record.headers, this.#ctx.recordMetadata())
    this.#enforce()
  }

  /**
   * The serialized value. A number or boolean's bytes are kept and shared (the buffer only
   * copies them): a count or sum takes few distinct values, and an update's old value is the
   * previous update's new one, so most updates serialize nothing and retain no buffer of their own.
   */
  #valueBytes(value: unknown): Buffer | null {
    if (value === null) return null
    // (-0 is not kept: a map key cannot tell it from 0, and a double serde writes them apart.)
    if ((typeof value !== 'number' && typeof value !== 'boolean') || Object.is(value, -0)) return this.#valueSerde.serialize(this.#topic, value)
    let bytes = this.#primitiveBytes.get(value)
    if (bytes === undefined) {
      // A copy: a serde may reuse the Buffer it returned for its next call.
      const fresh = this.#valueSerde.serialize(this.#topic, value)
      bytes = fresh === null ? null : Buffer.from(fresh)
      if (this.#primitiveBytes.size >= MAX_PRIMITIVE_BYTES) this.#primitiveBytes.clear()
      this.#primitiveBytes.set(value, bytes)
    }
    return bytes
  }

  #enforce(): void {
    const buffer = this.#buffer
    const expiry = this.#streamTime - this.#spec.durationMs
    // Most puts evict nothing: no predicate closure for them.
    if (buffer.minTimestamp <= expiry) buffer.evictWhile(() => buffer.minTimestamp <= expiry, this.#emit)
    if (!this.#overCapacity()) return
    if (this.#spec.emitEarlyWhenFull) {
      buffer.evictWhile(this.#overCapacity, this.#emit)
      return
    }
    throw new SuppressionBufferFullError(
      `suppression buffer '${this.#spec.storeName}' exceeded its max capacity. Currently [${buffer.numRecords}/${this.#spec.maxRecords}] records and ` +
        `[${buffer.bufferSize}/${this.#spec.maxBytes}] bytes.`,
    )
  }

  #forward(keyBytes: Buffer, c: BufferedChange): void {
    if (c.newValue === null && this.#spec.dropTombstones) return
    const vs = this.#valueSerde
    const topic = this.#topic
    this.#ctx.forward({
      key: this.#keySerde.deserialize(topic, keyBytes),
      value: { newValue: c.newValue === null ? null : vs.deserialize(topic, c.newValue), oldValue: c.oldValue === null ? null : vs.deserialize(topic, c.oldValue) },
      timestamp: c.timestamp,
      headers: c.headers,
    })
  }
}

/**
 * The suppressed table's view for joins: a buffered key reads as its prior value (what
 * downstream last saw), any other key as the parent table.
 */
export function suppressedGetter(storeName: string, parent: ValueGetterSupplier): ValueGetterSupplier {
  return {
    storeNames: [storeName, ...parent.storeNames],
    create() {
      const p = parent.create()
      let store: SerdeKeyValueStore<unknown, unknown>
      let inner: Serde<unknown>
      let topic = ''
      return {
        init: (ctx) => {
          p.init(ctx)
          ;({ store, inner } = openBuffer(ctx, storeName))
          topic = changelogTopic(ctx.applicationId, storeName)
        },
        get: (key) => {
          const k = store.keySerde.serialize(topic, key)
          if (k === null) return p.get(key)
          // The buffer holds what its store gets at the next flush.
          const buffer = SuppressionBuffer.of(store.bytes)
          let prior: Buffer | null
          if (buffer !== undefined) {
            const held = buffer.priorValue(k)
            if (!held.defined) return p.get(key)
            prior = held.value
          } else {
            const bytes = store.bytes.get(k)
            if (bytes === null) return p.get(key)
            prior = decodeBufferedChange(bytes).priorValue
          }
          // Kafka Streams cannot know the prior value's timestamp either: it reads as unknown (-1).
          return prior === null ? null : { value: inner.deserialize(topic, prior), timestamp: -1 }
        },
      }
    },
  }
}
