/**
 * A group consumer as a Node `Readable` of records, for `stream.pipeline`.
 */
import { Readable } from 'node:stream'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { KafkaRecord } from '../../protocol/records/record-batch.js'
import type { GroupBatch } from './group-consumer.js'

/** A record read through `consumer.readable()`: the record and where it came from. */
export interface ConsumedRecord extends KafkaRecord {
  topic: string
  partition: number
}

/** Options of `consumer.readable()`. */
export interface ConsumerReadableOptions {
  /** Records the Readable buffers ahead of the next stream (default 16). */
  highWaterMark?: number
}

/** Records of `batches`, one at a time, as an object-mode Readable. */
export function consumerReadable(batches: AsyncIterable<GroupBatch>, options: ConsumerReadableOptions = {}): Readable {
  const hwm = options.highWaterMark ?? 16
  if (!Number.isSafeInteger(hwm) || hwm < 1) throw new InvalidArgumentError(`readable highWaterMark must be a positive integer, got ${String(hwm)}`)
  async function* records(): AsyncGenerator<ConsumedRecord> {
    for await (const b of batches) {
      for (const r of b.records) yield { topic: b.topic, partition: b.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers }
    }
  }
  return Readable.from(records(), { objectMode: true, highWaterMark: hwm })
}
