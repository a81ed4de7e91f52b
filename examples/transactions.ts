/**
 * Exactly-once consume-transform-produce with a transactional producer: reads a topic as a
 * consumer-group member (read_committed), writes transformed records to another topic, and
 * commits the consumed offsets in the same transaction, so output and progress become
 * visible together or not at all. A second instance with the same transactional id fences
 * this one (ProducerFencedError): the newer one takes over.
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/transactions.ts [input] [output] [group]
 */
import {
  Client,
  ProducerFencedError,
  TransactionAbortableError,
  TransactionOutcomeUnknownError,
} from 'peridot-kafka'

const [input = 'orders', output = 'orders-upper', groupId = 'order-uppercaser'] = process.argv.slice(2)
const client = await Client.connect({ brokers: [process.env.KAFKA_CONNECT ?? '127.0.0.1:9092'] })

// Only committed input, and offsets are committed by the producer, never by the consumer.
const consumer = client.groupConsumer({ groupId, topics: [input], autoOffsetReset: 'earliest', autoCommit: false, isolationLevel: 'read_committed' })
const producer = client.transactionalProducer({ transactionalId: `${groupId}-${input}`, transactionTimeoutMs: 30_000 })
await producer.init() // fences any older instance and aborts what it left open
await consumer.start()
process.once('SIGINT', () => void consumer.close())

try {
  for await (const batch of consumer) {
    producer.begin()
    try {
      let n = 0
      for (const r of batch) {
        // Strings are sent as UTF-8. A failed send surfaces in commit(), so its promise is not awaited here.
        producer.send({ topic: output, key: r.key, value: r.value?.toString().toUpperCase() ?? '' }).catch(() => undefined)
        n++
      }
      // The next offset to read, committed only if the transaction commits.
      await producer.sendOffsets([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }], consumer.groupMetadata())
      await producer.commit()
      console.log(`${batch.topic}-${batch.partition}: ${n} records transformed up to ${batch.nextOffset} (transaction version ${producer.transactionVersion})`)
    } catch (err) {
      if (err instanceof ProducerFencedError) throw err // another instance took over: stop
      if (err instanceof TransactionAbortableError) {
        // Nothing of this transaction is visible; rewind to the last committed offset and redo it.
        await producer.abort()
        consumer.seek(batch.topic, batch.partition, batch.fetchOffset)
        continue
      }
      if (err instanceof TransactionOutcomeUnknownError) {
        // The commit may have gone through: abort() re-initializes the producer, which completes
        // or aborts it on the coordinator, and the group's committed offsets then say which.
        await producer.abort()
        await consumer.seekToCommitted([{ topic: batch.topic, partition: batch.partition }])
        continue
      }
      throw err
    }
  }
} finally {
  await consumer.close()
  await producer.close()
  await client.close()
}
