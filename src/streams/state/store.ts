/**
 * State store interfaces. Typed stores ({@link KeyValueStore}) sit on a bytes-level
 * {@link BytesStore}, so persistent engines and changelog logging plug in underneath the serdes.
 */
import type { KeyValue } from '../record.js'

/** Anything registered as a store in a topology. */
export interface StateStore {
  readonly name: string
  /** True when the data survives a restart (no full restore from the changelog needed). */
  readonly persistent: boolean
  flush(): void
  close(): void
}

/**
 * A key-value store over bytes. Keys are ordered by unsigned byte-wise comparison
 * (Java's `Bytes` order); ranges are inclusive at both ends. A null value deletes.
 */
export interface BytesStore extends StateStore {
  get(key: Buffer): Buffer | null
  /**
   * Puts a value (null deletes). `id`, when the caller has it: the key bytes as latin1 text
   * (`key.toString('latin1')`), which in-memory stores key by (it saves them the conversion).
   */
  put(key: Buffer, value: Buffer | null, id?: string): void
  /** Puts only when absent; returns the existing value (null when it was absent). */
  putIfAbsent(key: Buffer, value: Buffer | null): Buffer | null
  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void
  /** Deletes and returns the previous value. */
  delete(key: Buffer): Buffer | null
  range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>>
  all(): IterableIterator<KeyValue<Buffer, Buffer>>
  approximateNumEntries(): number
}

/** A typed key-value store, as processors see it. */
export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): V | null
  /** A null value deletes the key. */
  put(key: K, value: V | null): void
  putIfAbsent(key: K, value: V | null): V | null
  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void
  delete(key: K): V | null
  /** Entries with from <= key <= to in serialized-key byte order. */
  range(from: K, to: K): IterableIterator<KeyValue<K, V>>
  all(): IterableIterator<KeyValue<K, V>>
  approximateNumEntries(): number
}

/** Read-only view of a key-value store (global tables, interactive queries). */
export type ReadOnlyKeyValueStore<K, V> = Pick<KeyValueStore<K, V>, 'name' | 'get' | 'range' | 'all' | 'approximateNumEntries'>

/** Receives every change of a logged store: the task writes it to `<applicationId>-<store>-changelog`. */
export interface ChangelogSink {
  logChange(storeName: string, key: Buffer, value: Buffer | null, timestamp: number): void
}

/** Where a store is created: passed by the task to {@link KeyValueBytesStoreSupplier.get}. */
export interface StoreContext {
  applicationId: string
  /** `<subtopology>_<partition>` (or `global`). */
  taskId: string
  /**
   * The application's state directory, when the runtime has one: persistent stores live in
   * `<stateDir>/<taskId>/<storeName>`. Undefined in the test driver.
   */
  stateDir?: string
}

/** Creates the bytes store for one task (e.g. in-memory, or a persistent engine). */
export interface KeyValueBytesStoreSupplier {
  readonly name: string
  get(context?: StoreContext): BytesStore
}
