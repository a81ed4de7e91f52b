/**
 * Client security settings (TLS and SASL) held so that secrets never leak: the SASL password
 * and the TLS options (which may hold a private key and its passphrase) live in private
 * fields, so `util.inspect`, `JSON.stringify` and loggers that serialise the client or its
 * options only ever see the mechanism and the user name.
 */
import tls from 'node:tls'
import { inspect } from 'node:util'
import { InvalidArgumentError } from '../protocol/errors.js'

/** SASL mechanisms that authenticate with a user name and password. */
export type PasswordSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

/** SASL mechanisms Peridot speaks. */
export type SaslMechanism = PasswordSaslMechanism | 'OAUTHBEARER'

const PASSWORD_MECHANISMS: readonly PasswordSaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']
const MECHANISMS: readonly SaslMechanism[] = [...PASSWORD_MECHANISMS, 'OAUTHBEARER']

/** PLAIN or SCRAM settings of {@link ClientOptions.sasl}. */
export interface PasswordSaslOptions {
  mechanism: PasswordSaslMechanism
  username: string
  password: string
}

/** An OAuth 2 bearer token for SASL/OAUTHBEARER, as a {@link OAuthBearerTokenProvider} returns it. */
export interface OAuthBearerToken {
  /** The compact token (usually a JWT). Sent to the broker, never logged. */
  value: string
  /**
   * When the token expires (ms since the epoch). The broker ends the session then at the latest
   * (KIP-368), and the client authenticates again with a fresh token before it does.
   */
  expiresAtMs: number
  /** SASL extensions sent with the token (KIP-342), e.g. Confluent Cloud's `logicalCluster`. */
  extensions?: Record<string, string>
}

/**
 * Returns the token to authenticate with; called at every (re-)authentication of every
 * connection, so it should cache and refresh (see {@link oidcTokenProvider}). A thrown error
 * fails the authentication with an AuthenticationError that has it as its cause.
 */
export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken> | OAuthBearerToken

/** OAUTHBEARER settings of {@link ClientOptions.sasl} (KIP-255). */
export interface OAuthBearerSaslOptions {
  mechanism: 'OAUTHBEARER'
  /** The token provider: a callback of your own, or {@link oidcTokenProvider} for an OIDC client-credentials flow. */
  token: OAuthBearerTokenProvider
}

/** SASL settings of {@link ClientOptions.sasl}: PLAIN, SCRAM-SHA-256/512 or OAUTHBEARER. */
export type SaslOptions = PasswordSaslOptions | OAuthBearerSaslOptions

/** TLS settings: node:tls connect options (ca, cert, key, passphrase, rejectUnauthorized, ...), or true for defaults. */
export type TlsOptions = tls.ConnectionOptions | boolean

/**
 * SASL credentials with the secrets out of sight: the password and the token provider are
 * private fields, readable only through methods, by the authenticator.
 */
export class SaslCredentials {
  readonly mechanism: SaslMechanism
  /** The user (PLAIN, SCRAM); undefined for OAUTHBEARER, whose principal is inside the token. */
  readonly username: string | undefined
  readonly #password: string
  readonly #token: OAuthBearerTokenProvider | undefined

  constructor(options: SaslOptions) {
    if (!options || typeof options !== 'object') {
      throw new InvalidArgumentError('sasl must be { mechanism, username, password } or { mechanism: \'OAUTHBEARER\', token }')
    }
    if (!MECHANISMS.includes(options.mechanism)) {
      throw new InvalidArgumentError(`sasl.mechanism must be one of ${MECHANISMS.join(', ')}, got ${JSON.stringify(String(options.mechanism))}`)
    }
    this.mechanism = options.mechanism
    if (options.mechanism === 'OAUTHBEARER') {
      if (typeof options.token !== 'function') throw new InvalidArgumentError('sasl.token must be a function returning { value, expiresAtMs } for OAUTHBEARER')
      this.username = undefined
      this.#password = ''
      this.#token = options.token
      return
    }
    if (typeof options.username !== 'string' || options.username.length === 0) throw new InvalidArgumentError('sasl.username must be a non-empty string')
    if (typeof options.password !== 'string') throw new InvalidArgumentError('sasl.password must be a string')
    this.username = options.username
    this.#password = options.password
    this.#token = undefined
  }

