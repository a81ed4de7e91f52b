/**
 * A Writable stream over a producer's sends, for bulk loads: a write completes once its record
 * has buffer space, so a fast writer waits for the broker instead of queueing every record.
 */
import { Writable } from 'node:stream'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { ProducerRecord, RecordMetadata } from './producer.js'

/** A record written to {@link ProducerWritable}: a {@link ProducerRecord} whose topic may be left out. */
export type WritableRecord = Omit<ProducerRecord, 'topic'> & { topic?: string }

/** Options of `producer.writable()`. */
export interface ProducerWritableOptions {
  /**
   * Records the stream itself holds while the producer's buffer is full (default 16): the
   * stream's memory is the producer's `maxBufferedBytes` plus at most this many records.
   */
  highWaterMark?: number
}

/** Sends a record and calls `onAdmitted` once it is in the producer's buffer. */
type SendFn = (record: ProducerRecord, onAdmitted: () => void) => Promise<RecordMetadata>

/** See `Producer.writable()`. */
export class ProducerWritable extends Writable {
  #pending = 0
  #error: Error | undefined
  #onSettled: (() => void) | undefined

  /** @internal Use `producer.writable(topic)`. */
  constructor(
    /** The topic records are sent to. */
    readonly topic: string,
    private readonly sendRecord: SendFn,
    options: ProducerWritableOptions = {},
  ) {
    const hwm = options.highWaterMark ?? 16
    if (!Number.isInteger(hwm) || hwm < 1) throw new InvalidArgumentError(`highWaterMark must be a positive integer, got ${String(hwm)}`)
    super({ objectMode: true, highWaterMark: hwm })
  }

  override _write(chunk: WritableRecord, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (chunk === null || typeof chunk !== 'object') {
      callback(new InvalidArgumentError(`a record written to the producer stream must be an object, got ${chunk === null ? 'null' : typeof chunk}`))
      return
    }
    if (chunk.topic !== undefined && chunk.topic !== this.topic) {
      callback(new InvalidArgumentError(`this stream writes to topic '${this.topic}', got a record for '${String(chunk.topic)}'`))
      return
    }
    // A shallow copy only for records written without their topic.
    const record = (chunk.topic === undefined ? { ...chunk, topic: this.topic } : chunk) as ProducerRecord
    let admitted = false
    this.#pending++
    this.sendRecord(record, () => {
      admitted = true
      callback()
    }).then(
      () => this.#settled(),
      (err: Error) => {
        this.#error ??= err
        // Refused before it had buffer space: the write itself fails; later, the stream does.
        if (!admitted) callback(err)
        else this.destroy(err)
        this.#settled()
      },
    )
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Finished only once every record written is acknowledged (or one failed).
    if (this.#pending === 0) callback(this.#error)
    else this.#onSettled = () => callback(this.#error)
  }

  #settled(): void {
    if (--this.#pending === 0 && this.#onSettled) {
      const done = this.#onSettled
      this.#onSettled = undefined
      done()
    }
  }
}
