/**
 * What a task needs from any registered store: the typed store processors open, and the restore
 * path from changelog records. Window and session store builders produce one per task.
 */
import type { Serde } from '../serde.js'
import { LoggingBytesStore, type TimestampSource } from './logging.js'
import type { ChangelogSink, KeyValueBytesStoreSupplier, StateStore, StoreContext } from './store.js'
import { SerdeKeyValueStore } from './typed.js'

/** Inputs of a store build in one task. */
export interface StoreBuildEnv {
  readonly context: StoreContext
  /** Where changes are logged; null when the store is not logged. */
  readonly changelog: ChangelogSink | null
  /** Timestamp of the record being processed (changelog record timestamps). */
  readonly time: TimestampSource
  /** Resolved serdes (the builder's, or the application defaults). */
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  /** Topic name serdes see: the store's changelog topic. */
  readonly serdeTopic: string
}

/** A store instance of one task. */
export interface BuiltStore {
  /** The typed store, as `context.getStateStore(name)` returns it. */
  readonly store: StateStore
  /**
   * What interactive queries and the test driver read, when it differs from {@link store} (e.g.
   * a timestamped key-value store read with plain values). Default: {@link store}.
   */
  readonly queryStore?: StateStore
  /** Applies one changelog record (key in the store's changelog layout) without logging it. */
  restore(key: Buffer, value: Buffer | null, timestamp: number): void
  /** Removes everything (before a restore from the start of the changelog). */
  wipe(): void
  /** A changelog record as key and value objects (the test driver's `producedChangelog`). */
  decodeChangelog(key: Buffer, value: Buffer | null): { key: unknown; value: unknown }
}

/** The {@link BuiltStore} of a key-value store: serdes over the (logged) bytes store. */
export function buildKeyValueStore(supplier: KeyValueBytesStoreSupplier, env: StoreBuildEnv): BuiltStore {
  const inner = supplier.get(env.context)
  const bytes = env.changelog === null ? inner : new LoggingBytesStore(inner, env.changelog, env.time)
  const { keySerde, valueSerde, serdeTopic } = env
  return {
    store: new SerdeKeyValueStore(bytes, keySerde, valueSerde, serdeTopic),
    restore: (key, value) => inner.put(key, value),
    wipe: () => {
      const keys: Buffer[] = []
      for (const e of inner.all()) keys.push(e.key)
      for (const k of keys) inner.put(k, null)
    },
    decodeChangelog: (key, value) => ({ key: keySerde.deserialize(serdeTopic, key), value: value === null ? null : valueSerde.deserialize(serdeTopic, value) }),
  }
}