  /** The password, for the SASL exchange only. A method (not a field) so it is never enumerated. */
  password(): string {
    return this.#password
  }

  /** The OAUTHBEARER token provider, for the SASL exchange only; undefined for other mechanisms. */
  tokenProvider(): OAuthBearerTokenProvider | undefined {
    return this.#token
  }

  toJSON(): { mechanism: SaslMechanism; username?: string } {
    return this.username === undefined ? { mechanism: this.mechanism } : { mechanism: this.mechanism, username: this.username }
  }

  [inspect.custom](): string {
    return `SaslCredentials { mechanism: '${this.mechanism}'${this.username === undefined ? '' : `, username: ${JSON.stringify(this.username)}`} }`
  }
}

/** TLS and SASL of one client; shared by all its connections. */
export class SecurityConfig {
  readonly #tls: TlsOptions | undefined
  readonly sasl: SaslCredentials | undefined

  constructor(options: { tls?: TlsOptions; sasl?: SaslOptions }) {
    this.#tls = options.tls === false || options.tls === undefined ? undefined : sealTls(options.tls)
    this.sasl = options.sasl === undefined ? undefined : new SaslCredentials(options.sasl)
  }

  /** node:tls options for connections, undefined for plain TCP. */
  tls(): TlsOptions | undefined {
    return this.#tls
  }

  /** `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`, as Kafka names it. */
  get protocol(): string {
    if (this.sasl) return this.#tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'
    return this.#tls ? 'SSL' : 'PLAINTEXT'
  }

  toJSON(): { protocol: string; sasl?: { mechanism: SaslMechanism; username?: string } } {
    return this.sasl ? { protocol: this.protocol, sasl: this.sasl.toJSON() } : { protocol: this.protocol }
  }

  [inspect.custom](): string {
    return `SecurityConfig { protocol: '${this.protocol}'${this.sasl ? `, sasl: ${this.sasl[inspect.custom]()}` : ''} }`
  }
}

/** Options that only feed the secure context (key material and trust anchors). */
const CONTEXT_KEYS = ['ca', 'cert', 'key', 'passphrase', 'pfx', 'crl', 'privateKeyEngine', 'privateKeyIdentifier'] as const

/**
 * Turns key material into one shared SecureContext. Node keeps a TLS socket's options (key and
 * passphrase included) on the socket, where inspecting the client would reach them; a prebuilt
 * context keeps them inside OpenSSL, and saves parsing the key again for every connection.
 */
function sealTls(options: TlsOptions): TlsOptions {
  if (typeof options !== 'object' || options.secureContext !== undefined) return options
  if (!CONTEXT_KEYS.some((k) => options[k] !== undefined)) return options
  let secureContext: tls.SecureContext
  try {
    secureContext = tls.createSecureContext(options)
  } catch (err) {
    // OpenSSL's message names the failing step (e.g. a bad PEM or passphrase), never the key.
    throw new InvalidArgumentError(`invalid tls options: ${(err as Error).message}`)
  }
  const rest: tls.ConnectionOptions = { ...options }
  for (const k of CONTEXT_KEYS) delete rest[k]
  return { ...rest, secureContext }
}

/**
 * Puts `tls` and `sasl` on connection options as non-enumerable properties: connections can
 * read them, but inspecting or serialising the options (or a Connection) does not show them.
 */
export function withSecurity<T extends object>(options: T, security: SecurityConfig | undefined): T {
  if (!security) return options
  const tlsOpts = security.tls()
  if (tlsOpts !== undefined) Object.defineProperty(options, 'tls', { value: tlsOpts, enumerable: false, configurable: true, writable: true })
  if (security.sasl) Object.defineProperty(options, 'sasl', { value: security.sasl, enumerable: false, configurable: true, writable: true })
  return options
}

// Node's certificate verification codes (from OpenSSL) that no retry can cure.
const CERT_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/**
 * True for a TLS handshake failure (certificate not trusted, wrong host name, the broker
 * refusing our certificate or its absence): a configuration problem, reported as an
 * AuthenticationError (like Java's SslAuthenticationException) and never retried.
 */
export function isTlsHandshakeError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return CERT_ERROR_CODES.has(code) || code.startsWith('ERR_SSL_')
}
