// KafkaStreams under exactly_once_v2 when a transaction's commit has an unknown outcome: the
// EndTxn reaches the coordinator but no answer comes back (the fault proxy forwards it and drops
// the answer). The runtime aborts, which re-initializes the producer and so completes the
// transaction the coordinator already has; it must then go on from what the group committed,
// not from the offsets it committed before, or every record of that transaction is output twice.
import { describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { EndTxn, InitProducerId } from '../../src/protocol/index.js'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { mentions, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient, uniqueTopic } from './helpers.js'
import { tempStateDir, waitFor } from './streams-helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()

describe('streams faults', () => {
  it('exactly_once_v2: a commit whose EndTxn answer is lost is not processed again once the producer is re-initialized', async () => {
    const input = uniqueTopic('faults-streams-in')
    const output = uniqueTopic('faults-streams-out')
    const applicationId = uniqueTopic('faults-streams-app')
    await direct().createTopic(input, { partitions: 1 })
    await direct().createTopic(output, { partitions: 1 })
    const producer = direct().producer({ lingerMs: 0 })
    await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: input, partition: 0, key: `k${i}`, value: `v${i}` })))

    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() }).to(output, { key: Serdes.string(), value: Serdes.string() })
    // Every EndTxn answer is lost until the producer has been re-initialized (its second
    // InitProducerId): the first commit's outcome becomes unknown after maxBlockMs.
    const lost = proxy().addRule({ apiKey: EndTxn.apiKey, match: mentions(applicationId), times: Infinity, action: { kind: 'drop-response', then: 'disconnect' } })
    const app = new KafkaStreams(b.build(), {
      applicationId,
      brokers: [proxy().address],
      processingGuarantee: 'exactly_once_v2',
      stateDir: tempStateDir(),
      clientOptions: { requestTimeoutMs: 3_000, retry: { retries: 8, initialBackoffMs: 50, maxBackoffMs: 500 } },
      producerOptions: { maxBlockMs: 2_000 },
    })
    try {
      await app.start()
      await waitFor('the first commit to end without an answer and the producer to re-initialize', () => proxy().count(InitProducerId.apiKey, mentions(applicationId)) >= 2, 60_000)
      lost.remove()
      // More input after the re-initialization: it is processed in a transaction of its own.
      await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic: input, partition: 0, key: `k${20 + i}`, value: `v${20 + i}` })))
      const offsets = async (): Promise<bigint> => (await direct().admin().listGroupOffsets(applicationId)).find((o) => o.topic === input)?.offset ?? -1n
      await waitFor('the app to commit all 25 input records', async () => (await offsets()) === 25n, 60_000)
    } finally {
      await app.close()
      await producer.close()
    }
    expect(proxy().count(EndTxn.apiKey, mentions(applicationId)), 'EndTxn requests (the lost one retried, then later commits)').toBeGreaterThan(1)
    // read_committed view of the output: every input record once, in order (the last
    // transaction's marker may land just after its offsets became stable).
    let committed: string[] = []
    await waitFor('the output of all 25 records', async () => (committed = await readCommitted(direct(), output)).length >= 25, 30_000)
    expect(committed).toEqual(Array.from({ length: 25 }, (_, i) => `v${i}`))
  })
})

/** The values of partition 0 a read_committed reader sees (readAll reads uncommitted records too). */
async function readCommitted(client: Client, topic: string): Promise<string[]> {
  const pc = await client.partitionClient(topic, 0)
  const end = await pc.getOffset('latest')
  const out: string[] = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { isolationLevel: 'read_committed', maxBytes: 4 << 20, maxWaitMs: 100 })
    for (const r of res.records) out.push(r.value?.toString() ?? '')
    if (res.nextOffset === next) break
    next = res.nextOffset
  }
  return out
}
