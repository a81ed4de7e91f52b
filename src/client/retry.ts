/**
 * Retries with exponential backoff and ±20% jitter (the Java client's scheme),
 * for operations that fail with retriable errors.
 */
import { KafkaProtocolError, PeridotError } from '../protocol/errors.js'
import { AbortError, ConnectionError, TimeoutError } from './errors.js'

export interface RetryOptions {
  /** How many times to retry after the first attempt. */
  retries: number
  initialBackoffMs: number
  maxBackoffMs: number
  signal?: AbortSignal
}

export const DEFAULT_RETRY: RetryOptions = { retries: 8, initialBackoffMs: 100, maxBackoffMs: 2_000 }

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, opts: RetryOptions): number {
  const base = Math.min(opts.maxBackoffMs, opts.initialBackoffMs * 2 ** attempt)
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

/** The error of an aborted wait: the signal's reason when it is a PeridotError (e.g. ClientClosedError), else AbortError. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  return reason instanceof PeridotError ? reason : new AbortError('aborted')
}

/** Sleeps `ms`, rejecting with AbortError (or the signal's PeridotError reason) if `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal))
    const onAbort = () => {
      clearTimeout(t)
      reject(abortError(signal!))
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** True for errors that a new attempt (possibly after a metadata refresh) may cure. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof KafkaProtocolError) return err.retriable
  return err instanceof ConnectionError || err instanceof TimeoutError
}

/**
 * Runs `fn` until it succeeds, `shouldRetry` says no, or the retries run out.
 * `onRetry` runs before each new attempt (e.g. to refresh metadata).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
  shouldRetry: (err: unknown) => boolean = isRetriable,
  onRetry?: (err: unknown, attempt: number) => Promise<void> | void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt >= opts.retries || !shouldRetry(err) || opts.signal?.aborted) throw err
      await sleep(backoffDelay(attempt, opts), opts.signal)
      await onRetry?.(err, attempt)
    }
  }
}
