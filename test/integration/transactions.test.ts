// Transactions against the real broker: committed and aborted transactions interleaved over 3
// partitions as seen by read_committed and read_uncommitted readers (Peridot's and Kafka's Java
// console consumer), fencing by a second producer with the same transactional id,
// consume-transform-produce with sendOffsets, wrong state transitions, and a commit whose
// answer never comes (through a blackholing proxy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Client,
  ProducerFencedError,
  TransactionAbortableError,
  TransactionOutcomeUnknownError,
  TransactionStateError,
  type TransactionalProducer,
} from '../../src/index.js'
import { parseBrokerAddress } from '../../src/client/cluster.js'
import { bootstrap, brokerProfile, kafkaVersion, uniqueTopic } from './helpers.js'
import { startJavaTool } from './java-tools.js'
import { startTcpProxy } from './tcp-proxy.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

/** Values of every data record of a partition, read with the given isolation level. */
async function readValues(topic: string, partition: number, isolationLevel: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const pc = await client.partitionClient(topic, partition)
  const end = await pc.getOffset('latest')
  const out: string[] = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { maxBytes: 4 << 20, isolationLevel })
    for (const r of res.records) out.push(r.value!.toString())
    if (res.nextOffset === next) break
    next = res.nextOffset
  }
  return out
}

async function readAllValues(topic: string, partitions: number, isolationLevel: 'read_committed' | 'read_uncommitted'): Promise<string[][]> {
  return Promise.all(Array.from({ length: partitions }, (_, p) => readValues(topic, p, isolationLevel)))
}

function txnProducer(transactionalId: string, extra: Partial<Parameters<Client['transactionalProducer']>[0]> = {}): TransactionalProducer {
  return client.transactionalProducer({ transactionalId, transactionTimeoutMs: 30_000, lingerMs: 2, ...extra })
}

