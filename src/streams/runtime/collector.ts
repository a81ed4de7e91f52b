/**
 * Output interfaces between a task and the runtime that owns the producer.
 */
import type { RecordHeaders } from '../record.js'

/**
 * Picks a partition for a record being sent through a sink with a user partitioner. Called by the
 * collector once it knows the topic's partition count, synchronously inside `send`.
 * Undefined means "use the default" (murmur2 of the key bytes).
 */
export interface SinkPartitioner {
  partition(topic: string, key: Buffer | string | null, value: Buffer | string | null, numPartitions: number): number | undefined
}

/**
 * Where a task writes its output: sink topics, repartition topics, changelogs and the dead-letter
 * topic. Implementations must not keep `headers` beyond the call without copying it. A key or
 * value may come as a string (from a serde's `serializeText`): it stands for its UTF-8 bytes.
 * `partition`: a number (changelogs: the task's partition), a {@link SinkPartitioner}, or
 * undefined for the default partitioner.
 */
export interface RecordCollector {
  send(
    topic: string,
    key: Buffer | string | null,
    value: Buffer | string | null,
    headers: RecordHeaders,
    timestamp: number,
    partition?: number | SinkPartitioner,
  ): void
}

/** One consumed position to commit: the next offset to read (last processed + 1), as Kafka commits it. */
export interface ConsumedOffset {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  /** The offset commit metadata string (partition time and processor metadata), when the task sets it. */
  readonly metadata?: string
}

/** A changelog topic-partition the runtime restores a task's store from. */
export interface ChangelogPartition {
  readonly storeName: string
  readonly topic: string
  readonly partition: number
}
