/**
 * SASL authentication of a new connection, run right after ApiVersions:
 *
 *   SaslHandshake v1 (mechanism)  ->  the broker's enabled mechanisms or an error
 *   SaslAuthenticate (v1+)        ->  PLAIN: one round; SCRAM: client-first, client-final;
 *                                     OAUTHBEARER: the token (and, if refused, the error ack)
 *
 * Every failure is an AuthenticationError naming the user and mechanism, never the password or
 * token: the broker's own message is passed on, with the password cut out should it ever echo it.
 * The same exchange re-authenticates a live connection (KIP-368, see reauthentication.ts).
 * Not implemented: legacy raw-frame SASL (SaslHandshake v0 without SaslAuthenticate, Kafka < 1.0).
 */
import type { Logger } from 'pino'
import { kafkaErrorInfo } from '../protocol/errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { ApiDefinition } from '../protocol/messages/api.js'
import { SaslAuthenticate, type SaslAuthenticateResponse } from '../protocol/messages/sasl-authenticate.js'
import { SaslHandshake } from '../protocol/messages/sasl-handshake.js'
import { SaslError } from '../protocol/sasl/errors.js'
import { OAUTHBEARER_ERROR_ACK, oauthBearerInitialResponse, oauthBearerServerError } from '../protocol/sasl/oauthbearer.js'
import { plainInitialResponse } from '../protocol/sasl/plain.js'
import { ScramClient } from '../protocol/sasl/scram.js'
import { AuthenticationError, UnsupportedVersionError } from './errors.js'
import type { SaslCredentials } from './security.js'

/** The part of a Connection the exchange needs (keeps this module free of socket details). */
export interface SaslTransport {
  readonly address: string
  supports(api: ApiDefinition<unknown, unknown>): boolean
  version(api: ApiDefinition<unknown, unknown>): number
  request<Req, Res>(api: ApiDefinition<Req, Res>, request: Req): Promise<Res>
}

/** Outcome of a successful exchange. */
export interface SaslSession {
  mechanism: string
  /** Milliseconds until the broker ends the session; 0 when it never does. */
  sessionLifetimeMs: bigint
}

/**
 * When to re-authenticate a session of `lifetimeMs` (KIP-368): at a random point between 85%
 * and 95% of it, as the Java client does, so a client's connections do not all re-authenticate
 * at once and the exchange ends before the broker's deadline.
 */
export function reauthenticationDelayMs(lifetimeMs: bigint, random: number = Math.random()): number {
  return Math.floor(Number(lifetimeMs) * (0.85 + 0.1 * random))
}

/** Authenticates `conn` with `creds`; throws AuthenticationError (or UnsupportedVersionError for pre-1.0 brokers). */
export async function authenticateSasl(
  conn: SaslTransport,
  creds: SaslCredentials,
  logger?: Logger,
  opts: { /** Re-authenticating a live connection (KIP-368), which changes what the broker's refusals mean. */ reauthentication?: boolean } = {},
): Promise<SaslSession> {
  const { mechanism, username } = creds
  const password = creds.password()
  const who = username === undefined ? '' : ` for user ${JSON.stringify(username)}`
  const fail = (reason: string, cause?: unknown): AuthenticationError => {
    // Defence in depth: whatever the reason text says, the password never leaves this function.
    const safe = password.length > 0 ? reason.split(password).join('***') : reason
    return new AuthenticationError(
      `authentication failed${who} with mechanism ${mechanism} on broker ${conn.address}: ${safe}`,
      cause === undefined ? undefined : { cause },
    )
  }

  if (!conn.supports(SaslHandshake as ApiDefinition<unknown, unknown>) || !conn.supports(SaslAuthenticate as ApiDefinition<unknown, unknown>)) {
    throw new UnsupportedVersionError(
      `broker ${conn.address} does not support SaslAuthenticate (Kafka < 1.0); legacy raw-frame SASL is not implemented`,
    )
  }
  if (conn.version(SaslHandshake as ApiDefinition<unknown, unknown>) < 1) {
    throw new UnsupportedVersionError(`broker ${conn.address} only speaks SaslHandshake v0; legacy raw-frame SASL is not implemented`)
  }

  const hs = await conn.request(SaslHandshake, { mechanism })
  if (hs.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw fail(`the broker does not enable it on this listener (enabled: ${hs.mechanisms.join(', ') || 'none'})`)
  }
  if (hs.errorCode === ErrorCode.ILLEGAL_SASL_STATE) {
    throw fail(
      opts.reauthentication
        ? 'the broker refused to re-authenticate the session (it allows it at most once a second, on listeners with connections.max.reauth.ms)'
        : 'the listener does not expect SASL (is it a PLAINTEXT or SSL listener?)',
    )
  }
  if (hs.errorCode !== 0) throw fail(kafkaErrorInfo(hs.errorCode).message)

  const step = async (authBytes: Buffer): Promise<SaslAuthenticateResponse> => {
    const res = await conn.request(SaslAuthenticate, { authBytes })
    if (res.errorCode !== 0) throw fail(res.errorMessage ?? kafkaErrorInfo(res.errorCode).message)
    return res
  }

  let last: SaslAuthenticateResponse
  try {
    if (mechanism === 'OAUTHBEARER') {
      last = await oauthBearer(conn, creds, step, fail)
    } else if (mechanism === 'PLAIN') {
      last = await step(plainInitialResponse({ username: username!, password }))
    } else {
      const scram = new ScramClient(mechanism, username!, password)
      const serverFirst = await step(scram.first())
      last = await step(scram.final(serverFirst.authBytes))
      scram.verify(last.authBytes)
    }
  } catch (err) {
    if (err instanceof SaslError) throw fail(err.message, err)
    throw err
  }
  if (last.sessionLifetimeMs > 0n) {
    logger?.debug({ broker: conn.address, mechanism, sessionLifetimeMs: Number(last.sessionLifetimeMs) }, 'SASL session has a lifetime: re-authenticating before it ends')
  }
  return { mechanism, sessionLifetimeMs: last.sessionLifetimeMs }
}

/**
 * The OAUTHBEARER rounds: the token from the provider; a non-empty answer is the server's
 * error challenge, acknowledged with %x01 so the server ends the exchange with its error.
 */
async function oauthBearer(
  conn: SaslTransport,
  creds: SaslCredentials,
  step: (authBytes: Buffer) => Promise<SaslAuthenticateResponse>,
  fail: (reason: string, cause?: unknown) => AuthenticationError,
): Promise<SaslAuthenticateResponse> {
  let token
  try {
    token = await creds.tokenProvider()!()
  } catch (err) {
    throw fail(`the token provider failed: ${err instanceof Error ? err.message : String(err)}`, err)
  }
  if (!token || typeof token.value !== 'string') throw fail('the token provider returned no { value, expiresAtMs }')
  const res = await step(oauthBearerInitialResponse(token.value, token.extensions))
  const refusal = oauthBearerServerError(res.authBytes)
  if (refusal === undefined) return res
  // The broker answers the ack with its own error message; the challenge's status completes it.
  const ack = await conn.request(SaslAuthenticate, { authBytes: OAUTHBEARER_ERROR_ACK })
  const message = ack.errorCode !== 0 ? (ack.errorMessage ?? kafkaErrorInfo(ack.errorCode).message) : ''
  // Kafka's message is often the challenge itself; then the challenge's summary says it all.
  throw fail(message === '' || message.startsWith('{') ? `the broker refused the token: ${refusal}` : `${message} (${refusal})`)
}
