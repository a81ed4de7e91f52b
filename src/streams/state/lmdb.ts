/**
 * Persistent bytes store on LMDB (the `lmdb` package: a B+tree in a memory-mapped file, with
 * prebuilt binaries shipped as npm optional packages, so nothing is compiled or downloaded).
 *
 * Why LMDB: the {@link BytesStore} contract is synchronous (processors call `get`/`put` inline),
 * and LMDB is the embedded engine here whose reads, cursors and write transactions are all
 * synchronous: `classic-level` (LevelDB) has only a synchronous `get`, its writes and iterators
 * are asynchronous. Measured here (bench/streams/stores.ts, bench/RESULTS.md): LMDB gets and
 * scans run ~3x faster than LevelDB's; LevelDB writes batches ~1.8x faster (an LSM tree appends).
 *
 * Writes go to a write-back buffer (like RocksDB's memtable in Kafka Streams) and reach LMDB in
 * one write transaction per {@link LmdbKeyValueStore.flush} (the runtime flushes before each
 * commit) or when the buffer fills: a synchronous LMDB transaction per put costs ~20 µs, a batched
 * put well under 5 µs. Reads look in the buffer first; ranges merge the buffer with an LMDB cursor.
 *
 * Durability: the changelog topic is the durable copy of a store, as in Kafka Streams (whose
 * RocksDB runs without a write-ahead log). Flushes therefore skip fsync by default (~5 ms each);
 * a killed process loses nothing that was flushed (the data is in the page cache), and
 * {@link LmdbKeyValueStore.close} fsyncs. A machine crash, though, can lose flushed data that a
 * checkpoint (checkpoint.ts, written by the runtime after a flush) already covers: use
 * `syncOnFlush: true` where that matters; it fsyncs every flush.
 *
 * Limits: keys up to 1978 bytes (LMDB's compiled key size limit). The empty key, which LMDB
 * refuses, lives in a side database and sorts first like in the in-memory store.
 */
import { mkdirSync, mkdtempSync, openSync, closeSync, fsyncSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Database, RootDatabase, RootDatabaseOptionsWithPath } from 'lmdb'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { KeyValue } from '../record.js'
import type { BytesStore, KeyValueBytesStoreSupplier, StoreContext } from './store.js'

/** LMDB's maximum key size as compiled into the `lmdb` package. */
export const LMDB_MAX_KEY_BYTES = 1978

/** Options of {@link LmdbKeyValueStore}. */
export interface LmdbStoreOptions {
  /**
   * Directory of the LMDB environment (created when missing). When omitted, the supplier uses
   * `<stateDir>/<taskId>/<storeName>` from the runtime, or else a temporary directory that is
   * removed on close.
   */
  path?: string
  /** Buffered writes that trigger an early flush to LMDB (default 50,000). */
  maxBufferedEntries?: number
  /** fsync on every flush, not only on close (default false: the changelog is the durable copy). */
  syncOnFlush?: boolean
  /** Initial map size in bytes (default 1 GiB; LMDB grows it when full). */
  mapSize?: number
}

type LmdbModule = typeof import('lmdb')
let lmdbModule: LmdbModule | undefined
// Loaded on first use so that importing the streams layer does not load a native module.
function lmdb(): LmdbModule {
  lmdbModule ??= createRequire(import.meta.url)('lmdb') as LmdbModule
  return lmdbModule
}

interface Pending {
  key: Buffer
  /** null: a delete not yet applied to LMDB. */
  value: Buffer | null
}

const EMPTY_KEY_SLOT = Buffer.from('empty-key')
const ZERO = Buffer.from([0])

/** Unsigned byte-wise comparison (Java's `Bytes` order), the order LMDB keeps with binary keys. */
function compareKeys(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b)
}

/** A {@link BytesStore} persisted in an LMDB environment (one environment per store and task). */
export class LmdbKeyValueStore implements BytesStore {
  readonly name: string
  readonly persistent = true
  /** The environment's directory. */
  readonly path: string
  readonly #root: RootDatabase<Buffer, Buffer>
  /** The entries. A named database: LMDB keeps the names of named databases in the root one. */
  readonly #data: Database<Buffer, Buffer>
  /** Holds the empty key, which LMDB cannot store as a key. */
  readonly #side: Database<Buffer, Buffer>
  readonly #pending = new Map<string, Pending>()
  /** Pending entries sorted by key; null after a key was added to the buffer. */
  #pendingSorted: Pending[] | null = null
  readonly #maxPending: number
  readonly #syncOnFlush: boolean
  readonly #removeOnClose: boolean
  #open = true

