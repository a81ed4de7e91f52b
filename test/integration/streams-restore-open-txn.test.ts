// Restoration under exactly_once_v2 when the changelog holds an open transaction followed by
// committed records: a previous owner was killed mid-transaction (its transaction stays open
// until its transactional id is fenced or it times out), and the next owner committed after it.
// A read_committed restore stops at the last stable offset (the open transaction's start); a
// task restored there lacks the committed updates behind it but resumes from their committed
// input offsets, so those updates are lost (seen as a count one short in the kill -9 crash test).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { int64, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('KafkaStreams exactly_once_v2 restoration', () => {
  it('waits for an open transaction in the changelog to end, and restores the committed records after it', async () => {
    const applicationId = uniqueTopic('restore-open-txn')
    const input = uniqueTopic('rot-in')
    const output = uniqueTopic('rot-out')
    const changelog = `${applicationId}-counts-changelog`
    await client.createTopic(input, { partitions: 1 })
    await client.createTopic(output, { partitions: 1 })
    await client.createTopic(changelog, { partitions: 1, configs: { 'cleanup.policy': 'compact' } })
    const topology = () => {
      const b = new StreamsBuilder()
      b.stream(input, { key: Serdes.string(), value: Serdes.string() })
        .groupByKey({ key: Serdes.string(), value: Serdes.string() })
        .count({ name: 'counts' })
        .toStream()
        .to(output, { key: Serdes.string(), value: Serdes.int64() })
      return b.build()
    }
    const app = () =>
      new KafkaStreams(topology(), {
        applicationId,
        brokers: [bootstrap()],
        processingGuarantee: 'exactly_once_v2',
        commitIntervalMs: 100,
        heartbeatIntervalMs: 500,
        stateDir: tempStateDir(),
      })
    const produce = async (n: number): Promise<void> => {
      const p = client.producer({ lingerMs: 0 })
      await p.sendBatch(Array.from({ length: n }, () => ({ topic: input, partition: 0, key: Buffer.from('k'), value: Buffer.from('x') })))
      await p.close()
    }
    const counts = async (): Promise<number[]> => (await readTopic(client, output, 'read_committed')).map((r) => int64(r.value!))

    // A crashed owner's transaction, open at the changelog's start (a tombstone of another key).
    const zombie = client.transactionalProducer({ transactionalId: `${applicationId}-zombie`, transactionTimeoutMs: 120_000 })
    await zombie.init()
    zombie.begin()
    await zombie.send({ topic: changelog, partition: 0, key: Buffer.from('other'), value: null })
    try {
      // Behind it, the next owner committed the count of the first 5 records: the changelog
      // update and the input offset in one transaction (as the runtime commits them).
      await produce(6)
      const previous = client.transactionalProducer({ transactionalId: `${applicationId}-previous` })
      await previous.init()
      previous.begin()
      const five = Buffer.alloc(8)
      five.writeBigInt64BE(5n)
      await previous.send({ topic: changelog, partition: 0, key: Buffer.from('k'), value: five })
      await previous.sendOffsets([{ topic: input, partition: 0, offset: 5n }], { groupId: applicationId, generationId: -1, memberId: '', groupInstanceId: null })
      await previous.commit()
      await previous.close()

      // A third owner takes the task over while the crashed owner's transaction is still open.
      const streams = app()
      try {
        await streams.start()
        // Long enough for a restoration that stops at the last stable offset (nothing restored)
        // to finish, count the 6th record as the first and commit that.
        await sleep(3000)
        // The crashed owner's transactional id is fenced (it restarts) and its transaction ends.
        await zombie.abort()
        await waitFor('the 6th record counted', async () => (await counts()).length > 0, 30_000)
        expect(await counts()).toEqual([6])
      } finally {
        await streams.close()
      }
    } finally {
      await zombie.close().catch(() => undefined)
    }
  }, 90_000)
})
