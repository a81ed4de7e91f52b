/**
 * Registration of window and session stores (Kafka Streams' `Stores.windowStoreBuilder`,
 * `timestampedWindowStoreBuilder`, `sessionStoreBuilder`): a builder describes the store, and
 * every task that uses it builds its own instance through {@link WindowStoreBuilder.build}.
 *
 * Changelog topics of window and session stores are compacted and deleted: `cleanup.policy` is
 * `compact,delete` and `retention.ms` the store's retention plus one day (Kafka Streams'
 * `windowstore.changelog.additional.retention.ms` default), so the topic keeps what the store can
 * still hold.
 */
import type { Serde } from '../serde.js'
import type { BuiltStore, StoreBuildEnv } from './built-store.js'
import { LoggedStoreBuilder } from './logged-store-builder.js'
import { LoggingSessionBytesStore, LoggingWindowBytesStore } from './logging-window.js'
import type { SessionBytesStoreSupplier } from './session-store.js'
import { SerdeSessionStore } from './typed-session.js'
import { SerdeWindowStore, timestampedValueSerde } from './typed-window.js'
import { toTimestampedBytes } from './value-and-timestamp.js'
import { MAX_TIMESTAMP, sessionStoreKeyEnd, sessionStoreKeyKey, sessionStoreKeyStart, windowStoreKeyKey, windowStoreKeyStart } from './window-key-schema.js'
import type { WindowBytesStoreSupplier } from './window-store.js'

/** Extra changelog retention of window and session stores (Kafka Streams' default: one day). */
export const WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS = 24 * 60 * 60 * 1000

/** Topic configs of a window or session store's changelog; `overrides` (the user's) win. */
export function windowedChangelogConfig(retentionPeriod: number, overrides: Readonly<globalThis.Record<string, string>>): globalThis.Record<string, string> {
  return {
    'cleanup.policy': 'compact,delete',
    'retention.ms': String(retentionPeriod + WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS),
    ...overrides,
  }
}

/** Computes a window's end from its start (default: start + window size). */
export type WindowEndFn = (windowStart: number) => number

/**
 * Describes a window store to create in every task that uses it. With `timestamped`, the typed
 * store is a {@link TimestampedWindowStore} (values are `ValueAndTimestamp<V>`).
 */
export class WindowStoreBuilder<K, V> extends LoggedStoreBuilder<WindowBytesStoreSupplier, K, V, WindowStoreBuilder<K, V>> {
  /** Store kind, for the runtime. */
  readonly kind = 'window' as const
  /** Values are `ValueAndTimestamp<V>`, stored as 8-byte timestamp + value (`valueSerde` is the plain values' serde). */
  readonly timestamped: boolean
  /** Window end of a start, for the windows the typed store returns (default start + window size). */
  readonly windowEnd: WindowEndFn | undefined

  constructor(
    supplier: WindowBytesStoreSupplier,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    timestamped: boolean,
    loggingEnabled = true,
    changelogConfig: Readonly<globalThis.Record<string, string>> = {},
    windowEnd?: WindowEndFn,
  ) {
    super(supplier, keySerde, valueSerde, loggingEnabled, changelogConfig)
    this.timestamped = timestamped
    this.windowEnd = windowEnd
  }

  protected withLogging(loggingEnabled: boolean, changelogConfig: Readonly<globalThis.Record<string, string>>): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(this.supplier, this.keySerde, this.valueSerde, this.timestamped, loggingEnabled, changelogConfig, this.windowEnd)
  }

  /** A copy whose typed store computes window ends with `fn` (variable-length, e.g. calendar, windows). */
  withWindowEnd(fn: WindowEndFn): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(this.supplier, this.keySerde, this.valueSerde, this.timestamped, this.loggingEnabled, this.changelogConfig, fn)
  }

  /** Configs of the changelog topic. */
  changelogTopicConfig(): globalThis.Record<string, string> {
    return windowedChangelogConfig(this.supplier.retentionPeriod, this.changelogConfig)
  }

  /** Builds the store of one task. @internal */
  build(env: StoreBuildEnv): BuiltStore {
    const inner = this.supplier.get(env.context)
    const bytes = env.changelog === null ? inner : new LoggingWindowBytesStore(inner, env.changelog, env.time, this.timestamped)
    const keySerde = env.keySerde as Serde<K>
    const plainValues = env.valueSerde as Serde<V>
    const valueSerde: Serde<unknown> = this.timestamped ? timestampedValueSerde(plainValues) : plainValues
    const size = inner.windowSize
    const end = this.windowEnd ?? ((start: number) => Math.min(start + size, MAX_TIMESTAMP))
    const store = new SerdeWindowStore<K, unknown>(bytes, keySerde, valueSerde, env.serdeTopic, end)
    const timestamped = this.timestamped
    const topic = env.serdeTopic
    return {
      store,
      restore: (key, value, timestamp) => inner.putStoreKey(key, value === null || !timestamped ? value : toTimestampedBytes(timestamp, value)),
      wipe: () => inner.clear(),
      decodeChangelog: (key, value) => {
        const start = windowStoreKeyStart(key)
        return {
          key: { key: keySerde.deserialize(topic, windowStoreKeyKey(key)), window: { start, end: end(start) } },
          value: value === null ? null : plainValues.deserialize(topic, value),
        }
      },
    }
  }
}

/** Describes a session store to create in every task that uses it. */
export class SessionStoreBuilder<K, V> extends LoggedStoreBuilder<SessionBytesStoreSupplier, K, V, SessionStoreBuilder<K, V>> {
  /** Store kind, for the runtime. */
  readonly kind = 'session' as const

  protected withLogging(loggingEnabled: boolean, changelogConfig: Readonly<globalThis.Record<string, string>>): SessionStoreBuilder<K, V> {
    return new SessionStoreBuilder(this.supplier, this.keySerde, this.valueSerde, loggingEnabled, changelogConfig)
  }

  /** Configs of the changelog topic. */
  changelogTopicConfig(): globalThis.Record<string, string> {
    return windowedChangelogConfig(this.supplier.retentionPeriod, this.changelogConfig)
  }

  /** Builds the store of one task. @internal */
  build(env: StoreBuildEnv): BuiltStore {
    const inner = this.supplier.get(env.context)
    const bytes = env.changelog === null ? inner : new LoggingSessionBytesStore(inner, env.changelog, env.time)
    const keySerde = env.keySerde as Serde<K>
    const valueSerde = env.valueSerde as Serde<V>
    const store = new SerdeSessionStore<K, V>(bytes, keySerde, valueSerde, env.serdeTopic)
    const topic = env.serdeTopic
    return {
      store,
      restore: (key, value) => inner.putStoreKey(key, value),
      wipe: () => inner.clear(),
      decodeChangelog: (key, value) => ({
        key: { key: keySerde.deserialize(topic, sessionStoreKeyKey(key)), window: { start: sessionStoreKeyStart(key), end: sessionStoreKeyEnd(key) } },
        value: value === null ? null : valueSerde.deserialize(topic, value),
      }),
    }
  }
}

/** A window or session store builder. */
export type WindowedStoreBuilder = WindowStoreBuilder<unknown, unknown> | SessionStoreBuilder<unknown, unknown>

/** True for window and session store builders (not key-value ones). */
export function isWindowedStoreBuilder(builder: object): builder is WindowedStoreBuilder {
  return builder instanceof WindowStoreBuilder || builder instanceof SessionStoreBuilder
}