  /**
   * Opens (or creates) the store in `options.path`.
   * @param removeOnClose delete the directory on close (temporary stores).
   */
  constructor(name: string, options: LmdbStoreOptions & { path: string }, removeOnClose = false) {
    this.name = name
    this.path = options.path
    this.#maxPending = options.maxBufferedEntries ?? 50_000
    this.#syncOnFlush = options.syncOnFlush ?? false
    this.#removeOnClose = removeOnClose
    mkdirSync(this.path, { recursive: true })
    const opts: RootDatabaseOptionsWithPath = {
      path: this.path,
      keyEncoding: 'binary',
      encoding: 'binary',
      compression: false,
      // Sync explicitly (flush with syncOnFlush, close) rather than on every LMDB commit.
      noSync: true,
      noMemInit: true,
      // The path is a directory even when it has a dot (the package takes `a.b` for a file).
      noSubdir: false,
      maxDbs: 2,
      mapSize: options.mapSize ?? 1 << 30,
    }
    this.#root = lmdb().open<Buffer, Buffer>(opts)
    const sub = { keyEncoding: 'binary', encoding: 'binary', compression: false } as const
    this.#data = this.#root.openDB<Buffer, Buffer>({ name: 'data', ...sub })
    this.#side = this.#root.openDB<Buffer, Buffer>({ name: 'side', ...sub })
  }

  get(key: Buffer): Buffer | null {
    const p = this.#pending.get(key.toString('latin1'))
    if (p !== undefined) return p.value
    return this.#read(key)
  }

  put(key: Buffer, value: Buffer | null): void {
    this.#checkOpen()
    if (key.length > LMDB_MAX_KEY_BYTES) {
      throw new InvalidArgumentError(`state store '${this.name}': key of ${key.length} bytes exceeds LMDB's limit of ${LMDB_MAX_KEY_BYTES}`)
    }
    const k = key.toString('latin1')
    const p = this.#pending.get(k)
    if (p !== undefined) p.value = value
    else {
      this.#pending.set(k, { key, value })
      this.#pendingSorted = null
      if (this.#pending.size >= this.#maxPending) this.#writeBuffer()
    }
  }

  putIfAbsent(key: Buffer, value: Buffer | null): Buffer | null {
    const existing = this.get(key)
    if (existing === null) this.put(key, value)
    return existing
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const e of entries) this.put(e.key, e.value)
  }

  delete(key: Buffer): Buffer | null {
    const old = this.get(key)
    if (old !== null) this.put(key, null)
    return old
  }

