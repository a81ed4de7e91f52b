/**
 * Suppliers of window and session stores: in-memory, and persistent on LMDB (one LMDB
 * environment per time segment, `<stateDir>/<taskId>/<store>/segment-<segmentStartMs>`, so an
 * expired segment is deleted as a directory). Arguments are checked as Kafka Streams' `Stores`
 * checks them.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidArgumentError } from '../../protocol/errors.js'
import { InMemoryKeyValueStore } from './in-memory.js'
import { KeyIndexedWindowSegment } from './key-indexed-window-segment.js'
import { LmdbKeyValueStore, storeDirectory, type LmdbStoreOptions } from './lmdb.js'
import { SegmentedSessionBytesStore } from './segmented-session-store.js'
import { SegmentedWindowBytesStore } from './segmented-window-store.js'
import { checkRetention, defaultSegmentInterval, type SegmentFactory } from './segments.js'
import type { SessionBytesStore, SessionBytesStoreSupplier } from './session-store.js'
import type { StoreContext } from './store.js'
import type { WindowBytesStore, WindowBytesStoreSupplier } from './window-store.js'

/** Options of the persistent (LMDB) window and session stores. */
export interface PersistentWindowStoreOptions extends Omit<LmdbStoreOptions, 'path'>, WindowedStoreOptions {
  /** Width of the segments that expire together (default: half the retention, at least 60 s). */
  segmentInterval?: number
}

/** Options of every window and session store supplier. */
export interface WindowedStoreOptions {
  /**
   * Expire as Kafka Streams' time-ordered stores, which back `EmitStrategy.onWindowClose()`:
   * a window starting exactly at `streamTime - retention` is still live; a session is live while
   * its time segment is. Default false (Kafka Streams' window and session stores).
   */
  timeOrdered?: boolean
}

/** `keyIndexed`: window segments indexed by record key (join stores: read one key at a time, see key-indexed-window-segment.ts). */
function inMemorySegments(name: string, keyIndexed = false): SegmentFactory {
  return {
    persistent: false,
    open: (_id, start) => (keyIndexed ? new KeyIndexedWindowSegment(`${name}.${start}`) : new InMemoryKeyValueStore(`${name}.${start}`)),
    drop: (_id, segment) => segment.close(),
    existing: () => [],
    close: () => undefined,
  }
}

/**
 * LMDB segments in `dir`: `segment-<segmentStartMs>` per segment (no dot: the lmdb package takes
 * a path with an extension for a file). Without a state directory the
 * store lives in a temporary directory removed on close.
 */
function lmdbSegments(name: string, segmentInterval: number, options: Omit<LmdbStoreOptions, 'path'>, context: StoreContext | undefined): SegmentFactory {
  const temporary = context?.stateDir === undefined
  const dir = temporary
    ? mkdtempSync(join(tmpdir(), `peridot-store-${name.replace(/[^A-Za-z0-9._-]/g, '_')}-`))
    : storeDirectory(context.stateDir as string, context.taskId, name)
  const prefix = 'segment-'
  return {
    persistent: true,
    open: (_id, start) => new LmdbKeyValueStore(`${name}.${start}`, { ...options, path: join(dir, `${prefix}${start}`) }),
    drop: (_id, segment) => (segment as LmdbKeyValueStore).destroy(),
    existing: () => {
      let names: string[]
      try {
        names = readdirSync(dir)
      } catch {
        return []
      }
      const ids: number[] = []
      for (const n of names) {
        if (!n.startsWith(prefix)) continue
        const start = Number(n.slice(prefix.length))
        if (Number.isSafeInteger(start) && start % segmentInterval === 0) ids.push(start / segmentInterval)
      }
      return ids.sort((a, b) => a - b)
    },
    close: () => {
      if (temporary) rmSync(dir, { recursive: true, force: true })
    },
  }
}

