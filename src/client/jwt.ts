/**
 * The little of JWT (RFC 7519) an OAuth client needs: sign a compact JWS with node:crypto (for
 * private_key_jwt client assertions) and read the claims of a token without verifying it (for
 * its expiry; the broker verifies).
 */
import { type KeyObject, createPrivateKey, sign as cryptoSign, constants } from 'node:crypto'
import { InvalidArgumentError } from '../protocol/errors.js'

/** JWS algorithms of OAuth client assertions (private_key_jwt). */
export type JwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512'

const DIGEST: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

/** base64url without padding (RFC 7515 section 2). */
export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

/** The algorithm a key signs with by default: RS256 for RSA, ES256/384/512 by curve for EC. */
export function defaultJwtAlgorithm(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return 'RS256'
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (curve === 'secp384r1') return 'ES384'
    if (curve === 'secp521r1') return 'ES512'
    return 'ES256'
  }
  throw new InvalidArgumentError(`a ${String(key.asymmetricKeyType)} key cannot sign a JWT here: use an RSA or EC key`)
}

/** Signs `claims` as a compact JWS with `key` (PEM or KeyObject). */
export function signJwt(claims: Record<string, unknown>, key: KeyObject | string, opts: { algorithm?: JwtAlgorithm; keyId?: string } = {}): string {
  const keyObject = typeof key === 'string' ? createPrivateKey(key) : key
  const alg = opts.algorithm ?? defaultJwtAlgorithm(keyObject)
  const header: Record<string, string> = { alg, typ: 'JWT' }
  if (opts.keyId !== undefined) header.kid = opts.keyId
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`
  const digest = DIGEST[alg.slice(2)]
  const signature =
    alg.startsWith('ES')
      ? cryptoSign(digest, Buffer.from(input), { key: keyObject, dsaEncoding: 'ieee-p1363' })
      : alg.startsWith('PS')
        ? cryptoSign(digest, Buffer.from(input), { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 })
        : cryptoSign(digest, Buffer.from(input), keyObject)
  return `${input}.${base64url(signature)}`
}

/** The claims of a compact JWT, unverified; undefined when `token` is not one. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
