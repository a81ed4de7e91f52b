/**
 * What a task does with a record that fails to deserialize or to process: it goes to the
 * dead-letter topic first when one is configured (with Kafka's KIP-1034 error headers), then the
 * configured exception handler either fails the task or skips the record (counted and logged).
 */
import type { Logger } from 'pino'
import { StreamsProcessingError } from '../errors.js'
import type { RecordHeaders } from '../record.js'
import type { RecordCollector } from './collector.js'
import type { TaskConfig, TaskMetrics } from './task-config.js'

// Kafka's KIP-1034 dead-letter headers.
const DLQ_HEADER = {
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  stacktrace: '__streams.errors.stacktrace',
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
} as const

/** The failure handling of one task. */
export class RecordFailures {
  constructor(
    private readonly taskId: string,
    private readonly config: TaskConfig,
    private readonly collector: RecordCollector,
    private readonly metrics: TaskMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Dead-letters the record (when configured), then applies the handler of `kind`: throws a
   * {@link StreamsProcessingError} for 'fail', else counts and logs the skip and returns false
   * (the record was not processed).
   */
  handle(
    kind: 'deserialization' | 'processing',
    err: unknown,
    topic: string,
    partition: number,
    offset: bigint,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: RecordHeaders,
  ): false {
    const error = err instanceof Error ? err : new Error(String(err))
    const dlq = this.config.deadLetterQueueTopic
    if (dlq !== undefined) {
      const h: RecordHeaders = [
        ...headers,
        [DLQ_HEADER.exception, Buffer.from(error.name || error.constructor.name)],
        [DLQ_HEADER.message, Buffer.from(error.message)],
        [DLQ_HEADER.stacktrace, Buffer.from(error.stack ?? '')],
        [DLQ_HEADER.topic, Buffer.from(topic)],
        [DLQ_HEADER.partition, Buffer.from(String(partition))],
        [DLQ_HEADER.offset, Buffer.from(String(offset))],
      ]
      this.collector.send(dlq, key, value, h, timestamp)
      this.metrics.deadLettered++
    }
    const response = (kind === 'deserialization' ? this.config.deserializationExceptionHandler : this.config.processingExceptionHandler) ?? 'fail'
    const where = { taskId: this.taskId, topic, partition, offset, cause: err }
    if (response === 'fail') {
      throw new StreamsProcessingError(`task ${this.taskId}: ${kind} of ${topic}-${partition}@${offset} failed: ${error.message}`, where)
    }
    if (kind === 'deserialization') this.metrics.skippedDeserialization++
    else this.metrics.skippedProcessing++
    this.logger.warn({ err: error, topic, partition, offset: String(offset) }, `skipping record after ${kind} error`)
    return false
  }
}
