/**
 * Serdes of windowed keys, byte-compatible with Kafka Streams' `WindowedSerdes`, for output,
 * repartition and changelog topics a Java application reads (or writes):
 * - time-windowed key: inner key bytes + 8-byte big-endian window start; the end is not written,
 *   it is start + windowSize on read;
 * - session-windowed key: inner key bytes + 8-byte big-endian end + 8-byte big-endian start.
 */
import { InvalidArgumentError } from '../protocol/errors.js'
import { SerializationError } from './errors.js'
import { readInt64Number, sessionStoreKey, sessionStoreKeyEnd, sessionStoreKeyKey, sessionStoreKeyStart, timeWindowedKey } from './state/window-key-schema.js'
import type { Serde } from './serde.js'
import type { Windowed } from './windowed.js'

const TS = 8

function innerKey<K>(inner: Serde<K>, topic: string, windowed: Windowed<K>, kind: string): Buffer {
  const k = inner.serialize(topic, windowed.key)
  if (k === null) throw new SerializationError(`${kind} serde: the inner serde serialized the key to null`)
  return k
}

function checkWindowedBytes(data: Buffer, suffix: number, kind: string): void {
  if (data.length < suffix) throw new SerializationError(`${kind} serde: ${data.length} bytes are fewer than the ${suffix}-byte window suffix`)
}

function checkWindowed<K>(windowed: Windowed<K>, kind: string): void {
  const w = (windowed as Partial<Windowed<K>>).window
  if (w === undefined || !Number.isSafeInteger(w.start) || !Number.isSafeInteger(w.end)) {
    throw new SerializationError(`${kind} serde: expected { key, window: { start, end } } with integer times`)
  }
}

/** A windowed key serde; `windowedInner` is the key serde inside (sinks partition by the inner key, as Kafka Streams' WindowedStreamPartitioner). */
export interface WindowedSerde<K> extends Serde<Windowed<K>> {
  readonly windowedInner: Serde<K>
}

/** Factories of windowed key serdes (Kafka Streams' `WindowedSerdes`). */
export const WindowedSerdes = {
  /**
   * Serde of `Windowed<K>` keys of time windows (tumbling, hopping, sliding): key + 8-byte start.
   * @param windowSize the windows' size in ms: deserialized windows end at start + windowSize.
   */
  timeWindowedSerdeFrom<K>(inner: Serde<K>, windowSize: number): WindowedSerde<K> {
    if (!Number.isSafeInteger(windowSize) || windowSize < 0) {
      throw new InvalidArgumentError(`timeWindowedSerdeFrom: windowSize must be a non-negative integer (ms), got ${windowSize}`)
    }
    const kind = 'time-windowed'
    // The windows of one key are serialized in turn: a text or number key's bytes are reused
    // (they are copied into each windowed key, never handed out).
    let lastTopic = ''
    let lastKey: unknown = undefined
    let lastBytes: Buffer | null = null
    return {
      windowedInner: inner,
      serialize(topic, windowed) {
        if (windowed == null) return null
        checkWindowed(windowed, kind)
        const key: unknown = windowed.key
        if (Object.is(key, lastKey) && topic === lastTopic && (typeof key === 'string' || typeof key === 'number')) {
          return timeWindowedKey(lastBytes as Buffer, windowed.window.start)
        }
        const bytes = innerKey(inner, topic, windowed, kind)
        if (typeof key === 'string' || typeof key === 'number') {
          lastTopic = topic
          lastKey = key
          lastBytes = bytes
        }
        return timeWindowedKey(bytes, windowed.window.start)
      },
      deserialize(topic, data) {
        if (data === null) return null as unknown as Windowed<K>
        checkWindowedBytes(data, TS, kind)
        const start = readInt64Number(data, data.length - TS)
        // As Kafka Streams: an end past the largest timestamp is capped.
        const end = Math.min(start + windowSize, Number.MAX_SAFE_INTEGER)
        return { key: inner.deserialize(topic, data.subarray(0, data.length - TS)), window: { start, end } }
      },
    }
  },

  /** Serde of `Windowed<K>` keys of session windows: key + 8-byte end + 8-byte start. */
  sessionWindowedSerdeFrom<K>(inner: Serde<K>): WindowedSerde<K> {
    const kind = 'session-windowed'
    return {
      windowedInner: inner,
      serialize(topic, windowed) {
        if (windowed == null) return null
        checkWindowed(windowed, kind)
        // The session store key layout.
        return sessionStoreKey(innerKey(inner, topic, windowed, kind), windowed.window.start, windowed.window.end)
      },
      deserialize(topic, data) {
        if (data === null) return null as unknown as Windowed<K>
        checkWindowedBytes(data, 2 * TS, kind)
        return { key: inner.deserialize(topic, sessionStoreKeyKey(data)), window: { start: sessionStoreKeyStart(data), end: sessionStoreKeyEnd(data) } }
      },
    }
  },
} as const
