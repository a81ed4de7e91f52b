// SASL/OAUTHBEARER (KIP-255) against Kafka's OIDC validator, fed by a JWKS and a token endpoint
// the test serves on loopback (see oauth-broker.ts), and SASL re-authentication (KIP-368) under
// connections.max.reauth.ms for OAUTHBEARER and PLAIN.
import diagnostics_channel from 'node:diagnostics_channel'
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthenticationError, Client, type ClientOptions, oidcTokenProvider, type PartitionClient } from '../../src/index.js'
import { channelNames, type ConnectionCloseEvent, type RequestEndEvent } from '../../src/client/telemetry/channels.js'
import { uniqueTopic } from './helpers.js'
import { AUDIENCE, CLIENT, PLAIN_USER, startOAuthBroker, type OAuthBroker } from './oauth-broker.js'

let broker: OAuthBroker
let seq = 0

/** Connects a client with a unique id; counts its connections closed and SASL handshakes sent. */
async function connect(sasl: ClientOptions['sasl']): Promise<{ client: Client; closed: () => number; handshakes: () => number }> {
  const clientId = `oauth-test-${process.pid}-${++seq}`
  let closed = 0
  let handshakes = 0
  const onClose = (e: unknown) => {
    if ((e as ConnectionCloseEvent).clientId === clientId) closed++
  }
  const onEnd = (e: unknown) => {
    const ev = e as RequestEndEvent
    if (ev.clientId === clientId && ev.apiName === 'SaslHandshake' && ev.error === undefined) handshakes++
  }
  diagnostics_channel.subscribe(channelNames.connectionClose, onClose)
  diagnostics_channel.subscribe(channelNames.requestEnd, onEnd)
  const client = await Client.connect({ brokers: [broker.sasl], clientId, sasl, retry: { retries: 2 } })
  const close = client.close.bind(client)
  client.close = async () => {
    await close()
    diagnostics_channel.unsubscribe(channelNames.connectionClose, onClose)
    diagnostics_channel.unsubscribe(channelNames.requestEnd, onEnd)
  }
  return { client, closed: () => closed, handshakes: () => handshakes }
}

/** Produces 3 records and fetches them back. */
async function roundTrip(client: Client): Promise<void> {
  const topic = uniqueTopic('oauth')
  await client.createTopic(topic, { partitions: 1 })
  const pc = await client.partitionClient(topic, 0)
  const values = ['one', 'two', 'three']
  expect(await pc.produce(values.map((v) => ({ key: null, value: Buffer.from(v) })))).toEqual([0n, 1n, 2n])
  const { records } = await pc.fetchRecords(0n, { maxWaitMs: 100 })
  expect(records.map((r) => r.value?.toString())).toEqual(values)
}

/**
 * Produces batches of 10 numbered records and fetches each back (fetches on their own
 * connection), until `done()`; then checks every record came back once, in order.
 */
async function produceAndConsumeUntil(pc: PartitionClient, done: () => boolean): Promise<number> {
  let produced = 0
  let next = 0n
  const seen: string[] = []
  while (!done()) {
    const batch = Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(String(produced + i)) }))
    await pc.produce(batch)
    produced += batch.length
    while (next < BigInt(produced)) {
      const { records } = await pc.fetchRecords(next, { maxWaitMs: 200 })
      for (const r of records) seen.push(r.value!.toString())
      if (records.length > 0) next = records[records.length - 1].offset + 1n
    }
  }
  expect(seen).toEqual(Array.from({ length: produced }, (_, i) => String(i)))
  return produced
}

const failure = async (p: Promise<unknown>): Promise<Error> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as Error,
  )
  expect(err, 'should have failed').toBeInstanceOf(Error)
  return err!
}

