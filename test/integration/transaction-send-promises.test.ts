// A transactional producer's send promises need not be handled: records of an aborted
// transaction, or that fail inside one, never become unhandled rejections (which would end the
// process), and commit() reports the failure. Vitest fails a run on any unhandled rejection;
// the listener below also names it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Client, TransactionAbortableError, TransactionStateError } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'

let client: Client
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})
beforeEach(() => {
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
})
afterEach(() => {
  process.off('unhandledRejection', onUnhandled)
})

/** Lets pending rejections surface as 'unhandledRejection' events (they fire after a macrotask). */
const settleEvents = () => new Promise((r) => setTimeout(r, 50))

describe('transactional send promises', () => {
  it('records left unhandled in an aborted transaction do not become unhandled rejections; the next transaction commits', async () => {
    const topic = uniqueTopic('txn-unhandled')
    await client.createTopic(topic, { partitions: 1 })
    const tx = client.transactionalProducer({ transactionalId: uniqueTopic('txn-unhandled-id'), lingerMs: 60_000 })
    await tx.init()
    tx.begin()
    // Lingering (never sent) when the transaction aborts: they fail with TransactionAbortableError.
    for (let i = 0; i < 10; i++) tx.send({ topic, value: `aborted-${i}` })
    const awaited = tx.send({ topic, value: 'awaited' })
    await tx.abort()
    // A caller that does await still sees the failure.
    await expect(awaited).rejects.toBeInstanceOf(TransactionAbortableError)
    await settleEvents()
    expect(unhandled).toEqual([])

    tx.begin()
    tx.send({ topic, value: 'committed' })
    await tx.commit()
    await settleEvents()
    expect(unhandled).toEqual([])
    const pc = await client.partitionClient(topic, 0)
    const { records } = await pc.fetchRecords(0n, { isolationLevel: 'read_committed', maxWaitMs: 100 })
    expect(records.map((r) => r.value?.toString())).toEqual(['committed'])
    await tx.close()
  })

  it('a record that fails in a transaction (unhandled) makes commit() throw TransactionAbortableError with it as the cause', async () => {
    const topic = uniqueTopic('txn-failing')
    await client.createTopic(topic, { partitions: 1 })
    const tx = client.transactionalProducer({ transactionalId: uniqueTopic('txn-failing-id') })
    await tx.init()
    tx.begin()
    tx.send({ topic, value: 'fine' })
    // A partition that does not exist: the record fails before joining any batch.
    tx.send({ topic, partition: 5, value: 'bad' })
    const err = await tx.commit().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransactionAbortableError)
    expect(String((err as Error).message)).toMatch(/partition 5 does not exist/)
    expect(tx.transactionState).toBe('abortable_error')
    await tx.abort()
    await settleEvents()
    expect(unhandled).toEqual([])
    await tx.close()
  })

  it('a send before begin() is a programming error the caller sees: its rejection is not swallowed', async () => {
    const tx = client.transactionalProducer({ transactionalId: uniqueTopic('txn-misuse-id') })
    await tx.init()
    await expect(tx.send({ topic: 'any', value: 'v' })).rejects.toBeInstanceOf(TransactionStateError)
    await tx.close()
  })
})
