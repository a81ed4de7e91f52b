// A group consumer assigned a partition whose offsets an open transaction has sent
// (TxnOffsetCommit, not committed yet): the OffsetFetch with requireStable answers
// UNSTABLE_OFFSET_COMMIT until the transaction ends. The consumer waits for it, as the Java
// consumer does, and starts from the offset the transaction committed. (Before, the error left
// the partition assigned without a position: never fetched, and start() never resolved.)
import { describe, expect, it } from 'vitest'
import type { GroupBatch } from '../../src/index.js'
import { sharedClient, uniqueTopic } from './helpers.js'

const client = sharedClient()

describe('GroupConsumer and transactional offsets', () => {
  it('waits for the transaction that sent offsets to end, then starts from its committed offset', async () => {
    const topic = uniqueTopic('unstable')
    const groupId = uniqueTopic('g-unstable')
    await client().createTopic(topic, { partitions: 1 })
    const producer = client().producer({ lingerMs: 0 })
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: Buffer.from(`v${i}`) })))
    await producer.close()

    const txn = client().transactionalProducer({ transactionalId: `${groupId}-txn` })
    await txn.init()
    txn.begin()
    await txn.sendOffsets([{ topic, partition: 0, offset: 7n }], { groupId, generationId: -1, memberId: '', groupInstanceId: null })
    const consumer = client().groupConsumer({ groupId, topics: [topic], autoCommit: false, heartbeatIntervalMs: 500 })
    try {
      let started = false
      const starting = consumer.start().then(() => (started = true))
      // The consumer is held while the transaction is open (its offsets are unstable)...
      await new Promise((r) => setTimeout(r, 1500))
      expect(started).toBe(false)
      // ...and goes on from the transaction's offset once it commits.
      await txn.commit()
      await starting
      const b = (await consumer.next()) as GroupBatch
      expect(b.records[0].offset).toBe(7n)
      expect(b.records.map((r) => r.value!.toString())).toEqual(['v7', 'v8', 'v9'])
    } finally {
      await consumer.close()
      await txn.close()
    }
  })
})
