/**
 * Feeding a topology from in-process data (`KafkaStreams.importFrom()`): records from any
 * iterable or Node Readable are written to a source topic, so they are read, replayed and
 * committed like any other input (exactly-once holds from the topic on).
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Producer } from '../../client/producer/producer.js'
import type { WritableRecord } from '../../client/producer/producer-writable.js'
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { RecordHeaders } from '../record.js'
import type { Serde } from '../serde.js'

/** A record to import: a key and a value, optionally its timestamp, headers and partition. */
export interface ImportRecord<K, V> {
  key: K
  value: V
  /** Event time in ms since the epoch (default: now). */
  timestamp?: number
  headers?: RecordHeaders
  /** Explicit partition; otherwise the key's (the default partitioner, as Kafka Streams expects). */
  partition?: number
}

/** Options of `KafkaStreams.importFrom()`. */
export interface ImportOptions<K, V> {
  /** Key serde (default: the serde of the topology's source reading the topic, else the app's default). */
  keySerde?: Serde<K>
  /** Value serde (default: as for keys). */
  valueSerde?: Serde<V>
  /** Records held while the producer's buffer is full (default 16). */
  highWaterMark?: number
}

/** Writes every record of `source` to `topic`; resolves with the count once all are acknowledged. */
export async function importRecords<K, V>(
  producer: Producer,
  topic: string,
  source: AsyncIterable<ImportRecord<K, V>> | Iterable<ImportRecord<K, V>>,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  highWaterMark?: number,
): Promise<number> {
  if (source === null || typeof source !== 'object' || (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))) {
    throw new InvalidArgumentError('importFrom needs an iterable, an async iterable or a Readable of { key, value } records')
  }
  let count = 0
  async function* serialized(): AsyncGenerator<WritableRecord> {
    for await (const r of source) {
      if (r === null || typeof r !== 'object' || !('value' in r)) {
        throw new InvalidArgumentError(`importFrom: record ${count} is not a { key, value } object`)
      }
      count++
      yield {
        key: r.key === undefined ? null : keySerde.serialize(topic, r.key),
        value: valueSerde.serialize(topic, r.value),
        timestamp: r.timestamp,
        headers: r.headers,
        partition: r.partition,
      }
    }
  }
  await pipeline(Readable.from(serialized(), { objectMode: true, highWaterMark: 1 }), producer.writable(topic, { highWaterMark }))
  return count
}
