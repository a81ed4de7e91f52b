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

/** How long a topic's partition count is reused without asking the cluster's metadata cache. */
const TOPIC_INFO_TTL_MS = 1000

export class Producer implements AsyncDisposable {
  private readonly partitions = new Map<string, Promise<BatchProducer>>()
  /** Resolved BatchProducers by topic, indexed by partition (the synchronous fast path). */
  private readonly ready = new Map<string, BatchProducer[]>()
  /** Partition counts recently read from the cluster's metadata cache. */
  private readonly topicInfo = new Map<string, { partitions: number; at: number }>()
  /** Sends on the slow path not yet handed to their BatchProducer: later sends must not overtake them. */
  private slowSends = 0
  /** Settles when the latest slow-path send has handed its records over. */
  private slowTail: Promise<void> = Promise.resolve()
  private readonly sticky = new Map<string, { partition: number; bytes: number }>()
  private closed = false

  constructor(
    private readonly client: Client,
    private readonly options: ProducerOptions = {},
  ) {}

  /** Sends one record; resolves when its batch is acknowledged. */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new ClientClosedError('producer is closed'))
    if (!record || typeof record.topic !== 'string') return Promise.reject(new InvalidArgumentError('send needs a record with a topic'))
    // Fast path: metadata and the partition's BatchProducer at hand, no await before queuing.
    const info = this.slowSends === 0 ? this.topicInfo.get(record.topic) : undefined
    if (info !== undefined && Date.now() - info.at < TOPIC_INFO_TTL_MS) {
      let partition: number
      try {
        partition = this.pickPartition(record, info.partitions)
      } catch (err) {
        return Promise.reject(err)
      }
      const producer = this.ready.get(record.topic)?.[partition]
      if (producer !== undefined) return this.produceOn(producer, record, partition)
      return this.sendSlow(record, partition)
    }
    return this.sendSlow(record, undefined)
  }

  /**
   * Sends an array of records (any topics and partitions); resolves with their
   * metadata, in the order given, once every one is acknowledged, or rejects
   * with the first failure. Each partition's records go to its batch producer
   * in one go, in array order; one promise per call rather than per record.
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) return Promise.reject(new ClientClosedError('producer is closed'))
    if (!Array.isArray(records)) return Promise.reject(new InvalidArgumentError('sendBatch needs an array of records'))
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as ProducerRecord | null | undefined
      if (!r || typeof r.topic !== 'string') return Promise.reject(new InvalidArgumentError(`sendBatch: record ${i} needs a topic`))
    }
    if (records.length === 0) return Promise.resolve([])
    // Fast path: every topic's partition count and BatchProducers at hand.
    if (this.slowSends === 0) {
      const partitions = new Array<number>(records.length)
      const producers = new Array<BatchProducer>(records.length)
      let ok = true
      const now = Date.now()
      for (let i = 0; i < records.length && ok; i++) {
        const r = records[i]
        const info = this.topicInfo.get(r.topic)
        if (info === undefined || now - info.at >= TOPIC_INFO_TTL_MS) {
          ok = false
          break
        }
        let partition: number
        try {
          partition = this.pickPartition(r, info.partitions)
        } catch (err) {
          return Promise.reject(err)
        }
        const producer = this.ready.get(r.topic)?.[partition]
        if (producer === undefined) ok = false
        else {
          partitions[i] = partition
          producers[i] = producer
        }
      }
      if (ok) return this.dispatch(records, partitions, producers)
    }
    return this.sendBatchSlow(records)
  }

  private async sendBatchSlow(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    this.slowSends++
    let handedOver = false
    const done = await this.slowTurn()
    try {
      const partitions = new Array<number>(records.length)
      const producers = new Array<BatchProducer>(records.length)
      const counts = new Map<string, number>()
      for (const r of records) {
        if (!counts.has(r.topic)) {
          const topic = await this.client.cluster.topic(r.topic)
          counts.set(r.topic, topic.partitions.length)
          this.topicInfo.set(r.topic, { partitions: topic.partitions.length, at: Date.now() })
        }
      }
      for (let i = 0; i < records.length; i++) partitions[i] = this.pickPartition(records[i], counts.get(records[i].topic)!)
      for (let i = 0; i < records.length; i++) producers[i] = await this.producerFor(records[i].topic, partitions[i])
      const p = this.dispatch(records, partitions, producers)
      handedOver = true
      this.slowSends--
      done()
      return await p
    } finally {
      if (!handedOver) {
        this.slowSends--
        done()
      }
    }
  }

  /** Hands each partition's records to its BatchProducer in one call; assembles metadata in input order. */
  private dispatch(records: readonly ProducerRecord[], partitions: number[], producers: BatchProducer[]): Promise<RecordMetadata[]> {
    const runs = new Map<BatchProducer, number[]>()
    for (let i = 0; i < records.length; i++) {
      const run = runs.get(producers[i])
      if (run === undefined) runs.set(producers[i], [i])
      else run.push(i)
    }
    const out = new Array<RecordMetadata>(records.length)
    const waits: Array<Promise<void>> = []
    for (const [producer, idx] of runs) {
      const batch = idx.map((i) => {
        const r = records[i]
        return { key: r.key ?? null, value: r.value, headers: r.headers, timestamp: r.timestamp }
      })
      waits.push(
        producer.produceMany(batch).then((offsets) => {
          for (let j = 0; j < idx.length; j++) {
            const i = idx[j]
            out[i] = { topic: records[i].topic, partition: partitions[i], offset: offsets[j] }
          }
        }),
      )
    }
    return (waits.length === 1 ? waits[0] : Promise.all(waits)).then(() => out)
  }

  private produceOn(producer: BatchProducer, record: ProducerRecord, partition: number): Promise<RecordMetadata> {
    const topic = record.topic
    return producer
      .produce({ key: record.key ?? null, value: record.value, headers: record.headers, timestamp: record.timestamp })
      .then((offset) => ({ topic, partition, offset }))
  }

  /**
   * Runs slow-path sends one after another, in call order, until each hands its records over
   * (a sendBatch resolves more metadata than a send, so awaits alone would not keep order).
   */
  private async slowTurn(): Promise<() => void> {
    const prev = this.slowTail
    let done!: () => void
    this.slowTail = new Promise<void>((r) => (done = r))
    await prev
    return done
  }

  private async sendSlow(record: ProducerRecord, chosen: number | undefined): Promise<RecordMetadata> {
    this.slowSends++
    let handedOver = false
    const done = await this.slowTurn()
    try {
      const partition = chosen ?? (await this.choosePartition(record))
      const producer = await this.producerFor(record.topic, partition)
      const p = this.produceOn(producer, record, partition)
      handedOver = true
      this.slowSends--
      done()
      return await p
    } finally {
      if (!handedOver) {
        this.slowSends--
        done()
      }
    }
  }

  private async choosePartition(record: ProducerRecord): Promise<number> {
    const topic = await this.client.cluster.topic(record.topic)
    const n = topic.partitions.length
    this.topicInfo.set(record.topic, { partitions: n, at: Date.now() })
    return this.pickPartition(record, n)
  }

  private pickPartition(record: ProducerRecord, n: number): number {
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
      p = this.client.partitionClient(topic, partition).then((pc) => {
        const bp = new BatchProducer(pc, this.options)
        let byPartition = this.ready.get(topic)
        if (!byPartition) this.ready.set(topic, (byPartition = []))
        byPartition[partition] = bp
        return bp
      })
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
