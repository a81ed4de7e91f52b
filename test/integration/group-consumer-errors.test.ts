// A group consumer whose broker stops answering (a black-holed TCP proxy in front of it): it keeps
// retrying, as Kafka clients do, but reports it: one warning per kind of failure (not per retry),
// every failure to onError, and ConsumerUnavailableError from the iterator once the outage is
// older than unavailableTimeoutMs. Once the broker answers again it logs the recovery and reads on.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { Client, ConsumerUnavailableError, type ConsumerRetryError, type GroupBatch } from '../../src/index.js'
import { sharedClient, sharedProxy, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedProxy()

async function produce(topic: string, values: string[], partitions = 2): Promise<void> {
  const producer = direct().producer()
  await Promise.all(values.map((value, i) => producer.send({ topic, partition: i % partitions, value })))
  await producer.close()
}

interface LogLine {
  level: number
  msg: string
  kind?: string
}

describe('GroupConsumer errors surface', () => {
  it('a black-holed broker: retried, one warning per kind, onError, ConsumerUnavailableError after unavailableTimeoutMs; reads on after it recovers', async () => {
    const topic = uniqueTopic('unavail')
    const groupId = uniqueTopic('g-unavail')
    await direct().createTopic(topic, { partitions: 2 })
    await produce(topic, ['a', 'b', 'c', 'd'])
    const lines: LogLine[] = []
    const client = await Client.connect({
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }),
      brokers: [proxy().address],
      resolveBroker: () => ({ host: proxy().host, port: proxy().port }),
      requestTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      retry: { retries: 2, initialBackoffMs: 50, maxBackoffMs: 200 },
    })
    const errors: ConsumerRetryError[] = []
    const c = client.groupConsumer({
      groupId,
      topics: [topic],
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 300,
      sessionTimeoutMs: 30_000,
      unavailableTimeoutMs: 2_500,
      onError: (e) => void errors.push(e),
    })
    const seen: string[] = []
    while (seen.length < 4) {
      const b = (await c.next()) as GroupBatch
      for (const r of b.records) seen.push(r.value!.toString())
    }
    await c.commit()
    expect(errors).toEqual([])

    proxy().blackhole()
    const err = await c.next().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(ConsumerUnavailableError)
    expect(['coordinator', 'fetch']).toContain((err as ConsumerUnavailableError).kind)
    expect((err as Error).message).toMatch(/unavailableTimeoutMs 2500/)
    // Every failure went to onError; the log has one warning per kind, however many retries.
    const warned = lines.filter((l) => l.level === 40 && /^group consumer:/.test(l.msg)).map((l) => l.kind)
    expect(new Set(warned).size).toBe(warned.length)
    expect(warned.length).toBeGreaterThan(0)
    expect(errors.length).toBeGreaterThan(warned.length)
    expect(new Set(errors.map((e) => e.kind))).toEqual(new Set(warned))

    proxy().resume()
    await produce(topic, ['e', 'f'])
    const deadline = Date.now() + 40_000
    while (seen.length < 6 && Date.now() < deadline) {
      try {
        const b = await c.next()
        for (const r of b?.records ?? []) seen.push(r.value!.toString())
      } catch (e) {
        // Until the first success after the outage, next() still reports it.
        expect(e).toBeInstanceOf(ConsumerUnavailableError)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    expect(seen.slice(4).sort()).toEqual(['e', 'f'])
    // Each failing kind logs its recovery at its own next success: the fetches that brought e and
    // f may come before the coordinator's next answer (a heartbeat every 300 ms).
    const recoveredBy = Date.now() + 30_000
    while (!lines.some((l) => l.level === 30 && l.msg === 'group consumer: recovered') && Date.now() < recoveredBy) await new Promise((r) => setTimeout(r, 100))
    expect(lines.some((l) => l.level === 30 && l.msg === 'group consumer: recovered')).toBe(true)
    await c.close()
    await client.close()
    await direct().deleteTopic(topic)
  }, 90_000)

  it('fetch answers that cannot be read: retried, reported as corrupt-fetch, ConsumerUnavailableError after unavailableTimeoutMs; reads on once they are whole', async () => {
    const topic = uniqueTopic('corrupt')
    const groupId = uniqueTopic('g-corrupt')
    // One partition, so that the damaged bytes land in its records (the proxy damages the end of a chunk).
    await direct().createTopic(topic, { partitions: 1 })
    // Large records: their fetch answers are the large chunks the proxy damages.
    const values = ['a', 'b', 'c', 'd'].map((v) => v.repeat(4_000))
    const client = await Client.connect({
      logger: pino({ level: 'silent' }),
      brokers: [proxy().address],
      resolveBroker: () => ({ host: proxy().host, port: proxy().port }),
      requestTimeoutMs: 2_000,
      retry: { retries: 2, initialBackoffMs: 50, maxBackoffMs: 200 },
    })
    const errors: ConsumerRetryError[] = []
    const c = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', heartbeatIntervalMs: 300, unavailableTimeoutMs: 2_000, onError: (e) => void errors.push(e) })
    await c.start()
    proxy().corrupt(true)
    await produce(topic, values, 1)
    const err = await c.next().then(
      () => undefined,
      (e: unknown) => e,
    )
    proxy().corrupt(false)
    expect(err).toBeInstanceOf(ConsumerUnavailableError)
    expect(errors.map((e) => e.kind)).toContain('corrupt-fetch')
    const seen: string[] = []
    const deadline = Date.now() + 30_000
    while (seen.length < 4 && Date.now() < deadline) {
      const b = await c.next().catch(() => undefined)
      for (const r of b?.records ?? []) seen.push(r.value!.toString())
    }
    expect(seen.sort()).toEqual([...values].sort())
    await c.close()
    await client.close()
    await direct().deleteTopic(topic)
  }, 90_000)
})
