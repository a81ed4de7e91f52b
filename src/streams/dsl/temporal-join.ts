/**
 * Temporal stream-table joins (Kafka Streams' KStreamKTableJoin with a versioned table): a stream
 * record joins with the table value as of the record's timestamp.
 *
 * With a grace period (`Joined.gracePeriodMs`, Kafka Streams' `Joined.withGracePeriod`), stream
 * records wait in a time-ordered buffer store (`<join name>-Buffer`, logged to its changelog and
 * restored from it; in memory: it holds only records younger than the grace) until stream time passes their timestamp + grace, so table updates that arrive out
 * of order within the grace are seen. As in Kafka Streams' RocksDBTimeOrderedKeyValueBuffer:
 * - stream time is the largest timestamp of the records put into the buffer;
 * - a record older than stream time - grace is not buffered but joined at once;
 * - after each buffered record, all records with timestamp <= stream time - grace are joined and
 *   removed, in the buffer's key order: timestamp, then serialized key bytes, then arrival.
 * Records with a null value, or a null key in an inner join, are dropped (`droppedRecords`); a
 * left join joins a null-key record with null at once (Kafka Streams 3.7+; never buffered).
 *
 * Buffer entry: key = timestamp (i64) + serialized key + sequence number (i32), Kafka Streams'
 * time-first key layout; value = the record (value bytes, headers, source position) in the
 * suppression buffer's value layout.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { TopologyError } from '../errors.js'
import type { ProcessorContext } from '../processor.js'
import type { Record } from '../record.js'
import type { Serde } from '../serde.js'
import { inMemoryKeyValueStore } from '../state/in-memory.js'
import { StoreBuilder } from '../state/stores.js'
import { decodeBufferedChange, encodeBufferedChange } from '../state/suppression-buffer.js'
import type { SerdeKeyValueStore } from '../state/typed.js'
import { changelogTopic } from '../topology/naming.js'
import type { BuilderInternals } from './options.js'
import type { ValueGetter, ValueGetterSupplier } from './processors.js'
import { isVersionedGetter, type VersionedValueGetter } from './versioned-table.js'
import { recordDropped } from './windowed-context.js'

type Ctx = ProcessorContext<unknown, unknown>
type Joiner = (value: unknown, tableValue: unknown, key: unknown) => unknown

/** Buffer key: timestamp, serialized key, sequence number (Kafka Streams' TimeFirstWindowKeySchema). */
function bufferKey(timestamp: number, key: Buffer, seq: number): Buffer {
  const out = Buffer.allocUnsafe(8 + key.length + 4)
  out.writeBigInt64BE(BigInt(timestamp), 0)
  key.copy(out, 8)
  out.writeInt32BE(seq, 8 + key.length)
  return out
}

function timestampBytes(ts: number): Buffer {
  const out = Buffer.allocUnsafe(8)
  out.writeBigInt64BE(BigInt(ts), 0)
  return out
}

function bufferKeyTimestamp(k: Buffer): number {
  return Number(k.readBigInt64BE(0))
}

function bufferKeyKey(k: Buffer): Buffer {
  return k.subarray(8, k.length - 4)
}

/** The stream-table join processor reading a versioned table (as of the record time), optionally through the grace buffer. */
export class TemporalStreamTableJoin {
  #ctx!: Ctx
  readonly #getter: ValueGetter
  readonly #versioned: boolean
  #buffer: SerdeKeyValueStore<unknown, unknown> | null = null
  #topic = ''
  #streamTime = -1
  /** No buffered record is older than this (a lower bound): eviction scans only when one may be due. */
  #minBuffered = Number.POSITIVE_INFINITY
  #seq = 0

  constructor(
    getter: ValueGetterSupplier,
    private readonly joiner: Joiner,
    private readonly left: boolean,
    private readonly graceMs: number | undefined,
    private readonly bufferStoreName: string | undefined,
  ) {
    this.#getter = getter.create()
    this.#versioned = isVersionedGetter(getter)
  }

  init(context: Ctx): void {
    this.#ctx = context
    this.#getter.init(context)
    if (this.bufferStoreName !== undefined) {
      this.#buffer = context.getStateStore<SerdeKeyValueStore<unknown, unknown>>(this.bufferStoreName)
      this.#topic = changelogTopic(context.applicationId, this.bufferStoreName)
      // A restored buffer: stream time resumes from the newest buffered record. That is exact: with
      // a grace > 0 the newest record stays buffered until a newer one arrives, and with grace 0
      // a record older than the lost stream time is joined at once whether buffered or not.
      for (const e of this.#buffer.bytes.all()) {
        const ts = bufferKeyTimestamp(e.key)
        this.#streamTime = Math.max(this.#streamTime, ts)
        this.#minBuffered = Math.min(this.#minBuffered, ts)
      }
    }
  }

