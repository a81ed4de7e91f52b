// A TCP proxy on 127.0.0.1 in front of the broker, for tests that need the network to fail:
// cutAll() destroys every proxied connection at once (both directions, mid-request or not),
// blackhole() silently drops all bytes until resume() (requests time out instead of failing),
// corrupt() flips a byte in every large chunk from the broker (damaged answers).
import net from 'node:net'

export interface TcpProxy {
  readonly host: string
  readonly port: number
  /** `host:port` of the proxy. */
  readonly address: string
  /** Connections accepted so far. */
  readonly accepted: number
  /** Connections open now. */
  readonly open: number
  /** Times cutAll() cut at least one connection. */
  readonly cuts: number
  /** Destroys every open connection (client and broker side). */
  cutAll(): number
  /** Drops all bytes in both directions (connections stay open) until resume(). */
  blackhole(): void
  /** Ends a blackhole: cuts the connections whose streams lost bytes, then forwards again. */
  resume(): void
  /** While on, flips one byte near the end of every chunk of at least 1500 bytes from the broker. */
  corrupt(on: boolean): void
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>()
  let accepted = 0
  let cuts = 0
  let dropping = false
  let corrupting = false
  const server = net.createServer((client) => {
    accepted++
    const upstream = net.connect(target.port, target.host)
    const pair = { client, upstream }
    pairs.add(pair)
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('data', (d) => {
      if (!dropping) upstream.write(d)
    })
    upstream.on('data', (d: Buffer) => {
      if (dropping) return
      if (corrupting && d.length >= 1500) d[d.length - 20] ^= 0xff
      client.write(d)
    })
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
  const cutAll = (): number => {
    const n = pairs.size
    for (const p of [...pairs]) {
      p.client.destroy()
      p.upstream.destroy()
    }
    pairs.clear()
    if (n > 0) cuts++
    return n
  }
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    get accepted() {
      return accepted
    },
    get open() {
      return pairs.size
    },
    get cuts() {
      return cuts
    },
    cutAll,
    blackhole() {
      dropping = true
    },
    resume() {
      cutAll()
      dropping = false
    },
    corrupt(on: boolean) {
      corrupting = on
    },
    close() {
      cutAll()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
