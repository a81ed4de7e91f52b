// The test broker itself: it speaks Kafka on the bootstrap address, and starting it again with
// the same options finds the running one instead of launching a second JVM.
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { localBrokerStatus, probeKafka, startLocalBroker } from '../../src/dev/index.js'
import { Client } from '../../src/index.js'
import { bootstrap, localBroker, skipUnlessRestartable } from './helpers.js'

/** ApiVersions v0 over a raw socket; returns the api keys the broker lists. */
async function rawApiVersions(address: string): Promise<number[]> {
  const [host, portText] = [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)]
  const clientId = Buffer.from('broker-test')
  const req = Buffer.alloc(4 + 10 + clientId.length)
  req.writeInt32BE(10 + clientId.length, 0) // size
  req.writeInt16BE(18, 4) // api key: ApiVersions
  req.writeInt16BE(0, 6) // api version 0
  req.writeInt32BE(4242, 8) // correlation id
  req.writeInt16BE(clientId.length, 12)
  clientId.copy(req, 14)

  const body = await new Promise<Buffer>((resolve, reject) => {
    const socket = new Socket()
    let buf = Buffer.alloc(0)
    socket.setTimeout(5000, () => reject(new Error('timeout')))
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.destroy()
        resolve(buf.subarray(4, 4 + buf.readInt32BE(0)))
      }
    })
    socket.connect(Number(portText), host, () => socket.write(req))
  })
  expect(body.readInt32BE(0)).toBe(4242) // correlation id echoed
  expect(body.readInt16BE(4)).toBe(0) // error_code NONE
  const count = body.readInt32BE(6)
  const keys: number[] = []
  for (let i = 0; i < count; i++) keys.push(body.readInt16BE(10 + i * 6))
  return keys
}

describe('test broker', () => {
  it('answers ApiVersions on the bootstrap address', async () => {
    const keys = await rawApiVersions(bootstrap())
    // Produce, Fetch, Metadata and ApiVersions itself are served by every broker.
    expect(keys).toEqual(expect.arrayContaining([0, 1, 3, 18]))
  })

  it("the startup probe reads the cluster id the broker answers with (a start that lost its port to another cluster is told apart)", async () => {
    const [host, port] = [bootstrap().slice(0, bootstrap().lastIndexOf(':')), Number(bootstrap().slice(bootstrap().lastIndexOf(':') + 1))]
    const probe = await probeKafka(host, port)
    const client = await Client.connect({ brokers: [bootstrap()] })
    try {
      const { clusterId } = await client.admin().describeCluster()
      expect(probe).toMatchObject({ apiVersions: true, clusterId })
      expect(probe.brokers).toBeGreaterThanOrEqual(1)
      expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    } finally {
      await client.close()
    }
  })

  it('reuses the running local broker when started again with the same options', async (ctx) => {
    skipUnlessRestartable(ctx)
    const local = localBroker()!
    const before = await localBrokerStatus({ dataDir: local.dataDir })
    expect(before.running).toBe(true)
    const again = await startLocalBroker({ kafkaVersion: local.kafkaVersion, port: local.port, dataDir: local.dataDir })
    expect(again.reused).toBe(true)
    expect(again.pid).toBe(before.pid)
    expect(again.bootstrap).toBe(bootstrap())
  })
})
