// Client configuration of the `peridot` commands from kcat-style properties: `-X key=value` and a
// config file (`-F`), with librdkafka's names, turned into ClientOptions (TLS files read here).
import { readFile } from 'node:fs/promises'
import type { ClientOptions, PasswordSaslMechanism } from '../index.js'
import { parseBrokers, parseKeyValues } from './args.js'
import { UsageError } from './errors.js'

/** The properties understood, with what each does (shown by `-X list`). */
export const CLIENT_PROPERTIES: Readonly<Record<string, string>> = {
  'bootstrap.servers': 'host:port[,host:port] (as --brokers; metadata.broker.list too)',
  'client.id': 'client id (as --client-id)',
  'security.protocol': 'plaintext, ssl, sasl_plaintext or sasl_ssl (default: ssl when ssl.* is set, sasl_* when sasl.* is)',
  'ssl.ca.location': 'PEM file of the CA(s) that signed the brokers\' certificates',
  'ssl.certificate.location': 'PEM file of the client certificate (mutual TLS)',
  'ssl.key.location': 'PEM file of the client private key',
  'ssl.key.password': 'passphrase of the private key',
  'enable.ssl.certificate.verification': 'false skips verifying the broker certificate (default true)',
  'ssl.endpoint.identification.algorithm': 'none skips the host name check (default https)',
  'sasl.mechanism': 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (sasl.mechanisms too)',
  'sasl.username': 'SASL user',
  'sasl.password': 'SASL password',
  'request.timeout.ms': 'request timeout (default 30000)',
  'socket.connection.setup.timeout.ms': 'connect timeout per broker (default 10000)',
}

const ALIASES: Readonly<Record<string, string>> = { 'metadata.broker.list': 'bootstrap.servers', 'sasl.mechanisms': 'sasl.mechanism' }

/** The CLI's overall bootstrap deadline: shorter than the library's 30 s, a shell user is waiting. */
export const CLI_BOOTSTRAP_TIMEOUT_MS = 10_000

/** The connection flags as parsed by parseCommandArgs. */
export interface ConnectionFlags {
  brokers?: string
  'client-id'?: string
  property?: string[]
  'config-file'?: string
}

/** Parses a config file: a JSON object of properties, or `key=value` lines (`#` comments). */
export function parseConfigFile(text: string, name: string): Map<string, string> {
  const out = new Map<string, string>()
  if (text.trimStart().startsWith('{')) {
    let obj: unknown
    try {
      obj = JSON.parse(text)
    } catch (err) {
      throw new UsageError(`--config-file ${name}: invalid JSON (${(err as Error).message})`)
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UsageError(`--config-file ${name}: expected a JSON object of properties`)
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new UsageError(`--config-file ${name}: "${k}" must be a string, number or boolean`)
      out.set(k, String(v))
    }
    return out
  }
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const eq = line.indexOf('=')
    if (eq <= 0) throw new UsageError(`--config-file ${name}:${i + 1}: expected key=value`)
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim())
  })
  return out
}

function parseBool(key: string, v: string): boolean {
  if (/^(true|1|yes)$/i.test(v)) return true
  if (/^(false|0|no)$/i.test(v)) return false
  throw new UsageError(`${key} must be true or false, got "${v}"`)
}

