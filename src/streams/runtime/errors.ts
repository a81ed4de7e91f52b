/**
 * Errors of the broker runtime ({@link KafkaStreams}).
 */
import { PeridotError } from '../../protocol/errors.js'

/** The configuration or the cluster does not allow the application to start (missing source topics, bad options, a state directory in use). */
export class StreamsConfigError extends PeridotError {
  override name = 'StreamsConfigError'
}

/** The operation needs another lifecycle state (e.g. `start()` twice, or a store query before RUNNING). */
export class StreamsStateError extends PeridotError {
  override name = 'StreamsStateError'
}
