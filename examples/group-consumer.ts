/**
 * A consumer group member: reads a topic with other members of the same group,
 * commits after processing each batch, and leaves the group on Ctrl-C.
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/group-consumer.ts my-topic my-group
 */
import { Client, cooperativeStickyAssignor } from 'peridot-kafka'

const [topic = 'orders', groupId = 'order-processors'] = process.argv.slice(2)
const client = await Client.connect({ brokers: [process.env.KAFKA_CONNECT ?? '127.0.0.1:9092'] })

const consumer = client.groupConsumer({
  groupId,
  topics: [topic],
  autoOffsetReset: 'earliest',
  assignors: [cooperativeStickyAssignor], // incremental rebalancing: only moved partitions are revoked
  onAssigned: (tps) => console.log('assigned', tps),
  onRevoked: (tps) => console.log('revoked', tps),
})

process.once('SIGINT', () => void consumer.close())

for await (const batch of consumer) {
  for (const r of batch.records) console.log(`${batch.topic}-${batch.partition}@${r.offset}: ${r.value?.toString()}`)
  await consumer.commit() // at-least-once: commit what was processed
}
await client.close()
