/**
 * Changelog logging: a bytes store wrapper that reports every change to a {@link ChangelogSink}
 * after applying it, with the timestamp of the record being processed.
 */
import type { KeyValue } from '../record.js'
import type { BytesStore, ChangelogSink } from './store.js'

/** Source of the current record timestamp (the task). */
export interface TimestampSource {
  currentRecordTimestamp(): number
}

/** Logs every put/delete of the inner store. */
export class LoggingBytesStore implements BytesStore {
  readonly name: string
  readonly inner: BytesStore
  protected readonly sink: ChangelogSink
  protected readonly time: TimestampSource

  constructor(inner: BytesStore, sink: ChangelogSink, time: TimestampSource) {
    this.inner = inner
    this.name = inner.name
    this.sink = sink
    this.time = time
  }

  #log(key: Buffer, value: Buffer | null): void {
    this.log(key, value, this.time.currentRecordTimestamp())
  }

  /** Reports one change (a null value: a delete) to the changelog sink. */
  protected log(key: Buffer, value: Buffer | null, timestamp: number): void {
    this.sink.logChange(this.name, key, value, timestamp)
  }

  get persistent(): boolean {
    return this.inner.persistent
  }

  get(key: Buffer): Buffer | null {
    return this.inner.get(key)
  }

  put(key: Buffer, value: Buffer | null, id?: string): void {
    this.inner.put(key, value, id)
    this.#log(key, value)
  }

  putIfAbsent(key: Buffer, value: Buffer | null): Buffer | null {
    const existing = this.inner.putIfAbsent(key, value)
    if (existing === null) this.#log(key, value)
    return existing
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    this.inner.putAll(entries)
    for (const e of entries) this.#log(e.key, e.value)
  }

  delete(key: Buffer): Buffer | null {
    const old = this.inner.delete(key)
    this.#log(key, null)
    return old
  }

  range(from: Buffer, to: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.inner.range(from, to)
  }

  all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.inner.all()
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries()
  }

  flush(): void {
    this.inner.flush()
  }

  close(): void {
    this.inner.close()
  }
}
