/**
 * A broker restart in the middle of a produce/fetch stream: the same Client
 * reconnects by itself, every acknowledged record is still there, and no
 * produce is reported as a success that was not one.
 */
import { describe, expect, it } from 'vitest'
import { Client, ProduceOutcomeUnknownError } from '../../src/index.js'
import { bootstrap, canRestartBroker, restartBroker, uniqueTopic } from './helpers.js'
import { waitFor } from './streams-helpers.js'

describe.skipIf(!canRestartBroker())('broker restart mid-stream', () => {
  it('survives a restart without losing acknowledged records', async () => {
    const client = await Client.connect({
      brokers: [bootstrap()],
      // Enough retries to outlast a restart on a loaded machine (about 2 minutes).
      retry: { retries: 120, initialBackoffMs: 100, maxBackoffMs: 1000 },
      requestTimeoutMs: 15_000,
    })
    try {
      const topic = uniqueTopic('restart')
      await client.createTopic(topic)
      const pc = await client.partitionClient(topic, 0)

      const acked = new Map<bigint, string>()
      let unknown = 0
      let stop = false
      let n = 0
      const producing = (async () => {
        while (!stop) {
          const value = `rec-${n++}`
          try {
            const [offset] = await pc.produce([{ key: null, value: Buffer.from(value) }])
            acked.set(offset, value)
          } catch (err) {
            if (err instanceof ProduceOutcomeUnknownError) unknown++
            else throw err
          }
          await new Promise((r) => setTimeout(r, 5))
        }
      })()

      // Conditions, not time windows: records acknowledged before the restart, and after it.
      await waitFor('records acknowledged before the restart', () => acked.size > 10, 20_000, 20)
      const before = acked.size
      await restartBroker()
      const afterRestart = acked.size
      await waitFor('records acknowledged after the restart', () => acked.size > afterRestart + 10, 60_000, 20)
      stop = true
      await producing
      expect(before).toBeGreaterThan(10)
      // Producing resumed on the same client after the restart.
      expect(acked.size).toBeGreaterThan(afterRestart)

      // Every acknowledged record is in the log at its offset.
      const end = await pc.getOffset('latest')
      const log = new Map<bigint, string>()
      let next = 0n
      while (next < end) {
        const res = await pc.fetchRecords(next, { maxWaitMs: 200 })
        for (const r of res.records) log.set(r.offset, r.value!.toString())
        next = res.nextOffset
      }
      for (const [offset, value] of acked) expect(log.get(offset)).toBe(value)
      // Only records whose outcome was reported unknown may be extra.
      expect(log.size - acked.size).toBeLessThanOrEqual(unknown)
      await client.deleteTopic(topic)
    } finally {
      await client.close()
    }
  }, 240_000)

  it('the idempotent producer loses and duplicates nothing across a broker restart', async () => {
    const client = await Client.connect({
      brokers: [bootstrap()],
      // Enough retries to outlast a restart on a loaded machine (about 2 minutes).
      retry: { retries: 120, initialBackoffMs: 100, maxBackoffMs: 1000 },
      requestTimeoutMs: 10_000,
    })
    try {
      const topic = uniqueTopic('restart-idem')
      await client.createTopic(topic, { partitions: 2 })
      const producer = client.producer({ lingerMs: 2 })
      const sends: Array<Promise<unknown>> = []
      let n = 0
      let acked = 0
      let stop = false
      const producing = (async () => {
        while (!stop) {
          const i = n++
          sends.push(producer.send({ topic, key: Buffer.from(String(i % 10)), value: Buffer.from(String(i)) }).then(() => acked++))
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5))
        }
      })()
      await waitFor('sends acknowledged before the restart', () => acked > 100, 20_000, 20)
      await restartBroker()
      const afterRestart = acked
      await waitFor('sends acknowledged after the restart', () => acked > afterRestart + 100, 60_000, 20)
      stop = true
      await producing
      // Every send is acknowledged: retries after the restart reuse their sequence numbers.
      await Promise.all(sends)
      await producer.close()
      const values: number[] = []
      for (const p of [0, 1]) {
        const pc = await client.partitionClient(topic, p)
        const end = await pc.getOffset('latest')
        let next = 0n
        const perKey = new Map<string, number>()
        while (next < end) {
          const res = await pc.fetchRecords(next, { maxWaitMs: 200, maxBytes: 4 << 20 })
          for (const r of res.records) {
            const v = Number(r.value!.toString())
            values.push(v)
            // Per key (so per partition), values are in send order.
            const k = r.key!.toString()
            expect(v).toBeGreaterThan(perKey.get(k) ?? -1)
            perKey.set(k, v)
          }
          next = res.nextOffset
        }
      }
      expect(values.length).toBe(n)
      expect(new Set(values).size).toBe(n)
      await client.deleteTopic(topic)
    } finally {
      await client.close()
    }
  }, 240_000)
})