  *range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    if (compareKeys(from, to) > 0) return
    yield* this.#merged(from, to)
  }

  *all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    yield* this.#merged(null, null)
  }

  approximateNumEntries(): number {
    this.#checkOpen()
    // Buffered new keys and deletes are not counted: approximate, as the name says.
    return (this.#data.getStats() as { entryCount: number }).entryCount + (this.#side.getStats() as { entryCount: number }).entryCount
  }

  /** Writes buffered changes to LMDB (fsyncs too with `syncOnFlush`). */
  flush(): void {
    this.#checkOpen()
    this.#writeBuffer()
    if (this.#syncOnFlush) this.#fsync()
  }

  /** Flushes, fsyncs and closes the environment (removing it if temporary). */
  close(): void {
    if (!this.#open) return
    this.#writeBuffer()
    this.#fsync()
    this.#open = false
    // Synchronous in effect: no asynchronous lmdb writes are ever issued by this store.
    void this.#root.close()
    if (this.#removeOnClose) rmSync(this.path, { recursive: true, force: true })
  }

  /** Closes the environment without writing buffered changes and deletes its directory (a dropped segment). */
  destroy(): void {
    this.#pending.clear()
    this.#pendingSorted = null
    if (this.#open) {
      this.#open = false
      void this.#root.close()
    }
    rmSync(this.path, { recursive: true, force: true })
  }

  #read(key: Buffer): Buffer | null {
    this.#checkOpen()
    if (key.length === 0) return this.#side.getBinary(EMPTY_KEY_SLOT) ?? null
    if (key.length > LMDB_MAX_KEY_BYTES) return null
    return this.#data.getBinary(key) ?? null
  }

  #writeBuffer(): void {
    if (this.#pending.size === 0) return
    const data = this.#data
    const side = this.#side
    // In key order: B-tree inserts in order run about twice as fast as in hash order. Latin1
    // strings compare like the bytes they hold.
    const pending = this.#pending
    const keys = [...pending.keys()].sort()
    this.#root.transactionSync(() => {
      for (const k of keys) {
        const p = pending.get(k) as Pending
        if (p.key.length === 0) {
          if (p.value === null) side.removeSync(EMPTY_KEY_SLOT)
          else side.putSync(EMPTY_KEY_SLOT, p.value)
        } else if (p.value === null) data.removeSync(p.key)
        else data.putSync(p.key, p.value)
      }
    })
    this.#pending.clear()
    this.#pendingSorted = null
  }

  // The environment is written with noSync; fsync of the data file makes it durable (Linux and
  // macOS flush a file's dirty pages through any descriptor).
  #fsync(): void {
    const fd = openSync(join(this.path, 'data.mdb'), 'r+')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }

  #checkOpen(): void {
    if (!this.#open) throw new InvalidArgumentError(`state store '${this.name}' is closed`)
  }

  /**
   * Entries in [from, to] (null: unbounded): the buffer (a sorted snapshot taken now) merged with
   * an LMDB cursor; buffered values win, buffered deletes hide LMDB entries.
   */
  *#merged(from: Buffer | null, to: Buffer | null): Generator<KeyValue<Buffer, Buffer>> {
    this.#checkOpen()
    const buffered = this.#bufferedRange(from, to)
    let bi = 0
    // The empty key sorts before every other key.
    if (from === null || from.length === 0) {
      let emptyValue: Buffer | null
      if (bi < buffered.length && buffered[bi].key.length === 0) emptyValue = buffered[bi++].value
      else emptyValue = this.#side.getBinary(EMPTY_KEY_SLOT) ?? null
      if (emptyValue !== null) yield { key: Buffer.alloc(0), value: emptyValue }
    }
    if (to !== null && to.length === 0) return
    const start = from === null || from.length === 0 ? undefined : from
    // LMDB's end is exclusive; to + 0x00 is the first key after `to` in byte order.
    const end = to === null ? undefined : Buffer.concat([to, ZERO])
    for (const { key, value } of this.#data.getRange({ start, end, snapshot: true })) {
      // Buffered entries up to this key first; a buffered entry with the same key replaces it.
      let shadowed = false
      while (bi < buffered.length) {
        const c = compareKeys(buffered[bi].key, key)
        if (c > 0) break
        const b = buffered[bi++]
        if (b.value !== null) yield { key: b.key, value: b.value }
        if (c === 0) {
          shadowed = true
          break
        }
      }
      if (!shadowed) yield { key, value }
    }
    for (; bi < buffered.length; bi++) {
      const b = buffered[bi]
      if (b.value !== null) yield { key: b.key, value: b.value }
    }
  }

  /** Copies of the buffered entries with from <= key <= to, sorted. */
  #bufferedRange(from: Buffer | null, to: Buffer | null): Pending[] {
    if (this.#pending.size === 0) return []
    this.#pendingSorted ??= [...this.#pending.values()].sort((a, b) => compareKeys(a.key, b.key))
    const sorted = this.#pendingSorted
    let lo = 0
    if (from !== null) {
      let hi = sorted.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (compareKeys(sorted[mid].key, from) < 0) lo = mid + 1
        else hi = mid
      }
    }
    const out: Pending[] = []
    // Copies: a put during iteration updates the buffer's entry objects in place.
    for (let i = lo; i < sorted.length && (to === null || compareKeys(sorted[i].key, to) <= 0); i++) out.push({ key: sorted[i].key, value: sorted[i].value })
    return out
  }
}

/** `<stateDir>/<taskId>`: a task's state directory (stores and its checkpoint file live there). */
export function taskDirectory(stateDir: string, taskId: string): string {
  return join(stateDir, taskId)
}

/** `<stateDir>/<taskId>/<storeName>`: a persistent store's directory. */
export function storeDirectory(stateDir: string, taskId: string, storeName: string): string {
  return join(stateDir, taskId, storeName)
}

/**
 * Supplier of {@link LmdbKeyValueStore}s. Each task gets its own environment in
 * `<stateDir>/<taskId>/<name>` (the runtime passes its state directory in the {@link StoreContext});
 * without a state directory (e.g. in the test driver) each store lives in a temporary directory
 * removed on close.
 */
export function lmdbKeyValueStore(name: string, options: Omit<LmdbStoreOptions, 'path'> = {}): KeyValueBytesStoreSupplier {
  return {
    name,
    get(context?: StoreContext): BytesStore {
      if (context?.stateDir !== undefined) {
        return new LmdbKeyValueStore(name, { ...options, path: storeDirectory(context.stateDir, context.taskId, name) })
      }
      const dir = mkdtempSync(join(tmpdir(), `peridot-store-${name.replace(/[^A-Za-z0-9._-]/g, '_')}-`))
      return new LmdbKeyValueStore(name, { ...options, path: dir }, true)
    },
  }
}
