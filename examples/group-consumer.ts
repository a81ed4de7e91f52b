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

// Ctrl-C (or SIGTERM from a process manager): leave the group, so that the next member gets these
// partitions at once instead of after the session timeout. close() ends the loop below after the
// batch in hand (a join still waiting on the broker is abandoned); a second Ctrl-C exits at once.
let stopping = false
function stop(signal: NodeJS.Signals): void {
  if (stopping) process.exit(130)
  stopping = true
  console.log(`${signal}: leaving the group (again to exit at once)`)
  void consumer.close()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

for await (const batch of consumer) {
  for (const r of batch.records) console.log(`${batch.topic}-${batch.partition}@${r.offset}: ${r.value?.toString()}`)
  await consumer.commit() // at-least-once: commit what was processed
}
await consumer.close() // resolves once the group knows this member left
await client.close()
