// A local broker for OAUTHBEARER tests, with a tiny OAuth identity provider served by the test:
//   http://127.0.0.1:<p>/jwks   the JWKS (one RSA key) the broker validates tokens against
//   http://127.0.0.1:<p>/token  a client-credentials token endpoint (HTTP Basic client auth)
// The broker's SASL listener enables OAUTHBEARER (Kafka's OAuthBearerValidatorCallbackHandler:
// signature, exp, issuer and audience checked, no clock skew allowed) and PLAIN, and ends every
// SASL session after `reauthMs` (connections.max.reauth.ms), so clients must re-authenticate
// (KIP-368). Tokens are real RS256 JWTs signed with node:crypto.
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signJwt } from '../../src/client/jwt.js'
import { DEFAULT_KAFKA_VERSION, findFreePort, startLocalBroker, stopLocalBroker } from '../../src/dev/index.js'

export const ISSUER = 'https://idp.peridot.test'
export const AUDIENCE = 'kafka-broker'
export const CLIENT = { id: 'peridot-app', secret: 'peridot-app-client-secret' }
export const PLAIN_USER = { username: 'alice', password: 'alice-plain-secret' }

/** A running OAuth test broker and its identity provider. */
export interface OAuthBroker {
  kafkaVersion: string
  /** The SASL_PLAINTEXT listener (OAUTHBEARER and PLAIN). */
  sasl: string
  /** The client-credentials token endpoint. */
  tokenEndpoint: string
  /** Session lifetime the broker grants at most (connections.max.reauth.ms). */
  reauthMs: number
  /** Tokens the token endpoint has issued so far. */
  tokensIssued(): number
  /** Lifetime in seconds of the tokens the endpoint issues from now on. */
  setTokenTtl(seconds: number): void
  /** A signed token with the given lifetime (or exp), signed by the JWKS key unless `key` is given. */
  mint(opts: { ttlSeconds: number; key?: KeyObject; audience?: string; subject?: string }): { value: string; expiresAtMs: number }
  stop(): Promise<void>
}

/** Starts the identity provider and then the broker (it fetches the JWKS while starting). */
export async function startOAuthBroker(opts: { reauthMs: number }): Promise<OAuthBroker> {
  const kafkaVersion = process.env.PERIDOT_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = 'peridot-test-key'
  let ttlSeconds = 3600
  let issued = 0

  const mint: OAuthBroker['mint'] = (o) => {
    const now = Math.floor(Date.now() / 1000)
    const exp = now + o.ttlSeconds
    const claims = { iss: ISSUER, aud: o.audience ?? AUDIENCE, sub: o.subject ?? CLIENT.id, iat: now, exp, scope: 'kafka' }
    return { value: signJwt(claims, o.key ?? privateKey, { algorithm: 'RS256', keyId: kid }), expiresAtMs: exp * 1000 }
  }

  const idp: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && req.url === '/jwks') {
      send(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] })
      return
    }
    if (req.method === 'POST' && req.url === '/token') {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        const expected = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`
        if (req.headers.authorization !== expected) return send(401, { error: 'invalid_client', error_description: 'bad client credentials' })
        if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') return send(400, { error: 'unsupported_grant_type' })
        issued++
        const token = mint({ ttlSeconds })
        send(200, { access_token: token.value, token_type: 'Bearer', expires_in: ttlSeconds })
      })
      return
    }
    send(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve))
  const idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`
  const jwksUrl = `${idpUrl}/jwks`

  const dir = await mkdtemp(join(tmpdir(), 'peridot-oauth-'))
  const dataDir = join(dir, 'kafka')
  const ports: number[] = []
  while (ports.length < 3) {
    const p = await findFreePort()
    if (!ports.includes(p)) ports.push(p)
  }
  const [plain, controller, sasl] = ports
  const h = '127.0.0.1'
  const l = 'listener.name.sasl_plaintext'
  const props: Record<string, string> = {
    listeners: `PLAINTEXT://${h}:${plain},SASL_PLAINTEXT://${h}:${sasl},CONTROLLER://${h}:${controller}`,
    'advertised.listeners': `PLAINTEXT://${h}:${plain},SASL_PLAINTEXT://${h}:${sasl}`,
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'sasl.enabled.mechanisms': 'OAUTHBEARER,PLAIN',
    'connections.max.reauth.ms': String(opts.reauthMs),
    [`${l}.oauthbearer.sasl.jaas.config`]: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;',
    [`${l}.oauthbearer.sasl.server.callback.handler.class`]: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
    [`${l}.plain.sasl.jaas.config`]:
      `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER.username}="${PLAIN_USER.password}";`,
    'sasl.oauthbearer.jwks.endpoint.url': jwksUrl,
    'sasl.oauthbearer.expected.audience': AUDIENCE,
    'sasl.oauthbearer.expected.issuer': ISSUER,
    'sasl.oauthbearer.clock.skew.seconds': '0',
  }
  const cleanup = async () => {
    await stopLocalBroker({ dataDir })
    idp.closeAllConnections()
    await new Promise<void>((resolve) => idp.close(() => resolve()))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await startLocalBroker({
      kafkaVersion,
      port: plain,
      controllerPort: controller,
      dataDir,
      heapMb: 384,
      serverProperties: props,
      jvmFlags: [`-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${jwksUrl}`],
    })
  } catch (err) {
    await cleanup()
    throw err
  }
  return {
    kafkaVersion,
    sasl: `${h}:${sasl}`,
    tokenEndpoint: `${idpUrl}/token`,
    reauthMs: opts.reauthMs,
    tokensIssued: () => issued,
    setTokenTtl: (s) => {
      ttlSeconds = s
    },
    mint,
    stop: cleanup,
  }
}
