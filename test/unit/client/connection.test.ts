/**
 * Connection framing against bad bytes. A local TCP server plays a misbehaving broker: it
 * answers the ApiVersions handshake by hand, then sends whatever each case needs (absurd frame
 * sizes, partial frames, unknown correlation ids, garbage bodies, frames split or coalesced).
 * Nothing here mocks Kafka semantics: only the bytes on the wire are chosen.
 */
import diagnostics_channel from 'node:diagnostics_channel'
import net from 'node:net'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { Connection, type ConnectionOptions } from '../../../src/client/connection.js'
import { channelNames } from '../../../src/client/telemetry/channels.js'
import { ConnectionError, TimeoutError, UnsupportedVersionError } from '../../../src/client/errors.js'
import { DecodeError, PeridotError } from '../../../src/protocol/errors.js'
import type { ApiDefinition } from '../../../src/protocol/messages/api.js'
import { ApiVersions } from '../../../src/protocol/messages/api-versions.js'
import { Fetch } from '../../../src/protocol/messages/fetch.js'
import { Metadata, type MetadataResponse } from '../../../src/protocol/messages/metadata.js'
import { Reader } from '../../../src/protocol/primitives/reader.js'
import { cat, i16, i32, NO_TAGS, u8 } from '../protocol/messages/bytes.js'

/** What the fake broker learns from a request header (v1 and v2 start alike). */
interface SeenRequest {
  apiKey: number
  apiVersion: number
  correlationId: number
  /** 0 for the first request on the connection (the ApiVersions handshake). */
  index: number
  /** performance.now() when the request frame was complete. */
  at: number
}

type OnRequest = (socket: net.Socket, req: SeenRequest) => void

const servers: net.Server[] = []
const connections: Connection[] = []

afterEach(async () => {
  for (const c of connections.splice(0)) c.close()
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve())
          // Sockets the test left open would keep close() waiting.
          s.emit('peridot:destroy-all')
        }),
    ),
  )
})

/**
 * Starts a server on 127.0.0.1:0 that reassembles request frames and calls `onRequest` for
 * each. By default the first request (ApiVersions) gets a valid answer.
 */