  process(r: Record<unknown, unknown>): void {
    if (r.value == null || (r.key == null && !this.left)) {
      recordDropped(this.#ctx, r.value == null ? 'null value in a stream-table join' : 'null key in a stream-table join')
      return
    }
    const buffer = this.#buffer
    if (buffer === null || r.key == null || !this.#put(buffer, r)) {
      this.#join(r)
      return
    }
    this.#evict(buffer)
  }

  /** Buffers the record unless it is older than stream time - grace (then it is joined at once). */
  #put(buffer: SerdeKeyValueStore<unknown, unknown>, r: Record<unknown, unknown>): boolean {
    const grace = this.graceMs ?? 0
    if (this.#streamTime - grace > r.timestamp) return false
    this.#streamTime = Math.max(this.#streamTime, r.timestamp)
    this.#seq = (this.#seq + 1) & 0x7fffffff
    const k = buffer.keySerde.serialize(this.#topic, r.key)
    if (k === null) throw new TypeError(`store '${buffer.name}': the key serializes to null`)
    const meta = this.#ctx.recordMetadata()
    const value = encodeBufferedChange({
      bufferTime: this.#streamTime,
      timestamp: r.timestamp,
      headers: r.headers,
      topic: meta?.topic ?? null,
      partition: meta?.partition ?? -1,
      offset: meta?.offset ?? -1n,
      priorValue: null,
      oldValue: null,
      newValue: buffer.valueSerde.serialize(this.#topic, r.value),
    })
    buffer.bytes.put(bufferKey(r.timestamp, k, this.#seq), value)
    this.#minBuffered = Math.min(this.#minBuffered, r.timestamp)
    return true
  }

  /** Joins and removes every buffered record with timestamp <= stream time - grace, in key order. */
  #evict(buffer: SerdeKeyValueStore<unknown, unknown>): void {
    const limit = this.#streamTime - (this.graceMs ?? 0)
    if (limit < 0 || this.#minBuffered > limit) return
    // Keys [ts][key][seq] with ts <= limit sort before the 8 bytes of limit + 1 (timestamps are >= 0).
    const due = [...buffer.bytes.range(timestampBytes(0), timestampBytes(limit + 1))]
    this.#minBuffered = limit + 1
    for (const e of due) {
      const c = decodeBufferedChange(e.value)
      const key = buffer.keySerde.deserialize(this.#topic, bufferKeyKey(e.key))
      const value = c.newValue === null ? null : buffer.valueSerde.deserialize(this.#topic, c.newValue)
      this.#join({ key, value, timestamp: c.timestamp, headers: c.headers })
      buffer.bytes.delete(e.key)
    }
  }

  #join(r: Record<unknown, unknown>): void {
    let tableValue: unknown = null
    if (r.key != null) tableValue = (this.#versioned ? (this.#getter as VersionedValueGetter).getAsOf(r.key, r.timestamp) : this.#getter.get(r.key))?.value ?? null
    if (tableValue === null && !this.left) return
    this.#ctx.forward({ key: r.key, value: this.joiner(r.value, tableValue, r.key), timestamp: r.timestamp, headers: r.headers })
  }
}

/**
 * Adds the join processor `name` (reading `parent`) for a table read through `getter`, with the
 * grace buffer when `graceMs` is set. Throws a TopologyError for a grace period on a table that
 * is not versioned (as Kafka Streams). @internal
 */
export function addTemporalJoin(
  b: BuilderInternals,
  name: string,
  parent: string,
  getter: ValueGetterSupplier,
  joiner: Joiner,
  left: boolean,
  graceMs: number | undefined,
  keySerde: Serde<unknown> | undefined,
  valueSerde: Serde<unknown> | undefined,
): void {
  let bufferName: string | undefined
  if (graceMs !== undefined) {
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new InvalidArgumentError(`Joined.gracePeriodMs must be a whole number of ms >= 0, got ${String(graceMs)}`)
    if (!isVersionedGetter(getter)) throw new TopologyError(`join '${name}': the KTable must be versioned to use a grace period in a stream-table join`)
    bufferName = `${name}-Buffer`
  }
  b.topology.addProcessor(name, () => new TemporalStreamTableJoin(getter, joiner, left, graceMs, bufferName), parent)
  b.topology.connectProcessorAndStateStores(name, ...getter.storeNames)
  if (bufferName !== undefined) b.topology.addStateStore(new StoreBuilder<unknown, unknown>(inMemoryKeyValueStore(bufferName), keySerde, valueSerde), name)
}
