/**
 * SASL PLAIN (RFC 4616): the single client message `[authzid] NUL authcid NUL passwd`.
 */
import { SaslError } from './errors.js'

/** Credentials for SASL PLAIN. */
export interface PlainCredentials {
  username: string
  password: string
  /** Identity to act as; empty (the default) to act as `username`. */
  authorizationId?: string
}

/** The PLAIN initial response, to send as SaslAuthenticate auth bytes. */
export function plainInitialResponse(creds: PlainCredentials): Buffer {
  const authzid = creds.authorizationId ?? ''
  // NUL is the field separator: inside a field it would shift the password into another
  // field. Name the field, never its value.
  for (const [field, value] of [
    ['authorization id', authzid],
    ['username', creds.username],
    ['password', creds.password],
  ] as const) {
    if (value.includes('\0')) throw new SaslError(`SASL PLAIN ${field} must not contain NUL`)
  }
  if (creds.username === '') throw new SaslError('SASL PLAIN username must not be empty')
  return Buffer.from(`${authzid}\0${creds.username}\0${creds.password}`, 'utf8')
}
