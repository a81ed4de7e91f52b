import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Client, KafkaProtocolError, type PartitionClient } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

async function fill(pc: PartitionClient, n: number, size = 100): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    await pc.produce(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ key: null, value: Buffer.alloc(size, (i + j) & 0xff) })))
  }
}

describe('PartitionClient.consume', () => {
  it('streams every record in order from earliest, then follows new ones until aborted', async () => {
    const topic = uniqueTopic('consume')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    await fill(pc, 3000)
    const ac = new AbortController()
    let expected = 0n
    let produced = false
    for await (const batch of pc.consume({ from: 'earliest', signal: ac.signal, maxBytes: 64 * 1024, maxWaitMs: 200 })) {
      for (const r of batch.records) {
        expect(r.offset).toBe(expected)
        expected++
      }
      if (expected === 3000n && !produced) {
        produced = true
        await pc.produce([{ key: null, value: Buffer.from('late') }])
      }
      if (expected === 3001n) ac.abort()
    }
    expect(expected).toBe(3001n)
    await client.deleteTopic(topic)
  })

  it('prefetches one fetch ahead and no more (backpressure on a slow consumer)', async () => {
    const topic = uniqueTopic('consume-bp')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    await fill(pc, 5000, 1000) // ~5 MB
    const spy = vi.spyOn(pc as unknown as { fetchRaw: (...a: unknown[]) => unknown }, 'fetchRaw')
    const ac = new AbortController()
    let batches = 0
    for await (const batch of pc.consume({ from: 'earliest', signal: ac.signal, maxBytes: 32 * 1024 })) {
      expect(batch.records.length).toBeGreaterThan(0)
      batches++
      await new Promise((r) => setTimeout(r, 30)) // a slow consumer
      // Fetches issued: every one consumed so far, plus the single prefetch.
      expect(spy.mock.calls.length).toBeLessThanOrEqual(batches + 1)
      if (batches === 10) ac.abort()
    }
    expect(batches).toBe(10)
    spy.mockRestore()
    await client.deleteTopic(topic)
  })

  it('starts from latest or an explicit offset', async () => {
    const topic = uniqueTopic('consume-from')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    await fill(pc, 100)
    const ac = new AbortController()
    const seen: bigint[] = []
    // Produce only once the consumer has resolved 'latest' (its start position), not after a guess.
    const getOffset = pc.getOffset.bind(pc)
    let started!: (offset: bigint) => void
    const startPosition = new Promise<bigint>((r) => (started = r))
    pc.getOffset = async (...args: Parameters<typeof getOffset>) => {
      const offset = await getOffset(...args)
      started(offset)
      return offset
    }
    const reading = (async () => {
      for await (const b of pc.consume({ from: 'latest', signal: ac.signal, maxWaitMs: 100 })) {
        seen.push(...b.records.map((r) => r.offset))
        if (seen.length >= 2) ac.abort()
      }
    })()
    expect(await startPosition).toBe(100n)
    pc.getOffset = getOffset
    await pc.produce([{ key: null, value: Buffer.from('a') }, { key: null, value: Buffer.from('b') }])
    await reading
    expect(seen).toEqual([100n, 101n])

    const ac2 = new AbortController()
    for await (const b of pc.consume({ from: 42n, signal: ac2.signal })) {
      expect(b.records[0].offset).toBe(42n)
      ac2.abort()
    }
    await client.deleteTopic(topic)
  })

  it('applies the offset-out-of-range policy', async () => {
    const topic = uniqueTopic('consume-oor')
    await client.createTopic(topic)
    const pc = await client.partitionClient(topic, 0)
    await fill(pc, 50)
    await pc.deleteRecords(20n)

    const errIter = pc.consume({ from: 5n, onOffsetOutOfRange: 'error' })
    const err = await errIter.next().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaProtocolError)
    expect((err as KafkaProtocolError).type).toBe('OFFSET_OUT_OF_RANGE')

    const ac = new AbortController()
    for await (const b of pc.consume({ from: 5n, onOffsetOutOfRange: 'earliest', signal: ac.signal })) {
      expect(b.records[0].offset).toBe(20n)
      ac.abort()
    }
    await expect(pc.consume({ from: -1n as bigint }).next()).rejects.toThrow(/from must be/)
    await client.deleteTopic(topic)
  })
})
