// The transaction manager's error paths, injected by the fault proxy in front of the real broker:
// coordinator moves, loads and concurrent transactions are retried; a lost EndTxn answer is
// retried and, when no answer ever comes, reported as an unknown outcome; a fenced producer and a
// failed record of the transaction give the typed errors Kafka's Java producer gives. What
// read_committed readers see is read back directly from the broker.
import { describe, expect, it } from 'vitest'
import {
  type Client,
  CommitFailedError,
  KafkaProtocolError,
  ProducerFencedError,
  TransactionAbortableError,
  type TransactionalProducer,
  TransactionOutcomeUnknownError,
} from '../../src/index.js'
import { EndTxn, FindCoordinator, InitProducerId, Produce, TxnOffsetCommit } from '../../src/protocol/index.js'
import { mentions, proxiedClient, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()

/** The committed records of partition 0 once `n` of them are visible (markers are written after EndTxn answers). */
async function committedValues(topic: string, n: number): Promise<string[]> {
  const pc = await direct().partitionClient(topic, 0)
  for (;;) {
    const res = await pc.fetchRecords(0n, { isolationLevel: 'read_committed', maxWaitMs: 100 })
    const values = res.records.map((r) => r.value?.toString() ?? '')
    if (values.length >= n) return values
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function withTx(
  opts: { maxBlockMs?: number },
  body: (tx: TransactionalProducer, topic: string, txId: string, client: Client) => Promise<void>,
  setup?: (txId: string) => void,
): Promise<void> {
  const topic = uniqueTopic('faults-txn')
  await direct().createTopic(topic, { partitions: 1 })
  const txId = uniqueTopic('faults-txn-id')
  setup?.(txId)
  const client = await proxiedClient(proxy())
  const tx = client.transactionalProducer({ transactionalId: txId, lingerMs: 0, ...opts })
  try {
    await body(tx, topic, txId, client)
  } finally {
    await tx.close().catch(() => undefined)
    await client.close()
  }
}

describe('transaction faults', () => {
  it('InitProducerId answers COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS, then NOT_COORDINATOR: retried (looked up again), init() succeeds', async () => {
    let lookups = 0
    await withTx(
      {},
      async (tx, topic, txId) => {
        await tx.init()
        lookups = proxy().count(FindCoordinator.apiKey, mentions(txId))
        expect(lookups, 'looked up again after NOT_COORDINATOR').toBeGreaterThanOrEqual(2)
        tx.begin()
        void tx.send({ topic, value: 'a' })
        await tx.commit()
        expect(await committedValues(topic, 1)).toEqual(['a'])
      },
      (txId) => {
        const m = mentions(txId)
        proxy().addRule({ apiKey: InitProducerId.apiKey, match: m, action: { kind: 'error', code: 'COORDINATOR_LOAD_IN_PROGRESS' } })
        proxy().addRule({ apiKey: InitProducerId.apiKey, match: m, nth: 2, action: { kind: 'error', code: 'CONCURRENT_TRANSACTIONS' } })
        proxy().addRule({ apiKey: InitProducerId.apiKey, match: m, nth: 3, action: { kind: 'error', code: 'NOT_COORDINATOR' } })
      },
    )
  })

  it('InitProducerId answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED: init() throws it, and the producer refuses every later call', async () => {
    await withTx(
      {},
      async (tx) => {
        const err = await tx.init().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(KafkaProtocolError)
        expect((err as KafkaProtocolError).type).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
        await expect(tx.init()).rejects.toThrow(/TRANSACTIONAL_ID_AUTHORIZATION_FAILED/)
      },
      (txId) => void proxy().addRule({ apiKey: InitProducerId.apiKey, match: mentions(txId), action: { kind: 'error', code: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' } }),
    )
  })

  it.each(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS'])('EndTxn answers %s twice: retried, and the transaction commits', async (code) => {
    await withTx({}, async (tx, topic, txId) => {
      await tx.init()
      tx.begin()
      void tx.send({ topic, value: 'a' })
      const rule = proxy().addRule({ apiKey: EndTxn.apiKey, match: mentions(txId), times: 2, action: { kind: 'error', code } })
      await tx.commit()
      expect(rule.applied).toBe(2)
      expect(await committedValues(topic, 1)).toEqual(['a'])
    })
  })

  it('EndTxn written but its answer lost (connection cut): retried, the commit succeeds, each record committed once', async () => {
    await withTx({}, async (tx, topic, txId) => {
      await tx.init()
      tx.begin()
      void tx.send({ topic, value: 'a' })
      void tx.send({ topic, value: 'b' })
      const rule = proxy().addRule({ apiKey: EndTxn.apiKey, match: mentions(txId), action: { kind: 'drop-response', then: 'disconnect' } })
      await tx.commit()
      expect(rule.applied).toBe(1)
      expect(proxy().count(EndTxn.apiKey, mentions(txId)), 'EndTxn sent again').toBe(2)
      // The producer goes on with a next transaction.
      tx.begin()
      void tx.send({ topic, value: 'c' })
      await tx.commit()
      expect(await committedValues(topic, 3)).toEqual(['a', 'b', 'c'])
    })
  })

  it('no EndTxn answer within maxBlockMs: TransactionOutcomeUnknownError; abort() re-initialises and the next transaction commits', async () => {
    await withTx({ maxBlockMs: 2_000 }, async (tx, topic, txId) => {
      await tx.init()
      tx.begin()
      void tx.send({ topic, value: 'a' })
      const rule = proxy().addRule({ apiKey: EndTxn.apiKey, match: mentions(txId), times: Infinity, action: { kind: 'drop-response', then: 'disconnect' } })
      const err = await tx.commit().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TransactionOutcomeUnknownError)
      rule.remove()
      await tx.abort()
      tx.begin()
      void tx.send({ topic, value: 'b' })
      await tx.commit()
      // Whatever became of the first commit, the second transaction's record is committed after it.
      const values = await committedValues(topic, 1)
      expect(values.at(-1)).toBe('b')
      expect(values.filter((v) => v === 'b')).toHaveLength(1)
    })
  })

  it('consume-transform-produce: a commit of unknown outcome, then abort() and consumer.seekToCommitted(): every input record output once', async () => {
    const input = uniqueTopic('faults-txn-in')
    await direct().createTopic(input, { partitions: 1 })
    const feeder = direct().producer({ lingerMs: 0 })
    await feeder.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: input, partition: 0, value: `r${i}` })))
    await withTx({ maxBlockMs: 2_000 }, async (tx, topic, txId, client) => {
      const groupId = uniqueTopic('faults-txn-group')
      const consumer = client.groupConsumer({ groupId, topics: [input], autoCommit: false, isolationLevel: 'read_committed', autoOffsetReset: 'earliest' })
      await tx.init()
      await consumer.start()
      // Every EndTxn answer is lost: the first commit (of r0..r9, which reaches the coordinator) ends unknown.
      const lost = proxy().addRule({ apiKey: EndTxn.apiKey, match: mentions(txId), times: Infinity, action: { kind: 'drop-response', then: 'disconnect' } })
      let unknown = 0
      let copied = 0
      try {
        for await (const batch of consumer) {
          tx.begin()
          for (const r of batch) void tx.send({ topic, value: r.value })
          try {
            await tx.sendOffsets([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }], consumer.groupMetadata())
            await tx.commit()
            copied = Number(batch.nextOffset)
          } catch (err) {
            if (!(err instanceof TransactionOutcomeUnknownError)) throw err
            unknown++
            lost.remove()
            await tx.abort()
            await consumer.seekToCommitted()
          }
          if (unknown > 0 && copied === 0) {
            // After the unknown outcome: the group's offsets show the first commit went through.
            expect(consumer.committed(input, 0)?.offset).toBe(10n)
            copied = 10
            await feeder.sendBatch([{ topic: input, partition: 0, value: 'r10' }])
          }
          if (copied >= 11) break
        }
      } finally {
        await consumer.close()
      }
      expect(unknown).toBe(1)
      expect(await committedValues(topic, 11)).toEqual(Array.from({ length: 11 }, (_, i) => `r${i}`))
    })
    await feeder.close()
  })

  it('EndTxn answers PRODUCER_FENCED: ProducerFencedError, and every later call throws it', async () => {
    await withTx({}, async (tx, topic, txId) => {
      await tx.init()
      tx.begin()
      void tx.send({ topic, value: 'a' })
      proxy().addRule({ apiKey: EndTxn.apiKey, match: mentions(txId), action: { kind: 'error', code: 'PRODUCER_FENCED' } })
      await expect(tx.commit()).rejects.toBeInstanceOf(ProducerFencedError)
      expect(() => tx.begin()).toThrow(ProducerFencedError)
    })
  })

  it('a record of the transaction refused (INVALID_RECORD): commit() throws TransactionAbortableError with it as the cause; after abort() the next transaction commits', async () => {
    await withTx({}, async (tx, topic) => {
      await tx.init()
      tx.begin()
      proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'error', code: 'INVALID_RECORD' } })
      const sent = tx.send({ topic, value: 'a' })
      const err = await tx.commit().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TransactionAbortableError)
      expect((err as Error).cause).toBeInstanceOf(KafkaProtocolError)
      expect(((err as Error).cause as KafkaProtocolError).type).toBe('INVALID_RECORD')
      await expect(sent).rejects.toBeInstanceOf(KafkaProtocolError)
      await tx.abort()
      tx.begin()
      void tx.send({ topic, value: 'b' })
      await tx.commit()
      expect(await committedValues(topic, 1)).toEqual(['b'])
    })
  })

  it('a record of the transaction answered NOT_LEADER_OR_FOLLOWER: retried, the transaction commits it once', async () => {
    await withTx({}, async (tx, topic) => {
      await tx.init()
      tx.begin()
      const rule = proxy().addRule({ apiKey: Produce.apiKey, topic, action: { kind: 'error', code: 'NOT_LEADER_OR_FOLLOWER' } })
      void tx.send({ topic, value: 'a' })
      await tx.commit()
      expect(rule.applied).toBe(1)
      expect(await committedValues(topic, 1)).toEqual(['a'])
    })
  })

  it.each(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS'])('TxnOffsetCommit answers %s: retried; the offsets are committed with the transaction', async (code) => {
    await withTx({}, async (tx, topic) => {
      const groupId = uniqueTopic('faults-txn-group')
      await tx.init()
      tx.begin()
      void tx.send({ topic, value: 'a' })
      const rule = proxy().addRule({ apiKey: TxnOffsetCommit.apiKey, match: mentions(groupId), action: { kind: 'error', code } })
      await tx.sendOffsets([{ topic, partition: 0, offset: 7n }], { groupId, generationId: -1, memberId: '', groupInstanceId: null })
      await tx.commit()
      expect(rule.applied).toBe(1)
      for (;;) {
        const offsets = await direct().admin().listGroupOffsets(groupId)
        if (offsets.length > 0) {
          expect(offsets.map((o) => o.offset)).toEqual([7n])
          break
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    })
  })

  it('TxnOffsetCommit answers CONCURRENT_TRANSACTIONS without end: sendOffsets fails after maxBlockMs (it retried forever); the transaction aborts', async () => {
    await withTx({ maxBlockMs: 1_000 }, async (tx, topic) => {
      const groupId = uniqueTopic('faults-txn-group')
      await tx.init()
      tx.begin()
      void tx.send({ topic, value: 'a' })
      const rule = proxy().addRule({ apiKey: TxnOffsetCommit.apiKey, match: mentions(groupId), times: Infinity, action: { kind: 'error', code: 'CONCURRENT_TRANSACTIONS' } })
      const failed = await tx.sendOffsets([{ topic, partition: 0, offset: 7n }], { groupId, generationId: -1, memberId: '', groupInstanceId: null }).catch((e: unknown) => e)
      expect(failed).toBeInstanceOf(KafkaProtocolError)
      expect((failed as KafkaProtocolError).type).toBe('CONCURRENT_TRANSACTIONS')
      expect(rule.applied).toBeGreaterThan(1)
      await expect(tx.commit()).rejects.toBeInstanceOf(TransactionAbortableError)
      rule.remove()
      await tx.abort()
      expect(await direct().admin().listGroupOffsets(groupId)).toEqual([])
    })
  })

  it('TxnOffsetCommit answers ILLEGAL_GENERATION: CommitFailedError; the transaction must abort', async () => {
    await withTx({}, async (tx, topic) => {
      const groupId = uniqueTopic('faults-txn-group')
      await tx.init()
      tx.begin()
      void tx.send({ topic, value: 'a' })
      proxy().addRule({ apiKey: TxnOffsetCommit.apiKey, match: mentions(groupId), action: { kind: 'error', code: 'ILLEGAL_GENERATION' } })
      await expect(tx.sendOffsets([{ topic, partition: 0, offset: 7n }], { groupId, generationId: 3, memberId: 'm', groupInstanceId: null })).rejects.toBeInstanceOf(
        CommitFailedError,
      )
      await expect(tx.commit()).rejects.toBeInstanceOf(TransactionAbortableError)
      await tx.abort()
    })
  })
})
