/**
 * Typed errors a group consumer reports: failures it retries by itself
 * (onError), an outage that outlasted `unavailableTimeoutMs`, and a caller
 * slower than `maxPollIntervalMs`.
 */
import { PeridotError } from '../../protocol/errors.js'

/**
 * What keeps failing: the group coordinator (membership, commits), the partition leaders
 * (fetching), or the fetch answers themselves (they cannot be read).
 */
export type ConsumerFailureKind = 'coordinator' | 'fetch' | 'corrupt-fetch'

/** A failure of one kind that the consumer retries by itself; `cause` is the (last) failure. */
export abstract class ConsumerFailureError extends PeridotError {
  constructor(
    message: string,
    /** What failed. */
    readonly kind: ConsumerFailureKind,
    /** When this kind started failing (epoch milliseconds), without a success since. */
    readonly since: number,
    cause: unknown,
  ) {
    super(message, { cause })
  }
}

/** A retried failure, passed to `onError`. */
export class ConsumerRetryError extends ConsumerFailureError {
  override name = 'ConsumerRetryError'
}

/**
 * Thrown by `next()` once one kind of failure went on longer than `unavailableTimeoutMs`.
 * The consumer keeps retrying: a later `next()` returns records again once it recovers.
 */
export class ConsumerUnavailableError extends ConsumerFailureError {
  override name = 'ConsumerUnavailableError'
}

/**
 * Thrown by `next()` after the caller took longer than `maxPollIntervalMs` over one batch:
 * the member left the group and its partitions were lost (onLost). The next call joins again.
 */
export class PollIntervalExceededError extends PeridotError {
  override name = 'PollIntervalExceededError'
}
