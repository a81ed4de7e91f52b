/**
 * SASL re-authentication of a live connection (KIP-368) against a scripted broker on loopback:
 * it grants short sessions, and records what arrives on each socket. The client must
 * re-authenticate on the same socket before the session ends, never send another request
 * between SaslHandshake and SaslAuthenticate, keep every request answered, and fail the requests
 * waiting behind a refused re-authentication with an AuthenticationError.
 */
import net from 'node:net'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { Connection } from '../../../src/client/connection.js'
import { AuthenticationError } from '../../../src/client/errors.js'
import { SaslCredentials } from '../../../src/client/security.js'
import { ApiVersions } from '../../../src/protocol/messages/api-versions.js'
import { Metadata } from '../../../src/protocol/messages/metadata.js'
import { SaslAuthenticate } from '../../../src/protocol/messages/sasl-authenticate.js'
import { SaslHandshake } from '../../../src/protocol/messages/sasl-handshake.js'
import { cat, i16, i32, i64, NO_TAGS, str, u8 } from '../protocol/messages/bytes.js'

const frame = (payload: Buffer): Buffer => cat(i32(payload.length), payload)

/** ApiVersions v4 answer listing ApiVersions, Metadata, SaslHandshake v1 and SaslAuthenticate v1 (not flexible). */
function apiVersions(correlationId: number): Buffer {
  const apis: Array<[number, number, number]> = [[ApiVersions.apiKey, 0, 4], [Metadata.apiKey, 1, 12], [SaslHandshake.apiKey, 1, 1], [SaslAuthenticate.apiKey, 0, 1]]
  const keys = apis.map(([k, min, max]) => cat(i16(k), i16(min), i16(max), NO_TAGS))
  return frame(cat(i32(correlationId), i16(0), u8(keys.length + 1), ...keys, i32(0), NO_TAGS))
}
const handshake = (correlationId: number): Buffer => frame(cat(i32(correlationId), i16(0), i32(1), str('PLAIN')))
const authenticate = (correlationId: number, errorCode: number, lifetimeMs: bigint): Buffer =>
  frame(cat(i32(correlationId), i16(errorCode), str(errorCode === 0 ? null : 'Authentication failed: Invalid username or password'), i32(0), i64(lifetimeMs)))
const metadata = (correlationId: number): Buffer => frame(cat(i32(correlationId), NO_TAGS, i32(0), u8(1), u8(0), i32(1), u8(1), NO_TAGS))

const servers: net.Server[] = []
const connections: Connection[] = []
afterEach(async () => {
  for (const c of connections.splice(0)) c.close()
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()))
})

/** A broker granting `lifetimeMs` sessions; `refuse(n)` refuses the nth authentication (1-based). */
async function saslBroker(lifetimeMs: bigint, refuse: (n: number) => boolean = () => false): Promise<{ port: number; seen: string[][] }> {
  const seen: string[][] = []
  let auths = 0
  const server = net.createServer((socket) => {
    const log: string[] = []
    seen.push(log)
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const f = buf.subarray(4, 4 + buf.readInt32BE(0))
        buf = buf.subarray(4 + f.length)
        const apiKey = f.readInt16BE(0)
        const id = f.readInt32BE(4)
        if (apiKey === ApiVersions.apiKey) socket.write(apiVersions(id))
        else if (apiKey === SaslHandshake.apiKey) {
          log.push('handshake')
          socket.write(handshake(id))
        } else if (apiKey === SaslAuthenticate.apiKey) {
          log.push('authenticate')
          socket.write(authenticate(id, refuse(++auths) ? 58 : 0, lifetimeMs))
        } else {
          log.push('metadata')
          socket.write(metadata(id))
        }
      }
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as net.AddressInfo).port, seen }
}

async function connect(port: number): Promise<Connection> {
  const c = await Connection.connect({
    host: '127.0.0.1',
    port,
    clientId: 'reauth-test',
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 5_000,
    logger: pino({ level: 'silent' }),
    sasl: new SaslCredentials({ mechanism: 'PLAIN', username: 'alice', password: 'secret' }),
  })
  connections.push(c)
  return c
}

describe('SASL re-authentication (KIP-368)', () => {
  it('re-authenticates on the same socket while requests keep flowing; nothing comes between handshake and authenticate', async () => {
    const broker = await saslBroker(300n)
    const conn = await connect(broker.port)
    let answered = 0
    while (conn.reauthentications < 2) {
      // Several requests in flight at once, all answered.
      await Promise.all([0, 1, 2].map(() => conn.request(Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })))
      answered += 3
    }
    expect(conn.isOpen).toBe(true)
    expect(broker.seen).toHaveLength(1)
    const log = broker.seen[0]
    expect(log.filter((x) => x === 'metadata')).toHaveLength(answered)
    expect(log.filter((x) => x === 'handshake').length).toBeGreaterThanOrEqual(3)
    // Every handshake is followed directly by its authenticate.
    log.forEach((x, i) => {
      if (x === 'handshake') expect(log[i + 1]).toBe('authenticate')
    })
  })

  it('a refused re-authentication closes the connection; requests waiting for it fail with an AuthenticationError', async () => {
    const broker = await saslBroker(300n, (n) => n === 2)
    const conn = await connect(broker.port)
    let err: unknown
    for (;;) {
      try {
        await conn.request(Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
      } catch (e) {
        err = e
        break
      }
    }
    expect(err).toBeInstanceOf(AuthenticationError)
    expect((err as Error).message).toMatch(/^re-authentication of the connection to 127\.0\.0\.1:\d+ failed: authentication failed for user "alice" with mechanism PLAIN/)
    expect((err as Error).message).not.toContain('secret')
    expect(conn.isOpen).toBe(false)
  })
})
