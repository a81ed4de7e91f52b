/**
 * Time-window aggregation (Kafka Streams' KStreamWindowAggregate and the emit-on-close part of
 * AbstractKStreamTimeWindowAggregateProcessor): each record is added to every window it falls
 * into that has not closed yet. A window closes when the processor's observed stream time (the
 * largest timestamp it has seen, as in Kafka Streams) reaches window end + grace; a record only
 * for closed windows is dropped (`droppedRecords`).
 *
 * Output: `Change` records of `Windowed<K>` keys, stamped with the window's aggregate timestamp
 * (the largest timestamp of its records). With `EmitStrategy.onWindowClose()` updates are not
 * forwarded; each window's final aggregate is forwarded once after it closed, found by a store
 * scan at most once per second of wall-clock time (Kafka Streams' emit interval).
 */
import type { Processor, ProcessorContext } from '../processor.js'
import type { Change, Record } from '../record.js'
import type { Windowed } from '../windowed.js'
import { recordDropped, windowedEmitIntervalMs } from './windowed-context.js'
import { addProcessorMetadata, processorMetadataForKey } from '../processor-metadata-context.js'
import type { TimestampedWindowStore } from '../state/window-store.js'
import { forwardsOnFlush } from '../state/caching-window-store.js'
import { TimeWindows, type EmitStrategy, type Windows } from './windows.js'

type Ctx = ProcessorContext<unknown, unknown>
type Rec = Record<unknown, unknown>

/** @internal Initializer and aggregator of a windowed aggregation (count and reduce are expressed as these, as in Kafka Streams). */
export interface WindowAggregation {
  readonly initializer: () => unknown
  readonly aggregator: (key: unknown, value: unknown, aggregate: unknown) => unknown
}

/** @internal Shared by time and sliding window aggregations: store, stream time, dropping, and emit-on-close. */
export abstract class TimeWindowAggregateBase implements Processor<unknown, unknown, unknown, unknown> {
  protected ctx!: Ctx
  protected store!: TimestampedWindowStore<unknown, unknown>
  /** Largest timestamp this processor has seen (Kafka Streams keeps it per processor). */
  protected observedStreamTime = -1
  protected lastEmitWindowCloseTime = -1
  #nextTimeToEmit = 0
  #emitIntervalMs = 0
  readonly #onClose: boolean
  /** The store's record cache forwards updates when it flushes (Kafka Streams' cached tuple forwarder). */
  #cacheForwards = false

  constructor(
    private readonly storeName: string,
    emitStrategy: EmitStrategy,
  ) {
    this.#onClose = emitStrategy.type === 'on-window-close'
  }