function checkWindowArgs(name: string, retentionPeriod: number, windowSize: number, retainDuplicates: boolean, segmentInterval: number): void {
  checkRetention(name, retentionPeriod, segmentInterval)
  if (!Number.isSafeInteger(windowSize) || windowSize < 0) {
    throw new InvalidArgumentError(`store '${name}': windowSize must be a non-negative integer (ms), got ${windowSize}`)
  }
  if (windowSize > retentionPeriod) {
    throw new InvalidArgumentError(
      `store '${name}': the retention period of a window store must be no smaller than its window size (windowSize=${windowSize}, retentionPeriod=${retentionPeriod})`,
    )
  }
  if (typeof retainDuplicates !== 'boolean') throw new InvalidArgumentError(`store '${name}': retainDuplicates must be a boolean`)
}

function windowSupplier(
  name: string,
  retentionPeriod: number,
  windowSize: number,
  retainDuplicates: boolean,
  segmentInterval: number,
  timeOrdered: boolean,
  segments: (context?: StoreContext) => SegmentFactory,
): WindowBytesStoreSupplier {
  checkWindowArgs(name, retentionPeriod, windowSize, retainDuplicates, segmentInterval)
  const params = { name, retentionPeriod, windowSize, retainDuplicates, segmentInterval, timeOrdered }
  return {
    ...params,
    get: (context?: StoreContext): WindowBytesStore => new SegmentedWindowBytesStore(params, segments(context)),
  }
}

function sessionSupplier(
  name: string,
  retentionPeriod: number,
  segmentInterval: number,
  timeOrdered: boolean,
  segments: (context?: StoreContext) => SegmentFactory,
): SessionBytesStoreSupplier {
  checkRetention(name, retentionPeriod, segmentInterval)
  const params = { name, retentionPeriod, segmentInterval, timeOrdered }
  return {
    ...params,
    get: (context?: StoreContext): SessionBytesStore => new SegmentedSessionBytesStore(params, segments(context)),
  }
}

/**
 * An in-memory window store supplier (Kafka Streams' `Stores.inMemoryWindowStore`).
 * @param retentionPeriod how long (in stream time) windows are kept; at least `windowSize`.
 * @param windowSize the windows' size (their end is start + size).
 * @param retainDuplicates keep every put as its own entry (stream-stream joins).
 */
export function inMemoryWindowStore(
  name: string,
  retentionPeriod: number,
  windowSize: number,
  retainDuplicates: boolean,
  options: WindowedStoreOptions = {},
): WindowBytesStoreSupplier {
  // Stores with duplicates back stream-stream joins: read by key over a time range, once per record.
  return windowSupplier(name, retentionPeriod, windowSize, retainDuplicates, defaultSegmentInterval(retentionPeriod), options.timeOrdered === true, () =>
    inMemorySegments(name, retainDuplicates),
  )
}

/**
 * A persistent (LMDB) window store supplier (Kafka Streams' `Stores.persistentWindowStore`):
 * `<stateDir>/<taskId>/<name>/` on disk, one environment per segment, kept across restarts.
 */
export function persistentWindowStore(
  name: string,
  retentionPeriod: number,
  windowSize: number,
  retainDuplicates: boolean,
  options: PersistentWindowStoreOptions = {},
): WindowBytesStoreSupplier {
  const { segmentInterval = defaultSegmentInterval(retentionPeriod), timeOrdered = false, ...lmdbOptions } = options
  return windowSupplier(name, retentionPeriod, windowSize, retainDuplicates, segmentInterval, timeOrdered, (context) =>
    lmdbSegments(name, segmentInterval, lmdbOptions, context),
  )
}

/** An in-memory session store supplier (Kafka Streams' `Stores.inMemorySessionStore`). */
export function inMemorySessionStore(name: string, retentionPeriod: number, options: WindowedStoreOptions = {}): SessionBytesStoreSupplier {
  return sessionSupplier(name, retentionPeriod, defaultSegmentInterval(retentionPeriod), options.timeOrdered === true, () => inMemorySegments(name))
}

/** A persistent (LMDB) session store supplier (Kafka Streams' `Stores.persistentSessionStore`). */
export function persistentSessionStore(name: string, retentionPeriod: number, options: PersistentWindowStoreOptions = {}): SessionBytesStoreSupplier {
  const { segmentInterval = defaultSegmentInterval(retentionPeriod), timeOrdered = false, ...lmdbOptions } = options
  return sessionSupplier(name, retentionPeriod, segmentInterval, timeOrdered, (context) => lmdbSegments(name, segmentInterval, lmdbOptions, context))
}
