/**
 * Session-window aggregation (Kafka Streams' KStreamSessionWindowAggregate). A record at t joins
 * every session of its key within the inactivity gap (end >= t - gap, start <= t + gap): they are
 * merged (merger), removed, and replaced by one session covering them all and t. A session is
 * closed when the processor's observed stream time reaches its end + gap + grace; a record whose
 * merged session would be closed is dropped (`droppedRecords`).
 *
 * Output: `Change` records of `Windowed<K>` keys stamped with the session's end, without headers
 * (Kafka Streams forwards them as new records): a removed session forwards (null, old
 * aggregate), the new one (aggregate, null). Final results on close carry the headers of the
 * record that closed them, as in Kafka Streams. With
 * `EmitStrategy.onWindowClose()` only closed sessions are forwarded, once each.
 */
import type { Processor, ProcessorContext } from '../processor.js'
import type { KeyValue, Record, RecordHeaders } from '../record.js'
import type { Windowed } from '../windowed.js'
import { recordDropped, windowedEmitIntervalMs } from './windowed-context.js'
import { addProcessorMetadata, processorMetadataForKey } from '../processor-metadata-context.js'
import type { WindowAggregation } from './window-aggregate.js'
import type { SessionStore } from '../state/session-store.js'
import type { EmitStrategy, SessionWindows } from './windows.js'

type Ctx = ProcessorContext<unknown, unknown>
type Rec = Record<unknown, unknown>

const NO_HEADERS: RecordHeaders = []

/** @internal Combines the aggregates of two sessions being merged. */
export type SessionMerger = (key: unknown, aggregate1: unknown, aggregate2: unknown) => unknown

/** @internal KGroupedStream.windowedBy(SessionWindows) count / reduce / aggregate. */
export class SessionWindowAggregate implements Processor<unknown, unknown, unknown, unknown> {
  #ctx!: Ctx
  #store!: SessionStore<unknown, unknown>
  #observedStreamTime = -1
  #lastEmitWindowCloseTime = -1
  #nextTimeToEmit = 0
  #emitIntervalMs = 0
  /** Largest session end put: the store's stream time (for the onWindowClose lookup rule). */
  #storeStreamTime = -1
  readonly #onClose: boolean

  constructor(
    private readonly storeName: string,
    private readonly windows: SessionWindows,
    emitStrategy: EmitStrategy,
    private readonly agg: WindowAggregation,
    private readonly merger: SessionMerger,
    /** The store's retention (ms). */
    private readonly retentionMs: number,
  ) {
    this.#onClose = emitStrategy.type === 'on-window-close'
  }

  init(context: Ctx): void {
    this.#ctx = context
    this.#store = context.getStateStore(this.storeName)
    this.#emitIntervalMs = windowedEmitIntervalMs(context)
    // What a previous owner of the task emitted (committed with the offsets): not again.
    if (this.#onClose) this.#lastEmitWindowCloseTime = processorMetadataForKey(context, this.storeName) ?? this.#lastEmitWindowCloseTime
  }

  process(record: Rec): void {
    if (record.key == null) {
      recordDropped(this.#ctx, 'null key')
      return
    }
    const t = record.timestamp
    const gap = this.windows.inactivityGap()
    if (t > this.#observedStreamTime) this.#observedStreamTime = t
    const windowCloseTime = this.#observedStreamTime - this.windows.gracePeriodMs() - gap

    const merged: Array<KeyValue<Windowed<unknown>, unknown>> = []
    let start = t
    let end = t
    let aggregate = this.agg.initializer()
    // Kafka Streams' time-ordered session store (onWindowClose) keeps whole segments for its
    // emit scan but returns a key's sessions only when they end after its stream time -
    // retention; the store here keeps the segments, so that rule is applied here.
    const minLiveEnd = this.#onClose ? this.#storeStreamTime - this.retentionMs + 1 : -Infinity
    for (const session of this.#store.findSessions(record.key, t - gap, t + gap)) {
      if (session.key.window.end < minLiveEnd) continue
      merged.push(session)
      aggregate = this.merger(record.key, aggregate, session.value)
      start = Math.min(start, session.key.window.start)
      end = Math.max(end, session.key.window.end)
    }

    if (end < windowCloseTime) {
      recordDropped(this.#ctx, 'expired window', { timestamp: t, window: `[${start},${end}]`, expiration: windowCloseTime, streamTime: this.#observedStreamTime })
    } else {
      if (start !== t || end !== t) {
        for (const session of merged) {
          this.#store.remove(session.key)
          this.#forwardUpdate(session.key, session.value, null)
        }
      }
      aggregate = this.agg.aggregator(record.key, record.value, aggregate)
      const sessionKey: Windowed<unknown> = { key: record.key, window: { start, end } }
      this.#store.put(sessionKey, aggregate)
      if (end > this.#storeStreamTime) this.#storeStreamTime = end
      this.#forwardUpdate(sessionKey, null, aggregate)
    }
    this.#forwardFinalResults(record, windowCloseTime)
  }

  #forwardUpdate(key: Windowed<unknown>, oldAgg: unknown, newAgg: unknown): void {
    if (this.#onClose) return
    // Kafka Streams forwards session updates as new records: without the input record's headers.
    this.#ctx.forward({ key, value: { newValue: newAgg ?? null, oldValue: oldAgg ?? null }, timestamp: key.window.end, headers: NO_HEADERS })
  }

  #forwardFinalResults(record: Rec, windowCloseTime: number): void {
    if (!this.#onClose) return
    const now = this.#ctx.currentSystemTimeMs()
    if (now < this.#nextTimeToEmit) return
    this.#nextTimeToEmit = now + this.#emitIntervalMs
    if (this.#lastEmitWindowCloseTime !== -1 && this.#lastEmitWindowCloseTime >= windowCloseTime) return
    // Session ends are inclusive: closed when end < close time. A session may be one point, so
    // equal bounds are fetched too.
    const to = windowCloseTime - 1
    if (to < 0) return
    const from = Math.max(0, this.#lastEmitWindowCloseTime)
    if (to < from) return
    // Kafka Streams' emit-on-close session store is ordered by end time, then start, then key
    // bytes (its time-first key: end, start, key); the store returns key bytes, end, start: a
    // stable sort by end and start gives that order.
    const closed = [...this.#store.findSessions(null, null, from, Number.MAX_SAFE_INTEGER)]
      .filter((kv) => kv.key.window.end <= to)
      .sort((a, b) => a.key.window.end - b.key.window.end || a.key.window.start - b.key.window.start)
    for (const kv of closed) {
      this.#ctx.forward({ key: kv.key, value: { newValue: kv.value, oldValue: null }, timestamp: kv.key.window.end, headers: record.headers })
    }
    this.#lastEmitWindowCloseTime = windowCloseTime
    addProcessorMetadata(this.#ctx, this.storeName, windowCloseTime)
  }
}
