// SASL (PLAIN, SCRAM-SHA-256/512) and TLS (server verification, mutual TLS) against a second,
// secure local broker started for this file (see secure-broker.ts): the client, the sasl-tls
// example and the peridot command (one secure broker for all of them: each takes a while to start).
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthenticationError, Client, type ClientOptions } from '../../src/index.js'
import { uniqueTopic } from './helpers.js'
import { peridot } from './cli-run.js'
import { runExample } from './run-example.js'
import { startTcpProxy } from './tcp-proxy.js'
import { startSecureBroker, USERS, type SecureBroker } from './secure-broker.js'

let broker: SecureBroker

// The secure broker is always a local one; with KAFKA_CONNECT (an external broker, maybe no Java) skip.
describe.skipIf(process.env.KAFKA_CONNECT !== undefined)('security: SASL and TLS', () => {
  beforeAll(async () => {
    broker = await startSecureBroker()
  }, 180_000)
  afterAll(async () => {
    await broker?.stop()
  }, 60_000)

  /** Connects with `opts`, creates a topic, produces 3 records and fetches them back. */
  async function roundTrip(opts: Omit<ClientOptions, 'retry'>): Promise<void> {
    const client = await Client.connect({ ...opts, retry: { retries: 2 } })
    try {
      const topic = uniqueTopic('sec')
      await client.createTopic(topic, { partitions: 1 })
      const pc = await client.partitionClient(topic, 0)
      const values = ['one', 'two', 'three']
      const offsets = await pc.produce(values.map((v) => ({ key: null, value: Buffer.from(v) })))
      expect(offsets).toEqual([0n, 1n, 2n])
      const { records } = await pc.fetchRecords(0n, { maxWaitMs: 100 })
      expect(records.map((r) => r.value?.toString())).toEqual(values)
    } finally {
      await client.close()
    }
  }

  const fails = async (opts: ClientOptions): Promise<Error> => {
    const err = await Client.connect({ ...opts, retry: { retries: 0 }, connectTimeoutMs: 10_000 }).then(
      async (c) => {
        await c.close()
        return undefined
      },
      (e: unknown) => e as Error,
    )
    expect(err, 'connect should have failed').toBeInstanceOf(Error)
    return err!
  }

  it('SASL/PLAIN: produce and fetch', async () => {
    await roundTrip({ brokers: [broker.saslPlaintext], sasl: { mechanism: 'PLAIN', ...USERS.plain } })
  })

  it('SASL/SCRAM-SHA-256: produce and fetch', async () => {
    await roundTrip({ brokers: [broker.saslPlaintext], sasl: { mechanism: 'SCRAM-SHA-256', ...USERS.scram256 } })
  })

  it('SASL/SCRAM-SHA-512: produce and fetch', async () => {
    await roundTrip({ brokers: [broker.saslPlaintext], sasl: { mechanism: 'SCRAM-SHA-512', ...USERS.scram512 } })
  })

  it('SASL_SSL (SCRAM-SHA-512 over TLS): produce and fetch', async () => {
    await roundTrip({ brokers: [broker.saslSsl], tls: { ca: broker.certs.ca }, sasl: { mechanism: 'SCRAM-SHA-512', ...USERS.scram512 } })
  })

  for (const [mechanism, user] of [
    ['PLAIN', USERS.plain],
    ['SCRAM-SHA-256', USERS.scram256],
    ['SCRAM-SHA-512', USERS.scram512],
  ] as const) {
    it(`wrong password with ${mechanism}: AuthenticationError naming user and mechanism, never the password`, async () => {
      const password = `${user.password}-WRONG-pw-${Math.random().toString(36).slice(2)}`
      const err = await fails({ brokers: [broker.saslPlaintext], sasl: { mechanism, username: user.username, password } })
      expect(err).toBeInstanceOf(AuthenticationError)
      expect(err.message).toContain('authentication failed')
      expect(err.message).toContain(`"${user.username}"`)
      expect(err.message).toContain(mechanism)
      for (const text of [err.message, err.stack ?? '', inspect(err, { depth: Infinity }), String(err.cause ?? '')]) {
        expect(text).not.toContain(password)
      }
    })
  }

  it('a mechanism the user has no credential for fails as AuthenticationError', async () => {
    // alice exists only as a PLAIN user.
    const err = await fails({ brokers: [broker.saslPlaintext], sasl: { mechanism: 'SCRAM-SHA-256', ...USERS.plain } })
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toContain('"alice"')
    expect(err.message).not.toContain(USERS.plain.password)
  })

  it('the password and TLS key never show in inspect() or JSON of the client and its options', async () => {
    const client = await Client.connect({
      brokers: [broker.saslPlaintext],
      sasl: { mechanism: 'SCRAM-SHA-256', ...USERS.scram256 },
    })
    try {
      await client.listTopics() // opens connections, so their options are inspected too
      for (const text of [
        inspect(client),
        inspect(client, { depth: Infinity }),
        inspect(client, { depth: Infinity, showHidden: true }),
        inspect(client.cluster.options, { depth: Infinity, showHidden: true }),
        JSON.stringify(client.cluster.options.security),
      ]) {
        expect(text).not.toContain(USERS.scram256.password)
      }
      expect(inspect(client.cluster.options)).toContain('SASL_PLAINTEXT')
    } finally {
      await client.close()
    }
    const mtls = await Client.connect({
      brokers: [broker.mtls],
      tls: { ca: broker.certs.ca, cert: broker.certs.clientCert, key: broker.certs.clientKey },
    })
    try {
      await mtls.listTopics()
      const keyBody = broker.certs.clientKey.split('\n')[1]
      expect(inspect(mtls, { depth: Infinity })).not.toContain(keyBody)
    } finally {
      await mtls.close()
    }
  })

  it('TLS verifying the broker certificate against the CA: produce and fetch', async () => {
    await roundTrip({ brokers: [broker.ssl], tls: { ca: broker.certs.ca } })
  })

  it('TLS with the wrong CA fails with a clear AuthenticationError', async () => {
    const err = await fails({ brokers: [broker.ssl], tls: { ca: broker.certs.otherCa } })
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: .*certificate/i)
  })

  it('mutual TLS with a client certificate: produce and fetch', async () => {
    await roundTrip({ brokers: [broker.mtls], tls: { ca: broker.certs.ca, cert: broker.certs.clientCert, key: broker.certs.clientKey } })
  })

  it('mutual TLS without a client certificate is refused', async () => {
    const err = await fails({ brokers: [broker.mtls], tls: { ca: broker.certs.ca } })
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed/)
  })
  it('examples/sasl-tls.ts connects with SCRAM over TLS as written, and reports refused credentials', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peridot-example-ca-'))
    const ca = join(dir, 'ca.pem')
    await writeFile(ca, broker.certs.ca)
    const env = { KAFKA_CONNECT: broker.saslSsl, KAFKA_USER: USERS.scram512.username, KAFKA_CA: ca }
    const ok = await runExample('sasl-tls.ts', [], { ...env, KAFKA_PASSWORD: USERS.scram512.password })
    expect(ok.code, ok.output).toBe(0)
    expect(ok.output).toMatch(/^connected; topics:/m)
    const refused = await runExample('sasl-tls.ts', [], { ...env, KAFKA_PASSWORD: 'wrong' })
    expect(refused.code, refused.output).toBe(1)
    expect(refused.output).toMatch(/SCRAM|authentication/i)
  }, 60_000)
  it('authentication and TLS failures are not retried with the default retry settings (one connection each)', async () => {
    const cases: Array<[string, string, Omit<ClientOptions, 'brokers'>]> = [
      ['wrong SCRAM password', broker.saslPlaintext, { sasl: { mechanism: 'SCRAM-SHA-512', username: USERS.scram512.username, password: 'wrong' } }],
      ['untrusted broker certificate', broker.ssl, { tls: { ca: broker.certs.otherCa } }],
    ]
    for (const [what, address, opts] of cases) {
      const [host, port] = address.split(':')
      const proxy = await startTcpProxy({ host, port: Number(port) })
      try {
        // No retry option: the defaults, which retry network errors.
        const err = await Client.connect({ ...opts, brokers: [proxy.address] }).then(
          async (c) => {
            await c.close()
            return undefined
          },
          (e: unknown) => e,
        )
        expect(err, what).toBeInstanceOf(AuthenticationError)
        expect(proxy.accepted, what).toBe(1)
      } finally {
        await proxy.close()
      }
    }
  })

  describe('the peridot command on the secured cluster (-X properties and a -F config file)', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'peridot-cli-secure-'))
      for (const [name, pem] of Object.entries(broker.certs)) await writeFile(join(dir, `${name}.pem`), pem)
    })

    it('SASL_SSL with SCRAM-SHA-512 from -X: create, produce and consume', async () => {
      const topic = uniqueTopic('cli-sasl-ssl')
      const props = ['-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanism=SCRAM-SHA-512', '-X', `sasl.username=${USERS.scram512.username}`]
      props.push('-X', `sasl.password=${USERS.scram512.password}`, '-X', `ssl.ca.location=${join(dir, 'ca.pem')}`, '--brokers', broker.saslSsl)
      expect((await peridot(['topics', 'create', topic, ...props], { noBrokers: true })).code).toBe(0)
      expect((await peridot(['produce', topic, '-q', ...props], { noBrokers: true, input: 'a\nb\n' })).code).toBe(0)
      const consumed = await peridot(['consume', topic, '-q', ...props], { noBrokers: true })
      expect([consumed.code, consumed.stdout]).toEqual([0, 'a\nb\n'])
      // A wrong password is an authentication failure naming the user, in one line, exit 1.
      const wrong = await peridot(['topics', 'list', ...props, '-X', 'sasl.password=nope'], { noBrokers: true })
      expect(wrong.code).toBe(1)
      expect(wrong.stderr).toMatch(/^peridot topics: .*carol[^\n]*\n$/)
    })

    it('mutual TLS from a JSON config file (-F)', async () => {
      const config = join(dir, 'mtls.json')
      await writeFile(
        config,
        JSON.stringify({
          'bootstrap.servers': broker.mtls,
          'security.protocol': 'ssl',
          'ssl.ca.location': join(dir, 'ca.pem'),
          'ssl.certificate.location': join(dir, 'clientCert.pem'),
          'ssl.key.location': join(dir, 'clientKey.pem'),
        }),
      )
      const res = await peridot(['metadata', '-F', config], { noBrokers: true })
      expect(res.stderr).toBe('')
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/^ 1 brokers:$/m)
    })
  })
})
