/**
 * The bytes session store of both engines: time segments (by session end) of bytes stores keyed
 * by Kafka Streams' session store key (key + end + start).
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { KeyValue } from '../record.js'
import type { Windowed } from '../windowed.js'
import { checkTimestamp, queryBound, SegmentedStore } from './segmented-store.js'
import { KEY_UPPER_SENTINEL, mergeSorted, type SegmentFactory } from './segments.js'
import type { SessionBytesStore, SessionBytesStoreSupplier } from './session-store.js'
import type { BytesStore } from './store.js'
import { MAX_TIMESTAMP, SESSION_SUFFIX_SIZE, sessionStoreKey, sessionStoreKeyEnd, sessionStoreKeyStart } from './window-key-schema.js'

const EMPTY = Buffer.alloc(0)

/** Options of {@link SegmentedSessionBytesStore}: what its supplier says. */
export type SessionStoreParams = Pick<SessionBytesStoreSupplier, 'name' | 'retentionPeriod' | 'segmentInterval' | 'timeOrdered'>

type Sessions = IterableIterator<KeyValue<Windowed<Buffer>, Buffer>>

/** A {@link SessionBytesStore} over time segments. */
export class SegmentedSessionBytesStore extends SegmentedStore implements SessionBytesStore {
  readonly #timeOrdered: boolean

  constructor(params: SessionStoreParams, factory: SegmentFactory) {
    super(params.name, params.retentionPeriod, params.segmentInterval, factory, sessionStoreKeyEnd)
    this.#timeOrdered = params.timeOrdered === true
  }

  put(session: Windowed<Buffer>, aggregate: Buffer | null): void {
    this.checkOpen()
    const { start, end } = session.window
    checkTimestamp(this.name, start, 'session start')
    checkTimestamp(this.name, end, 'session end')
    if (end < start) throw new InvalidArgumentError(`store '${this.name}': session end ${end} is before its start ${start}`)
    this.write(sessionStoreKey(session.key, start, end), end, aggregate)
  }

  remove(session: Windowed<Buffer>): void {
    this.put(session, null)
  }

  putStoreKey(storeKey: Buffer, value: Buffer | null): void {
    this.checkOpen()
    this.write(storeKey, sessionStoreKeyEnd(storeKey), value)
  }

  findSessions(key: Buffer, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  findSessions(keyFrom: Buffer | null, keyTo: Buffer | null, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  findSessions(a: Buffer | null, b: Buffer | number | null, c: number, d?: number): Sessions {
    if (d === undefined) return this.#find(a, a, b as number, c, false)
    return this.#find(a, b as Buffer | null, c, d, false)
  }

  backwardFindSessions(key: Buffer, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  backwardFindSessions(keyFrom: Buffer | null, keyTo: Buffer | null, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions
  backwardFindSessions(a: Buffer | null, b: Buffer | number | null, c: number, d?: number): Sessions {
    if (d === undefined) return this.#find(a, a, b as number, c, true)
    return this.#find(a, b as Buffer | null, c, d, true)
  }

  fetchSession(key: Buffer, sessionStartTime: number, sessionEndTime: number): Buffer | null {
    this.checkOpen()
    if (sessionEndTime < this.minLiveTime()) return null
    const segment = this.segments.get(sessionEndTime)
    return segment === undefined ? null : segment.get(sessionStoreKey(key, sessionStartTime, sessionEndTime))
  }

  fetch(key: Buffer): Sessions
  fetch(keyFrom: Buffer | null, keyTo: Buffer | null): Sessions
  fetch(a: Buffer | null, b?: Buffer | null): Sessions {
    return this.#find(a, b === undefined ? a : b, 0, MAX_TIMESTAMP, false)
  }

  backwardFetch(key: Buffer): Sessions
  backwardFetch(keyFrom: Buffer | null, keyTo: Buffer | null): Sessions
  backwardFetch(a: Buffer | null, b?: Buffer | null): Sessions {
    return this.#find(a, b === undefined ? a : b, 0, MAX_TIMESTAMP, true)
  }

  /** The earliest session end that is not expired. */
  protected minLiveTime(): number {
    const oldest = this.streamTime - this.retentionPeriod
    if (this.#timeOrdered) return Math.max(0, this.segments.segmentId(oldest) * this.segments.segmentInterval)
    return Math.max(0, oldest + 1)
  }

  /** Sessions of keys in [keyFrom, keyTo] with end >= earliestEnd and start <= latestStart, in store-key order. */
  #find(keyFrom: Buffer | null, keyTo: Buffer | null, earliestEnd: number, rawLatestStart: number, backward: boolean): Sessions {
    this.checkOpen()
    const latestStart = queryBound(this.name, rawLatestStart, earliestEnd)
    if (keyFrom !== null && keyTo !== null && Buffer.compare(keyFrom, keyTo) > 0) return [][Symbol.iterator]()
    const minEnd = Math.max(earliestEnd, this.minLiveTime())
    const lower = keyFrom === null ? EMPTY : sessionStoreKey(keyFrom, 0, minEnd)
    const upper = keyTo === null ? KEY_UPPER_SENTINEL : sessionStoreKey(keyTo, MAX_TIMESTAMP, MAX_TIMESTAMP)
    const single = keyFrom !== null && keyTo !== null && keyFrom.equals(keyTo)
    const matches = function* (segment: BytesStore): Generator<KeyValue<Buffer, Buffer>> {
      for (const e of segment.range(lower, upper)) {
        if (e.key.length < SESSION_SUFFIX_SIZE) continue
        if (sessionStoreKeyEnd(e.key) < minEnd || sessionStoreKeyStart(e.key) > latestStart) continue
        if (single) {
          if (e.key.length !== (keyFrom as Buffer).length + SESSION_SUFFIX_SIZE) continue
        } else {
          const k = e.key.subarray(0, e.key.length - SESSION_SUFFIX_SIZE)
          if ((keyFrom !== null && Buffer.compare(k, keyFrom) < 0) || (keyTo !== null && Buffer.compare(k, keyTo) > 0)) continue
        }
        yield e
      }
    }
    // Sessions ending at or after minEnd: every segment from minEnd's on.
    const merged = mergeSorted(this.segments.search(minEnd, MAX_TIMESTAMP).map(matches))
    const toWindowed = (e: KeyValue<Buffer, Buffer>): KeyValue<Windowed<Buffer>, Buffer> => ({
      key: { key: e.key.subarray(0, e.key.length - SESSION_SUFFIX_SIZE), window: { start: sessionStoreKeyStart(e.key), end: sessionStoreKeyEnd(e.key) } },
      value: e.value,
    })
    if (backward) return [...merged].reverse().map(toWindowed)[Symbol.iterator]()
    return (function* () {
      for (const e of merged) yield toWindowed(e)
    })()
  }
}