// The broker is always a local one (it needs the test's identity provider); skip with KAFKA_CONNECT.
describe.skipIf(process.env.KAFKA_CONNECT !== undefined)('SASL/OAUTHBEARER and re-authentication', () => {
  beforeAll(async () => {
    broker = await startOAuthBroker({ reauthMs: 3000 })
  }, 180_000)
  afterAll(async () => {
    await broker?.stop()
  }, 60_000)

  it('the OIDC client-credentials provider authenticates with a signed JWT the broker validates', async () => {
    const issued = broker.tokensIssued()
    const { client } = await connect({
      mechanism: 'OAUTHBEARER',
      token: oidcTokenProvider({ tokenEndpoint: broker.tokenEndpoint, clientId: CLIENT.id, clientSecret: CLIENT.secret, scope: 'kafka' }),
    })
    try {
      await roundTrip(client)
    } finally {
      await client.close()
    }
    // One token for every connection: the provider caches it.
    expect(broker.tokensIssued() - issued).toBe(1)
  })

  it('wrong client secret: AuthenticationError naming the token endpoint and the provider error', async () => {
    const err = await failure(
      Client.connect({
        brokers: [broker.sasl],
        retry: { retries: 0 },
        sasl: { mechanism: 'OAUTHBEARER', token: oidcTokenProvider({ tokenEndpoint: broker.tokenEndpoint, clientId: CLIENT.id, clientSecret: 'wrong' }) },
      }),
    )
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toContain('the token provider failed')
    expect(err.message).toContain('HTTP 401 (invalid_client: bad client credentials)')
    expect(err.message).not.toContain('wrong')
  })

  for (const [what, mint] of [
    ['signed by a key the JWKS does not hold', () => broker.mint({ ttlSeconds: 600, key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey })],
    ['for another audience', () => broker.mint({ ttlSeconds: 600, audience: `not-${AUDIENCE}` })],
    ['already expired', () => broker.mint({ ttlSeconds: -60 })],
  ] as const) {
    it(`a token ${what} is refused with an AuthenticationError`, async () => {
      const token = mint()
      const err = await failure(Client.connect({ brokers: [broker.sasl], retry: { retries: 0 }, sasl: { mechanism: 'OAUTHBEARER', token: () => token } }))
      expect(err).toBeInstanceOf(AuthenticationError)
      expect(err.message).toMatch(/^authentication failed with mechanism OAUTHBEARER on broker 127\.0\.0\.1:\d+: .*invalid_token/)
      expect(err.message).not.toContain(token.value)
    })
  }

  it('OAUTHBEARER: every connection re-authenticates with refreshed tokens while producing and consuming; nothing lost, none closed', async () => {
    // Tokens live 5 s and sessions at most 3 s: re-authentication keeps the connections, and
    // the provider fetches new tokens as the old ones near their end.
    broker.setTokenTtl(5)
    const issued = broker.tokensIssued()
    const provider = oidcTokenProvider({ tokenEndpoint: broker.tokenEndpoint, clientId: CLIENT.id, clientSecret: CLIENT.secret })
    const { client, closed, handshakes } = await connect({ mechanism: 'OAUTHBEARER', token: provider })
    try {
      const topic = uniqueTopic('oauth-reauth')
      await client.createTopic(topic, { partitions: 1 })
      const pc = await client.partitionClient(topic, 0)
      const connections = handshakes()
      // Until several sessions of every connection have been renewed and tokens refreshed.
      const produced = await produceAndConsumeUntil(pc, () => handshakes() - connections >= 6 && broker.tokensIssued() - issued >= 3)
      expect(produced).toBeGreaterThan(0)
      expect(closed()).toBe(0)
    } finally {
      await client.close()
      broker.setTokenTtl(3600)
    }
  })

  it('PLAIN: re-authenticates under connections.max.reauth.ms while producing and consuming; nothing lost, none closed', async () => {
    const { client, closed, handshakes } = await connect({ mechanism: 'PLAIN', ...PLAIN_USER })
    try {
      const topic = uniqueTopic('plain-reauth')
      await client.createTopic(topic, { partitions: 1 })
      const pc = await client.partitionClient(topic, 0)
      const connections = handshakes()
      await produceAndConsumeUntil(pc, () => handshakes() - connections >= 4)
      expect(closed()).toBe(0)
    } finally {
      await client.close()
    }
  })

  it('a token that is never refreshed: once it expires the broker refuses re-authentication, and requests fail with AuthenticationError', async () => {
    const token = broker.mint({ ttlSeconds: 5 })
    const { client, closed } = await connect({ mechanism: 'OAUTHBEARER', token: () => token })
    try {
      const topic = uniqueTopic('oauth-expire')
      await client.createTopic(topic, { partitions: 1 })
      const pc = await client.partitionClient(topic, 0)
      let err: unknown
      let acked = 0
      const others: unknown[] = []
      for (;;) {
        try {
          await pc.produce([{ key: null, value: Buffer.from('x') }])
          acked++
        } catch (e) {
          err = e
          if (e instanceof AuthenticationError) break
          // A produce on its way as the session ended: the broker closes the connection on it.
          others.push(e)
          if (others.length > 3) throw e
        }
      }
      expect(acked).toBeGreaterThan(0)
      expect(Date.now()).toBeGreaterThanOrEqual(token.expiresAtMs)
      expect(err).toBeInstanceOf(AuthenticationError)
      expect((err as Error).message).toContain('OAUTHBEARER')
      expect((err as Error).message).toContain('invalid_token')
      expect(closed()).toBeGreaterThan(0)
    } finally {
      await client.close()
    }
  })
})
