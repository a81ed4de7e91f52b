/**
 * An OAUTHBEARER token provider for the OAuth 2 client-credentials grant (RFC 6749 4.4), as
 * OIDC identity providers (Keycloak, Okta, Entra ID, Auth0, ...) serve it: POST to the token
 * endpoint, authenticated with a client secret (HTTP Basic) or a signed JWT assertion
 * (private_key_jwt, RFC 7523). Tokens are cached and fetched again once `refreshWindowFactor`
 * of their lifetime has passed (Java's `sasl.login.refresh.window.factor`), so the
 * re-authentications KIP-368 asks for pick up a fresh token before the old one expires.
 */
import { type KeyObject, createPrivateKey, randomUUID } from 'node:crypto'
import { InvalidArgumentError } from '../protocol/errors.js'
import { AuthenticationError } from './errors.js'
import { type JwtAlgorithm, jwtClaims, signJwt } from './jwt.js'
import type { OAuthBearerToken } from './security.js'

/** Options of {@link oidcTokenProvider}. */
export interface OidcTokenProviderOptions {
  /** The identity provider's token endpoint (http: or https: URL). */
  tokenEndpoint: string
  clientId: string
  /** Client secret, sent with HTTP Basic authentication. Give this or `privateKey`. */
  clientSecret?: string
  /** Private key (PEM or KeyObject) signing a client assertion (private_key_jwt) instead of a secret. */
  privateKey?: string | KeyObject
  /** Algorithm of the client assertion; default RS256 for RSA keys, ES256/384/512 for EC keys by curve. */
  privateKeyAlgorithm?: JwtAlgorithm
  /** `kid` header of the client assertion, when the identity provider needs it to pick the key. */
  privateKeyId?: string
  /** Space-separated scopes to ask for. */
  scope?: string
  /** `audience` parameter some providers (Auth0) need. */
  audience?: string
  /** SASL extensions sent with every token (KIP-342). */
  extensions?: Record<string, string>
  /** Fraction of a token's lifetime after which a new one is fetched (0.5..1, default 0.8). */
  refreshWindowFactor?: number
  /** Timeout of one token request (default 10000 ms). */
  requestTimeoutMs?: number
}

/**
 * Creates a caching client-credentials token provider for `sasl: { mechanism: 'OAUTHBEARER', token }`.
 * Concurrent callers share one request; a failed refresh keeps serving the cached token while it
 * is still valid. Failures are AuthenticationErrors naming the endpoint and the provider's
 * `error` / `error_description`, never the secret or a token.
 */
export function oidcTokenProvider(options: OidcTokenProviderOptions): () => Promise<OAuthBearerToken> {
  const opts = validate(options)
  let cached: { token: OAuthBearerToken; refreshAt: number } | undefined
  let inFlight: Promise<OAuthBearerToken> | undefined

  const refresh = async (): Promise<OAuthBearerToken> => {
    const startedAt = Date.now()
    const token = await requestToken(opts)
    const lifetime = Math.max(0, token.expiresAtMs - startedAt)
    cached = { token, refreshAt: startedAt + lifetime * opts.refreshWindowFactor }
    return token
  }

  return async () => {
    const now = Date.now()
    if (cached && now < cached.refreshAt) return cached.token
    inFlight ??= refresh().finally(() => {
      inFlight = undefined
    })
    const stale = cached?.token
    if (stale && now < stale.expiresAtMs) return inFlight.catch(() => stale)
    return inFlight
  }
}

interface ValidOptions extends OidcTokenProviderOptions {
  url: URL
  key: KeyObject | undefined
  refreshWindowFactor: number
  requestTimeoutMs: number
}

