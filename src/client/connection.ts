/**
 * One TCP (or TLS) connection to one broker: size-prefixed framing with a cap,
 * correlation ids, pipelined in-flight requests, per-request timeouts, broker
 * throttling, and API version negotiation (ApiVersions first).
 */
import net from 'node:net'
import tls from 'node:tls'
import type { Logger } from 'pino'
import { DecodeError, KafkaProtocolError, PeridotError } from '../protocol/errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { ApiDefinition } from '../protocol/messages/api.js'
import { ApiVersions } from '../protocol/messages/api-versions.js'
import {
  decodeResponseHeader,
  encodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../protocol/messages/header.js'
import { Reader } from '../protocol/primitives/reader.js'
import { Writer } from '../protocol/primitives/writer.js'
import { AuthenticationError, ClientClosedError, ConnectionError, TimeoutError, UnsupportedVersionError } from './errors.js'
import { authenticateSasl, reauthenticationDelayMs } from './sasl-authenticator.js'
import { isTlsHandshakeError, type SaslCredentials } from './security.js'
import { channels, type ConnectionCloseEvent, type ConnectionConnectEvent, type RequestEndEvent, type RequestStartEvent } from './telemetry/channels.js'

/** Why an attempt was abandoned: the signal's reason when it is one of ours, else a ConnectionError. */
function abortReason(signal: AbortSignal, message: string): Error {
  const reason: unknown = signal.reason
  return reason instanceof PeridotError ? reason : new ConnectionError(message, { requestMayHaveBeenSent: false })
}

/** Options of one broker connection. */
export interface ConnectionOptions {
  host: string
  port: number
  clientId: string
  /** TLS options; plain TCP when absent. */
  tls?: tls.ConnectionOptions | boolean
  /** SASL credentials: authenticate right after ApiVersions (see sasl-authenticator.ts). */
  sasl?: SaslCredentials
  connectTimeoutMs: number
  requestTimeoutMs: number
  /** Largest response frame accepted, in bytes (default 100 MiB). */
  maxFrameBytes?: number
  logger: Logger
}

/** Default cap on one response frame: a larger size prefix is refused before any allocation. */
const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024

/** Frames at least this large are assembled in place as they arrive (smaller ones: copied at the end if split). */
const ASSEMBLE_MIN_BYTES = 64 * 1024

/** Brokers refuse a re-authentication sooner than 1 s after the previous one started (KIP-368); a margin on top. */
const MIN_REAUTH_INTERVAL_MS = 1100

/** How long before the estimated end of a SASL session requests already wait for its re-authentication. */
const SESSION_END_MARGIN_MS = 500

/** setTimeout's limit: a longer delay fires after 1 ms instead (with only a warning). */
const MAX_TIMER_MS = 0x7fffffff

interface Pending {
  api: ApiDefinition<unknown, unknown>
  version: number
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout | undefined
  /** Set only while someone listens on `peridot:request:end`. */
  trace?: RequestStartEvent & { startedAt: number }
}

/** Per-request options. */
export interface RequestOptions {
  /** Overrides the connection's request timeout (e.g. fetch adds maxWaitMs). */
  timeoutMs?: number
  /** acks=0 produce: the broker sends no response. */
  expectResponse?: boolean
  /**
   * Expected size of the encoded request in bytes, so its buffer is allocated once (default 256;
   * it grows when short). Large record batches are sent by reference and need not be counted.
   */
  sizeHint?: number
}

/**
 * One broker connection. Open with {@link Connection.connect}; every failure surfaces as a
 * typed PeridotError (ConnectionError, TimeoutError, DecodeError, KafkaProtocolError, ...).
 */
export class Connection {
  private socket: net.Socket | undefined
  private nextCorrelationId = 1
  private readonly pending = new Map<number, Pending>()
  private chunks: Buffer[] = []
  private buffered = 0
  private nextFrameSize = -1
  /** A large frame being received: allocated from its size prefix, filled as chunks arrive. */
  private partialFrame: Buffer | undefined
  private partialAt = 0
  private closedError: Error | undefined
  private throttledUntil = 0
  /** Shared by every request waiting out a throttle, so they leave in call order. */
  private throttleGate: Promise<void> | undefined
  private versions = new Map<number, { min: number; max: number }>()
  /** Finalized feature levels from ApiVersions (KIP-584). */
  private readonly features = new Map<string, number>()
  /**
   * Set while the connection re-authenticates (KIP-368): other requests wait for it, since the
   * broker takes nothing else between SaslHandshake and the last SaslAuthenticate. It stays set,
   * rejected, after a failed re-authentication so later requests get its AuthenticationError.
   */
  private authGate: Promise<void> | undefined
  private reauthTimer: NodeJS.Timeout | undefined
  private reauthCount = 0
  /** When the broker ends the SASL session (estimated early); undefined when it never does. */
  private sessionExpiresAt: number | undefined
  /** No re-authentication may start before this time (brokers allow one per second). */
  private reauthNotBefore = 0

  private readonly maxFrameBytes: number
  /** Cap on a size hint, so a wrong hint cannot allocate absurd buffers (the Writer grows past it). */
  private readonly maxRequestBuffer = 64 << 20

  private constructor(readonly options: ConnectionOptions) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  }

  /** `host:port` of the broker. */
  get address(): string {
    return `${this.options.host}:${this.options.port}`
  }

  /** False once the socket failed, timed out, received bad bytes or was closed. */
  get isOpen(): boolean {
    return this.socket !== undefined && this.closedError === undefined
  }

  /**
   * Opens a connection and negotiates API versions. `signal` abandons the attempt (client closed,
   * bootstrap deadline): the socket is destroyed and the promise rejects with the signal's reason
   * when it is a PeridotError, else a ConnectionError.
   */
  static async connect(options: ConnectionOptions, signal?: AbortSignal): Promise<Connection> {
    const conn = new Connection(options)
    await conn.open(signal)
    const onAbort = () => conn.fail(abortReason(signal!, `connecting to ${conn.address} was abandoned`))
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (signal?.aborted) onAbort()
      await conn.negotiateVersions()
      if (options.sasl) {
        const startedAt = Date.now()
        const session = await authenticateSasl(conn, options.sasl, options.logger)
        conn.sessionStarted(startedAt, session.sessionLifetimeMs, false)
      }
    } catch (err) {
      signal?.removeEventListener('abort', onAbort)
      conn.close()
      // TLS 1.3 reports the broker refusing our certificate (or its absence) only after the
      // handshake, as an alert on the first read: it surfaces here, not in open().
      const cause = err instanceof ConnectionError ? (err.cause as { cause?: unknown } | undefined) : undefined
      const tlsErr = [cause, cause?.cause].find(isTlsHandshakeError)
      if (tlsErr) throw new AuthenticationError(`TLS handshake with ${conn.address} failed: ${tlsErr.message}`, { cause: tlsErr })
      throw signal?.aborted ? abortReason(signal, `connecting to ${conn.address} was abandoned`) : err
    }
    signal?.removeEventListener('abort', onAbort)
    if (channels.connectionConnect.hasSubscribers) channels.connectionConnect.publish({ clientId: options.clientId, broker: conn.address } satisfies ConnectionConnectEvent)
    return conn
  }

  private open(signal?: AbortSignal): Promise<void> {
    const { host, port, connectTimeoutMs } = this.options
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal, `connecting to ${host}:${port} was abandoned`))
      const useTls = this.options.tls !== undefined && this.options.tls !== false
      const tlsOpts = typeof this.options.tls === 'object' ? this.options.tls : {}
      const socket = useTls
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...tlsOpts })
        : net.connect({ host, port })
      socket.setNoDelay(true)
      const onAbort = () => {
        clearTimeout(timer)
        socket.destroy()
        reject(abortReason(signal!, `connecting to ${host}:${port} was abandoned`))
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        socket.destroy()
        reject(new TimeoutError(`connecting to ${host}:${port} timed out after ${connectTimeoutMs} ms`))
      }, connectTimeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      const onError = (err: Error) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        if (useTls && isTlsHandshakeError(err)) {
          reject(new AuthenticationError(`TLS handshake with ${host}:${port} failed: ${err.message}`, { cause: err }))
          return
        }
        reject(new ConnectionError(`cannot connect to ${host}:${port}: ${err.message}`, { cause: err, requestMayHaveBeenSent: false }))
      }
      socket.once('error', onError)
      socket.once(useTls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        socket.off('error', onError)
        this.socket = socket
        socket.on('data', (chunk: Buffer) => this.onData(chunk))
        socket.on('error', (err) => this.fail(new ConnectionError(`connection to ${this.address} failed: ${err.message}`, { cause: err })))
        socket.on('close', () => this.fail(new ConnectionError(`connection to ${this.address} closed`)))
        resolve()
      })
    })
  }

  private async negotiateVersions(): Promise<void> {
    // Ask with our highest version; a broker that does not know it answers
    // UNSUPPORTED_VERSION with a v0 body listing its own range (KIP-511), and we ask again at
    // the highest ApiVersions version it lists, as the Java client does (v0 when it lists none).
    const request = { clientSoftwareName: 'peridot', clientSoftwareVersion: '0.1.0' }
    let res = await this.send(ApiVersions, ApiVersions.maxVersion, request)
    if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const theirs = res.apiKeys.find((k) => k.apiKey === ApiVersions.apiKey)?.maxVersion ?? 0
      res = await this.send(ApiVersions, Math.max(0, Math.min(theirs, ApiVersions.maxVersion - 1)), request)
    }
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `ApiVersions from ${this.address}`)
    for (const k of res.apiKeys) this.versions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion })
    if (res.finalizedFeaturesEpoch >= 0n) for (const f of res.finalizedFeatures) this.features.set(f.name, f.maxVersionLevel)
  }

  /**
   * The cluster-wide finalized level of a feature (KIP-584), e.g. `transaction.version`, as this
   * broker reported it when the connection opened; 0 when it is not finalized (or the broker
   * predates ApiVersions v3).
   */
  featureLevel(name: string): number {
    return this.features.get(name) ?? 0
  }

  /** The highest version of `api` that both sides support (and at most `atMost`, for versions that change semantics). */
  version(api: ApiDefinition<unknown, unknown>, atMost: number = api.maxVersion): number {
    const broker = this.versions.get(api.apiKey)
    if (!broker) throw new UnsupportedVersionError(`broker ${this.address} does not support ${api.name}`)
    const v = Math.min(broker.max, api.maxVersion, atMost)
    if (v < broker.min || v < api.minVersion) {
      throw new UnsupportedVersionError(
        `no common version of ${api.name}: broker ${this.address} supports ${broker.min}-${broker.max}, Peridot ${api.minVersion}-${Math.min(api.maxVersion, atMost)}`,
      )
    }
    return v
  }

  /** True when the broker supports `api` in a version Peridot can speak. */
  supports(api: ApiDefinition<unknown, unknown>): boolean {
    try {
      this.version(api)
      return true
    } catch {
      return false
    }
  }

  /** Sends a request at the negotiated version; an unsupported API is a rejection, never a synchronous throw. */
  async request<Req, Res>(api: ApiDefinition<Req, Res>, request: Req, opts?: RequestOptions): Promise<Res> {
    return this.send(api, this.version(api as ApiDefinition<unknown, unknown>), request, opts)
  }

  /** Sends a request at an explicit version. */
  async send<Req, Res>(api: ApiDefinition<Req, Res>, version: number, request: Req, opts: RequestOptions = {}): Promise<Res> {
    for (;;) {
      while (this.authGate !== undefined) await this.authGate
      if (this.sessionExpiresAt === undefined || Date.now() < this.sessionExpiresAt) break
      // The session is over (the timer could not re-authenticate in time): a request now would
      // make the broker close the connection, so re-authenticate first.
      this.beginReauthentication()
      if (this.authGate === undefined) break
    }
    return this.transmit(api, version, request, opts)
  }

  /**
   * Notes a SASL session that began at `startedAt` (before the exchange, so the estimate of its
   * end is early) and schedules its re-authentication at 85-95% of its lifetime, as the Java
   * client does: a broker closes a connection whose session expired on its next request.
   */
  private sessionStarted(startedAt: number, lifetimeMs: bigint, reauthenticated: boolean): void {
    if (lifetimeMs <= 0n || this.closedError) {
      this.sessionExpiresAt = undefined
      return
    }
    const now = Date.now()
    // Early by a margin: a request sent just before the end may reach the broker after it (it
    // waits behind the ones before it), and the broker closes the connection on such a request.
    const lifetime = Number(lifetimeMs)
    this.sessionExpiresAt = startedAt + lifetime - Math.min(SESSION_END_MARGIN_MS, lifetime / 2)
    if (reauthenticated) this.reauthNotBefore = now + MIN_REAUTH_INTERVAL_MS
    const delay = Math.max(startedAt + reauthenticationDelayMs(lifetimeMs) - now, this.reauthNotBefore - now, 0)
    this.reauthTimer = setTimeout(() => this.beginReauthentication(), Math.min(delay, MAX_TIMER_MS))
    this.reauthTimer.unref()
  }

  /**
   * Starts re-authenticating (KIP-368) unless it already runs: from now on requests wait for it.
   * A broker refuses a re-authentication within a second of the previous one, so it waits for
   * that if needed (a session that short means a token about to expire; its end then fails it).
   */
  private beginReauthentication(): void {
    const sasl = this.options.sasl
    if (this.authGate !== undefined || this.closedError || !sasl) return
    clearTimeout(this.reauthTimer)
    this.reauthTimer = undefined
    const wait = this.reauthNotBefore - Date.now()
    const ready = wait > 0 ? new Promise<void>((resolve) => setTimeout(resolve, wait)) : Promise.resolve()
    const gate = ready.then(() => this.reauthenticate(sasl))
    gate.catch(() => {}) // waiters get the error; nobody need be waiting
    this.authGate = gate
  }

  private async reauthenticate(sasl: SaslCredentials): Promise<void> {
    // The exchange bypasses the gate it holds; requests already in flight are answered first
    // (a broker serves a connection's requests in order), so nothing is failed or reordered.
    const transport = {
      address: this.address,
      supports: (api: ApiDefinition<unknown, unknown>) => this.supports(api),
      version: (api: ApiDefinition<unknown, unknown>) => this.version(api),
      request: <Req, Res>(api: ApiDefinition<Req, Res>, req: Req) => this.transmit(api, this.version(api as ApiDefinition<unknown, unknown>), req),
    }
    const startedAt = Date.now()
    let lifetimeMs: bigint
    try {
      lifetimeMs = (await authenticateSasl(transport, sasl, this.options.logger, { reauthentication: true })).sessionLifetimeMs
    } catch (err) {
      const error =
        err instanceof AuthenticationError
          ? new AuthenticationError(`re-authentication of the connection to ${this.address} failed: ${err.message}`, { cause: err })
          : err instanceof ConnectionError
            ? err
            : new ConnectionError(`re-authentication of the connection to ${this.address} failed: ${(err as Error).message}`, { cause: err })
      this.options.logger.warn({ broker: this.address, err: error }, 'SASL re-authentication failed; closing the connection')
      this.fail(error)
      throw error
    }
    this.reauthCount++
    this.options.logger.debug({ broker: this.address, sessionLifetimeMs: Number(lifetimeMs) }, 'SASL re-authenticated')
    this.authGate = undefined
    this.sessionStarted(startedAt, lifetimeMs, true)
  }

  private async transmit<Req, Res>(api: ApiDefinition<Req, Res>, version: number, request: Req, opts: RequestOptions = {}): Promise<Res> {
    if (this.closedError) throw new ConnectionError(this.closedError.message, { cause: this.closedError, requestMayHaveBeenSent: false })
    if (this.throttleGate !== undefined || this.throttledUntil > Date.now()) await this.waitForThrottle()
    const socket = this.socket
    if (!socket || this.closedError) throw new ConnectionError(`connection to ${this.address} is closed`, { requestMayHaveBeenSent: false })

    const correlationId = this.nextCorrelationId
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff

    // Header and body go into one buffer, sized up front from the hint; large record batches
    // stay separate pieces (Writer.external). The frame size is patched at the end.
    const w = new Writer(Math.max(64, Math.min(opts.sizeHint ?? 256, this.maxRequestBuffer)), { external: true })
    const sizeAt = w.reserveInt32()
    encodeRequestHeader(w, requestHeaderVersion(api, version), {
      apiKey: api.apiKey,
      apiVersion: version,
      correlationId,
      clientId: this.options.clientId,
    })
    api.encodeRequest(w, version, request)
    w.patchInt32(sizeAt, w.length - 4)

    if (opts.expectResponse === false) {
      this.write(socket, w)
      return undefined as Res
    }

    return new Promise<Res>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.options.requestTimeoutMs
      const p: Pending = {
        api: api as ApiDefinition<unknown, unknown>,
        version,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: undefined,
      }
      if (channels.requestEnd.hasSubscribers || channels.requestStart.hasSubscribers) p.trace = this.traceStart(api.apiKey, api.name, version, correlationId)
      p.timer = setTimeout(() => {
        // The response may still come; its state is unknown, so (like the Java
        // client) the connection is closed and every in-flight request fails.
        this.pending.delete(correlationId)
        const timeout = new TimeoutError(`${api.name} request to ${this.address} timed out after ${timeoutMs} ms`)
        if (p.trace) traceEnd(p.trace, timeout)
        reject(timeout)
        this.fail(new ConnectionError(`connection to ${this.address} closed after a request timeout`))
      }, Math.min(timeoutMs, MAX_TIMER_MS))
      this.pending.set(correlationId, p)
      this.write(socket, w)
    })
  }

  /** Writes an encoded request: one buffer, or its pieces corked into one writev. */
  private write(socket: net.Socket, w: Writer): void {
    if (w.externalBytes === 0) {
      socket.write(w.finish())
      return
    }
    socket.cork()
    for (const piece of w.pieces()) socket.write(piece)
    socket.uncork()
  }

  /**
   * Waits until the broker's throttle time is over. All waiters share one timer and resume in
   * the order they started waiting: separate timers can fire out of call order (Node starts
   * them from the loop's cached clock), which would reorder e.g. an idempotent producer's batches.
   */
  private async waitForThrottle(): Promise<void> {
    for (;;) {
      const wait = this.throttledUntil - Date.now()
      if (this.throttleGate === undefined) {
        if (wait <= 0) return
        this.throttleGate = new Promise<void>((resolve) => setTimeout(resolve, Math.min(wait, MAX_TIMER_MS))).then(() => {
          this.throttleGate = undefined
        })
      }
      await this.throttleGate
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closedError) return
    const partial = this.partialFrame
    if (partial !== undefined) {
      // A frame under assembly: copy straight into its buffer.
      const k = Math.min(chunk.length, partial.length - this.partialAt)
      chunk.copy(partial, this.partialAt, 0, k)
      this.partialAt += k
      if (this.partialAt < partial.length) return
      this.partialFrame = undefined
      this.onFrame(partial)
      if (this.closedError || k === chunk.length) return
      chunk = chunk.subarray(k)
    }
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.nextFrameSize < 0) {
        if (this.buffered < 4) return
        const size = this.peekInt32()
        if (size < 4 || size > this.maxFrameBytes) {
          this.fail(new DecodeError(`response frame size ${size} from ${this.address} is outside 4..${this.maxFrameBytes} bytes`))
          return
        }
        this.nextFrameSize = size
      }
      if (this.buffered < 4 + this.nextFrameSize) {
        // Incomplete: allocate the frame once (its size is within the cap, checked above) and
        // copy what is buffered; later chunks are copied in as they arrive.
        if (this.nextFrameSize >= ASSEMBLE_MIN_BYTES) this.startPartialFrame()
        return
      }
      const frame = this.take(4 + this.nextFrameSize).subarray(4)
      this.nextFrameSize = -1
      this.onFrame(frame)
      if (this.closedError) return
    }
  }

  /** Moves the buffered start of the next frame (size prefix already read) into its own buffer. */
  private startPartialFrame(): void {
    const frame = Buffer.allocUnsafe(this.nextFrameSize)
    this.take(4)
    let at = 0
    for (const c of this.chunks) {
      c.copy(frame, at)
      at += c.length
    }
    this.chunks = []
    this.buffered = 0
    this.nextFrameSize = -1
    this.partialFrame = frame
    this.partialAt = at
  }

  private peekInt32(): number {
    const first = this.chunks[0]
    if (first.length >= 4) return first.readInt32BE(0)
    return Buffer.concat(this.chunks, 4).readInt32BE(0)
  }

  /** Removes `n` bytes from the front of the input, copying only when they span chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0]
    let out: Buffer
    if (first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let at = 0
      while (at < n) {
        const c = this.chunks[0]
        const k = Math.min(c.length, n - at)
        c.copy(out, at, 0, k)
        at += k
        if (k === c.length) this.chunks.shift()
        else this.chunks[0] = c.subarray(k)
      }
    }
    this.buffered -= n
    return out
  }

  private onFrame(frame: Buffer): void {
    const r = new Reader(frame)
    let correlationId: number
    try {
      correlationId = r.int32()
    } catch (err) {
      this.fail(err as Error)
      return
    }
    const p = this.pending.get(correlationId)
    if (!p) {
      this.fail(new DecodeError(`response from ${this.address} with unknown correlation id ${correlationId}`))
      return
    }
    this.pending.delete(correlationId)
    clearTimeout(p.timer)
    try {
      r.offset = 0
      decodeResponseHeader(r, responseHeaderVersion(p.api, p.version))
      const res = p.api.decodeResponse(r, p.version)
      this.noteThrottle(res)
      if (p.trace) traceEnd(p.trace)
      p.resolve(res)
    } catch (err) {
      // A response that does not decode leaves the stream position unknown: fail the connection.
      // Decoders throw DecodeError by contract; anything else (a decoder bug meeting odd bytes)
      // still reaches the caller as a typed error, with the original as its cause.
      const error =
        err instanceof PeridotError
          ? err
          : new DecodeError(`cannot decode ${p.api.name} v${p.version} response from ${this.address}: ${String(err)}`, { cause: err })
      if (p.trace) traceEnd(p.trace, error)
      p.reject(error)
      this.fail(new ConnectionError(`undecodable response from ${this.address}: ${error.message}`, { cause: error }))
    }
  }

  private noteThrottle(res: unknown): void {
    const t = (res as { throttleTimeMs?: number } | undefined)?.throttleTimeMs
    if (typeof t === 'number' && t > 0) {
      this.throttledUntil = Math.max(this.throttledUntil, Date.now() + t)
      this.options.logger.debug({ broker: this.address, throttleTimeMs: t }, 'broker throttled this client')
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return
    this.closedError = err
    clearTimeout(this.reauthTimer)
    this.socket?.destroy()
    if (this.socket && channels.connectionClose.hasSubscribers) {
      channels.connectionClose.publish({ clientId: this.options.clientId, broker: this.address, error: err } satisfies ConnectionCloseEvent)
    }
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) {
      clearTimeout(p.timer)
      if (p.trace) traceEnd(p.trace, err)
      if (err instanceof ClientClosedError) p.reject(new ClientClosedError(`${err.message} (a ${p.api.name} request was in flight)`, { cause: err, requestMayHaveBeenSent: true }))
      else p.reject(err instanceof ConnectionError ? err : new ConnectionError(err.message, { cause: err }))
    }
    this.chunks = []
    this.buffered = 0
    this.partialFrame = undefined
  }

  /** Publishes `peridot:request:start` and returns what `peridot:request:end` completes. */
  private traceStart(apiKey: number, apiName: string, apiVersion: number, correlationId: number): RequestStartEvent & { startedAt: number } {
    const start: RequestStartEvent = { clientId: this.options.clientId, broker: this.address, apiKey, apiName, apiVersion, correlationId }
    if (channels.requestStart.hasSubscribers) channels.requestStart.publish(start)
    return { ...start, startedAt: performance.now() }
  }

  /** Number of completed re-authentications (KIP-368) of this connection. */
  get reauthentications(): number {
    return this.reauthCount
  }

  /** Number of requests awaiting a response. */
  get inFlight(): number {
    return this.pending.size
  }

  /** Closes the socket; in-flight requests fail with `reason` (default: a ConnectionError). */
  close(reason?: ClientClosedError): void {
    this.fail(reason ?? new ConnectionError(`connection to ${this.address} was closed by the client`))
  }
}

/** Publishes `peridot:request:end` for a traced request. */
function traceEnd(trace: RequestStartEvent & { startedAt: number }, error?: Error): void {
  if (!channels.requestEnd.hasSubscribers) return
  const { startedAt, ...start } = trace
  const event: RequestEndEvent = { ...start, durationMs: performance.now() - startedAt }
  if (error) event.error = error
  channels.requestEnd.publish(event)
}