async function fakeBroker(onRequest: OnRequest, opts: { handshake?: boolean } = {}): Promise<number> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    let index = 0
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const size = buf.readInt32BE(0)
        const frame = buf.subarray(4, 4 + size)
        buf = buf.subarray(4 + size)
        const req: SeenRequest = {
          apiKey: frame.readInt16BE(0),
          apiVersion: frame.readInt16BE(2),
          correlationId: frame.readInt32BE(4),
          index: index++,
          at: performance.now(),
        }
        if (req.index === 0 && opts.handshake !== false) {
          expect(req.apiKey).toBe(ApiVersions.apiKey)
          expect(req.apiVersion).toBe(ApiVersions.maxVersion)
          socket.write(apiVersionsResponse(req.correlationId))
        } else {
          onRequest(socket, req)
        }
      }
    })
  })
  server.on('peridot:destroy-all', () => {
    for (const s of sockets) s.destroy()
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

/** Prefixes `payload` with its int32 size. */
const frame = (payload: Buffer): Buffer => cat(i32(payload.length), payload)

/** APIs the fake broker advertises: ApiVersions 0-4 and Metadata 1-12 (no Fetch). */
const ADVERTISED: Array<[apiKey: number, min: number, max: number]> = [
  [ApiVersions.apiKey, 0, 4],
  [Metadata.apiKey, 1, 12],
]

/**
 * A valid ApiVersions v4 response frame: response header v0 (correlation id only) and body
 * error_code [api_keys: api_key min max TAG_BUFFER] throttle_time_ms TAG_BUFFER, compact array.
 */
function apiVersionsResponse(correlationId: number, throttleTimeMs = 0): Buffer {
  const keys = ADVERTISED.map(([k, min, max]) => cat(i16(k), i16(min), i16(max), NO_TAGS))
  return frame(cat(i32(correlationId), i16(0), u8(keys.length + 1), ...keys, i32(throttleTimeMs), NO_TAGS))
}

/**
 * A valid Metadata v12 response frame: response header v1 (correlation id, TAG_BUFFER) and body
 * throttle_time_ms [brokers] cluster_id controller_id [topics] TAG_BUFFER, with no brokers, a
 * null cluster id and no topics; `controllerId` tells responses apart.
 */
function metadataResponse(correlationId: number, controllerId: number, throttleTimeMs = 0): Buffer {
  return frame(cat(i32(correlationId), NO_TAGS, i32(throttleTimeMs), u8(1), u8(0), i32(controllerId), u8(1), NO_TAGS))
}

function options(port: number, over: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    host: '127.0.0.1',
    port,
    clientId: 'connection-test',
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    maxFrameBytes: 1 << 20,
    logger: pino({ level: 'silent' }),
    ...over,
  }
}

async function connect(port: number, over: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const c = await Connection.connect(options(port, over))
  connections.push(c)
  return c
}

/** Awaits a rejection and returns the error (fails the test if `p` resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

/** The connection error itself, or the DecodeError it wraps. */
function expectDecodeFailure(err: unknown): void {
  expect(err).toBeInstanceOf(PeridotError)
  const decode = err instanceof DecodeError ? err : (err as Error).cause
  expect(err instanceof ConnectionError || err instanceof DecodeError).toBe(true)
  expect(decode).toBeInstanceOf(DecodeError)
}

const metadataAll = { topics: [] }

describe('Connection handshake', () => {
  it('connects against a hand-built ApiVersions v4 response and negotiates versions', async () => {
    // The hand-built body decodes as expected with the codec itself.
    const body = apiVersionsResponse(1, 0).subarray(8)
    expect(ApiVersions.decodeResponse(new Reader(body), 4).apiKeys).toHaveLength(2)

    const port = await fakeBroker((s, req) => s.write(metadataResponse(req.correlationId, 7)))
    const c = await connect(port)
    expect(c.version(Metadata)).toBe(12)
    expect(c.supports(Fetch)).toBe(false)
    const res = await c.request(Metadata, metadataAll)
    expect(res.controllerId).toBe(7)
    expect(c.inFlight).toBe(0)
  })

  it.each([
    ['0x7fffffff', 0x7fffffff],
    ['-1', -1],
    ['-2147483648', -0x80000000],
    ['0', 0],
  ])('refuses a response frame size of %s promptly, without waiting for (or allocating) it', async (_name, size) => {
    const port = await fakeBroker((s) => s.write(i32(size)), { handshake: false })
    const started = performance.now()
    const err = await rejection(Connection.connect(options(port, { requestTimeoutMs: 10_000 })))
    expectDecodeFailure(err)
    expect((err as Error).message).toMatch(/frame size/)
    // Well under requestTimeoutMs (10 s): it failed at once rather than waiting; generous for a loaded machine.
    expect(performance.now() - started).toBeLessThan(8_000)
  })

  it('applies the default 100 MiB frame cap when maxFrameBytes is not given', async () => {
    const port = await fakeBroker((s) => s.write(i32(100 * 1024 * 1024 + 1)), { handshake: false })
    const { maxFrameBytes: _omitted, ...rest } = options(port, { requestTimeoutMs: 10_000 })
    expectDecodeFailure(await rejection(Connection.connect(rest)))
  })

  it('fails with ConnectionError when the broker sends part of a frame and closes', async () => {
    const port = await fakeBroker(
      (s, req) => {
        // Size says 20 bytes; only the correlation id and 2 body bytes come.
        s.end(cat(i32(20), i32(req.correlationId), i16(0)))
      },
      { handshake: false },
    )
    const started = performance.now()
    const err = await rejection(Connection.connect(options(port, { requestTimeoutMs: 10_000 })))
    expect(err).toBeInstanceOf(ConnectionError)
    // Well under requestTimeoutMs (10 s): it failed at once rather than waiting; generous for a loaded machine.
    expect(performance.now() - started).toBeLessThan(8_000)
  })

  it('fails with ConnectionError when the broker closes after a partial size prefix', async () => {
    const port = await fakeBroker((s) => s.end(Buffer.from([0, 0])), { handshake: false })
    expect(await rejection(Connection.connect(options(port, { requestTimeoutMs: 10_000 })))).toBeInstanceOf(ConnectionError)
  })

  it('times out with TimeoutError after requestTimeoutMs when the broker never answers', async () => {
    const port = await fakeBroker(() => {}, { handshake: false })
    const started = performance.now()
    const err = await rejection(Connection.connect(options(port, { requestTimeoutMs: 200 })))
    const elapsed = performance.now() - started
    expect(err).toBeInstanceOf(TimeoutError)
    expect(elapsed).toBeGreaterThanOrEqual(190)
    // Not far past the timeout (a generous bound, for a loaded machine).
    expect(elapsed).toBeLessThan(8_000)
  })

  it('fails on a response with an unknown correlation id', async () => {
    const port = await fakeBroker((s, req) => s.write(apiVersionsResponse(req.correlationId + 1000)), { handshake: false })
    const err = await rejection(Connection.connect(options(port)))
    expectDecodeFailure(err)
    expect((err as Error).message).toMatch(/correlation id/)
  })

  it('fails with a typed error on a garbage ApiVersions body', async () => {
    const port = await fakeBroker((s, req) => s.write(frame(cat(i32(req.correlationId), i16(0), u8(0xff)))), { handshake: false })
    expect(await rejection(Connection.connect(options(port)))).toBeInstanceOf(PeridotError)
  })
})

describe('Connection after the handshake', () => {
  it.each([
    ['truncated body', (id: number) => frame(cat(i32(id), NO_TAGS, i32(0), u8(1)))],
    ['no body at all', (id: number) => frame(i32(id))],
    ['absurd array count', (id: number) => frame(cat(i32(id), NO_TAGS, i32(0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])))],
    ['over-long varint', (id: number) => frame(cat(i32(id), NO_TAGS, i32(0), Buffer.alloc(12, 0xff)))],
    ['string longer than the frame', (id: number) => frame(cat(i32(id), NO_TAGS, i32(0), u8(2), i32(1), u8(200), Buffer.from('h')))],
  ])('rejects a Metadata response with a %s with a typed error and closes the connection', async (_name, reply) => {
    const port = await fakeBroker((s, req) => s.write(reply(req.correlationId)))
    const c = await connect(port)
    const err = await rejection(c.request(Metadata, metadataAll))
    expect(err).toBeInstanceOf(PeridotError)
    expect(err).not.toBeInstanceOf(RangeError)
    expect(err).not.toBeInstanceOf(TypeError)
    expect(c.isOpen).toBe(false)
    // Later requests fail fast rather than hang on a stream whose position is lost.
    expect(await rejection(c.request(Metadata, metadataAll))).toBeInstanceOf(ConnectionError)
  })

  it('turns a non-Peridot error thrown by a decoder into a DecodeError', async () => {
    // A codec with a bug: Connection must still hand out typed errors only.
    const buggy: ApiDefinition<null, never> = {
      apiKey: Metadata.apiKey,
      name: 'BuggyMetadata',
      minVersion: 0,
      maxVersion: 0,
      firstFlexibleVersion: 99,
      encodeRequest: () => {},
      decodeResponse: (r) => {
        throw new RangeError(`offset ${r.offset} is out of range`)
      },
    }
    const port = await fakeBroker((s, req) => s.write(frame(i32(req.correlationId))))
    const c = await connect(port)
    const err = await rejection(c.send(buggy, 0, null))
    expect(err).toBeInstanceOf(DecodeError)
    expect((err as Error).cause).toBeInstanceOf(RangeError)
    expect(c.isOpen).toBe(false)
  })

  it('fails every in-flight request when one response does not decode', async () => {
    const port = await fakeBroker((s, req) => {
      if (req.index === 1) s.write(frame(cat(i32(req.correlationId), NO_TAGS, u8(9))))
    })
    const c = await connect(port)
    const [a, b] = await Promise.all([rejection(c.request(Metadata, metadataAll)), rejection(c.request(Metadata, metadataAll))])
    expect(a).toBeInstanceOf(DecodeError)
    expect(b).toBeInstanceOf(ConnectionError)
  })

  it('resolves pipelined requests answered with several frames in one TCP write', async () => {
    const seen: SeenRequest[] = []
    const port = await fakeBroker((s, req) => {
      seen.push(req)
      if (seen.length === 3) s.write(cat(...seen.map((r) => metadataResponse(r.correlationId, 100 + r.index))))
    })
    const c = await connect(port)
    const results = await Promise.all([1, 2, 3].map(() => c.request(Metadata, metadataAll)))
    expect(results.map((r) => r.controllerId)).toEqual([101, 102, 103])
    expect(c.inFlight).toBe(0)
  })

  it('resolves pipelined requests when the answer arrives one byte per write', async () => {
    const seen: SeenRequest[] = []
    const port = await fakeBroker((s, req) => {
      seen.push(req)
      if (seen.length < 3) return
      const bytes = cat(...seen.map((r) => metadataResponse(r.correlationId, 200 + r.index)))
      let i = 0
      // One byte per timer tick, so each arrives as its own TCP segment (Nagle is off).
      s.setNoDelay(true)
      const tick = (): void => {
        if (i >= bytes.length) return
        s.write(bytes.subarray(i, ++i), () => setImmediate(tick))
      }
      tick()
    })
    const c = await connect(port)
    const results = await Promise.all([1, 2, 3].map(() => c.request(Metadata, metadataAll)))
    expect(results.map((r) => r.controllerId)).toEqual([201, 202, 203])
  })

  it('resolves frames that straddle chunk boundaries at every offset', async () => {
    const seen: SeenRequest[] = []
    const port = await fakeBroker((s, req) => {
      seen.push(req)
      if (seen.length < 2) return
      const bytes = cat(...seen.map((r) => metadataResponse(r.correlationId, r.index)))
      // Splits at 3, 7 and 30 bytes: inside a size prefix, inside a header, inside the 2nd frame.
      const cuts = [0, 3, 7, 30, bytes.length]
      s.setNoDelay(true)
      let k = 0
      const next = (): void => {
        if (k >= cuts.length - 1) return
        s.write(bytes.subarray(cuts[k], cuts[k + 1]), () => setTimeout(next, 2))
        k++
      }
      next()
    })
    const c = await connect(port)
    const results = await Promise.all([c.request(Metadata, metadataAll), c.request(Metadata, metadataAll)])
    expect(results.map((r) => r.controllerId)).toEqual([1, 2])
  })

  it('assembles a large frame in place across chunks, and the frame that follows it', async () => {
    const seen: SeenRequest[] = []
    /** Unsigned varint. */
    const uv = (v: number): Buffer => {
      const out: number[] = []
      while (v >= 0x80) {
        out.push((v & 0x7f) | 0x80)
        v >>>= 7
      }
      out.push(v)
      return Buffer.from(out)
    }
    // Metadata v12 with a 200 KB unknown tagged field (skipped by the decoder), then a small frame.
    const big = (cid: number): Buffer =>
      frame(cat(i32(cid), NO_TAGS, i32(0), u8(1), u8(0), i32(7), u8(1), uv(1), uv(99), uv(200_000), Buffer.alloc(200_000, 0xab)))
    const port = await fakeBroker((s, req) => {
      seen.push(req)
      if (seen.length < 2) return
      const bytes = cat(big(seen[0].correlationId), metadataResponse(seen[1].correlationId, 8))
      // Cuts: inside the size prefix, inside the big frame twice, at its end + 3 (inside the next prefix).
      const bigLen = bytes.length - metadataResponse(0, 0).length
      const cuts = [0, 2, 70_000, 150_000, bigLen + 3, bytes.length]
      s.setNoDelay(true)
      let k = 0
      const next = (): void => {
        if (k >= cuts.length - 1) return
        s.write(bytes.subarray(cuts[k], cuts[k + 1]), () => setTimeout(next, 2))
        k++
      }
      next()
    })
    const c = await connect(port)
    const results = await Promise.all([c.request(Metadata, metadataAll), c.request(Metadata, metadataAll)])
    expect(results.map((r) => r.controllerId)).toEqual([7, 8])
    expect(c.isOpen).toBe(true)
  })

  it('delays the next request by the throttle time the broker reported', async () => {
    const THROTTLE_MS = 250
    const seen: SeenRequest[] = []
    const port = await fakeBroker((s, req) => {
      seen.push(req)
      s.write(metadataResponse(req.correlationId, req.index, req.index === 1 ? THROTTLE_MS : 0))
    })
    const c = await connect(port)
    await c.request(Metadata, metadataAll)
    const answeredAt = performance.now()
    await c.request(Metadata, metadataAll)
    expect(seen).toHaveLength(2)
    // Measured at the broker: the request itself was held back, not only its answer.
    expect(seen[1].at - answeredAt).toBeGreaterThanOrEqual(0.8 * THROTTLE_MS)
  })

  it('keeps call order for requests issued while throttled', async () => {
    const THROTTLE_MS = 120
    const seen: SeenRequest[] = []
    const port = await fakeBroker((s, req) => {
      seen.push(req)
      s.write(metadataResponse(req.correlationId, req.index, req.index === 1 ? THROTTLE_MS : 0))
    })
    const c = await connect(port)
    await c.request(Metadata, metadataAll)
    // Issued at different moments inside the throttle window, so their remaining waits differ.
    const pending: Array<Promise<MetadataResponse>> = []
    for (let i = 0; i < 5; i++) {
      pending.push(c.request(Metadata, metadataAll))
      await new Promise((r) => setTimeout(r, 7))
    }
    // Node starts a timer from the event loop's cached clock, so a call made after some
    // synchronous work in the same tick gets a timer that fires earlier than its wait says.
    const spinUntil = Date.now() + 6
    while (Date.now() < spinUntil);
    pending.push(c.request(Metadata, metadataAll))
    const results = await Promise.all(pending)
    expect(results.map((r) => r.controllerId)).toEqual([2, 3, 4, 5, 6, 7])
  })

  it('rejects in-flight requests with ConnectionError on close()', async () => {
    const port = await fakeBroker(() => {})
    const c = await connect(port)
    const inFlight = [c.request(Metadata, metadataAll), c.request(Metadata, metadataAll)]
    const errors = Promise.all(inFlight.map(rejection))
    expect(c.inFlight).toBe(2)
    c.close()
    for (const err of await errors) expect(err).toBeInstanceOf(ConnectionError)
    expect(c.isOpen).toBe(false)
    expect(c.inFlight).toBe(0)
    expect(await rejection(c.request(Metadata, metadataAll))).toBeInstanceOf(ConnectionError)
  })

  it('reports an API the broker lacks as a rejected promise, not a synchronous throw', async () => {
    const port = await fakeBroker(() => {})
    const c = await connect(port)
    let p: Promise<unknown> | undefined
    expect(() => {
      p = c.request(Fetch, { maxWaitMs: 1, minBytes: 1, topics: [] })
    }).not.toThrow()
    expect(await rejection(p!)).toBeInstanceOf(UnsupportedVersionError)
    expect(c.isOpen).toBe(true)
  })

  it('accepts a per-request timeout beyond the 32-bit timer range', async () => {
    const port = await fakeBroker((s, req) => setTimeout(() => s.write(metadataResponse(req.correlationId, 5)), 50))
    const c = await connect(port)
    const res = await c.send(Metadata, 12, metadataAll, { timeoutMs: 2 ** 31 + 1 })
    expect(res.controllerId).toBe(5)
  })
})

