// Client.close() against a broker that stops answering (a black-holed TCP proxy): every pending
// promise settles (acknowledged, or ClientClosedError), the process exits by itself (no timer or
// socket left), and the records acknowledged before close() are in the topic.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

const here = dirname(fileURLToPath(import.meta.url))
let client: Client
let proxy: TcpProxy

beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
  const [host, port] = bootstrap().split(':')
  proxy = await startTcpProxy({ host, port: Number(port) })
})

afterAll(async () => {
  await proxy?.close()
  await client?.close()
})

describe('Client.close() with records in flight and the broker unreachable', () => {
  it('settles every promise with an acknowledgement or ClientClosedError, and the process exits by itself', async () => {
    const topic = uniqueTopic('close')
    await client.createTopic(topic, { partitions: 2 })
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'close-app.ts')], {
      env: { ...process.env, CLOSE_APP: JSON.stringify({ proxy: proxy.address, topic, acked: 20, pending: 50, closeTimeoutMs: 500 }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    let acked: Array<{ value: string; partition: number; offset: string }> = []
    let settled: { outcomes: Array<{ what: string; result: string }>; settledMs: number; closeMs: number } | undefined
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('ACKED ')) acked = JSON.parse(line.slice(6))
      else if (line === 'READY') {
        proxy.blackhole()
        child.stdin.end('go\n')
      } else if (line.startsWith('SETTLED ')) settled = JSON.parse(line.slice(8))
    })
    // The test's own timeout bounds the wait: a child kept alive by a leftover timer or socket
    // (or promises left to the 120 s delivery timeout) never exits and fails it.
    const exit = await exited
    proxy.resume()
    expect(stderr).not.toMatch(/Unhandled|Error:/)
    expect(exit).toEqual({ code: 0, signal: null })
    expect(settled, 'the child printed its outcomes').toBeDefined()
    console.log(`close settled every promise ${settled!.settledMs} ms after close(); close() resolved after ${settled!.closeMs} ms`)
    expect(settled!.outcomes).toHaveLength(50 + 5)
    for (const o of settled!.outcomes) expect(['ok', 'ClientClosedError'], `${o.what}: ${o.result}`).toContain(o.result)
    expect(settled!.outcomes.filter((o) => o.result === 'ClientClosedError').length).toBeGreaterThan(0)

    // What was acknowledged before close() is in the topic.
    expect(acked).toHaveLength(20)
    for (const a of acked) {
      const pc = await client.partitionClient(topic, a.partition)
      const { records } = await pc.fetchRecords(BigInt(a.offset), { maxWaitMs: 100 })
      expect(records[0]?.offset).toBe(BigInt(a.offset))
      expect(records[0]?.value?.toString()).toBe(a.value)
    }
  }, 60_000)
})

describe('Client.close() with the broker reachable', () => {
  it('flushes records sent without awaiting and makes the group consumer leave its group', async () => {
    const topic = uniqueTopic('close-flush')
    const groupId = uniqueTopic('close-group')
    await client.createTopic(topic, { partitions: 2 })
    const other = await Client.connect({ brokers: [bootstrap()] })
    // Records linger for a minute unless close() flushes them.
    const producer = other.producer({ lingerMs: 60_000 })
    const sends = Array.from({ length: 100 }, (_, i) => producer.send({ topic, key: `k${i}`, value: `v${i}` }))
    const consumer = other.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
    await consumer.start()
    const before = await client.admin().describeGroups([groupId])
    expect(before[0].members).toHaveLength(1)

    await other.close()
    const written = await Promise.all(sends)
    expect(written).toHaveLength(100)
    const after = await client.admin().describeGroups([groupId])
    expect(after[0].members).toHaveLength(0)
    let total = 0
    for (const p of [0, 1]) total += Number(await (await client.partitionClient(topic, p)).getOffset('latest'))
    expect(total).toBe(100)
    await expect(producer.send({ topic, value: 'late' })).rejects.toThrow(/closed/)
  })
})

describe('KafkaStreams.close({ timeoutMs }) with the broker unreachable', () => {
  it('returns once the timeout has passed and the connections are closed under the remaining steps', async () => {
    const input = uniqueTopic('close-streams-in')
    const output = uniqueTopic('close-streams-out')
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })
    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() })
      .mapValues((v) => v.toUpperCase())
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = new KafkaStreams(b.build(), {
      applicationId: uniqueTopic('close-streams-app'),
      brokers: [proxy.address],
      clientOptions: { resolveBroker: () => ({ host: proxy.host, port: proxy.port }) },
      processingGuarantee: 'exactly_once_v2',
      stateDir: tempStateDir(),
    })
    try {
      await app.start()
      const producer = client.producer()
      await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: input, key: `k${i}`, value: `v${i}` })))
      await producer.close()
      await waitFor('output', async () => (await readTopic(client, output, 'read_committed')).length === 20, 30_000, 100)
      // More input, then the broker goes silent with the app processing it.
      await client.producer().sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: input, key: `k${i}`, value: `w${i}` })))
      proxy.blackhole()
      await app.close({ timeoutMs: 500 })
      expect(app.state).toBe('NOT_RUNNING')
    } finally {
      proxy.resume()
      await app.close()
    }
    // What the app committed before the broker went silent stays readable.
    expect((await readTopic(client, output, 'read_committed')).length).toBeGreaterThanOrEqual(20)
  }, 60_000)
})

