/**
 * Registration of versioned key-value stores (Kafka Streams' `Stores.versionedKeyValueStoreBuilder`)
 * and their typed, logged face.
 *
 * Changelog: every put and delete is logged as key, value (null for a tombstone) and record
 * timestamp = the version's timestamp, refused puts included (as Kafka Streams logs them);
 * restoring replays them as puts. The topic is compacted with `min.compaction.lag.ms` = history
 * retention + one day, so compaction never removes versions the store can still be asked for.
 */
import type { Serde } from '../serde.js'
import type { BuiltStore, StoreBuildEnv } from './built-store.js'
import { LoggedStoreBuilder } from './logged-store-builder.js'
import type { ChangelogSink } from './store.js'
import type { VersionedBytesStore, VersionedBytesStoreSupplier, VersionedKeyValueStore, VersionedRecord } from './versioned-store.js'

/** Extra compaction lag of versioned store changelogs (Kafka Streams': one day). */
export const VERSIONED_CHANGELOG_ADDITIONAL_COMPACTION_LAG_MS = 24 * 60 * 60 * 1000

/** {@link VersionedKeyValueStore} that (de)serializes around a versioned bytes store and logs changes. */
export class SerdeVersionedKeyValueStore<K, V> implements VersionedKeyValueStore<K, V> {
  readonly name: string
  readonly bytes: VersionedBytesStore
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  readonly #topic: string
  readonly #changelog: ChangelogSink | null

  constructor(bytes: VersionedBytesStore, keySerde: Serde<K>, valueSerde: Serde<V>, serdeTopic: string, changelog: ChangelogSink | null) {
    this.name = bytes.name
    this.bytes = bytes
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.#topic = serdeTopic
    this.#changelog = changelog
  }

  get persistent(): boolean {
    return this.bytes.persistent
  }

  /** The store's history retention (ms of stream time). */
  get historyRetentionMs(): number {
    return this.bytes.historyRetentionMs
  }

  #key(key: K): Buffer {
    const k = this.keySerde.serialize(this.#topic, key)
    if (k === null) throw new TypeError(`store '${this.name}': keys must not be null`)
    return k
  }

  #record(r: VersionedRecord<Buffer> | null): VersionedRecord<V> | null {
    if (r === null) return null
    const value = this.valueSerde.deserialize(this.#topic, r.value)
    return r.validTo === undefined ? { value, timestamp: r.timestamp } : { value, timestamp: r.timestamp, validTo: r.validTo }
  }

  put(key: K, value: V | null, timestamp: number): number {
    const k = this.#key(key)
    const v = value === null ? null : this.valueSerde.serialize(this.#topic, value)
    const code = this.bytes.put(k, v, timestamp)
    this.#changelog?.logChange(this.name, k, v, timestamp)
    return code
  }

  delete(key: K, timestamp: number): VersionedRecord<V> | null {
    const k = this.#key(key)
    const old = this.bytes.delete(k, timestamp)
    this.#changelog?.logChange(this.name, k, null, timestamp)
    return this.#record(old)
  }

  get(key: K, asOfTimestamp?: number): VersionedRecord<V> | null {
    return this.#record(this.bytes.get(this.#key(key), asOfTimestamp))
  }

  flush(): void {
    this.bytes.flush()
  }

  close(): void {
    this.bytes.close()
  }
}

/** Describes a versioned key-value store to create in every task that uses it. */
export class VersionedStoreBuilder<K, V> extends LoggedStoreBuilder<VersionedBytesStoreSupplier, K, V, VersionedStoreBuilder<K, V>> {
  /** Store kind, for the runtime. */
  readonly kind = 'versioned' as const

  protected withLogging(loggingEnabled: boolean, changelogConfig: Readonly<globalThis.Record<string, string>>): VersionedStoreBuilder<K, V> {
    return new VersionedStoreBuilder(this.supplier, this.keySerde, this.valueSerde, loggingEnabled, changelogConfig)
  }

  /** Configs of the changelog topic: compacted, min.compaction.lag.ms = history retention + one day. */
  changelogTopicConfig(): globalThis.Record<string, string> {
    return {
      'cleanup.policy': 'compact',
      'min.compaction.lag.ms': String(this.supplier.historyRetentionMs + VERSIONED_CHANGELOG_ADDITIONAL_COMPACTION_LAG_MS),
      ...this.changelogConfig,
    }
  }

  /** Builds the store of one task. @internal */
  build(env: StoreBuildEnv): BuiltStore {
    const inner = this.supplier.get(env.context)
    const keySerde = env.keySerde as Serde<K>
    const valueSerde = env.valueSerde as Serde<V>
    const topic = env.serdeTopic
    return {
      store: new SerdeVersionedKeyValueStore<K, V>(inner, keySerde, valueSerde, topic, env.changelog),
      restore: (key, value, timestamp) => {
        inner.put(key, value, timestamp)
      },
      wipe: () => inner.clear(),
      decodeChangelog: (key, value) => ({ key: keySerde.deserialize(topic, key), value: value === null ? null : valueSerde.deserialize(topic, value) }),
    }
  }
}

/** True for a versioned store builder. */
export function isVersionedStoreBuilder(builder: object): builder is VersionedStoreBuilder<unknown, unknown> {
  return builder instanceof VersionedStoreBuilder
}
