// A second local broker for security tests: its own data dir and ports, with
//   PLAINTEXT      inter-broker listener (also where the launcher probes readiness)
//   SASL_PLAINTEXT PLAIN + SCRAM-SHA-256/512
//   SASL_SSL       the same mechanisms over TLS (server certificate only)
//   SSL            TLS, server certificate only
//   MTLS           TLS requiring a client certificate (ssl.client.auth=required)
// Certificates (a CA, a broker cert for 127.0.0.1/localhost, a client cert, and a second,
// unrelated CA) are made with openssl into a temp dir at start. Start it in beforeAll and stop
// it in afterAll; it works with Kafka 4.x and 3.9 (PERIDOT_KAFKA_VERSION).
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DEFAULT_KAFKA_VERSION, findFreePort, startLocalBroker, stopLocalBroker, type ScramCredential } from '../../src/dev/index.js'

const exec = promisify(execFile)

/** Users known to the secure broker (PLAIN users in the JAAS config, SCRAM users in the metadata). */
export const USERS = {
  plain: { username: 'alice', password: 'alice-plain-secret' },
  scram256: { username: 'bob', password: 'bob-scram256-secret' },
  scram512: { username: 'carol', password: 'carol-scram512-secret' },
} as const

/** PEM material a test passes to `tls` options. */
export interface TestCerts {
  /** CA that signed the broker and client certificates. */
  ca: string
  /** A CA that signed nothing here: trusting only it must fail verification. */
  otherCa: string
  clientCert: string
  clientKey: string
}

/** A running secure broker. */
export interface SecureBroker {
  kafkaVersion: string
  /** `127.0.0.1:port` of each listener. */
  plaintext: string
  saslPlaintext: string
  saslSsl: string
  ssl: string
  mtls: string
  certs: TestCerts
  dataDir: string
  stop(): Promise<void>
}

/** Runs openssl; fails with its stderr. */
async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await exec('openssl', args, { cwd })
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`)
  }
}

/** Makes a CA, a broker certificate (SAN 127.0.0.1 and localhost), a client certificate and an unrelated CA. */
export async function makeCerts(dir: string): Promise<Record<'ca' | 'otherCa' | 'brokerCert' | 'brokerKey' | 'clientCert' | 'clientKey', string>> {
  try {
    await exec('openssl', ['version'])
  } catch {
    throw new Error('openssl is needed to generate test certificates (apt-get install openssl)')
  }
  const key = (name: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name], dir)
  const ca = async (name: string, cn: string) => {
    await key(`${name}.key`)
    await openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', '2', '-subj', `/CN=${cn}`, '-out', `${name}.crt`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir)
  }
  const leaf = async (name: string, cn: string, ext: string) => {
    await key(`${name}.key`)
    await openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], dir)
    await writeFile(join(dir, `${name}.ext`), ext)
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256',
      '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir)
  }
  await ca('ca', 'peridot-test-ca')
  await ca('other-ca', 'peridot-unrelated-ca')
  await leaf('broker', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n')
  await leaf('client', 'peridot-client', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n')
  const read = (f: string) => readFile(join(dir, f), 'utf8')
  return {
    ca: await read('ca.crt'),
    otherCa: await read('other-ca.crt'),
    brokerCert: await read('broker.crt'),
    brokerKey: await read('broker.key'),
    clientCert: await read('client.crt'),
    clientKey: await read('client.key'),
  }
}

/** Starts the secure broker (Kafka PERIDOT_KAFKA_VERSION or the default) from a fresh temp dir. */
export async function startSecureBroker(): Promise<SecureBroker> {
  const kafkaVersion = process.env.PERIDOT_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION
  const dir = await mkdtemp(join(tmpdir(), 'peridot-secure-'))
  const dataDir = join(dir, 'kafka')
  const pem = await makeCerts(dir)
  await writeFile(join(dir, 'truststore.pem'), pem.ca)

  const ports: number[] = []
  for (let i = 0; i < 6; i++) {
    let p = await findFreePort()
    while (ports.includes(p)) p = await findFreePort()
    ports.push(p)
  }
  const [plain, controller, saslPlain, saslSsl, ssl, mtls] = ports
  const h = '127.0.0.1'
  const listeners = { PLAINTEXT: plain, SASL_PLAINTEXT: saslPlain, SASL_SSL: saslSsl, SSL: ssl, MTLS: mtls }
  const plainJaas =
    'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
    `user_${USERS.plain.username}="${USERS.plain.password}";`
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  const props: Record<string, string> = {
    listeners: [...Object.entries(listeners).map(([n, p]) => `${n}://${h}:${p}`), `CONTROLLER://${h}:${controller}`].join(','),
    'advertised.listeners': Object.entries(listeners).map(([n, p]) => `${n}://${h}:${p}`).join(','),
    'listener.security.protocol.map':
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,MTLS:SSL',
    'inter.broker.listener.name': 'PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    // PEM key store inline (an unencrypted PKCS#8 key needs no password), trust store as a PEM file.
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.certificate.chain': pem.brokerCert.trim(),
    'ssl.keystore.key': pem.brokerKey.trim(),
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': join(dir, 'truststore.pem'),
    'ssl.client.auth': 'none',
    'listener.name.mtls.ssl.client.auth': 'required',
  }
  for (const l of ['sasl_plaintext', 'sasl_ssl']) {
    props[`listener.name.${l}.plain.sasl.jaas.config`] = plainJaas
    props[`listener.name.${l}.scram-sha-256.sasl.jaas.config`] = scramJaas
    props[`listener.name.${l}.scram-sha-512.sasl.jaas.config`] = scramJaas
  }
  const scramCredentials: ScramCredential[] = [
    { mechanism: 'SCRAM-SHA-256', ...USERS.scram256 },
    { mechanism: 'SCRAM-SHA-512', ...USERS.scram512 },
  ]

  const cleanup = async () => {
    await stopLocalBroker({ dataDir })
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await startLocalBroker({
      kafkaVersion,
      port: plain,
      controllerPort: controller,
      dataDir,
      heapMb: 512,
      serverProperties: props,
      scramCredentials,
    })
  } catch (err) {
    await cleanup()
    throw err
  }
  const addr = (p: number) => `${h}:${p}`
  return {
    kafkaVersion,
    plaintext: addr(plain),
    saslPlaintext: addr(saslPlain),
    saslSsl: addr(saslSsl),
    ssl: addr(ssl),
    mtls: addr(mtls),
    certs: { ca: pem.ca, otherCa: pem.otherCa, clientCert: pem.clientCert, clientKey: pem.clientKey },
    dataDir,
    stop: cleanup,
  }
}
