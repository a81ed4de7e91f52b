/**
 * Read-only views of window and session stores for interactive queries: over the stores of all
 * of an instance's tasks (Kafka Streams' composite stores: a single-key query answers from the
 * first task that has the key, a range concatenates the tasks' results), optionally mapping
 * values (a timestamped window store queried as a plain one drops the timestamps).
 */
import type { KeyValue } from '../record.js'
import type { Windowed } from '../windowed.js'
import type { ReadOnlySessionStore } from './session-store.js'
import type { ValueAndTimestamp } from './value-and-timestamp.js'
import { VersionedStoreBuilder } from './versioned-store-builder.js'
import { SessionStoreBuilder, WindowStoreBuilder } from './window-store-builders.js'
import type { ReadOnlyWindowStore, WindowStore } from './window-store.js'

type Call = (...args: unknown[]) => unknown

function* mapValues<KK, A, B>(it: Iterable<KeyValue<KK, A>>, map: (v: A) => B): IterableIterator<KeyValue<KK, B>> {
  for (const e of it) yield { key: e.key, value: map(e.value) }
}

function* concat<T>(sources: Array<() => Iterable<T>>): IterableIterator<T> {
  for (const s of sources) yield* s()
}

/** The first non-empty iterator of the stores (single-key queries: one task has the key). */
function firstNonEmpty<T>(sources: Array<() => Iterator<T>>): IterableIterator<T> {
  for (const s of sources) {
    const it = s()
    const first = it.next()
    if (!first.done) {
      return (function* () {
        yield first.value
        for (let r = it.next(); !r.done; r = it.next()) yield r.value
      })()
    }
  }
  return [][Symbol.iterator]()
}

/**
 * A read-only window store over `stores()` (evaluated per query: tasks come and go), with values
 * mapped by `map`.
 */
export function readOnlyWindowView<K, S, V>(name: string, stores: () => Array<ReadOnlyWindowStore<K, S>>, map: (v: S) => V): ReadOnlyWindowStore<K, V> {
  const ranged = (method: keyof ReadOnlyWindowStore<K, S>, args: unknown[]): IterableIterator<KeyValue<Windowed<K>, V>> =>
    mapValues(concat(stores().map((s) => () => (s[method] as Call).apply(s, args) as Iterable<KeyValue<Windowed<K>, S>>)), map)
  const view = {
    name,
    fetch(...args: unknown[]): unknown {
      if (args.length === 4) return ranged('fetch', args)
      if (args.length === 3) {
        return mapValues(firstNonEmpty(stores().map((s) => () => (s.fetch as Call).apply(s, args) as Iterator<KeyValue<number, S>>)), map)
      }
      for (const s of stores()) {
        const v = (s.fetch as Call).apply(s, args) as S | null
        if (v !== null) return map(v)
      }
      return null
    },
    backwardFetch(...args: unknown[]): unknown {
      if (args.length === 4) return ranged('backwardFetch', args)
      return mapValues(firstNonEmpty(stores().map((s) => () => (s.backwardFetch as Call).apply(s, args) as Iterator<KeyValue<number, S>>)), map)
    },
    all: () => ranged('all', []),
    backwardAll: () => ranged('backwardAll', []),
    fetchAll: (timeFrom: number, timeTo: number) => ranged('fetchAll', [timeFrom, timeTo]),
    backwardFetchAll: (timeFrom: number, timeTo: number) => ranged('backwardFetchAll', [timeFrom, timeTo]),
  }
  return view as unknown as ReadOnlyWindowStore<K, V>
}

/** A read-only session store over `stores()` (evaluated per query). */
export function readOnlySessionView<K, V>(name: string, stores: () => Array<ReadOnlySessionStore<K, V>>): ReadOnlySessionStore<K, V> {
  const query = (method: 'findSessions' | 'backwardFindSessions' | 'fetch' | 'backwardFetch', args: unknown[]): IterableIterator<KeyValue<Windowed<K>, V>> => {
    // One key (findSessions with 3 arguments, fetch with 1): the task that has it; else all tasks.
    const single = method.endsWith('Sessions') ? args.length === 3 : args.length === 1
    const sources = stores().map((s) => () => ((s[method] as Call).apply(s, args) as IterableIterator<KeyValue<Windowed<K>, V>>))
    return single ? firstNonEmpty(sources) : concat(sources)
  }
  const view = {
    name,
    findSessions: (...args: unknown[]) => query('findSessions', args),
    backwardFindSessions: (...args: unknown[]) => query('backwardFindSessions', args),
    fetch: (...args: unknown[]) => query('fetch', args),
    backwardFetch: (...args: unknown[]) => query('backwardFetch', args),
    fetchSession(key: K, start: number, end: number): V | null {
      for (const s of stores()) {
        const v = s.fetchSession(key, start, end)
        if (v !== null) return v
      }
      return null
    },
  }
  return view as unknown as ReadOnlySessionStore<K, V>
}

/**
 * A timestamped window store seen as a plain one (Kafka Streams' `WindowStoreFacade`): reads drop
 * the timestamps, puts store the value with timestamp -1 (none).
 */
export function plainWindowFacade<K, V>(store: WindowStore<K, ValueAndTimestamp<V>>): WindowStore<K, V> {
  const read = readOnlyWindowView<K, ValueAndTimestamp<V>, V>(store.name, () => [store], (vt) => vt.value)
  return Object.assign(read, {
    get persistent(): boolean {
      return store.persistent
    },
    put: (key: K, value: V | null, windowStart: number) => store.put(key, value === null ? null : { value, timestamp: -1 }, windowStart),
    flush: () => store.flush(),
    close: () => store.close(),
  }) as unknown as WindowStore<K, V>
}

/**
 * What an interactive query expects a store to be (Kafka Streams' `QueryableStoreTypes`):
 * 'window' also reads a timestamped window store, without the timestamps.
 */
export type QueryableStoreType = 'keyValue' | 'window' | 'timestampedWindow' | 'session' | 'versioned'

/** The queryable type of a registered store's builder. */
export function queryableTypeOf(builder: object): QueryableStoreType {
  if (builder instanceof WindowStoreBuilder) return builder.timestamped ? 'timestampedWindow' : 'window'
  if (builder instanceof SessionStoreBuilder) return 'session'
  if (builder instanceof VersionedStoreBuilder) return 'versioned'
  return 'keyValue'
}