function validate(o: OidcTokenProviderOptions): ValidOptions {
  if (!o || typeof o !== 'object') throw new InvalidArgumentError('oidcTokenProvider needs { tokenEndpoint, clientId, clientSecret | privateKey }')
  let url: URL
  try {
    url = new URL(o.tokenEndpoint)
  } catch {
    throw new InvalidArgumentError(`tokenEndpoint must be an http: or https: URL, got ${JSON.stringify(String(o.tokenEndpoint))}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError(`tokenEndpoint must be an http: or https: URL, got ${url.protocol}`)
  if (typeof o.clientId !== 'string' || o.clientId === '') throw new InvalidArgumentError('clientId must be a non-empty string')
  if ((o.clientSecret === undefined) === (o.privateKey === undefined)) throw new InvalidArgumentError('give exactly one of clientSecret and privateKey')
  if (o.clientSecret !== undefined && typeof o.clientSecret !== 'string') throw new InvalidArgumentError('clientSecret must be a string')
  let key: KeyObject | undefined
  if (o.privateKey !== undefined) {
    try {
      key = typeof o.privateKey === 'string' ? createPrivateKey(o.privateKey) : o.privateKey
    } catch (err) {
      throw new InvalidArgumentError(`privateKey is not a usable private key: ${(err as Error).message}`)
    }
    if (key.type !== 'private') throw new InvalidArgumentError('privateKey must be a private key')
  }
  const refreshWindowFactor = o.refreshWindowFactor ?? 0.8
  if (!(refreshWindowFactor >= 0.5 && refreshWindowFactor <= 1)) throw new InvalidArgumentError(`refreshWindowFactor must be within 0.5..1, got ${refreshWindowFactor}`)
  const requestTimeoutMs = o.requestTimeoutMs ?? 10_000
  if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) throw new InvalidArgumentError(`requestTimeoutMs must be a positive number, got ${requestTimeoutMs}`)
  return { ...o, url, key, refreshWindowFactor, requestTimeoutMs }
}

/** One token request; the expiry comes from `expires_in`, else the token's own `exp` claim. */
async function requestToken(o: ValidOptions): Promise<OAuthBearerToken> {
  const endpoint = `${o.url.origin}${o.url.pathname}`
  const fail = (reason: string, cause?: unknown) =>
    new AuthenticationError(`OAuth token request to ${endpoint} for client ${JSON.stringify(o.clientId)} failed: ${reason}`, cause === undefined ? undefined : { cause })
  const form = new URLSearchParams({ grant_type: 'client_credentials' })
  if (o.scope !== undefined) form.set('scope', o.scope)
  if (o.audience !== undefined) form.set('audience', o.audience)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  if (o.key) {
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: o.clientId, sub: o.clientId, aud: o.url.href, iat: now, exp: now + 300, jti: randomUUID() }
    form.set('client_id', o.clientId)
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    form.set('client_assertion', signJwt(claims, o.key, { algorithm: o.privateKeyAlgorithm, keyId: o.privateKeyId }))
  } else {
    // RFC 6749 2.3.1: id and secret are form-encoded before the Basic encoding.
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret!)}`).toString('base64')}`
  }
  const startedAt = Date.now()
  let res: Response
  try {
    res = await fetch(o.url, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(o.requestTimeoutMs) })
  } catch (err) {
    throw fail(err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${o.requestTimeoutMs} ms` : String((err as Error)?.message ?? err), err)
  }
  const text = await res.text().catch(() => '')
  let body: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed !== null && typeof parsed === 'object') body = parsed as Record<string, unknown>
  } catch {
    // not JSON: reported below by status or missing fields
  }
  if (!res.ok) {
    const detail = [body.error, body.error_description].filter((s) => typeof s === 'string').join(': ')
    throw fail(`HTTP ${res.status}${detail === '' ? '' : ` (${detail})`}`)
  }
  const value = body.access_token
  if (typeof value !== 'string' || value === '') throw fail('the response has no access_token')
  let expiresAtMs: number
  if (typeof body.expires_in === 'number' || (typeof body.expires_in === 'string' && /^\d+$/.test(body.expires_in))) {
    expiresAtMs = startedAt + Number(body.expires_in) * 1000
  } else {
    const exp = jwtClaims(value)?.exp
    if (typeof exp !== 'number') throw fail('the response has no expires_in and the token no exp claim')
    expiresAtMs = exp * 1000
  }
  return o.extensions === undefined ? { value, expiresAtMs } : { value, expiresAtMs, extensions: o.extensions }
}
