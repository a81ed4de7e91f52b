/**
 * Serde for KTable changes sent through a repartition topic (KGroupedTable): both the new and the
 * old value travel in one record so the downstream aggregation can subtract and add.
 * Layout: flags int8 (bit 0: new present, bit 1: old present), newLength int32, new, old.
 */
import { SerializationError } from '../errors.js'
import type { Change } from '../record.js'
import type { Serde } from '../serde.js'

/** A serde whose inner serde may come from the runtime's defaults. @internal */
export interface DeferredSerde {
  resolveDefaults(defaultKey: Serde<unknown> | undefined, defaultValue: Serde<unknown> | undefined): Serde<unknown>
}

export function isDeferredSerde(s: unknown): s is DeferredSerde {
  return typeof s === 'object' && s !== null && typeof (s as Partial<DeferredSerde>).resolveDefaults === 'function'
}

/** @internal */
export class ChangeSerde<V> implements Serde<Change<V>>, DeferredSerde {
  readonly inner: Serde<V> | undefined
  constructor(inner: Serde<V> | undefined) {
    this.inner = inner
  }

  resolveDefaults(_key: Serde<unknown> | undefined, value: Serde<unknown> | undefined): Serde<unknown> {
    if (this.inner !== undefined) return this as Serde<unknown>
    if (value === undefined) throw new SerializationError('no value serde for a KTable repartition topic: pass one in Grouped or set defaultValueSerde')
    return new ChangeSerde(value) as Serde<unknown>
  }

  serialize(topic: string, change: Change<V>): Buffer | null {
    if (change == null) return null
    const inner = this.inner as Serde<V>
    const n = change.newValue === null ? null : inner.serialize(topic, change.newValue)
    const o = change.oldValue === null ? null : inner.serialize(topic, change.oldValue)
    const nLen = n === null ? 0 : n.length
    const out = Buffer.allocUnsafe(5 + nLen + (o === null ? 0 : o.length))
    out[0] = (n !== null ? 1 : 0) | (o !== null ? 2 : 0)
    out.writeInt32BE(nLen, 1)
    if (n !== null) n.copy(out, 5)
    if (o !== null) o.copy(out, 5 + nLen)
    return out
  }

  deserialize(topic: string, data: Buffer | null): Change<V> {
    if (data === null) return null as unknown as Change<V>
    if (data.length < 5) throw new SerializationError(`KTable change record too short (${data.length} bytes)`)
    const inner = this.inner as Serde<V>
    const flags = data[0]
    const nLen = data.readInt32BE(1)
    if (nLen < 0 || 5 + nLen > data.length) throw new SerializationError('KTable change record: bad length')
    return {
      newValue: flags & 1 ? inner.deserialize(topic, data.subarray(5, 5 + nLen)) : null,
      oldValue: flags & 2 ? inner.deserialize(topic, data.subarray(5 + nLen)) : null,
    }
  }
}
