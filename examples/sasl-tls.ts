/**
 * Connecting to a secured cluster: SASL/SCRAM over TLS (SASL_SSL), verifying the broker against
 * a private CA, optionally with a client certificate (mutual TLS).
 *
 *   KAFKA_CONNECT=broker.example.com:9093 KAFKA_USER=alice KAFKA_PASSWORD=... \
 *   KAFKA_CA=ca.pem [KAFKA_CERT=client.pem KAFKA_KEY=client.key] npx tsx examples/sasl-tls.ts
 */
import { readFileSync } from 'node:fs'
import { AuthenticationError, Client } from 'peridot-kafka'

const env = (name: string) => process.env[name]
const file = (name: string) => (env(name) ? readFileSync(env(name)!, 'utf8') : undefined)

try {
  const client = await Client.connect({
    brokers: [env('KAFKA_CONNECT') ?? '127.0.0.1:9093'],
    // node:tls options; `ca` replaces the system CAs, cert/key present a client certificate.
    tls: { ca: file('KAFKA_CA'), cert: file('KAFKA_CERT'), key: file('KAFKA_KEY') },
    // PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. The password is never logged or shown by inspect().
    sasl: env('KAFKA_USER')
      ? { mechanism: 'SCRAM-SHA-512', username: env('KAFKA_USER')!, password: env('KAFKA_PASSWORD') ?? '' }
      : undefined,
  })
  console.log('connected; topics:', await client.listTopics())
  await client.close()
} catch (err) {
  // Wrong credentials, an untrusted broker certificate, or a refused client certificate.
  if (err instanceof AuthenticationError) console.error(err.message)
  else throw err
  process.exitCode = 1
}
