/**
 * Errors of the streams layer. All extend PeridotError so callers can catch one base class.
 */
import { PeridotError } from '../protocol/errors.js'

/** A value could not be serialized or bytes could not be deserialized by a {@link Serde}. */
export class SerializationError extends PeridotError {
  override name = 'SerializationError'
}

/** The topology is invalid: unknown node or store names, duplicate names, co-partitioning violations. */
export class TopologyError extends PeridotError {
  override name = 'TopologyError'
}

/**
 * Processing a record (or a punctuation) failed inside a task. Carries where the record came from;
 * `cause` is the error the user code (or a serde) threw.
 */
export class StreamsProcessingError extends PeridotError {
  override name = 'StreamsProcessingError'
  readonly taskId: string
  readonly topic: string | null
  readonly partition: number
  readonly offset: bigint
  constructor(message: string, details: { taskId: string; topic: string | null; partition: number; offset: bigint; cause: unknown }) {
    super(message, { cause: details.cause })
    this.taskId = details.taskId
    this.topic = details.topic
    this.partition = details.partition
    this.offset = details.offset
  }
}

/**
 * A suppression buffer configured to shut down when full (`BufferConfig.maxRecords(n)
 * .shutDownWhenFull()` and the like) went over its record or byte limit: the task fails rather
 * than emit a result early.
 */
export class SuppressionBufferFullError extends PeridotError {
  override name = 'SuppressionBufferFullError'
}

/**
 * An async operator's call (`mapValuesAsync` and the like) did not settle within its
 * `timeoutMs`: its AbortSignal fires with this error, and the record fails with it through the
 * processing exception handler.
 */
export class AsyncTimeoutError extends PeridotError {
  override name = 'AsyncTimeoutError'
}

/**
 * The reason an async operator's AbortSignal fires when its task is closed or reset before the
 * call settled: the record is not lost, it is processed again from the last commit.
 */
export class AsyncAbandonedError extends PeridotError {
  override name = 'AsyncAbandonedError'
}
