/**
 * Typed errors of the client layer (I/O). Protocol-level errors live in
 * src/protocol/errors.ts and are re-exported from the package root.
 */
import { PeridotError } from '../protocol/errors.js'

/** The connection failed, was refused, or closed while requests were in flight. */
export class ConnectionError extends PeridotError {
  override name = 'ConnectionError'
  /** True when a request may have reached the broker before the failure. */
  readonly requestMayHaveBeenSent: boolean
  constructor(message: string, options?: { cause?: unknown; requestMayHaveBeenSent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.requestMayHaveBeenSent = options?.requestMayHaveBeenSent ?? true
  }
}

/** A request or connection attempt took longer than its timeout. */
export class TimeoutError extends PeridotError {
  override name = 'TimeoutError'
}

/** SASL authentication failed (bad credentials or mechanism). Never contains secrets. */
export class AuthenticationError extends PeridotError {
  override name = 'AuthenticationError'
}

/** The broker supports no version of an API that this client can speak. */
export class UnsupportedVersionError extends PeridotError {
  override name = 'UnsupportedVersionError'
}

/** The operation was cancelled through an AbortSignal. */
export class AbortError extends PeridotError {
  override name = 'AbortError'
}

/**
 * The client (or the producer) was closed, or closed before the call could complete; nothing
 * more can be sent through it. `requestMayHaveBeenSent` is true for a request that was on its
 * way when the connection closed: it may have taken effect (for records, the error's cause is
 * then a ProduceOutcomeUnknownError).
 */
export class ClientClosedError extends PeridotError {
  override name = 'ClientClosedError'
  /** True when the request was sent before the close, so it may have taken effect. */
  readonly requestMayHaveBeenSent: boolean
  constructor(message: string, options?: { cause?: unknown; requestMayHaveBeenSent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.requestMayHaveBeenSent = options?.requestMayHaveBeenSent ?? false
  }
}

/**
 * The error for a produce whose request was on its way when the client or producer closed:
 * a ClientClosedError whose cause, a ProduceOutcomeUnknownError, says the records may have been written.
 */
export function closedWithUnknownOutcome(what: string, closed: Error): ClientClosedError {
  const unknown = new ProduceOutcomeUnknownError(`${what} was in flight at the close: the records may have been written`, { cause: closed })
  return new ClientClosedError(`${closed.message}; ${unknown.message}`, { cause: unknown, requestMayHaveBeenSent: true })
}

/**
 * A produce request was sent but its outcome is unknown (timeout or connection
 * lost before the response): the records may or may not have been written.
 * Never reported as success; retrying may duplicate them unless the producer is idempotent.
 */
export class ProduceOutcomeUnknownError extends PeridotError {
  override name = 'ProduceOutcomeUnknownError'
}

/** One failed bootstrap attempt: the address and why it failed. */
export interface BootstrapAttempt {
  address: string
  error: Error
}

/**
 * `Client.connect` found no bootstrap broker that answers: every address refused, could not be
 * resolved, or the overall deadline (`bootstrapTimeoutMs`) passed. Names every address tried;
 * `attempts` holds each failure in order.
 */
export class BootstrapError extends ConnectionError {
  override name = 'BootstrapError'
  /** Each failed attempt, in order. */
  readonly attempts: readonly BootstrapAttempt[]
  /** True when the deadline ended the attempts (a broker that accepts and never answers). */
  readonly timedOut: boolean
  constructor(message: string, attempts: readonly BootstrapAttempt[], timedOut: boolean) {
    super(message, { cause: attempts.at(-1)?.error, requestMayHaveBeenSent: false })
    this.attempts = attempts
    this.timedOut = timedOut
  }
}
