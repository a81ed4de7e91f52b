/**
 * The broker runtime's {@link RecordCollector}: task output (sinks, repartition topics,
 * changelogs, dead letters) goes to the instance's producer. Sends are fire-and-forget on the
 * hot path; the first failure is kept and raised at the next {@link ProducerCollector.flush}
 * (before any commit), and the last offset written to each changelog partition is tracked for
 * checkpoints.
 */
import type { Client } from '../../client/client.js'
import type { PartitionLastOffset, Producer, ProducerRecord } from '../../client/producer/producer.js'
import { partitionForKey } from '../../client/partitioner.js'
import type { RecordHeaders } from '../record.js'
import type { RecordCollector, SinkPartitioner } from './collector.js'

/** Producer-backed collector shared by the tasks of one instance. */
export class ProducerCollector implements RecordCollector {
  producer: Producer
  readonly #client: Client
  readonly #partitionCounts = new Map<string, number>()
  readonly #changelogTopics: ReadonlySet<string>
  /** Next offset after the last record written, by `topic:partition`, for changelogs. */
  readonly changelogEnds = new Map<string, bigint>()
  #error: Error | undefined
  /**
   * Bumped by {@link clearError} (the transaction was aborted): a send made before it that fails
   * afterwards (it waited for metadata, and its transaction ended meanwhile) belongs to the
   * aborted transaction and must not fail the next one.
   */
  #epoch = 0
  #pending = new Set<Promise<unknown>>()
  /** Records sent since the last {@link resetSentCount}. */
  sent = 0
  /** Records of the current turn, handed to the producer in one sendBatchLastOffsets (one promise, not one per record). */
  #batch: ProducerRecord[] = []
  #drainScheduled = false
  readonly #drainNow = (): void => this.drain()

  constructor(client: Client, producer: Producer, changelogTopics: ReadonlySet<string>) {
    this.#client = client
    this.producer = producer
    this.#changelogTopics = changelogTopics
  }

  /**
   * Looks up partition counts up front so partitioners run synchronously. `optional`: a topic that
   * cannot be described now (not created yet) is left to the first send to it.
   */
  async prefetchPartitionCounts(topics: Iterable<string>, optional = false): Promise<void> {
    await Promise.all(
      [...topics].map(async (t) => {
        try {
          this.#partitionCounts.set(t, (await this.#client.describeTopic(t)).partitions.length)
        } catch (err) {
          if (!optional) throw err
        }
      }),
    )
  }

  send(topic: string, key: Buffer | string | null, value: Buffer | string | null, headers: RecordHeaders, timestamp: number, partition?: number | SinkPartitioner): void {
    // The task may reuse its headers array.
    const h = headers.length === 0 ? headers : [...headers]
    this.sent++
    if (partition === undefined || typeof partition === 'number') {
      this.#enqueue({ topic, key, value, headers: h, timestamp, partition })
      return
    }
    const n = this.#partitionCounts.get(topic)
    if (n !== undefined) {
      this.#enqueue({ topic, key, value, headers: h, timestamp, partition: choose(partition, topic, key, value, n) })
      return
    }
    // Keep order with what is already queued before taking the slow path.
    this.drain()
    // A topic first seen now (a topic name extractor): learn its partition count, then send.
    const epoch = this.#epoch
    const p = this.#client.describeTopic(topic).then((info) => {
      this.#partitionCounts.set(topic, info.partitions.length)
      // The transaction the record was sent in ended (clearError) while the metadata loaded: the
      // producer would put the record in the next transaction, which may commit it although the
      // task re-processes its input from the last commit (a duplicate under exactly-once).
      if (epoch !== this.#epoch) throw new StaleSendError(topic)
      return this.producer.send({ topic, key, value, headers: h, timestamp, partition: choose(partition, topic, key, value, info.partitions.length) })
    })
    this.#pending.add(p)
    this.#track(topic, p.finally(() => this.#pending.delete(p)), epoch)
  }

  #enqueue(r: ProducerRecord): void {
    this.#batch.push(r)
    if (!this.#drainScheduled) {
      this.#drainScheduled = true
      queueMicrotask(this.#drainNow)
    }
  }

  /** Hands the queued records to the producer now (also runs by itself after each processing turn). */
  drain(): void {
    this.#drainScheduled = false
    const records = this.#batch
    if (records.length === 0) return
    this.#batch = []
    const epoch = this.#epoch
    // Tracked like the slow path's sends, so that flush() has seen its outcome before it returns.
    // Only how far each partition got is needed (changelog checkpoints): no metadata per record.
    const p: Promise<void> = this.producer.sendBatchLastOffsets(records).then(
      (ends) => this.#noteChangelogEnds(ends),
      (err: unknown) => this.#fail(err, epoch),
    )
    this.#pending.add(p)
    void p.finally(() => this.#pending.delete(p))
  }

  /** Moves {@link changelogEnds} past the last changelog record of each partition of an acknowledged batch. */
  #noteChangelogEnds(ends: readonly PartitionLastOffset[]): void {
    for (const e of ends) {
      if (!this.#changelogTopics.has(e.topic) || e.offset < 0n) continue
      const k = `${e.topic}:${e.partition}`
      const next = e.offset + 1n
      if ((this.changelogEnds.get(k) ?? -1n) < next) this.changelogEnds.set(k, next)
    }
  }

  /**
   * Hands the queued records to the producer and has it send every open batch now rather than
   * after its linger (records of a commit's flush, which the commit then waits for).
   */
  sendNow(): void {
    this.drain()
    this.producer.flush().catch(() => undefined) // outcomes arrive through the sends; flush() reports them
  }

  #track(topic: string, p: Promise<{ partition: number; offset: bigint }>, epoch: number): void {
    if (this.#changelogTopics.has(topic)) {
      p.then(
        (md) => {
          const k = `${topic}:${md.partition}`
          const next = md.offset + 1n
          if ((this.changelogEnds.get(k) ?? -1n) < next) this.changelogEnds.set(k, next)
        },
        (err: unknown) => this.#fail(err, epoch),
      )
    } else p.catch((err: unknown) => this.#fail(err, epoch))
  }

  #fail(err: unknown, epoch: number): void {
    if (epoch !== this.#epoch) return
    this.#error ??= err instanceof Error ? err : new Error(String(err))
  }

  /** Waits until every record sent so far is acknowledged; throws the first send failure. */
  async flush(): Promise<void> {
    this.drain()
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
    await this.producer.flush()
    this.throwIfFailed()
  }

  throwIfFailed(): void {
    const e = this.#error
    if (e !== undefined) {
      this.#error = undefined
      throw e
    }
  }

  /** Forgets a failure (after an abort: the records of the aborted transaction do not count). */
  clearError(): void {
    this.#batch = []
    this.#error = undefined
    this.#epoch++
  }
}

/** A slow-path send dropped because its transaction was aborted while its topic's metadata loaded. */
class StaleSendError extends Error {
  constructor(topic: string) {
    super(`a record for '${topic}' of an aborted transaction was dropped`)
    this.name = 'StaleSendError'
  }
}

function choose(partitioner: SinkPartitioner, topic: string, key: Buffer | string | null, value: Buffer | string | null, n: number): number | undefined {
  const p = partitioner.partition(topic, key, value, n)
  if (p !== undefined) return p
  // Default: murmur2 of the key; keyless records let the producer pick.
  return key === null ? undefined : partitionForKey(key, n)
}
