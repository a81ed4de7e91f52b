// Readiness probes written against the wire directly: src/dev must not depend on src/protocol,
// and a hand-made request proves the port is a Kafka broker, not just an open socket.
import { createServer, Socket } from 'node:net'

/** Result of {@link probeKafka}. */
export interface ProbeResult {
  /** The port answered ApiVersions v0 with the same correlation id. */
  apiVersions: boolean
  /** Brokers in a Metadata v4 response (0 while the broker is still fenced). */
  brokers: number
  /** The cluster id the Metadata response names (null when none or unreadable). */
  clusterId: string | null
}

/** The cluster id of a Metadata v4 response (after its brokers array); null when it does not read. */
function metadataClusterId(md: Buffer, brokers: number): string | null {
  try {
    let o = 12
    const str = (): string | null => {
      const n = md.readInt16BE(o)
      o += 2
      if (n < 0) return null
      const v = md.toString('utf8', o, o + n)
      o += n
      return v
    }
    for (let i = 0; i < brokers; i++) {
      o += 4 // node id
      str() // host
      o += 4 // port
      str() // rack
    }
    return str()
  } catch {
    return null
  }
}

/** Frames a request header v1 (api key, version, correlation id, client id) plus body. */
function request(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const clientId = Buffer.from('peridot-probe')
  const header = Buffer.alloc(2 + 2 + 4 + 2)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(apiVersion, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(clientId.length, 8)
  const size = Buffer.alloc(4)
  size.writeInt32BE(header.length + clientId.length + body.length, 0)
  return Buffer.concat([size, header, clientId, body])
}

/** Sends requests in order on one connection and resolves with each response body (after the size). */
function exchange(host: string, port: number, requests: Buffer[], timeoutMs: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    const responses: Buffer[] = []
    let pending = Buffer.alloc(0)
    const done = (err?: Error) => {
      socket.destroy()
      if (err) reject(err)
      else resolve(responses)
    }
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)))
    socket.once('error', (err) => done(err))
    socket.once('close', () => done(new Error(`connection to ${host}:${port} closed`)))
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0)
        if (size < 4 || size > 16 * 1024 * 1024) return done(new Error(`implausible response size ${size}`))
        if (pending.length < 4 + size) break
        responses.push(pending.subarray(4, 4 + size))
        pending = pending.subarray(4 + size)
      }
      if (responses.length === requests.length) done()
    })
    socket.connect(port, host, () => socket.write(Buffer.concat(requests)))
  })
}

/**
 * Asks the broker at host:port for ApiVersions (v0, which every broker version answers) and for
 * Metadata v4 with no topics (to count registered, unfenced brokers). Never throws.
 */
export async function probeKafka(host: string, port: number, timeoutMs = 2000): Promise<ProbeResult> {
  const apiVersionsId = 0x5045_0001
  const metadataId = 0x5045_0002
  // Metadata v4 body: topics = empty array (no topics, just brokers), allow_auto_topic_creation = false.
  const metadataBody = Buffer.from([0, 0, 0, 0, 0])
  try {
    const [av, md] = await exchange(
      host,
      port,
      [request(18, 0, apiVersionsId, Buffer.alloc(0)), request(3, 4, metadataId, metadataBody)],
      timeoutMs,
    )
    const apiVersions = av !== undefined && av.length >= 6 && av.readInt32BE(0) === apiVersionsId && av.readInt16BE(4) === 0
    let brokers = 0
    let clusterId: string | null = null
    // Metadata v4 response: correlation id, throttle_time_ms, brokers: [int32 count, ...], cluster_id.
    if (md !== undefined && md.length >= 12 && md.readInt32BE(0) === metadataId) {
      brokers = Math.max(0, md.readInt32BE(8))
      clusterId = metadataClusterId(md, brokers)
    }
    return { apiVersions, brokers, clusterId }
  } catch {
    return { apiVersions: false, brokers: 0, clusterId: null }
  }
}

/** True when a Kafka broker answers ApiVersions at host:port. */
export async function isKafkaAnswering(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return (await probeKafka(host, port, timeoutMs)).apiVersions
}

/** True when nothing listens on host:port (checked by binding it briefly). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/**
 * Returns `preferred` when it is free, otherwise a free port chosen by the OS. There is a small
 * window in which another process could take the port; callers fail clearly if that happens.
 */
export async function findFreePort(preferred?: number, host = '127.0.0.1'): Promise<number> {
  if (preferred !== undefined && preferred > 0 && (await isPortFree(preferred, host))) return preferred
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host, exclusive: true }, () => {
      const addr = server.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not allocate a free port'))))
    })
  })
}
