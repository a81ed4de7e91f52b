// The fault proxy itself: transparent when no rule applies (every frame it reads re-encodes byte
// for byte), and the client keeps talking through it (advertised addresses rewritten).
import { describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { uniqueTopic } from './helpers.js'
import { sharedFaultProxy } from './fault-proxy/shared.js'

const proxy = sharedFaultProxy({ verifyCodec: true })

describe('fault proxy', () => {
  it('passes produce, fetch, group, transaction and admin traffic through unchanged', async () => {
    const client = await Client.connect({ brokers: [proxy().address] })
    try {
      const topic = uniqueTopic('fp-transparent')
      await client.createTopic(topic, { partitions: 2 })
      const producer = client.producer({ lingerMs: 1 })
      await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })))
      await producer.close()
      const consumer = client.groupConsumer({ groupId: uniqueTopic('fp-group'), topics: [topic], autoOffsetReset: 'earliest' })
      let seen = 0
      for await (const batch of consumer) {
        seen += batch.records.length
        await consumer.commit()
        if (seen >= 50) break
      }
      await consumer.close()
      expect(seen).toBe(50)
      const tx = client.transactionalProducer({ transactionalId: uniqueTopic('fp-tx') })
      await tx.init()
      tx.begin()
      tx.send({ topic, key: 'a', value: 'b' })
      await tx.commit()
      await tx.close()
      await client.admin().describeCluster()
      // Everything went through the proxy: produce, fetch, group and transaction APIs were seen.
      for (const apiKey of [0, 1, 10, 11, 14, 22, 26]) expect(proxy().count(apiKey), `API ${apiKey}`).toBeGreaterThan(0)
    } finally {
      await client.close()
    }
  })
})