describe('Connection diagnostics_channel events', () => {
  /** Subscribes to the connection and request channels for the duration of `body`. */
  async function withEvents(body: (events: Array<[string, Record<string, unknown>]>) => Promise<void>): Promise<void> {
    const events: Array<[string, Record<string, unknown>]> = []
    const names = [channelNames.connectionConnect, channelNames.connectionClose, channelNames.requestStart, channelNames.requestEnd]
    const listeners = names.map((n) => [n, (e: unknown) => void events.push([n, e as Record<string, unknown>])] as const)
    for (const [n, l] of listeners) diagnostics_channel.subscribe(n, l)
    try {
      await body(events)
    } finally {
      for (const [n, l] of listeners) diagnostics_channel.unsubscribe(n, l)
    }
  }

  it('publishes connect, request start/end with api key and latency, a timeout as an error, and close', async () => {
    await withEvents(async (events) => {
      const port = await fakeBroker((s, req) => {
        if (req.correlationId === 2) s.write(metadataResponse(req.correlationId, 5))
      })
      const c = await connect(port)
      await c.send(Metadata, 12, metadataAll)
      const err = await rejection(c.send(Metadata, 12, metadataAll, { timeoutMs: 20 }))
      expect(err).toBeInstanceOf(TimeoutError)
      const address = `127.0.0.1:${port}`
      // The handshake (ApiVersions) is traced as well: events start after the connect event.
      expect(events.map(([n, e]) => `${n} ${String(e.apiName ?? '')} ${String(e.correlationId ?? '')}`)).toEqual([
        'peridot:request:start ApiVersions 1',
        'peridot:request:end ApiVersions 1',
        'peridot:connection:connect  ',
        'peridot:request:start Metadata 2',
        'peridot:request:end Metadata 2',
        'peridot:request:start Metadata 3',
        'peridot:request:end Metadata 3',
        'peridot:connection:close  ',
      ])
      const [, ok] = events[4]!
      expect(ok).toMatchObject({ clientId: 'connection-test', broker: address, apiKey: Metadata.apiKey, apiVersion: 12 })
      expect(ok.error).toBeUndefined()
      expect(ok.durationMs).toBeGreaterThanOrEqual(0)
      expect(events[6]![1].error).toBeInstanceOf(TimeoutError)
      expect(events[7]![1]).toMatchObject({ broker: address })
      expect(events[7]![1].error).toBeInstanceOf(ConnectionError)
    })
  })
})

