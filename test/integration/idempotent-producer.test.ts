// The idempotent producer against a real broker through a proxy that cuts every connection
// several times mid-run: retries of lost requests reuse their sequence numbers, so the log
// holds every record exactly once and in send order per partition.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { Client, ProduceOutcomeUnknownError } from '../../src/index.js'
import { sharedClient, sharedProxy, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedProxy()

/** Every record of a partition (read directly from the broker, not through the proxy). */
async function readAll(topic: string, partition: number): Promise<Array<{ offset: bigint; key: string; value: string }>> {
  const pc = await direct().partitionClient(topic, partition)
  const end = await pc.getOffset('latest')
  const out: Array<{ offset: bigint; key: string; value: string }> = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { maxBytes: 4 << 20 })
    for (const r of res.records) out.push({ offset: r.offset, key: r.key?.toString() ?? '', value: r.value?.toString() ?? '' })
    next = res.nextOffset
  }
  return out
}

/** A client that reaches every broker through the proxy (the broker advertises its own address). */
function proxiedClient(requestTimeoutMs = 10_000, log?: string[]): Promise<Client> {
  return Client.connect({
    logger: log ? pino({ level: 'debug' }, { write: (line: string) => void log.push(line) }) : undefined,
    brokers: [proxy().address],
    resolveBroker: () => ({ host: proxy().host, port: proxy().port }),
    requestTimeoutMs,
    retry: { retries: 20, initialBackoffMs: 50, maxBackoffMs: 500 },
  })
}

