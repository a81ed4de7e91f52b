// The SASL exchange against a scripted transport, and how security settings hide secrets.
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import type { ApiDefinition } from '../../../src/protocol/messages/api.js'
import { SaslAuthenticate } from '../../../src/protocol/messages/sasl-authenticate.js'
import { SaslHandshake } from '../../../src/protocol/messages/sasl-handshake.js'
import { AuthenticationError, UnsupportedVersionError } from '../../../src/client/errors.js'
import { authenticateSasl, reauthenticationDelayMs, type SaslTransport } from '../../../src/client/sasl-authenticator.js'
import { SaslCredentials, SecurityConfig, isTlsHandshakeError } from '../../../src/client/security.js'

const PASSWORD = 'hunter2-very-secret'

/** A transport answering each request with the next scripted response, recording the requests. */
function transport(responses: unknown[], opts: { handshakeVersion?: number; noAuthenticate?: boolean } = {}) {
  const sent: Array<{ api: string; body: unknown }> = []
  const t: SaslTransport = {
    address: '127.0.0.1:9093',
    supports: (api) => !(opts.noAuthenticate && api.apiKey === SaslAuthenticate.apiKey),
    version: (api) => (api.apiKey === SaslHandshake.apiKey ? (opts.handshakeVersion ?? 1) : 2),
    request: async <Req, Res>(api: ApiDefinition<Req, Res>, body: Req): Promise<Res> => {
      sent.push({ api: api.name, body })
      if (responses.length === 0) throw new Error('unexpected request')
      return responses.shift() as Res
    },
  }
  return { t, sent }
}

const ok = (authBytes = Buffer.alloc(0)) => ({ errorCode: 0, errorMessage: null, authBytes, sessionLifetimeMs: 0n })