describe('Connection property: random response bytes', () => {
  /**
   * One broker for all runs: each connection gets a valid handshake, then the bytes of the
   * current run in answer to its Metadata request, then the socket is ended so that a frame
   * cut short surfaces as a closed connection rather than a wait for the request timeout.
   */
  async function randomBroker(): Promise<{ port: number; next: (bytes: Buffer) => void }> {
    let current: Buffer = Buffer.alloc(0)
    const port = await fakeBroker((s) => s.end(current))
    return { port, next: (bytes) => (current = bytes) }
  }

  /** Either a decoded response or a PeridotError: anything else fails the property. */
  async function outcome(c: Connection): Promise<void> {
    try {
      await c.request(Metadata, metadataAll)
    } catch (err) {
      if (!(err instanceof PeridotError)) throw err
    }
  }

  it('random frame bodies with the right correlation id decode or fail with a PeridotError', async () => {
    const broker = await randomBroker()
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 96 }), async (body) => {
        // Correlation id 2: the first request after the handshake on a fresh connection.
        broker.next(frame(cat(i32(2), Buffer.from(body))))
        const c = await connect(broker.port, { requestTimeoutMs: 1_000 })
        await outcome(c)
      }),
      { numRuns: 60 },
    )
  })

  it('fully random bytes after the handshake decode or fail with a PeridotError', async () => {
    const broker = await randomBroker()
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
          // A plausible size prefix, so more runs reach the header and body decoders.
          fc.uint8Array({ maxLength: 64 }).map((b) => frame(Buffer.from(b))),
        ),
        async (bytes) => {
          broker.next(bytes)
          const c = await connect(broker.port, { requestTimeoutMs: 1_000, maxFrameBytes: 1024 })
          await outcome(c)
        },
      ),
      { numRuns: 60 },
    )
  })
})