function parseMs(key: string, v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${key} must be a positive integer (ms), got "${v}"`)
  return n
}

/** Reads a file named by a property, naming the property when it cannot. */
async function readPem(key: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (err) {
    throw new UsageError(`${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/**
 * ClientOptions from the properties (file first, then -X in order; --brokers and --client-id win),
 * checking every key and value; the TLS files are read here.
 */
export async function clientOptionsFromProperties(props: ReadonlyMap<string, string>, flags: Pick<ConnectionFlags, 'brokers' | 'client-id'>, env: NodeJS.ProcessEnv = process.env): Promise<ClientOptions> {
  const p = new Map<string, string>()
  for (const [k, v] of props) {
    const key = ALIASES[k] ?? k
    if (!(key in CLIENT_PROPERTIES)) throw new UsageError(`unknown client property "${k}" (known: ${Object.keys(CLIENT_PROPERTIES).join(', ')})`)
    p.set(key, v)
  }
  const options: ClientOptions = {
    brokers: parseBrokers(flags.brokers ?? p.get('bootstrap.servers'), env),
    clientId: flags['client-id'] ?? p.get('client.id') ?? 'peridot-cli',
    bootstrapTimeoutMs: CLI_BOOTSTRAP_TIMEOUT_MS,
  }
  const requestTimeout = p.get('request.timeout.ms')
  if (requestTimeout !== undefined) options.requestTimeoutMs = parseMs('request.timeout.ms', requestTimeout)
  const connectTimeout = p.get('socket.connection.setup.timeout.ms')
  if (connectTimeout !== undefined) options.connectTimeoutMs = parseMs('socket.connection.setup.timeout.ms', connectTimeout)

  const hasSsl = [...p.keys()].some((k) => k.startsWith('ssl.') || k === 'enable.ssl.certificate.verification')
  const hasSasl = [...p.keys()].some((k) => k.startsWith('sasl.'))
  const protocol = (p.get('security.protocol') ?? (hasSasl ? (hasSsl ? 'sasl_ssl' : 'sasl_plaintext') : hasSsl ? 'ssl' : 'plaintext')).toLowerCase()
  if (!['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'].includes(protocol)) {
    throw new UsageError(`security.protocol must be plaintext, ssl, sasl_plaintext or sasl_ssl, got "${p.get('security.protocol')}"`)
  }
  if (protocol === 'ssl' || protocol === 'sasl_ssl') {
    const tls: Exclude<NonNullable<ClientOptions['tls']>, boolean> = {}
    const ca = p.get('ssl.ca.location')
    if (ca !== undefined) tls.ca = await readPem('ssl.ca.location', ca)
    const cert = p.get('ssl.certificate.location')
    if (cert !== undefined) tls.cert = await readPem('ssl.certificate.location', cert)
    const key = p.get('ssl.key.location')
    if (key !== undefined) tls.key = await readPem('ssl.key.location', key)
    const passphrase = p.get('ssl.key.password')
    if (passphrase !== undefined) tls.passphrase = passphrase
    const verify = p.get('enable.ssl.certificate.verification')
    if (verify !== undefined && !parseBool('enable.ssl.certificate.verification', verify)) tls.rejectUnauthorized = false
    const ident = p.get('ssl.endpoint.identification.algorithm')
    if (ident !== undefined) {
      if (ident.toLowerCase() === 'none' || ident === '') tls.checkServerIdentity = () => undefined
      else if (ident.toLowerCase() !== 'https') throw new UsageError(`ssl.endpoint.identification.algorithm must be https or none, got "${ident}"`)
    }
    options.tls = Object.keys(tls).length > 0 ? tls : true
  } else if (hasSsl) {
    throw new UsageError(`ssl.* properties need security.protocol ssl or sasl_ssl, not ${protocol}`)
  }
  if (protocol.startsWith('sasl_')) {
    const mechanism = (p.get('sasl.mechanism') ?? 'PLAIN').toUpperCase()
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism)) throw new UsageError(`sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got "${p.get('sasl.mechanism')}"`)
    const username = p.get('sasl.username')
    const password = p.get('sasl.password')
    if (!username || password === undefined) throw new UsageError(`security.protocol ${protocol} needs sasl.username and sasl.password`)
    options.sasl = { mechanism: mechanism as PasswordSaslMechanism, username, password }
  } else if (hasSasl) {
    throw new UsageError(`sasl.* properties need security.protocol sasl_plaintext or sasl_ssl, not ${protocol}`)
  }
  return options
}

/** ClientOptions from the connection flags: --config-file, then -X, then --brokers / --client-id. */
export async function clientOptions(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<ClientOptions> {
  const props = new Map<string, string>()
  const file = flags['config-file']
  if (file !== undefined) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      throw new UsageError(`--config-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    for (const [k, v] of parseConfigFile(text, file)) props.set(k, v)
  }
  for (const [k, v] of parseKeyValues('property', flags.property)) props.set(k, v)
  return clientOptionsFromProperties(props, flags, env)
}

/** The text of `-X list`. */
export function propertiesHelp(): string {
  const width = Math.max(...Object.keys(CLIENT_PROPERTIES).map((k) => k.length))
  return Object.entries(CLIENT_PROPERTIES)
    .map(([k, v]) => `${k.padEnd(width)}  ${v}`)
    .join('\n')
}
