// The `peridot` command against a secured cluster: TLS and SASL from -X properties and a config
// file (-F), with the secure test broker (a local one: skipped with KAFKA_CONNECT, as security.test.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peridot } from './cli-run.js'
import { uniqueTopic } from './helpers.js'
import { startSecureBroker, USERS, type SecureBroker } from './secure-broker.js'

describe.skipIf(process.env.KAFKA_CONNECT !== undefined)('peridot CLI on a secured cluster', () => {
  let broker: SecureBroker
  let dir: string
  beforeAll(async () => {
    broker = await startSecureBroker()
    dir = await mkdtemp(join(tmpdir(), 'peridot-cli-secure-'))
    for (const [name, pem] of Object.entries(broker.certs)) await writeFile(join(dir, `${name}.pem`), pem)
  }, 180_000)
  afterAll(async () => {
    await broker?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  }, 60_000)

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
