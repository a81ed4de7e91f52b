/**
 * Incremental fetch sessions (KIP-227) measured: a group consumer of a many-partition topic fed
 * by a trickle of records (a few partitions move per fetch, the rest are idle), once with fetch
 * sessions and once without (`fetchSessions: false`). Reports the Fetch requests sent, their
 * bytes on the wire (counted by a byte-counting TCP relay every connection goes through), and the
 * broker's CPU time while each run lasts (a private local broker only: a shared one's CPU is
 * not ours to attribute).
 *
 *   npx tsx bench/fetch-sessions.ts [--broker host:port] [--partitions 300] [--seconds 20] [--rate 100]
 *
 * Without --broker a private single-node broker is started (Kafka DEFAULT_KAFKA_VERSION).
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import diagnostics_channel from 'node:diagnostics_channel'
import { Client } from '../src/index.js'
import { channelNames, type RequestEndEvent } from '../src/client/telemetry/channels.js'
import { findFreePort, startLocalBroker, type LocalBroker } from '../src/dev/index.js'

const { values: opts } = parseArgs({
  options: {
    broker: { type: 'string' },
    partitions: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '100' },
  },
})
const PARTITIONS = Number(opts.partitions)
const SECONDS = Number(opts.seconds)
const RATE = Number(opts.rate)

/** A TCP relay to `target` counting the bytes of the Fetch request frames (API key 1) going up. */
async function countingRelay(target: { host: string; port: number }): Promise<{ port: number; fetchBytes: () => number; reset: () => void; close: () => void }> {
  let fetchBytes = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target)
    sockets.add(client).add(upstream)
    let buf: Buffer = Buffer.alloc(0)
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk)
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      while (buf.length >= 6) {
        const size = buf.readInt32BE(0)
        if (buf.length < 4 + size) break
        if (buf.readInt16BE(4) === 1) fetchBytes += 4 + size
        buf = buf.subarray(4 + size)
      }
    })
    upstream.on('data', (chunk: Buffer) => client.write(chunk))
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  const port = await findFreePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    port,
    fetchBytes: () => fetchBytes,
    reset: () => {
      fetchBytes = 0
    },
    close: () => {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

/** The process's CPU time (user + system) in ms, from /proc (Linux). */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return undefined
  }
}

let local: LocalBroker | undefined
let dir: string | undefined
let bootstrap = opts.broker
if (!bootstrap) {
  dir = mkdtempSync(join(tmpdir(), 'peridot-bench-sessions-'))
  const port = await findFreePort()
  local = await startLocalBroker({ port, dataDir: join(dir, 'kafka'), heapMb: 512, onProgress: (l) => console.error(l) })
  bootstrap = local.bootstrap
}
const [host, port] = [bootstrap.split(':')[0], Number(bootstrap.split(':')[1])]
const relay = await countingRelay({ host, port })
const admin = await Client.connect({ brokers: [bootstrap] })
const topic = `bench-sessions-${Date.now()}`
await admin.createTopic(topic, { partitions: PARTITIONS })

let runs = 0

async function run(fetchSessions: boolean): Promise<Record<string, string | number>> {
  const clientId = `bench-sessions-${fetchSessions ? 'on' : 'off'}-${++runs}`
  let fetches = 0
  const onEnd = (e: unknown) => {
    const ev = e as RequestEndEvent
    if (ev.clientId === clientId && ev.apiName === 'Fetch') fetches++
  }
  const client = await Client.connect({ brokers: [`127.0.0.1:${relay.port}`], clientId, resolveBroker: () => ({ host: '127.0.0.1', port: relay.port }) })
  let assigned!: () => void
  const isAssigned = new Promise<void>((r) => (assigned = r))
  const consumer = client.groupConsumer({ groupId: `${topic}-${clientId}`, topics: [topic], autoOffsetReset: 'latest', fetchSessions, onAssigned: () => assigned() })
  let consumed = 0
  // One next() at a time, until the consumer closes.
  const consuming = (async () => {
    for (;;) {
      const batch = await consumer.next()
      if (!batch) return
      consumed += batch.records.length
    }
  })()
  await isAssigned
  await new Promise((r) => setTimeout(r, 1000)) // the first (full) fetches go out
  diagnostics_channel.subscribe(channelNames.requestEnd, onEnd)
  relay.reset()
  const cpu0 = cpuMs(local?.pid)
  const producer = admin.producer({ lingerMs: 0 })
  let produced = 0
  const until = Date.now() + SECONDS * 1000
  // A fixed rate, acknowledgements not awaited: both runs put the same load on the broker.
  const sends: Promise<unknown>[] = []
  for (let next = Date.now(); next < until; next += 1000 / RATE) {
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())))
    sends.push(producer.send({ topic, partition: Math.floor(Math.random() * PARTITIONS), value: Buffer.from(`r${produced}`) }))
    produced++
  }
  await Promise.all(sends)
  for (let waited = 0; consumed < produced && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100))
  const cpu1 = cpuMs(local?.pid)
  diagnostics_channel.unsubscribe(channelNames.requestEnd, onEnd)
  const bytes = relay.fetchBytes()
  await consumer.close()
  await consuming
  await client.close()
  await producer.close()
  return {
    sessions: fetchSessions ? 'on' : 'off',
    produced,
    consumed,
    fetches,
    'Fetch bytes': bytes,
    'bytes/Fetch': Math.round(bytes / Math.max(1, fetches)),
    'broker CPU ms': cpu0 !== undefined && cpu1 !== undefined ? Math.round(cpu1 - cpu0) : 'n/a (shared broker)',
  }
}

try {
  // Alternating, twice: the first run also pays for the broker's warm-up (JIT).
  const rows = []
  for (const on of [false, true, false, true]) rows.push(await run(on))
  console.log(`\nFetch sessions: ${PARTITIONS} partitions, ${RATE} records/s for ${SECONDS} s, one group consumer, broker ${local ? `local ${local.version}` : bootstrap}\n`)
  const cols = Object.keys(rows[0])
  console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|`)
  for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`)
} finally {
  await admin.deleteTopic(topic).catch(() => {})
  await admin.close()
  relay.close()
  if (local) await local.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
}
