import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { clientOptions, CLI_BOOTSTRAP_TIMEOUT_MS, parseConfigFile } from '../../../src/cli/client-config.js'

const dir = mkdtempSync(join(tmpdir(), 'peridot-cli-config-'))
const file = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

describe('CLI client configuration (-X, --config-file)', () => {
  it('plaintext by default, with the CLI bootstrap deadline', async () => {
    expect(await clientOptions({ brokers: 'a:1' }, {})).toEqual({ brokers: ['a:1'], clientId: 'peridot-cli', bootstrapTimeoutMs: CLI_BOOTSTRAP_TIMEOUT_MS })
  })

  it('maps librdkafka TLS and SASL properties, reading the PEM files', async () => {
    const ca = file('ca.pem', 'CA')
    const cert = file('cert.pem', 'CERT')
    const key = file('key.pem', 'KEY')
    const o = await clientOptions(
      {
        property: [
          'security.protocol=SASL_SSL',
          `ssl.ca.location=${ca}`,
          `ssl.certificate.location=${cert}`,
          `ssl.key.location=${key}`,
          'ssl.key.password=pw',
          'sasl.mechanisms=SCRAM-SHA-512',
          'sasl.username=alice',
          'sasl.password=s=cret',
          'request.timeout.ms=5000',
        ],
      },
      { KAFKA_CONNECT: 'k:9' },
    )
    expect(o.brokers).toEqual(['k:9'])
    expect(o.requestTimeoutMs).toBe(5000)
    expect(o.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 's=cret' })
    const tls = o.tls as { ca: Buffer; cert: Buffer; key: Buffer; passphrase: string }
    expect([tls.ca.toString(), tls.cert.toString(), tls.key.toString(), tls.passphrase]).toEqual(['CA', 'CERT', 'KEY', 'pw'])
  })

  it('infers the protocol from the properties given, and the config file comes before -X and flags', async () => {
    const json = file('c.json', JSON.stringify({ 'bootstrap.servers': 'f:1', 'sasl.username': 'u', 'sasl.password': 'p', 'client.id': 'file' }))
    const o = await clientOptions({ 'config-file': json, property: ['client.id=x'] }, {})
    expect(o).toMatchObject({ brokers: ['f:1'], clientId: 'x', sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } })
    expect(o.tls).toBeUndefined()
    const props = file('c.properties', '# kcat -F style\nsecurity.protocol=ssl\nenable.ssl.certificate.verification=false\n')
    const t = await clientOptions({ 'config-file': props, brokers: 'b:2' }, {})
    expect(t).toMatchObject({ brokers: ['b:2'], tls: { rejectUnauthorized: false } })
  })

  it('refuses unknown keys, bad values, and contradictions with the property named', async () => {
    await expect(clientOptions({ property: ['fetch.wait.max.ms=1'] }, {})).rejects.toThrow(/unknown client property "fetch.wait.max.ms"/)
    await expect(clientOptions({ property: ['security.protocol=tls'] }, {})).rejects.toThrow(/security.protocol must be/)
    await expect(clientOptions({ property: ['sasl.mechanism=GSSAPI', 'sasl.username=u', 'sasl.password=p'] }, {})).rejects.toThrow(/sasl.mechanism must be/)
    await expect(clientOptions({ property: ['security.protocol=sasl_plaintext'] }, {})).rejects.toThrow(/needs sasl.username and sasl.password/)
    await expect(clientOptions({ property: ['security.protocol=plaintext', 'ssl.ca.location=x'] }, {})).rejects.toThrow(/ssl.\* properties need/)
    await expect(clientOptions({ property: [`ssl.ca.location=${join(dir, 'missing.pem')}`] }, {})).rejects.toThrow(/ssl.ca.location: cannot read .*ENOENT/)
    await expect(clientOptions({ property: ['request.timeout.ms=soon'] }, {})).rejects.toThrow(/request.timeout.ms must be a positive integer/)
    expect(() => parseConfigFile('{"a": [1]}', 'f.json')).toThrow(/"a" must be a string/)
    expect(() => parseConfigFile('novalue\n', 'f')).toThrow(/f:1: expected key=value/)
  })
})
