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

/** A failure the consumer retries by itself, passed to `onError`; `cause` is the failure. */
export class ConsumerRetryError extends PeridotError {
  override name = 'ConsumerRetryError'
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

/**
 * Thrown by `next()` once one kind of failure went on longer than `unavailableTimeoutMs`.
 * The consumer keeps retrying: a later `next()` returns records again once it recovers.
 */
export class ConsumerUnavailableError extends PeridotError {
  override name = 'ConsumerUnavailableError'
  constructor(
    message: string,
    /** What failed. */
    readonly kind: ConsumerFailureKind,
    /** When it started failing (epoch milliseconds). */
    readonly since: number,
    cause: unknown,
  ) {
    super(message, { cause })
  }
}

/**
 * Thrown by `next()` after the caller took longer than `maxPollIntervalMs` over one batch:
 * the member left the group and its partitions were lost (onLost). The next call joins again.
 */
export class PollIntervalExceededError extends PeridotError {
  override name = 'PollIntervalExceededError'
}