  init(context: Ctx): void {
    this.ctx = context
    this.store = context.getStateStore(this.storeName)
    this.#cacheForwards = forwardsOnFlush(this.store)
    this.#emitIntervalMs = windowedEmitIntervalMs(context)
    // What a previous owner of the task emitted (committed with the offsets): not again.
    if (this.#onClose) this.lastEmitWindowCloseTime = processorMetadataForKey(context, this.storeName) ?? this.lastEmitWindowCloseTime
  }

  abstract process(record: Rec): void

  protected updateObservedStreamTime(timestamp: number): void {
    if (timestamp > this.observedStreamTime) this.observedStreamTime = timestamp
  }

  protected dropForNullKey(withValue: boolean): void {
    recordDropped(this.ctx, withValue ? 'null key or value' : 'null key')
  }

  protected dropForExpiredWindow(timestamp: number, window: string, closeTime: number): void {
    recordDropped(this.ctx, 'expired window', { timestamp, window, expiration: closeTime, streamTime: this.observedStreamTime })
  }

  /** Forwards an update of window [start, end), unless emitting on close or the cache forwards it (no Window object then). */
  protected forwardUpdate(record: Rec, start: number, end: number, oldAgg: unknown, newAgg: unknown, timestamp: number): void {
    if (this.#onClose || this.#cacheForwards) return
    const key: Windowed<unknown> = { key: record.key, window: { start, end } }
    const value: Change<unknown> = { newValue: newAgg ?? null, oldValue: oldAgg ?? null }
    this.ctx.forward({ key, value, timestamp, headers: record.headers })
  }

  /** Start-time bounds (inclusive) of the windows to emit; `to < 0`: none closed yet. */
  protected abstract emitRange(windowCloseTime: number): { from: number; to: number }

  protected abstract shouldRangeFetch(from: number, to: number): boolean

  protected forwardFinalResults(record: Rec, windowCloseTime: number): void {
    if (!this.#shouldEmitFinal(windowCloseTime)) return
    const { from, to } = this.emitRange(windowCloseTime)
    if (to < 0 || !this.shouldRangeFetch(from, to)) return
    // Kafka Streams' emit-on-close stores are time-ordered: by window start, then key bytes. The
    // store returns key bytes, then start; a stable sort by start gives that order.
    const closed = [...this.store.fetchAll(from, to)].sort((a, b) => a.key.window.start - b.key.window.start)
    for (const kv of closed) {
      this.ctx.forward({ key: kv.key, value: { newValue: kv.value.value, oldValue: null }, timestamp: kv.value.timestamp, headers: record.headers })
    }
    this.lastEmitWindowCloseTime = windowCloseTime
    addProcessorMetadata(this.ctx, this.storeName, windowCloseTime)
  }

  #shouldEmitFinal(windowCloseTime: number): boolean {
    if (!this.#onClose) return false
    const now = this.ctx.currentSystemTimeMs()
    if (now < this.#nextTimeToEmit) return false
    this.#nextTimeToEmit = now + this.#emitIntervalMs
    return this.lastEmitWindowCloseTime === -1 || this.lastEmitWindowCloseTime < windowCloseTime
  }
}

/** @internal KGroupedStream.windowedBy(Windows) count / reduce / aggregate. */
export class WindowAggregate extends TimeWindowAggregateBase {
  /** Size and advance of fixed-size windows (TimeWindows): their starts are computed here, no Window objects per record. */
  readonly #fixed: { readonly size: number; readonly advance: number } | null

  constructor(
    storeName: string,
    private readonly windows: Windows,
    emitStrategy: EmitStrategy,
    private readonly agg: WindowAggregation,
  ) {
    super(storeName, emitStrategy)
    // Exactly TimeWindows (not a subclass that could place its windows differently).
    this.#fixed = Object.getPrototypeOf(windows) === TimeWindows.prototype ? { size: (windows as TimeWindows).sizeMs, advance: (windows as TimeWindows).advanceMs } : null
  }

  process(record: Rec): void {
    if (record.key == null) {
      this.dropForNullKey(false)
      return
    }
    const timestamp = record.timestamp
    this.updateObservedStreamTime(timestamp)
    const windowCloseTime = this.observedStreamTime - this.windows.gracePeriodMs()
    const fixed = this.#fixed
    if (fixed !== null) {
      // TimeWindows.windowsFor's starts, by start, without building the windows.
      const { size, advance } = fixed
      for (let start = Math.floor(Math.max(0, timestamp - size + advance) / advance) * advance; start <= timestamp; start += advance) {
        this.#update(record, start, start + size, windowCloseTime)
      }
    } else {
      for (const window of this.windows.windowsFor(timestamp)) this.#update(record, window.start, window.end, windowCloseTime)
    }
    this.forwardFinalResults(record, windowCloseTime)
  }

  /** Adds the record to the window [start, end) unless it closed. */
  #update(record: Rec, start: number, end: number, windowCloseTime: number): void {
    const timestamp = record.timestamp
    if (end <= windowCloseTime) {
      this.dropForExpiredWindow(timestamp, `[${start},${end})`, windowCloseTime)
      return
    }
    const old = this.store.fetch(record.key, start)
    let oldAgg = old === null ? null : old.value
    let newTimestamp: number
    if (oldAgg == null) {
      oldAgg = this.agg.initializer()
      newTimestamp = timestamp
    } else {
      newTimestamp = Math.max(timestamp, (old as { timestamp: number }).timestamp)
    }
    const newAgg = this.agg.aggregator(record.key, record.value, oldAgg)
    this.store.put(record.key, newAgg == null ? null : { value: newAgg, timestamp: newTimestamp }, start)
    this.forwardUpdate(record, start, end, oldAgg, newAgg, newTimestamp)
  }

  protected emitRange(windowCloseTime: number): { from: number; to: number } {
    return this.windows.closedWindowStarts(this.lastEmitWindowCloseTime, windowCloseTime)
  }

  protected shouldRangeFetch(from: number, to: number): boolean {
    // Nothing new closed when the windows containing the upper bound are those containing the
    // last emitted one (Kafka Streams' check).
    if (this.lastEmitWindowCloseTime === -1) return true
    const closing = this.windows.windowsFor(to)
    const emitted = this.windows.windowsFor(from - 1)
    return closing.length !== emitted.length || closing.some((w, i) => w.start !== emitted[i].start || w.end !== emitted[i].end)
  }
}
