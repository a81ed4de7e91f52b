/**
 * SASL OAUTHBEARER (RFC 7628, as Kafka speaks it, KIP-255/KIP-342):
 *
 *   client initial response = gs2-header %x01 "auth=Bearer " token %x01 *(key "=" value %x01) %x01
 *   gs2-header              = "n," ["a=" authzid] ","
 *
 * A refusing server answers with a JSON error challenge ({"status":"invalid_token",...}); the
 * client must then send a lone %x01, after which the server fails the exchange. The token is a
 * bearer credential: nothing here formats it into a message.
 */
import { SaslError } from './errors.js'

/** Extension keys: letters only (RFC 7628 3.1); `auth` is the token itself. */
const EXTENSION_KEY = /^[A-Za-z]+$/
/** Extension values: visible ASCII, space, tab, CR, LF (RFC 7628 3.1). */
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]*$/
/** A bearer token (RFC 6750 b64token): what Kafka's server accepts. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** The OAUTHBEARER client initial response, to send as SaslAuthenticate auth bytes. */
export function oauthBearerInitialResponse(token: string, extensions: Readonly<Record<string, string>> = {}, authorizationId = ''): Buffer {
  if (typeof token !== 'string' || !B64TOKEN.test(token)) {
    throw new SaslError('SASL OAUTHBEARER token must be a non-empty bearer token (letters, digits and -._~+/ then optional =)')
  }
  if (authorizationId.includes(',') || authorizationId.includes('=')) throw new SaslError('SASL OAUTHBEARER authorization id must not contain "," or "="')
  let kv = ''
  for (const [key, value] of Object.entries(extensions)) {
    if (!EXTENSION_KEY.test(key) || key === 'auth') throw new SaslError(`SASL OAUTHBEARER extension key ${JSON.stringify(key)} must be letters only and not "auth"`)
    if (typeof value !== 'string' || !EXTENSION_VALUE.test(value)) {
      throw new SaslError(`SASL OAUTHBEARER extension ${key} must be a string of visible ASCII, space, tab, CR or LF`)
    }
    kv += `${key}=${value}\x01`
  }
  const gs2 = authorizationId === '' ? 'n,,' : `n,a=${authorizationId},`
  return Buffer.from(`${gs2}\x01auth=Bearer ${token}\x01${kv}\x01`, 'utf8')
}

/** What a server's error challenge says, e.g. `invalid_token (scope: ...)`; undefined for an empty challenge. */
export function oauthBearerServerError(challenge: Uint8Array): string | undefined {
  if (challenge.length === 0) return undefined
  const text = Buffer.from(challenge).toString('utf8')
  try {
    const json = JSON.parse(text) as { status?: unknown; scope?: unknown; 'openid-configuration'?: unknown }
    const extra = [json.scope === undefined ? '' : `scope: ${String(json.scope)}`, json['openid-configuration'] === undefined ? '' : `openid-configuration: ${String(json['openid-configuration'])}`]
      .filter((s) => s !== '')
      .join(', ')
    return `${String(json.status ?? 'error')}${extra === '' ? '' : ` (${extra})`}`
  } catch {
    return text.length > 200 ? `${text.slice(0, 200)}...` : text
  }
}

/** The lone %x01 a client sends after a server error challenge (RFC 7628 3.2.3). */
export const OAUTHBEARER_ERROR_ACK: Buffer = Buffer.from([0x01])
