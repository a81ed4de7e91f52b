/**
 * Producer: keyed, multi-partition sends on top of one BatchProducer per
 * partition. Keys are placed with the Java client's murmur2 partitioner (or a
 * user partitioner); records without a key stick to one partition until a
 * batch's worth has gone there (as the Java client's sticky partitioner does).
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { RecordHeaders } from '../../protocol/records/index.js'
import type { Client } from '../client.js'
import { ClientClosedError } from '../errors.js'
import { partitionForKey } from '../partitioner.js'
import { BatchProducer, estimateRecordSize, type BatchProducerOptions } from './batch-producer.js'

/** One record to send with {@link Producer.send}. */
export interface ProducerRecord {
  topic: string
  key?: Buffer | null
  value: Buffer | null
  headers?: RecordHeaders
  timestamp?: number
  /** Explicit partition; otherwise the partitioner picks one. */
  partition?: number
}

/** Where a record was written. */
export interface RecordMetadata {
  topic: string
  partition: number
  offset: bigint
}

/** Picks a partition for a keyed record. */
export type Partitioner = (topic: string, key: Buffer, numPartitions: number) => number

/** Options of {@link Producer}: those of each partition's BatchProducer plus a partitioner. */
export interface ProducerOptions extends BatchProducerOptions {
  /** Default: murmur2, byte-compatible with the Java client. */
  partitioner?: Partitioner
}

export class Producer implements AsyncDisposable {
  private readonly partitions = new Map<string, Promise<BatchProducer>>()
  private readonly sticky = new Map<string, { partition: number; bytes: number }>()
  private closed = false

  constructor(
    private readonly client: Client,
    private readonly options: ProducerOptions = {},
  ) {}

  /** Sends one record; resolves when its batch is acknowledged. */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) throw new ClientClosedError('producer is closed')
    if (!record || typeof record.topic !== 'string') throw new InvalidArgumentError('send needs a record with a topic')
    const partition = await this.choosePartition(record)
    const producer = await this.producerFor(record.topic, partition)
    const offset = await producer.produce({
      key: record.key ?? null,
      value: record.value,
      headers: record.headers,
      timestamp: record.timestamp,
    })
    return { topic: record.topic, partition, offset }
  }

  private async choosePartition(record: ProducerRecord): Promise<number> {
    const topic = await this.client.cluster.topic(record.topic)
    const n = topic.partitions.length
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= n) {
        throw new InvalidArgumentError(`partition ${record.partition} does not exist in topic '${record.topic}' (${n} partitions)`)
      }
      return record.partition
    }
    if (record.key) {
      const p = this.options.partitioner ? this.options.partitioner(record.topic, record.key, n) : partitionForKey(record.key, n)
      if (!Number.isInteger(p) || p < 0 || p >= n) throw new InvalidArgumentError(`partitioner returned ${p} for a topic with ${n} partitions`)
      return p
    }
    let s = this.sticky.get(record.topic)
    const limit = this.options.maxBatchBytes ?? 1 << 20
    if (!s || s.bytes >= limit) {
      s = { partition: Math.floor(Math.random() * n), bytes: 0 }
      this.sticky.set(record.topic, s)
    }
    s.bytes += estimateRecordSize({ key: null, value: record.value, headers: record.headers })
    return s.partition
  }

  private producerFor(topic: string, partition: number): Promise<BatchProducer> {
    const key = `${topic}\u0000${partition}`
    let p = this.partitions.get(key)
    if (!p) {
      p = this.client.partitionClient(topic, partition).then((pc) => new BatchProducer(pc, this.options))
      this.partitions.set(key, p)
      p.catch(() => this.partitions.delete(key))
    }
    return p
  }

  /** Resolves once every record sent so far is settled. */
  async flush(): Promise<void> {
    const all = await Promise.all([...this.partitions.values()].map((p) => p.catch(() => undefined)))
    await Promise.all(all.map((bp) => bp?.flush()))
  }

  /** Flushes and refuses new records. The Client stays open. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const all = await Promise.all([...this.partitions.values()].map((p) => p.catch(() => undefined)))
    await Promise.all(all.map((bp) => bp?.close()))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