describe('authenticateSasl', () => {
  it('PLAIN: handshake, then one SaslAuthenticate carrying NUL user NUL password', async () => {
    const { t, sent } = transport([{ errorCode: 0, mechanisms: ['PLAIN'] }, ok()])
    const creds = new SaslCredentials({ mechanism: 'PLAIN', username: 'alice', password: PASSWORD })
    await expect(authenticateSasl(t, creds)).resolves.toEqual({ mechanism: 'PLAIN', sessionLifetimeMs: 0n })
    expect(sent.map((s) => s.api)).toEqual(['SaslHandshake', 'SaslAuthenticate'])
    expect(sent[0].body).toEqual({ mechanism: 'PLAIN' })
    expect(Buffer.from((sent[1].body as { authBytes: Uint8Array }).authBytes).toString()).toBe(`\0alice\0${PASSWORD}`)
  })

  it('a refused password is an AuthenticationError naming user and mechanism, with any echo of the password cut out', async () => {
    const { t } = transport([
      { errorCode: 0, mechanisms: ['PLAIN'] },
      { ...ok(), errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: `Invalid password ${PASSWORD}` },
    ])
    const err = await authenticateSasl(t, new SaslCredentials({ mechanism: 'PLAIN', username: 'alice', password: PASSWORD })).then(() => new Error('should have failed'), (e: Error) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toMatch(/^authentication failed for user "alice" with mechanism PLAIN on broker 127\.0\.0\.1:9093: Invalid password \*\*\*$/)
    expect(err.stack).not.toContain(PASSWORD)
  })

  it('a mechanism the listener does not enable lists the enabled ones', async () => {
    const { t } = transport([{ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] }])
    const err = await authenticateSasl(t, new SaslCredentials({ mechanism: 'SCRAM-SHA-512', username: 'bob', password: PASSWORD })).then(() => new Error('should have failed'), (e: Error) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toContain('SCRAM-SHA-512')
    expect(err.message).toContain('enabled: PLAIN')
  })

  it('SCRAM: a server that cannot prove it knows the credential is refused', async () => {
    const { t, sent } = transport([])
    const creds = new SaslCredentials({ mechanism: 'SCRAM-SHA-256', username: 'bob', password: PASSWORD })
    // Answer the client-first with a valid server-first extending its nonce, then a wrong signature.
    t.request = async <Req, Res>(api: ApiDefinition<Req, Res>, body: Req): Promise<Res> => {
      sent.push({ api: api.name, body })
      if (api.apiKey === SaslHandshake.apiKey) return { errorCode: 0, mechanisms: ['SCRAM-SHA-256'] } as Res
      const msg = Buffer.from((body as { authBytes: Uint8Array }).authBytes).toString()
      if (msg.startsWith('n,,')) {
        const nonce = /r=([^,]+)/.exec(msg)![1]
        return ok(Buffer.from(`r=${nonce}server,s=${Buffer.from('salt').toString('base64')},i=4096`)) as Res
      }
      return ok(Buffer.from(`v=${Buffer.alloc(32).toString('base64')}`)) as Res
    }
    const err = await authenticateSasl(t, creds).then(() => new Error('should have failed'), (e: Error) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toContain('server signature does not match')
    expect(sent).toHaveLength(3)
    expect(sent.map((s) => inspect(s.body)).join()).not.toContain(PASSWORD)
  })

  it('brokers without SaslAuthenticate (legacy raw frames) get a clear UnsupportedVersionError', async () => {
    const creds = new SaslCredentials({ mechanism: 'PLAIN', username: 'alice', password: PASSWORD })
    await expect(authenticateSasl(transport([], { noAuthenticate: true }).t, creds)).rejects.toBeInstanceOf(UnsupportedVersionError)
    await expect(authenticateSasl(transport([], { handshakeVersion: 0 }).t, creds)).rejects.toThrow(/legacy raw-frame SASL/)
  })
})

describe('security settings', () => {
  it('keep the password and TLS key out of inspect and JSON', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n'
    const sec = new SecurityConfig({ sasl: { mechanism: 'SCRAM-SHA-256', username: 'bob', password: PASSWORD }, tls: { rejectUnauthorized: false } })
    for (const text of [inspect(sec, { showHidden: true, depth: Infinity }), JSON.stringify(sec), inspect(sec.sasl, { showHidden: true })]) {
      expect(text).not.toContain(PASSWORD)
      expect(text).toContain('bob')
    }
    expect(sec.protocol).toBe('SASL_SSL')
    expect(sec.sasl!.password()).toBe(PASSWORD)
    // Bad key material fails at construction, without echoing the key.
    const err = (() => {
      try {
        new SecurityConfig({ tls: { key, cert: 'nope' } })
      } catch (e) {
        return e as Error
      }
    })()
    expect(err?.message).toMatch(/^invalid tls options/)
    expect(err?.message).not.toContain('not-a-real-key')
  })

  it('validate SASL options', () => {
    expect(() => new SaslCredentials({ mechanism: 'GSSAPI' as 'PLAIN', username: 'a', password: 'b' })).toThrow(/PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/)
    expect(() => new SaslCredentials({ mechanism: 'PLAIN', username: '', password: 'b' })).toThrow(/username/)
  })

  it('recognise TLS handshake failures, not network errors', () => {
    expect(isTlsHandshakeError(Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toBe(true)
    expect(isTlsHandshakeError(Object.assign(new Error('x'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }))).toBe(true)
    expect(isTlsHandshakeError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false)
  })
})

describe('authenticateSasl with OAUTHBEARER', () => {
  const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2ln'

  it('sends the provider token once and reports the session lifetime', async () => {
    const { t, sent } = transport([{ errorCode: 0, mechanisms: ['OAUTHBEARER'] }, { ...ok(), sessionLifetimeMs: 3000n }])
    let calls = 0
    const creds = new SaslCredentials({ mechanism: 'OAUTHBEARER', token: () => (calls++, { value: TOKEN, expiresAtMs: Date.now() + 60_000, extensions: { traceId: 'abc' } }) })
    await expect(authenticateSasl(t, creds)).resolves.toEqual({ mechanism: 'OAUTHBEARER', sessionLifetimeMs: 3000n })
    expect(calls).toBe(1)
    expect(sent[0].body).toEqual({ mechanism: 'OAUTHBEARER' })
    expect(Buffer.from((sent[1].body as { authBytes: Uint8Array }).authBytes).toString()).toBe(`n,,\x01auth=Bearer ${TOKEN}\x01traceId=abc\x01\x01`)
  })

  it('a refused token: acknowledges the error challenge, then an AuthenticationError with its status and no token', async () => {
    const { t, sent } = transport([
      { errorCode: 0, mechanisms: ['OAUTHBEARER'] },
      ok(Buffer.from('{"status":"invalid_token"}')),
      { ...ok(), errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER' },
    ])
    const creds = new SaslCredentials({ mechanism: 'OAUTHBEARER', token: async () => ({ value: TOKEN, expiresAtMs: 0 }) })
    const err = await authenticateSasl(t, creds).then(() => new Error('should have failed'), (e: Error) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toBe(
      'authentication failed with mechanism OAUTHBEARER on broker 127.0.0.1:9093: Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER (invalid_token)',
    )
    expect(Buffer.from((sent[2].body as { authBytes: Uint8Array }).authBytes)).toEqual(Buffer.from([1]))
    expect(err.message).not.toContain(TOKEN)
  })

  it('a failing provider is an AuthenticationError with the provider error as cause; nothing is sent', async () => {
    const { t, sent } = transport([{ errorCode: 0, mechanisms: ['OAUTHBEARER'] }])
    const cause = new Error('identity provider down')
    const creds = new SaslCredentials({ mechanism: 'OAUTHBEARER', token: () => Promise.reject(cause) })
    const err = await authenticateSasl(t, creds).then(() => new Error('should have failed'), (e: Error) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toContain('the token provider failed: identity provider down')
    expect(err.cause).toBe(cause)
    expect(sent.map((s) => s.api)).toEqual(['SaslHandshake'])
  })

  it('options: OAUTHBEARER needs a token function; inspect shows no provider', () => {
    expect(() => new SaslCredentials({ mechanism: 'OAUTHBEARER' } as never)).toThrow(/sasl.token must be a function/)
    const creds = new SaslCredentials({ mechanism: 'OAUTHBEARER', token: () => ({ value: TOKEN, expiresAtMs: 0 }) })
    expect(inspect(creds)).toBe("SaslCredentials { mechanism: 'OAUTHBEARER' }")
    expect(JSON.stringify(new SecurityConfig({ sasl: { mechanism: 'OAUTHBEARER', token: () => ({ value: TOKEN, expiresAtMs: 0 }) } }))).toBe(
      '{"protocol":"SASL_PLAINTEXT","sasl":{"mechanism":"OAUTHBEARER"}}',
    )
  })

  it('re-authentication starts at 85-95% of the session lifetime', () => {
    expect(reauthenticationDelayMs(10_000n, 0)).toBe(8500)
    expect(reauthenticationDelayMs(10_000n, 1)).toBe(9500)
  })

  it('a re-authentication the broker refuses (ILLEGAL_SASL_STATE) is explained as such', async () => {
    const { t } = transport([{ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }])
    const creds = new SaslCredentials({ mechanism: 'PLAIN', username: 'alice', password: PASSWORD })
    const err = await authenticateSasl(t, creds, undefined, { reauthentication: true }).then(() => new Error('should have failed'), (e: Error) => e)
    expect(err.message).toContain('refused to re-authenticate')
  })
})
