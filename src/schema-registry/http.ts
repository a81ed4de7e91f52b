/**
 * HTTP for the registry client: one request over node:http / node:https (TLS options, timeout),
 * and the same request made synchronously through a helper thread, for the synchronous
 * {@link Serde} adapter whose schema cache missed (the caller's thread waits, as the Java
 * serializers block on their HTTP call).
 */
import http from 'node:http'
import https from 'node:https'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'

/** TLS settings for an `https://` registry: node:tls options that can cross to a worker thread. */
export interface RegistryTlsOptions {
  /** Trusted CA certificate(s), PEM. */
  ca?: string | Buffer | Array<string | Buffer>
  /** Client certificate chain, PEM (mutual TLS). */
  cert?: string | Buffer
  /** Client private key, PEM. */
  key?: string | Buffer
  /** Passphrase of `key`. */
  passphrase?: string
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean
  /** Server name for SNI and certificate checks, when it differs from the URL's host. */
  servername?: string
}

/** One request to send. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  url: string
  headers: Record<string, string>
  body?: string
  timeoutMs: number
  tls?: RegistryTlsOptions
}

/** An answer (any status), or a failure to get one. */
export type HttpResult = { ok: true; status: number; body: string } | { ok: false; error: string }

/** Sends `req` and resolves with the answer, or with `{ ok: false }` on a network error or timeout. */
export function sendRequest(req: HttpRequest): Promise<HttpResult> {
  return new Promise((resolve) => {
    let url: URL
    try {
      url = new URL(req.url)
    } catch {
      return resolve({ ok: false, error: `invalid URL ${req.url}` })
    }
    const lib = url.protocol === 'https:' ? https : http
    const headers: Record<string, string | number> = { ...req.headers }
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body)
    const r = lib.request(url, { method: req.method, headers, ...(url.protocol === 'https:' ? req.tls : {}) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (err) => resolve({ ok: false, error: err.message }))
    })
    r.setTimeout(req.timeoutMs, () => r.destroy(new Error(`no answer within ${req.timeoutMs} ms`)))
    r.on('error', (err) => resolve({ ok: false, error: err.message }))
    r.end(req.body)
  })
}

// The helper thread: plain JavaScript (it must run from the sources and from dist alike), the
// same request as sendRequest. It answers on the given port, then wakes the waiting caller.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const http = require('node:http')
const https = require('node:https')
parentPort.on('message', ({ req, port, flag }) => {
  const done = (result) => { port.postMessage(result); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0) }
  let url
  try { url = new URL(req.url) } catch { return done({ ok: false, error: 'invalid URL ' + req.url }) }
  const lib = url.protocol === 'https:' ? https : http
  const headers = Object.assign({}, req.headers)
  if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body)
  const opts = Object.assign({ method: req.method, headers }, url.protocol === 'https:' ? req.tls : {})
  const r = lib.request(url, opts, (res) => {
    const chunks = []
    res.on('data', (c) => chunks.push(c))
    res.on('end', () => done({ ok: true, status: res.statusCode || 0, body: Buffer.concat(chunks).toString('utf8') }))
    res.on('error', (err) => done({ ok: false, error: err.message }))
  })
  r.setTimeout(req.timeoutMs, () => r.destroy(new Error('no answer within ' + req.timeoutMs + ' ms')))
  r.on('error', (err) => done({ ok: false, error: err.message }))
  r.end(req.body)
})
`

let worker: Worker | undefined

/**
 * {@link sendRequest}, blocking the calling thread until the answer comes (a helper thread
 * makes the request). For cache misses of synchronous serdes only: everything else is async.
 */
export function sendRequestSync(req: HttpRequest): HttpResult {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.unref() // an idle helper never keeps the process alive
    worker.on('error', () => {
      worker = undefined
    })
  }
  const { port1, port2 } = new MessageChannel()
  const flag = new Int32Array(new SharedArrayBuffer(4))
  try {
    worker.postMessage({ req, port: port2, flag }, [port2 as MessagePort])
    // The worker's own timeout ends the request; the margin covers its start-up.
    const waited = Atomics.wait(flag, 0, 0, req.timeoutMs + 5_000)
    const msg = receiveMessageOnPort(port1)
    if (!msg) return { ok: false, error: waited === 'timed-out' ? `no answer within ${req.timeoutMs} ms` : 'the request thread gave no answer' }
    return msg.message as HttpResult
  } finally {
    port1.close()
  }
}

/** Blocks the calling thread for `ms` (backoff between synchronous retries). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}