describe('idempotent producer', () => {
  it('20,000 keyed records through a proxy that cuts all connections 6 times: each record exactly once, per-partition order kept', async () => {
    const topic = uniqueTopic('idem')
    const partitions = 4
    await direct().createTopic(topic, { partitions })
    const log: string[] = []
    const client = await proxiedClient(10_000, log)
    // Small batches and a short linger: many requests in flight when the connections drop.
    const producer = client.producer({ lingerMs: 2, maxBatchBytes: 8 * 1024 })
    expect(producer.idempotent).toBe(true)
    const total = 20_000
    const keyOf = (i: number) => `key-${i % 101}`
    const sends: Array<Promise<{ partition: number; offset: bigint }>> = []
    // Per cut: connections it dropped, and connections the proxy had accepted by then.
    const cutsWithTraffic: number[] = []
    const acceptedAtCut: number[] = []
    // Cut every connection 6 times, each a few ms after a wave of records was handed over, so that
    // requests are on the wire (linger 2 ms) when the connections drop.
    let cutsDone = 0
    for (let i = 0, wave = 0; i < total; i += 250, wave++) {
      for (let j = i; j < i + 250; j++) sends.push(producer.send({ topic, key: Buffer.from(keyOf(j)), value: Buffer.from(`v-${j}`) }))
      if (wave % 12 === 6 && cutsDone < 6) {
        await new Promise((r) => setTimeout(r, 3))
        cutsWithTraffic.push(proxy().cutAll())
        acceptedAtCut.push(proxy().accepted)
        cutsDone++
      }
      await new Promise((r) => setTimeout(r, 8))
    }
    expect(cutsDone, 'precondition: the send loop reached all its cut points').toBe(6)
    const results = await Promise.allSettled(sends)
    const failed = results.filter((r) => r.status === 'rejected')
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([])
    await producer.close()
    await client.close()
    // The cuts hit live connections, and after each the producer connected again and went on.
    expect(cutsWithTraffic.filter((n) => n > 0).length, 'cuts that dropped open connections').toBeGreaterThanOrEqual(5)
    const reconnected = cutsWithTraffic.map((n, k) => n === 0 || (acceptedAtCut[k + 1] ?? proxy().accepted) > acceptedAtCut[k])
    expect(reconnected, 'a new connection after each cut').toEqual(cutsWithTraffic.map(() => true))
    // Batches in flight at a cut were sent again with their sequence numbers.
    const retries = log.filter((l) => l.includes('producer: retrying batch')).length
    expect(retries).toBeGreaterThan(0)
    console.log(`[idempotent] ${proxy().cuts} cuts, ${retries} batch retries, ${proxy().accepted} proxied connections`)

    const seen = new Map<string, number>()
    let count = 0
    for (let p = 0; p < partitions; p++) {
      const log = await readAll(topic, p)
      count += log.length
      let last = -1
      for (const r of log) {
        const i = Number(r.value.slice(2))
        seen.set(r.value, (seen.get(r.value) ?? 0) + 1)
        // Send order within the partition.
        expect(i).toBeGreaterThan(last)
        last = i
        expect(r.key).toBe(keyOf(i))
      }
    }
    expect(count).toBe(total)
    expect(seen.size).toBe(total)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    // The offsets the producer reported are where the records are.
    const first = (results[0] as PromiseFulfilledResult<{ partition: number; offset: bigint }>).value
    const log0 = await readAll(topic, first.partition)
    expect(log0.find((r) => r.offset === first.offset)?.value).toBe('v-0')
    await direct().deleteTopic(topic)
  })

  it('a non-idempotent producer reports a lost answer as ProduceOutcomeUnknownError instead of retrying', async () => {
    const topic = uniqueTopic('non-idem')
    await direct().createTopic(topic)
    const client = await proxiedClient(2_000)
    const producer = client.producer({ idempotent: false, lingerMs: 0, timeoutMs: 500 })
    expect(producer.idempotent).toBe(false)
    await producer.send({ topic, value: Buffer.from('warm-up') })
    proxy().blackhole()
    const lost = producer.send({ topic, value: Buffer.from('lost') }).catch((e: unknown) => e)
    const err = await lost
    proxy().resume()
    expect(err).toBeInstanceOf(ProduceOutcomeUnknownError)
    await producer.close()
    await client.close()
    await direct().deleteTopic(topic)
  })

  it('an idempotent producer rides out a blackholed connection (request timeouts) without duplicates', async () => {
    const topic = uniqueTopic('idem-timeout')
    await direct().createTopic(topic)
    const client = await proxiedClient(1_500)
    const producer = client.producer({ lingerMs: 0 })
    await producer.send({ topic, value: Buffer.from('v-0') })
    proxy().blackhole()
    const pending = Array.from({ length: 50 }, (_, i) => producer.send({ topic, value: Buffer.from(`v-${i + 1}`) }))
    await new Promise((r) => setTimeout(r, 2_500))
    proxy().resume()
    const offsets = (await Promise.all(pending)).map((m) => m.offset)
    expect(offsets).toEqual(offsets.map((_, i) => BigInt(i + 1)))
    await producer.close()
    await client.close()
    expect((await readAll(topic, 0)).map((r) => r.value)).toEqual(Array.from({ length: 51 }, (_, i) => `v-${i}`))
    await direct().deleteTopic(topic)
  })

  it('fails records with a clear error once deliveryTimeoutMs runs out, then produces again without duplicates', async () => {
    const topic = uniqueTopic('delivery-timeout')
    await direct().createTopic(topic)
    const client = await proxiedClient(500)
    // The smallest delivery timeout the options allow: linger + the client's and the producer's request timeouts.
    const producer = client.producer({ lingerMs: 0, timeoutMs: 500, deliveryTimeoutMs: 1_000 })
    await producer.send({ topic, value: Buffer.from('before') })
    proxy().blackhole()
    const started = Date.now()
    const results = await Promise.allSettled(Array.from({ length: 3 }, (_, i) => producer.send({ topic, value: Buffer.from(`expired-${i}`) })))
    const waited = Date.now() - started
    proxy().resume()
    for (const r of results) {
      expect(r.status).toBe('rejected')
      const err = (r as PromiseRejectedResult).reason as Error
      // Sent but never answered: the outcome is unknown (Java: a TimeoutException on expiry).
      expect(err).toBeInstanceOf(ProduceOutcomeUnknownError)
      expect(err.message).toMatch(/delivery timeout/)
      expect(err.message).toContain(topic)
    }
    // Failed after the delivery timeout, not after the default two minutes.
    expect(waited).toBeLessThan(30_000)
    const after = await producer.send({ topic, value: Buffer.from('after') })
    await producer.close()
    await client.close()
    const log = (await readAll(topic, 0)).map((r) => r.value)
    expect(log[0]).toBe('before')
    expect(log[log.length - 1]).toBe('after')
    expect(log.filter((v) => v === 'after')).toHaveLength(1)
    // A record whose send failed may still have been written (unknown outcome), but only once.
    for (let i = 0; i < 3; i++) expect(log.filter((v) => v === `expired-${i}`).length).toBeLessThanOrEqual(1)
    expect(after.offset).toBe(BigInt(log.length - 1))
    await direct().deleteTopic(topic)
  })
})
