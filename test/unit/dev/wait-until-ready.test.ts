// waitUntilReady tells its own broker from another cluster answering on the port (two starts that
// found the same port free at once: the loser cannot bind, yet the port answers Kafka).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CLUSTER_ID_FILE, waitUntilReady } from '../../../src/dev/node.js'

/** A fake broker answering the probe's ApiVersions v0 and Metadata v4 with `clusterId`. */
function fakeBroker(clusterId: string): Promise<Server> {
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const req = pending.subarray(4, 4 + pending.readInt32BE(0))
        pending = pending.subarray(4 + req.length)
        const [apiKey, correlationId] = [req.readInt16BE(0), req.readInt32BE(4)]
        let body: Buffer
        if (apiKey === 18) {
          body = Buffer.alloc(10)
          body.writeInt32BE(correlationId, 0) // error code 0, no api keys
        } else {
          const host = Buffer.from('127.0.0.1')
          const id = Buffer.from(clusterId)
          body = Buffer.alloc(4 + 4 + 4 + (4 + 2 + host.length + 4 + 2) + 2 + id.length + 4 + 4)
          let o = body.writeInt32BE(correlationId, 0)
          o = body.writeInt32BE(0, o) // throttle
          o = body.writeInt32BE(1, o) // one broker
          o = body.writeInt32BE(1, o)
          o = body.writeInt16BE(host.length, o)
          o += host.copy(body, o)
          o = body.writeInt32BE(9092, o)
          o = body.writeInt16BE(-1, o) // rack
          o = body.writeInt16BE(id.length, o)
          o += id.copy(body, o)
          o = body.writeInt32BE(1, o) // controller
          body.writeInt32BE(0, o) // no topics
        }
        const frame = Buffer.alloc(4)
        frame.writeInt32BE(body.length, 0)
        socket.write(Buffer.concat([frame, body]))
      }
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

let server: Server | undefined
let dir: string | undefined
afterEach(() => {
  server?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('waitUntilReady', () => {
  const state = (port: number) => ({ pid: 1, host: '127.0.0.1', port, controllerPort: 0, version: '4.3.1', startedAt: '' })

  it('fails at once when the port answers as another cluster', async () => {
    server = await fakeBroker('OtherClusterIdAAAAAAAA')
    dir = mkdtempSync(join(tmpdir(), 'peridot-ready-'))
    writeFileSync(join(dir, CLUSTER_ID_FILE), 'OurClusterIdAAAAAAAAAA\n')
    const port = (server.address() as { port: number }).port
    await expect(waitUntilReady(state(port), dir, 10_000, () => true)).rejects.toThrow(/answered by another Kafka cluster \(OtherClusterIdAAAAAAAA, not OurClusterIdAAAAAAAAAA\)/)
  })

  it('returns once its own cluster answers with a registered broker', async () => {
    server = await fakeBroker('OurClusterIdAAAAAAAAAA')
    dir = mkdtempSync(join(tmpdir(), 'peridot-ready-'))
    writeFileSync(join(dir, CLUSTER_ID_FILE), 'OurClusterIdAAAAAAAAAA\n')
    const port = (server.address() as { port: number }).port
    await expect(waitUntilReady(state(port), dir, 10_000, () => true)).resolves.toBeUndefined()
  })
})
