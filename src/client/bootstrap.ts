/**
 * Bootstrap in bounded time: the first contact with a cluster (a connection to one of the
 * listed addresses, then Metadata), under one overall deadline. Each failed attempt is logged
 * at warn as it happens. An address that refuses the connection or does not resolve is a
 * definite answer: when every listed address gives one, bootstrap fails at once instead of
 * retrying in silence; addresses that time out are retried (with backoff) until the deadline.
 */
import type { Logger } from 'pino'
import { Metadata, type MetadataResponse } from '../protocol/messages/metadata.js'
import type { Connection } from './connection.js'
import { AuthenticationError, BootstrapError, ClientClosedError, TimeoutError, UnsupportedVersionError, type BootstrapAttempt } from './errors.js'
import { backoffDelay, sleep, type RetryOptions } from './retry.js'

/** Default overall deadline of `Client.connect` (ms). */
export const DEFAULT_BOOTSTRAP_TIMEOUT_MS = 30_000

/** Socket error codes that answer "no broker here" for sure (as the Java client, which refuses unresolvable bootstrap addresses at once, even on a temporary DNS failure). */
const DEFINITE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])

/** What bootstrap needs from the cluster. */
export interface BootstrapContext {
  logger: Logger
  requestTimeoutMs: number
  retry: RetryOptions
  /** Aborted when the client closes. */
  closeSignal: AbortSignal
  /** Opens (or reuses) the shared connection to an address; `signal` abandons the attempt. */
  connect(host: string, port: number, signal: AbortSignal): Promise<Connection>
}

/** The socket error code behind a connection failure, if any. */
function socketCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === 'string') return code
  }
  return undefined
}

/** Errors retrying cannot cure: misconfiguration that the caller must see at once. */
function isFatal(err: unknown): boolean {
  return err instanceof AuthenticationError || err instanceof UnsupportedVersionError
}

/**
 * Asks the listed addresses in turn for cluster metadata until one answers, within
 * `deadlineMs`. Throws BootstrapError naming every address tried (at once when each of them
 * refused or did not resolve, else at the deadline), AuthenticationError /
 * UnsupportedVersionError as they come, ClientClosedError if the client closes meanwhile.
 */
export async function bootstrapCluster(
  addresses: ReadonlyArray<{ host: string; port: number }>,
  deadlineMs: number,
  ctx: BootstrapContext,
): Promise<MetadataResponse> {
  const deadline = Date.now() + deadlineMs
  const attempts: BootstrapAttempt[] = []
  for (let round = 0; ; round++) {
    let retriable = false
    for (let i = 0; i < addresses.length; i++) {
      const { host, port } = addresses[i]
      const address = `${host}:${port}`
      const remaining = deadline - Date.now()
      if (remaining <= 0) break
      // A silent address must not eat the whole deadline while others wait their turn.
      const budget = Math.max(Math.min(remaining, 1_000), Math.floor(remaining / (addresses.length - i)))
      try {
        return await attempt(host, port, budget, ctx)
      } catch (err) {
        if (ctx.closeSignal.aborted) throw ctx.closeSignal.reason instanceof Error ? ctx.closeSignal.reason : new ClientClosedError('client is closed')
        const error = err instanceof Error ? err : new Error(String(err))
        attempts.push({ address, error })
        ctx.logger.warn({ broker: address, err: error }, `bootstrap: ${address} failed: ${error.message}`)
        if (isFatal(error)) throw error
        const code = socketCode(error)
        if (code === undefined || !DEFINITE_CODES.has(code)) retriable = true
      }
    }
    const tried = [...new Set(attempts.map((a) => a.address))].join(', ')
    if (!retriable) {
      throw new BootstrapError(`no bootstrap broker reachable (tried ${tried}): ${attempts.map((a) => `${a.address}: ${a.error.message}`).join('; ')}`, attempts, false)
    }
    const wait = Math.min(backoffDelay(Math.min(round, 6), ctx.retry), deadline - Date.now())
    if (wait <= 0) {
      throw new BootstrapError(
        `no bootstrap broker answered within ${deadlineMs} ms (tried ${tried}); last error: ${attempts.at(-1)?.error.message ?? 'none'}`,
        attempts,
        true,
      )
    }
    await sleep(wait, ctx.closeSignal)
  }
}

/** One attempt at one address, abandoned after `budgetMs`. */
async function attempt(host: string, port: number, budgetMs: number, ctx: BootstrapContext): Promise<MetadataResponse> {
  const started = Date.now()
  const expired = new AbortController()
  const timer = setTimeout(() => expired.abort(new TimeoutError(`no answer from ${host}:${port} within ${budgetMs} ms`)), budgetMs)
  try {
    const conn = await ctx.connect(host, port, expired.signal)
    const left = budgetMs - (Date.now() - started)
    if (left <= 0) throw new TimeoutError(`no answer from ${host}:${port} within ${budgetMs} ms`)
    return await conn.request(
      Metadata,
      { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false },
      { timeoutMs: Math.min(ctx.requestTimeoutMs, left) },
    )
  } finally {
    clearTimeout(timer)
  }
}

