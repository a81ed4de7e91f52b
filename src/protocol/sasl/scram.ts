/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677), as pure functions plus a small
 * stateful {@link ScramClient}; no I/O. Kafka's flavour: no channel binding (gs2 header
 * `n,,`), no SASLprep of the password (Kafka's server hashes the raw UTF-8 bytes, so
 * preparing it would break non-ASCII passwords), iterations bounded to 4096..16384 like
 * Kafka's own credential store, optional extensions such as `tokenauth=true` (KIP-48).
 *
 *   client-first = "n,," "n=" saslname ",r=" c-nonce ["," extensions]
 *   server-first = "r=" c-nonce s-nonce ",s=" base64(salt) ",i=" iterations ["," ext]
 *   client-final = "c=biws,r=" nonce ",p=" base64(ClientKey XOR HMAC(StoredKey, AuthMessage))
 *   server-final = "v=" base64(HMAC(ServerKey, AuthMessage)) | "e=" error
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import { SaslError } from './errors.js'

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

const HASH: Record<ScramMechanism, { algo: 'sha256' | 'sha512'; size: number }> = {
  'SCRAM-SHA-256': { algo: 'sha256', size: 32 },
  'SCRAM-SHA-512': { algo: 'sha512', size: 64 },
}

/** Kafka's limits for SCRAM iterations; a larger count from a server is a cheap DoS. */
export const SCRAM_MIN_ITERATIONS = 4096
export const SCRAM_MAX_ITERATIONS = 16384

const GS2_HEADER = 'n,,'

/** Escapes a username into a saslname: `=` -> `=3D`, `,` -> `=2C` (RFC 5802 5.1). */
export function saslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

/** A fresh printable nonce (base64 never contains ','). */
export function scramNonce(): string {
  return randomBytes(24).toString('base64')
}

/** The client-first message and the part of it that enters the AuthMessage. */
export interface ScramClientFirst {
  /** The whole message, to send. */
  message: string
  /** Without the gs2 header: `n=...,r=...[,ext]`. */
  bare: string
  nonce: string
}

/** Builds the client-first message. */
export function scramClientFirst(username: string, nonce: string = scramNonce(), extensions: Record<string, string> = {}): ScramClientFirst {
  if (nonce === '' || /[^\x21-\x2b\x2d-\x7e]/.test(nonce)) throw new SaslError('SCRAM nonce must be printable ASCII without ","')
  let bare = `n=${saslName(username)},r=${nonce}`
  for (const [k, v] of Object.entries(extensions)) {
    if (!/^[a-zA-Z0-9]+$/.test(k) || v.includes(',')) throw new SaslError(`SCRAM extension "${k}" is not valid`)
    bare += `,${k}=${v}`
  }
  return { message: GS2_HEADER + bare, bare, nonce }
}

/** The parameters of a server-first message. */
export interface ScramServerFirst {
  /** Client nonce followed by the server's. */
  nonce: string
  salt: Buffer
  iterations: number
}

/** Splits `a=x,b=y` into attributes; values may contain '=' (base64 padding). */
function attributes(message: string, step: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of message.split(',')) {
    const eq = part.indexOf('=')
    if (eq !== 1) throw new SaslError(`malformed SCRAM ${step} message`)
    out.set(part[0], part.slice(2))
  }
  return out
}

/** Parses and checks the server-first message against the client nonce. */
export function parseScramServerFirst(message: string, clientNonce: string): ScramServerFirst {
  const attrs = attributes(message, 'server-first')
  if (attrs.has('e')) throw new SaslError(`SCRAM server error: ${attrs.get('e')}`)
  // "m" is reserved for mandatory extensions this client cannot know (RFC 5802 5.1).
  if (attrs.has('m')) throw new SaslError('SCRAM server-first requires an unsupported mandatory extension')
  const nonce = attrs.get('r')
  const salt = attrs.get('s')
  const iter = attrs.get('i')
  if (nonce === undefined || salt === undefined || iter === undefined) {
    throw new SaslError('SCRAM server-first message lacks r, s or i')
  }
  // The server must extend our nonce; otherwise this may be a replayed exchange.
  if (!nonce.startsWith(clientNonce) || nonce.length <= clientNonce.length) {
    throw new SaslError('SCRAM server nonce does not extend the client nonce')
  }
  if (!/^[0-9]+$/.test(iter)) throw new SaslError('SCRAM iteration count is not a number')
  const iterations = Number(iter)
  if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
    throw new SaslError(`SCRAM iteration count ${iterations} outside ${SCRAM_MIN_ITERATIONS}..${SCRAM_MAX_ITERATIONS}`)
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(salt) || salt.length % 4 !== 0 || salt.length === 0) {
    throw new SaslError('SCRAM salt is not base64')
  }
  return { nonce, salt: Buffer.from(salt, 'base64'), iterations }
}

