/**
 * A share-group member (Kafka's queues, KIP-932; Kafka 4.2+): run several of these with the same
 * group and they split the records of the topic between them, whatever its partition count.
 * Each record is accepted, or released for another try (up to three deliveries), then rejected.
 * Ctrl-C closes the member: what it had not acknowledged goes to the other members at once.
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/share-consumer.ts my-topic my-queue
 */
import { Client } from 'peridot-kafka'

const [topic = 'jobs', groupId = 'job-workers'] = process.argv.slice(2)
const client = await Client.connect({ brokers: [process.env.KAFKA_CONNECT ?? '127.0.0.1:9092'] })

// A new share group starts at the latest offset; this one reads what is already there.
await client.admin().incrementalAlterConfigs([{ type: 'group', name: groupId, ops: [{ op: 'set', name: 'share.auto.offset.reset', value: 'earliest' }] }])

const queue = client.shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
process.once('SIGINT', () => void queue.close())
process.once('SIGTERM', () => void queue.close())

for await (const batch of queue) {
  for (const r of batch.records) {
    const job = r.value?.toString() ?? ''
    const ok = !job.includes('fail')
    console.log(`${r.topic}-${r.partition}@${r.offset} (delivery ${r.deliveryCount}): ${job} ${ok ? 'done' : 'failed'}`)
    if (ok) r.accept()
    else if (r.deliveryCount < 3) r.release()
    else r.reject()
  }
  await queue.commit()
}
await client.close()