describe('transactional producer', () => {
  it('interleaved committed and aborted transactions over 3 partitions: read_committed (Peridot and Java) sees exactly the committed records', async () => {
    const topic = uniqueTopic('txn')
    await client.createTopic(topic, { partitions: 3 })
    const producer = txnProducer(uniqueTopic('txn-id'))
    await producer.init()
    const committed: string[][] = [[], [], []]
    const all: string[][] = [[], [], []]
    // 12 transactions of 30 records (10 per partition); every third one aborted.
    for (let t = 0; t < 12; t++) {
      const commit = t % 3 !== 1
      producer.begin()
      const sends = []
      for (let i = 0; i < 30; i++) {
        const p = i % 3
        const value = `t${t}-r${i}-${commit ? 'c' : 'a'}`
        all[p].push(value)
        if (commit) committed[p].push(value)
        sends.push(producer.send({ topic, partition: p, value: Buffer.from(value) }))
      }
      if (commit) {
        await producer.commit()
        await Promise.all(sends)
      } else {
        // Records already acknowledged stay in the log; abort markers hide them.
        await producer.flush()
        await producer.abort()
      }
    }
    await producer.close()

    const rc = await readAllValues(topic, 3, 'read_committed')
    expect(rc).toEqual(committed)
    expect(rc.flat()).toHaveLength(240)
    const ru = await readAllValues(topic, 3, 'read_uncommitted')
    expect(ru).toEqual(all) // every data record, no control records
    expect(ru.flat()).toHaveLength(360)

    // Kafka's Java console consumer with read_committed sees the same 240 records.
    const java = await startJavaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server', bootstrap(),
      '--topic', topic,
      '--from-beginning',
      '--isolation-level', 'read_committed',
      '--max-messages', '360',
      '--timeout-ms', '10000',
    ])
    try {
      await new Promise<void>((resolve) => java.proc.once('exit', () => resolve()))
    } finally {
      await java.stop()
    }
    const javaValues = java.lines.filter((l) => /^t\d+-r\d+-[ca]$/.test(l))
    expect(javaValues.sort()).toEqual(committed.flat().sort())
    await client.deleteTopic(topic)
  }, 120_000)

  it('speaks transaction version 2 where the cluster finalizes it (Kafka 4.x): a new epoch per transaction, offsets and records committed together', async () => {
    const topic = uniqueTopic('txn-v2')
    const source = uniqueTopic('txn-v2-src')
    await client.createTopic(topic, { partitions: 3 })
    await client.createTopic(source, { partitions: 1 })
    const version = kafkaVersion()
    // Redpanda speaks transaction version 1 only (no Produce v12, no transaction.version feature).
    const expected = brokerProfile() === 'redpanda' ? 1 : version.startsWith('4.') ? 2 : version.startsWith('3.') ? 1 : (await client.cluster.anyBroker()).featureLevel('transaction.version') >= 2 ? 2 : 1
    const groupId = `txn-v2-${topic}`
    const group = { groupId, generationId: -1, memberId: '', groupInstanceId: null }
    const p = txnProducer(`v2-${topic}`)
    await p.init()
    const { producerId, epoch: first } = p.producerIdAndEpoch
    const outcomes = ['commit', 'abort', 'commit', 'commit'] as const
    for (let t = 0; t < outcomes.length; t++) {
      p.begin()
      for (let i = 0; i < 6; i++) p.send({ topic, partition: i % 3, value: `t${t}-${i}` }).catch(() => undefined)
      await p.sendOffsets([{ topic: source, partition: 0, offset: BigInt(t + 1) }], group)
      if (outcomes[t] === 'commit') await p.commit()
      else await p.abort()
      expect(p.transactionVersion).toBe(expected)
      // Version 2: every EndTxn bumps the epoch (same producer id); version 1 keeps it.
      expect(p.producerIdAndEpoch).toEqual({ producerId, epoch: expected === 2 ? first + t + 1 : first })
    }
    const committed = await readAllValues(topic, 3, 'read_committed')
    expect(committed.flat().sort()).toEqual(['t0', 't2', 't3'].flatMap((t) => Array.from({ length: 6 }, (_, i) => `${t}-${i}`)).sort())
    // The offsets of the last committed transaction are the group's (the aborted one's never were).
    const offsets = await client.admin().listGroupOffsets(groupId)
    expect(offsets.find((o) => o.topic === source && o.partition === 0)?.offset).toBe(4n)
    await p.close()
    await client.deleteTopic(topic)
    await client.deleteTopic(source)
  })

  it('a second producer with the same transactional id fences the first', async () => {
    const topic = uniqueTopic('txn-fence')
    await client.createTopic(topic, { partitions: 1 })
    const id = uniqueTopic('fence-id')
    const first = txnProducer(id)
    await first.init()
    first.begin()
    await first.send({ topic, value: Buffer.from('zombie-1') })

    const second = txnProducer(id)
    await second.init() // bumps the epoch: the first producer's open transaction is aborted
    second.begin()
    await second.send({ topic, value: Buffer.from('second-1') })
    await second.commit()

    const late = first.send({ topic, value: Buffer.from('zombie-2') }).catch((e: unknown) => e)
    const commitErr = await first.commit().catch((e: unknown) => e)
    expect(commitErr).toBeInstanceOf(ProducerFencedError)
    expect(await late).toBeInstanceOf(ProducerFencedError)
    expect(first.transactionState).toBe('fatal_error')
    // A fenced producer refuses everything.
    expect(() => first.begin()).toThrow(ProducerFencedError)
    await expect(first.send({ topic, value: null })).rejects.toBeInstanceOf(ProducerFencedError)
    await first.close()
    await second.close()
    expect(await readValues(topic, 0, 'read_committed')).toEqual(['second-1'])
    await client.deleteTopic(topic)
  })

  it('wrong state transitions throw TransactionStateError', async () => {
    const topic = uniqueTopic('txn-state')
    await client.createTopic(topic)
    const p = txnProducer(uniqueTopic('state-id'))
    expect(() => p.begin()).toThrow(TransactionStateError) // before init()
    await p.init()
    await expect(p.send({ topic, value: null })).rejects.toBeInstanceOf(TransactionStateError) // no begin()
    await expect(p.commit()).rejects.toBeInstanceOf(TransactionStateError)
    await expect(p.init()).rejects.toBeInstanceOf(TransactionStateError) // twice
    p.begin()
    expect(() => p.begin()).toThrow(TransactionStateError)
    await p.send({ topic, value: Buffer.from('x') })
    await p.commit()
    await expect(p.commit()).rejects.toBeInstanceOf(TransactionStateError) // commit twice
    await expect(p.abort()).rejects.toBeInstanceOf(TransactionStateError)
    // An empty transaction commits without EndTxn.
    p.begin()
    await p.commit()
    // abort() right after sending: unsent records fail, records in flight fail too (they are aborted).
    p.begin()
    const pending = Array.from({ length: 100 }, (_, i) => p.send({ topic, value: Buffer.from(`a-${i}`) }).then(() => 'written', (e: unknown) => e))
    await p.abort()
    const outcomes = await Promise.all(pending)
    expect(outcomes.every((o) => o instanceof TransactionAbortableError)).toBe(true)
    await p.close()
    expect(await readValues(topic, 0, 'read_committed')).toEqual(['x'])
    await client.deleteTopic(topic)
  })

  it('a record the broker rejects makes commit() throw TransactionAbortableError; abort() bumps the epoch (KIP-360) and the next transaction works', async () => {
    const topic = uniqueTopic('txn-abortable')
    await client.createTopic(topic, { configs: { 'max.message.bytes': '20000' } })
    const p = txnProducer(uniqueTopic('abortable-id'), { lingerMs: 0 })
    await p.init()
    p.begin()
    await p.send({ topic, value: Buffer.from('ok-1') })
    const big = await p.send({ topic, value: Buffer.alloc(100_000, 1) }).catch((e: unknown) => e)
    expect(String(big)).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/)
    expect(p.transactionState).toBe('abortable_error')
    await expect(p.send({ topic, value: Buffer.from('refused') })).rejects.toBeInstanceOf(TransactionAbortableError)
    await expect(p.commit()).rejects.toBeInstanceOf(TransactionAbortableError)
    await p.abort()
    expect(p.transactionState).toBe('ready')
    // The rejected batch left a sequence gap: without the epoch bump this would fail OUT_OF_ORDER_SEQUENCE_NUMBER.
    p.begin()
    await p.send({ topic, value: Buffer.from('ok-2') })
    await p.commit()
    await p.close()
    expect(await readValues(topic, 0, 'read_committed')).toEqual(['ok-2'])
    await client.deleteTopic(topic)
  })

  it('consume-transform-produce: offsets sent with sendOffsets are committed only with the transaction', async () => {
    const input = uniqueTopic('ctp-in')
    const output = uniqueTopic('ctp-out')
    const groupId = uniqueTopic('ctp-g')
    await client.createTopic(input, { partitions: 1 })
    await client.createTopic(output, { partitions: 1 })
    const plain = client.producer()
    await plain.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: input, value: Buffer.from(`in-${i}`) })))
    await plain.close()

    const consumer = client.groupConsumer({ groupId, topics: [input], autoOffsetReset: 'earliest', autoCommit: false, isolationLevel: 'read_committed', heartbeatIntervalMs: 500 })
    await consumer.start()
    const producer = txnProducer(uniqueTopic('ctp-id'))
    await producer.init()
    const admin = client.admin()
    const committedOffset = async () => (await admin.listGroupOffsets(groupId)).find((o) => o.topic === input && o.partition === 0)?.offset ?? -1n

    // Take the 20 records, transform them in a transaction, then abort: nothing committed.
    const got: string[] = []
    let next = 0n
    while (got.length < 20) {
      const b = await consumer.next()
      if (!b) break
      for (const r of b.records) got.push(r.value!.toString())
      next = b.nextOffset
    }
    expect(got).toHaveLength(20)
    producer.begin()
    for (const v of got) producer.send({ topic: output, value: Buffer.from(v.toUpperCase()) })
    await producer.sendOffsets([{ topic: input, partition: 0, offset: next }], consumer.groupMetadata())
    await producer.flush()
    await producer.abort()
    expect(await committedOffset()).toBe(-1n)
    expect(await readValues(output, 0, 'read_committed')).toEqual([])

    // Again, committing this time: output and offsets become visible together.
    producer.begin()
    for (const v of got) producer.send({ topic: output, value: Buffer.from(v.toUpperCase()) })
    await producer.sendOffsets([{ topic: input, partition: 0, offset: next }], consumer.groupMetadata())
    await producer.commit()
    // The group coordinator applies transactional offsets when the commit marker reaches it.
    await expect.poll(committedOffset, { timeout: 10_000 }).toBe(20n)
    expect(await readValues(output, 0, 'read_committed')).toEqual(got.map((v) => v.toUpperCase()))
    expect(await readValues(output, 0, 'read_uncommitted')).toHaveLength(40)

    // A stale generation is refused (KIP-447): the coordinator fences the zombie's offsets.
    producer.begin()
    const stale = { ...consumer.groupMetadata(), generationId: consumer.groupMetadata().generationId + 5 }
    await expect(producer.sendOffsets([{ topic: input, partition: 0, offset: 20n }], stale)).rejects.toThrow(/ILLEGAL_GENERATION|refused/)
    await producer.abort()
    await producer.close()
    await consumer.close()
    await client.deleteTopic(input)
    await client.deleteTopic(output)
  })

  it('a commit whose answer never comes is not reported as success; abort() re-initialises and the records stay invisible', async () => {
    const topic = uniqueTopic('txn-unknown')
    await client.createTopic(topic)
    const proxy = await startTcpProxy(parseBrokerAddress(bootstrap()))
    const proxied = await Client.connect({
      brokers: [proxy.address],
      resolveBroker: () => ({ host: proxy.host, port: proxy.port }),
      requestTimeoutMs: 1_000,
      retry: { retries: 2, initialBackoffMs: 50, maxBackoffMs: 200 },
    })
    try {
      const p = proxied.transactionalProducer({ transactionalId: uniqueTopic('unknown-id'), maxBlockMs: 3_000, lingerMs: 0 })
      await p.init()
      p.begin()
      await p.send({ topic, value: Buffer.from('maybe') })
      proxy.blackhole()
      const err = await p.commit().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TransactionOutcomeUnknownError)
      expect(p.transactionState).toBe('outcome_unknown')
      expect(() => p.begin()).toThrow(TransactionStateError)
      proxy.resume()
      await p.abort() // InitProducerId: the coordinator aborts the open transaction
      expect(p.transactionState).toBe('ready')
      p.begin()
      await p.send({ topic, value: Buffer.from('after') })
      await p.commit()
      await p.close()
      expect(await readValues(topic, 0, 'read_committed')).toEqual(['after'])
    } finally {
      await proxied.close()
      await proxy.close()
    }
    await client.deleteTopic(topic)
  })
})