/**
 * SaltedPassword := Hi(password, salt, i) of RFC 5802 (PBKDF2 with the mechanism's HMAC): what
 * the server stores (with its salt and iteration count) and what the client derives again.
 */
export function scramSaltedPassword(mechanism: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Buffer {
  const h = HASH[mechanism]
  if (h === undefined) throw new SaslError('unknown SCRAM mechanism')
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, h.size, h.algo)
}

/** The client-final message and the server signature it lets us expect. */
export interface ScramClientFinal {
  message: string
  /** What the server-final `v=` must carry. */
  serverSignature: Buffer
}

/** Computes the client-final message (with the proof) from the password and both first messages. */
export function scramClientFinal(
  mechanism: ScramMechanism,
  password: string,
  clientFirstBare: string,
  serverFirstMessage: string,
  serverFirst: ScramServerFirst,
): ScramClientFinal {
  const h = HASH[mechanism]
  if (h === undefined) throw new SaslError('unknown SCRAM mechanism')
  const hmac = (key: Buffer, data: string): Buffer => createHmac(h.algo, key).update(data, 'utf8').digest()
  const salted = scramSaltedPassword(mechanism, password, serverFirst.salt, serverFirst.iterations)
  const clientKey = hmac(salted, 'Client Key')
  const storedKey = createHash(h.algo).update(clientKey).digest()
  const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${serverFirst.nonce}`
  const authMessage = `${clientFirstBare},${serverFirstMessage},${withoutProof}`
  const clientSignature = hmac(storedKey, authMessage)
  const proof = Buffer.alloc(h.size)
  for (let i = 0; i < h.size; i++) proof[i] = clientKey[i] ^ clientSignature[i]
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage)
  return { message: `${withoutProof},p=${proof.toString('base64')}`, serverSignature }
}

/** Checks the server-final message; throws unless it proves the server knows the credential. */
export function verifyScramServerFinal(message: string, expectedServerSignature: Buffer): void {
  const attrs = attributes(message, 'server-final')
  const err = attrs.get('e')
  if (err !== undefined) throw new SaslError(`SCRAM server error: ${err}`)
  const v = attrs.get('v')
  if (v === undefined) throw new SaslError('SCRAM server-final message lacks v')
  const got = Buffer.from(v, 'base64')
  if (got.length !== expectedServerSignature.length || !timingSafeEqual(got, expectedServerSignature)) {
    throw new SaslError('SCRAM server signature does not match: the server could not prove it knows the credential')
  }
}

/** Options of {@link ScramClient}. */
export interface ScramClientOptions {
  /** Client nonce; random by default (set only in tests). */
  nonce?: string
  /** Extensions for the client-first message, e.g. `{ tokenauth: 'true' }` for delegation tokens. */
  extensions?: Record<string, string>
}

/**
 * One SCRAM exchange: `first()`, then `final(serverFirst)`, then `verify(serverFinal)`.
 * The password lives in a private field, so util.inspect and JSON never show it.
 */
export class ScramClient {
  readonly mechanism: ScramMechanism
  readonly #password: string
  readonly #first: ScramClientFirst
  #serverSignature: Buffer | null = null
  #state: 'first' | 'final' | 'verify' | 'done' = 'first'

  constructor(mechanism: ScramMechanism, username: string, password: string, opts: ScramClientOptions = {}) {
    if (HASH[mechanism] === undefined) throw new SaslError('unknown SCRAM mechanism')
    this.mechanism = mechanism
    this.#password = password
    this.#first = scramClientFirst(username, opts.nonce, opts.extensions)
  }

  /** The client-first message bytes. */
  first(): Buffer {
    this.#expect('first')
    this.#state = 'final'
    return Buffer.from(this.#first.message, 'utf8')
  }

  /** Consumes the server-first message and returns the client-final message bytes. */
  final(serverFirst: Uint8Array): Buffer {
    this.#expect('final')
    const text = Buffer.from(serverFirst).toString('utf8')
    const parsed = parseScramServerFirst(text, this.#first.nonce)
    const out = scramClientFinal(this.mechanism, this.#password, this.#first.bare, text, parsed)
    this.#serverSignature = out.serverSignature
    this.#state = 'verify'
    return Buffer.from(out.message, 'utf8')
  }

  /** Checks the server-final message; throws a SaslError unless the server is authentic. */
  verify(serverFinal: Uint8Array): void {
    this.#expect('verify')
    verifyScramServerFinal(Buffer.from(serverFinal).toString('utf8'), this.#serverSignature!)
    this.#state = 'done'
  }

  // A step only advances the state once it succeeded, so a failed step can't be skipped past.
  #expect(step: 'first' | 'final' | 'verify'): void {
    if (this.#state !== step) throw new SaslError(`SCRAM step ${step} called out of order (at ${this.#state})`)
  }

  toString(): string {
    return `ScramClient(${this.mechanism})`
  }
}
