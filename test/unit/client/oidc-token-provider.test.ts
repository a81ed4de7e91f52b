// The OIDC client-credentials token provider against a token endpoint served on loopback:
// client authentication (secret, private_key_jwt), caching and refresh, and its errors.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthenticationError } from '../../../src/client/errors.js'
import { jwtClaims, signJwt } from '../../../src/client/jwt.js'
import { oidcTokenProvider } from '../../../src/client/oidc-token-provider.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'

interface Seen {
  headers: IncomingMessage['headers']
  form: URLSearchParams
}

const servers: Server[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
})

/** A token endpoint answering each request with `answer(n)` (n counts from 1), recording requests. */
async function tokenEndpoint(answer: (n: number) => { status?: number; body: unknown }): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ headers: req.headers, form: new URLSearchParams(body) })
      const a = answer(seen.length)
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' })
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body))
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`, seen }
}

describe('oidcTokenProvider', () => {
  it('client secret: HTTP Basic with form-encoded id and secret, grant_type, scope and audience; expiry from expires_in', async () => {
    const { url, seen } = await tokenEndpoint(() => ({ body: { access_token: 'tok-1', token_type: 'Bearer', expires_in: 600 } }))
    const before = Date.now()
    const provider = oidcTokenProvider({ tokenEndpoint: url, clientId: 'app:1', clientSecret: 's3cret&', scope: 'kafka read', audience: 'aud', extensions: { logicalCluster: 'lkc' } })
    const token = await provider()
    expect(token.value).toBe('tok-1')
    expect(token.extensions).toEqual({ logicalCluster: 'lkc' })
    expect(token.expiresAtMs).toBeGreaterThanOrEqual(before + 600_000)
    expect(token.expiresAtMs).toBeLessThanOrEqual(Date.now() + 600_000)
    expect(seen).toHaveLength(1)
    expect(seen[0].headers.authorization).toBe(`Basic ${Buffer.from('app%3A1:s3cret%26').toString('base64')}`)
    expect(Object.fromEntries(seen[0].form)).toEqual({ grant_type: 'client_credentials', scope: 'kafka read', audience: 'aud' })
  })

  it('caches the token, shares one request between concurrent callers, and fetches anew once the refresh window has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { url, seen } = await tokenEndpoint((n) => ({ body: { access_token: `tok-${n}`, expires_in: 100 } }))
    const provider = oidcTokenProvider({ tokenEndpoint: url, clientId: 'app', clientSecret: 's', refreshWindowFactor: 0.8 })
    const [a, b] = await Promise.all([provider(), provider()])
    expect([a.value, b.value]).toEqual(['tok-1', 'tok-1'])
    vi.setSystemTime(Date.now() + 79_000)
    expect((await provider()).value).toBe('tok-1')
    vi.setSystemTime(Date.now() + 2_000) // past 80% of 100 s
    expect((await provider()).value).toBe('tok-2')
    expect(seen).toHaveLength(2)
  })

  it('a failed refresh keeps serving the cached token while it is valid; an expired one is not served', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { url } = await tokenEndpoint((n) => (n === 1 ? { body: { access_token: 'tok-1', expires_in: 10 } } : { status: 503, body: { error: 'temporarily_unavailable' } }))
    const provider = oidcTokenProvider({ tokenEndpoint: url, clientId: 'app', clientSecret: 's' })
    expect((await provider()).value).toBe('tok-1')
    vi.setSystemTime(Date.now() + 9_000)
    expect((await provider()).value).toBe('tok-1')
    vi.setSystemTime(Date.now() + 2_000)
    await expect(provider()).rejects.toThrow(/HTTP 503 \(temporarily_unavailable\)/)
  })

  it('private_key_jwt: a client assertion signed with the key, for the token endpoint, and no secret', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const { url, seen } = await tokenEndpoint(() => ({ body: { access_token: 'tok', expires_in: 60 } }))
    await oidcTokenProvider({ tokenEndpoint: url, clientId: 'app', privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), privateKeyId: 'k1' })()
    const form = seen[0].form
    expect(seen[0].headers.authorization).toBeUndefined()
    expect(form.get('client_id')).toBe('app')
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    const [h, c, sig] = form.get('client_assertion')!.split('.')
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'k1' })
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>
    expect(claims).toMatchObject({ iss: 'app', sub: 'app', aud: url })
    expect((claims.exp as number) - (claims.iat as number)).toBe(300)
    expect(verify('sha256', Buffer.from(`${h}.${c}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))).toBe(true)
  })

  it('without expires_in, the expiry is the token\'s exp claim', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const jwt = signJwt({ sub: 'app', exp: 2_000_000_000 }, privateKey)
    expect(jwtClaims(jwt)).toEqual({ sub: 'app', exp: 2_000_000_000 })
    const { url } = await tokenEndpoint(() => ({ body: { access_token: jwt } }))
    expect((await oidcTokenProvider({ tokenEndpoint: url, clientId: 'app', clientSecret: 's' })()).expiresAtMs).toBe(2_000_000_000_000)
    expect(createPublicKey(privateKey).asymmetricKeyType).toBe('rsa')
  })

  it('errors are AuthenticationErrors naming endpoint, client and the provider\'s error, never the secret', async () => {
    const { url } = await tokenEndpoint((n) =>
      n === 1 ? { status: 401, body: { error: 'invalid_client', error_description: 'unknown client' } } : n === 2 ? { body: { token_type: 'Bearer' } } : { body: 'garbage' },
    )
    const provider = () => oidcTokenProvider({ tokenEndpoint: url, clientId: 'app', clientSecret: 'the-secret' })()
    const e1 = await provider().catch((e: Error) => e)
    expect(e1).toBeInstanceOf(AuthenticationError)
    expect((e1 as Error).message).toBe(`OAuth token request to ${url} for client "app" failed: HTTP 401 (invalid_client: unknown client)`)
    await expect(provider()).rejects.toThrow(/the response has no access_token/)
    await expect(provider()).rejects.toThrow(/the response has no access_token/)
    const e4 = await oidcTokenProvider({ tokenEndpoint: 'http://127.0.0.1:1/token', clientId: 'app', clientSecret: 'the-secret' })().catch((e: Error) => e)
    expect(e4).toBeInstanceOf(AuthenticationError)
    expect((e4 as Error).message).not.toContain('the-secret')
  })

  it('bad options are InvalidArgumentErrors naming the option', () => {
    const base = { tokenEndpoint: 'https://idp/token', clientId: 'app', clientSecret: 's' }
    expect(() => oidcTokenProvider({ ...base, tokenEndpoint: 'ftp://idp' })).toThrow(InvalidArgumentError)
    expect(() => oidcTokenProvider({ ...base, tokenEndpoint: 'not a url' })).toThrow(/tokenEndpoint/)
    expect(() => oidcTokenProvider({ ...base, clientId: '' })).toThrow(/clientId/)
    expect(() => oidcTokenProvider({ tokenEndpoint: base.tokenEndpoint, clientId: 'app' })).toThrow(/exactly one of clientSecret and privateKey/)
    expect(() => oidcTokenProvider({ ...base, privateKey: 'not a key' })).toThrow(/exactly one/)
    expect(() => oidcTokenProvider({ tokenEndpoint: base.tokenEndpoint, clientId: 'app', privateKey: 'not a key' })).toThrow(/privateKey is not a usable private key/)
    expect(() => oidcTokenProvider({ ...base, refreshWindowFactor: 0.2 })).toThrow(/refreshWindowFactor/)
  })
})
