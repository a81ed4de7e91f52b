/**
 * How a group consumer reports failures it retries by itself: one warning when
 * a kind of failure starts (not one per retry) and one line when it recovers,
 * every failure to `onError`, and the error `next()` throws once a kind has
 * been failing for longer than `unavailableTimeoutMs`.
 */
import type { Logger } from 'pino'
import { ConsumerRetryError, ConsumerUnavailableError, type ConsumerFailureKind } from './consumer-errors.js'

const WHAT: Record<ConsumerFailureKind, string> = {
  coordinator: 'the group coordinator cannot be reached',
  fetch: 'fetching from the partition leaders fails',
  'corrupt-fetch': 'fetch answers cannot be read (corrupt)',
}

export class FailureTracker {
  private readonly since = new Map<ConsumerFailureKind, { at: number; last: unknown }>()

  constructor(
    private readonly log: Logger,
    private readonly groupId: string,
    private readonly onError: ((error: ConsumerRetryError) => void) | undefined,
    private readonly deadlineMs: number | undefined,
  ) {}

  /** A retried failure of `kind`. */
  failing(kind: ConsumerFailureKind, err: unknown): void {
    let streak = this.since.get(kind)
    if (!streak) {
      streak = { at: Date.now(), last: err }
      this.since.set(kind, streak)
      this.log.warn({ err, groupId: this.groupId, kind }, `group consumer: ${WHAT[kind]}; retrying (a line follows when it recovers)`)
    } else {
      streak.last = err
      this.log.debug({ err, groupId: this.groupId, kind }, 'group consumer: retrying')
    }
    if (!this.onError) return
    try {
      this.onError(new ConsumerRetryError(`group '${this.groupId}': ${WHAT[kind]}: ${err instanceof Error ? err.message : String(err)}`, kind, streak.at, err))
    } catch (hookErr) {
      this.log.warn({ err: hookErr }, 'onError threw')
    }
  }

  /** A success of `kind`: ends its streak. */
  recovered(kind: ConsumerFailureKind): void {
    const streak = this.since.get(kind)
    if (!streak) return
    this.since.delete(kind)
    this.log.info({ groupId: this.groupId, kind, failingForMs: Date.now() - streak.at }, 'group consumer: recovered')
  }

  /** The error for next() to throw: a kind failing for longer than the deadline, if any. */
  overdue(now = Date.now()): ConsumerUnavailableError | undefined {
    if (this.deadlineMs === undefined) return undefined
    for (const [kind, streak] of this.since) {
      if (now - streak.at > this.deadlineMs) {
        const detail = streak.last instanceof Error ? streak.last.message : String(streak.last)
        return new ConsumerUnavailableError(
          `group '${this.groupId}': ${WHAT[kind]} for ${now - streak.at} ms (unavailableTimeoutMs ${this.deadlineMs}); still retrying. Last failure: ${detail}`,
          kind,
          streak.at,
          streak.last,
        )
      }
    }
    return undefined
  }
}
