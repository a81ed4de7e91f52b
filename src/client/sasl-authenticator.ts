/**
 * SASL authentication of a new connection, run right after ApiVersions:
 *
 *   SaslHandshake v1 (mechanism)  ->  the broker's enabled mechanisms or an error
 *   SaslAuthenticate (v1+)        ->  PLAIN: one round; SCRAM: client-first, client-final
 *
 * Every failure is an AuthenticationError naming the user and mechanism, never the password:
 * the broker's own message is passed on, with the password cut out should it ever echo it.
 * Not implemented: legacy raw-frame SASL (SaslHandshake v0 without SaslAuthenticate, Kafka
 * < 1.0) and re-authentication (KIP-368): when the broker ends a session after its lifetime,
 * the connection closes and the cluster opens (and authenticates) a new one on next use.
 */
import type { Logger } from 'pino'
import { kafkaErrorInfo } from '../protocol/errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { ApiDefinition } from '../protocol/messages/api.js'
import { SaslAuthenticate, type SaslAuthenticateResponse } from '../protocol/messages/sasl-authenticate.js'
import { SaslHandshake } from '../protocol/messages/sasl-handshake.js'
import { SaslError } from '../protocol/sasl/errors.js'
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

/** Authenticates `conn` with `creds`; throws AuthenticationError (or UnsupportedVersionError for pre-1.0 brokers). */
export async function authenticateSasl(conn: SaslTransport, creds: SaslCredentials, logger?: Logger): Promise<SaslSession> {
  const { mechanism, username } = creds
  const password = creds.password()
  const fail = (reason: string, cause?: unknown): AuthenticationError => {
    // Defence in depth: whatever the reason text says, the password never leaves this function.
    const safe = password.length > 0 ? reason.split(password).join('***') : reason
    return new AuthenticationError(
      `authentication failed for user ${JSON.stringify(username)} with mechanism ${mechanism} on broker ${conn.address}: ${safe}`,
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
    throw fail('the listener does not expect SASL (is it a PLAINTEXT or SSL listener?)')
  }
  if (hs.errorCode !== 0) throw fail(kafkaErrorInfo(hs.errorCode).message)

  const step = async (authBytes: Buffer): Promise<SaslAuthenticateResponse> => {
    const res = await conn.request(SaslAuthenticate, { authBytes })
    if (res.errorCode !== 0) throw fail(res.errorMessage ?? kafkaErrorInfo(res.errorCode).message)
    return res
  }

  let last: SaslAuthenticateResponse
  try {
    if (mechanism === 'PLAIN') {
      last = await step(plainInitialResponse({ username, password }))
    } else {
      const scram = new ScramClient(mechanism, username, password)
      const serverFirst = await step(scram.first())
      last = await step(scram.final(serverFirst.authBytes))
      scram.verify(last.authBytes)
    }
  } catch (err) {
    if (err instanceof SaslError) throw fail(err.message, err)
    throw err
  }
  if (last.sessionLifetimeMs > 0n) {
    logger?.debug(
      { broker: conn.address, sessionLifetimeMs: Number(last.sessionLifetimeMs) },
      'SASL session expires; re-authentication is not implemented, the connection will be reopened when the broker closes it',
    )
  }
  return { mechanism, sessionLifetimeMs: last.sessionLifetimeMs }
}
