// Admin against the real broker: every assertion checks what the broker reports afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, KafkaProtocolError, kafkaErrorInfo, type Admin, type GroupConsumer } from '../../src/index.js'
import type { Connection } from '../../src/client/connection.js'
import { Coordinators } from '../../src/client/coordinator.js'
import { AddPartitionsToTxn } from '../../src/protocol/messages/add-partitions-to-txn.js'
import { EndTxn } from '../../src/protocol/messages/end-txn.js'
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js'
import { encodeRecordBatchToBuffer } from '../../src/protocol/records/record-batch.js'
import { bootstrap, uniqueTopic } from './helpers.js'

let client: Client
let admin: Admin
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
  admin = client.admin()
})
afterAll(async () => {
  await client?.close()
})

async function produce(topic: string, partition: number, n: number): Promise<void> {
  const pc = await client.partitionClient(topic, partition)
  await pc.produce(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${partition}:${i}`) })))
}

const consumerOpts = { autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000, autoCommit: false }

/** InitProducerId, retried while the coordinator loads (the first use creates __transaction_state). */
async function initProducerId(conn: Connection, transactionalId: string | null, transactionTimeoutMs: number) {
  for (let i = 0; ; i++) {
    const res = await conn.request(InitProducerId, { transactionalId, transactionTimeoutMs })
    if (res.errorCode === 0 || i >= 100 || !kafkaErrorInfo(res.errorCode).retriable) return res
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('Admin', () => {
  it('describeCluster: cluster id, the broker we talk to, a controller among the brokers', async () => {
    const d = await admin.describeCluster()
    expect(d.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const [host, port] = bootstrap().split(':')
    expect(d.brokers.some((b) => b.host === host && b.port === Number(port))).toBe(true)
    expect(d.brokers.map((b) => b.nodeId)).toContain(d.controllerId)
  })

  it('topic configs: set, append, subtract and delete change what describeConfigs reports', async () => {
    const topic = uniqueTopic('cfg')
    await client.createTopic(topic)
    const get = async (name: string) => (await admin.describeConfigs([{ type: 'topic', name: topic }], { keys: [name] }))[0].configs.find((c) => c.name === name)!

    const before = await get('retention.ms')
    expect(before.isDefault).toBe(true)
    expect(before.source).toBe('DEFAULT_CONFIG')

    await admin.incrementalAlterConfigs([
      {
        type: 'topic',
        name: topic,
        ops: [
          { op: 'set', name: 'retention.ms', value: '123456' },
          { op: 'append', name: 'cleanup.policy', value: 'compact' },
        ],
      },
    ])
    // The controller applies the change; the broker answering describeConfigs sees it shortly after.
    await waitFor(async () => (await get('retention.ms')).value === '123456')
    const retention = await get('retention.ms')
    expect(retention.source).toBe('DYNAMIC_TOPIC_CONFIG')
    expect(retention.type).toBe('LONG')
    await waitFor(async () => (await get('cleanup.policy')).value === 'delete,compact')

    await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ op: 'subtract', name: 'cleanup.policy', value: 'delete' }] }])
    await waitFor(async () => (await get('cleanup.policy')).value === 'compact')

    await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ op: 'delete', name: 'retention.ms' }] }])
    await waitFor(async () => (await get('retention.ms')).isDefault)
    const after = await get('retention.ms')
    expect(after.isDefault).toBe(true)
    expect(after.value).toBe(before.value)

    // validateOnly changes nothing; a bad value is refused with the broker's reason.
    await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ op: 'set', name: 'retention.ms', value: '999' }] }], { validateOnly: true })
    // A real change made after it: once that one shows, the validateOnly one would show too
    // (config changes apply in order through the metadata log), so a wait cannot hide it.
    await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ op: 'set', name: 'segment.ms', value: '7654321' }] }])
    await waitFor(async () => (await get('segment.ms')).value === '7654321')
    expect((await get('retention.ms')).isDefault).toBe(true)
    const bad = await admin
      .incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ op: 'set', name: 'retention.ms', value: 'not-a-number' }] }])
      .catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(KafkaProtocolError)
    expect((bad as KafkaProtocolError).type).toBe('INVALID_CONFIG')
    await client.deleteTopic(topic)
  })

  it('broker configs: static values described, a per-broker dynamic value set and deleted on that broker', async () => {
    const { brokers } = await admin.describeCluster()
    const id = String(brokers[0].nodeId)
    const describe = async () => (await admin.describeConfigs([{ type: 'broker', name: id }]))[0]
    const d = await describe()
    expect(d.type).toBe('broker')
    const io = d.configs.find((c) => c.name === 'num.io.threads')!
    expect(io.source).toBe('STATIC_BROKER_CONFIG') // the launcher sets it in server.properties
    expect(io.value).toBe('4')

    await admin.incrementalAlterConfigs([{ type: 'broker', name: id, ops: [{ op: 'set', name: 'log.cleaner.backoff.ms', value: '16000' }] }])
    // Dynamic broker configs reach the broker through the metadata log: wait for it to apply them.
    const backoff = async () => (await describe()).configs.find((c) => c.name === 'log.cleaner.backoff.ms')!
    await waitFor(async () => (await backoff()).value === '16000')
    expect((await backoff()).source).toBe('DYNAMIC_BROKER_CONFIG')
    await admin.incrementalAlterConfigs([{ type: 'broker', name: id, ops: [{ op: 'delete', name: 'log.cleaner.backoff.ms' }] }])
    await waitFor(async () => (await backoff()).source !== 'DYNAMIC_BROKER_CONFIG')
    expect((await backoff()).value).toBe(d.configs.find((c) => c.name === 'log.cleaner.backoff.ms')!.value)
  })

  it('createPartitions grows a topic', async () => {
    const topic = uniqueTopic('grow')
    await client.createTopic(topic, { partitions: 1 })
    await admin.createPartitions(topic, 3)
    expect((await client.describeTopic(topic)).partitions.map((p) => p.partition)).toEqual([0, 1, 2])
    await client.deleteTopic(topic)
  })

  it('groups: a GroupConsumer shows up in listGroups/describeGroups; offsets altered, listed, deleted; a new consumer starts there', async () => {
    const topic = uniqueTopic('adm-grp')
    const groupId = uniqueTopic('adm-g')
    await client.createTopic(topic, { partitions: 2 })
    await produce(topic, 0, 10)
    await produce(topic, 1, 10)

    const c1 = client.groupConsumer({ groupId, topics: [topic], ...consumerOpts })
    let c2: GroupConsumer | undefined
    try {
      await c1.start()
      await waitFor(() => c1.assignment().length === 2)
      await waitFor(async () => (await admin.listGroups()).some((g) => g.groupId === groupId && g.state === 'Stable'))
      const listed = (await admin.listGroups()).find((g) => g.groupId === groupId)!
      expect(listed.protocolType).toBe('consumer')
      expect(listed.coordinator).toBeGreaterThanOrEqual(0)
      expect((await admin.listGroups({ states: ['Empty'] })).some((g) => g.groupId === groupId)).toBe(false)

      const [desc] = await admin.describeGroups([groupId])
      expect(desc.state).toBe('Stable')
      expect(desc.protocolType).toBe('consumer')
      expect(desc.protocol).toBe('cooperative-sticky')
      expect(desc.members).toHaveLength(1)
      expect(desc.members[0].subscription?.topics).toEqual([topic])
      expect(desc.members[0].assignment.map((tp) => `${tp.topic}-${tp.partition}`).sort()).toEqual([`${topic}-0`, `${topic}-1`])

      // Active members: altering offsets is refused, and so is deleting the group.
      const refused = await admin.alterGroupOffsets(groupId, [{ topic, partition: 0, offset: 5n }]).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(KafkaProtocolError)
      expect(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']).toContain((refused as KafkaProtocolError).type)
      const nonEmpty = await admin.deleteGroups([groupId]).catch((e: unknown) => e)
      expect((nonEmpty as KafkaProtocolError).type).toBe('NON_EMPTY_GROUP')
      await c1.close()
      await waitFor(async () => (await admin.describeGroups([groupId]))[0].state === 'Empty')

      await admin.alterGroupOffsets(groupId, [
        { topic, partition: 0, offset: 5n, metadata: 'admin' },
        { topic, partition: 1, offset: 7n },
      ])
      expect(await admin.listGroupOffsets(groupId)).toMatchObject([
        { topic, partition: 0, offset: 5n, metadata: 'admin' },
        { topic, partition: 1, offset: 7n },
      ])
      expect(await admin.listGroupOffsets(groupId, { partitions: [{ topic, partition: 1 }] })).toMatchObject([{ topic, partition: 1, offset: 7n }])

      // A new member starts where the offsets were set.
      c2 = client.groupConsumer({ groupId, topics: [topic], ...consumerOpts })
      await c2.start()
      const first = new Map<number, bigint>()
      const deadline = Date.now() + 20_000
      while (first.size < 2 && Date.now() < deadline) {
        const b = await c2.next()
        if (!b || b.records.length === 0) continue
        if (!first.has(b.partition)) first.set(b.partition, b.records[0].offset)
      }
      expect(Object.fromEntries(first)).toEqual({ 0: 5n, 1: 7n })
      await c2.close()
      c2 = undefined
      await waitFor(async () => (await admin.describeGroups([groupId]))[0].state === 'Empty')

      await admin.deleteGroupOffsets(groupId, [{ topic, partition: 1 }])
      expect((await admin.listGroupOffsets(groupId)).map((o) => o.partition)).toEqual([0])

      await admin.deleteGroups([groupId])
      expect((await admin.listGroups()).some((g) => g.groupId === groupId)).toBe(false)
      const gone = await admin.deleteGroups([groupId]).catch((e: unknown) => e)
      expect((gone as KafkaProtocolError).type).toBe('GROUP_ID_NOT_FOUND')
    } finally {
      await c1.close().catch(() => {})
      await c2?.close().catch(() => {})
    }
    await client.deleteTopic(topic)
  }, 90_000)

  it('describeProducers: an idempotent producer is reported by the partition leader', async () => {
    const topic = uniqueTopic('prod')
    await client.createTopic(topic)
    const init = await initProducerId(await client.cluster.anyBroker(), null, 60_000)
    expect(init.errorCode).toBe(0)
    const pc = await client.partitionClient(topic, 0)
    const records = [0, 1, 2].map((i) => ({ key: null, value: Buffer.from(String(i)) }))
    await pc.produceEncoded(encodeRecordBatchToBuffer(records, { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: 0 }))

    const [p] = await admin.describeProducers([{ topic, partition: 0 }])
    expect(p).toMatchObject({ topic, partition: 0, leader: (await client.describeTopic(topic)).partitions[0].leader })
    const state = p.producers.find((s) => s.producerId === init.producerId)
    expect(state).toMatchObject({ producerEpoch: init.producerEpoch, lastSequence: 2, currentTransactionStartOffset: -1n })
    await client.deleteTopic(topic)
  })

  it('transactions: describeTransactions and listTransactions follow a transactional id from Empty to Ongoing', async () => {
    const topic = uniqueTopic('txn')
    const transactionalId = uniqueTopic('txn-id')
    await client.createTopic(topic)
    const coordinator = await new Coordinators(client.cluster).get('transaction', transactionalId)
    const init = await initProducerId(coordinator, transactionalId, 45_000)
    expect(init.errorCode).toBe(0)

    const [empty] = await admin.describeTransactions([transactionalId])
    expect(empty).toMatchObject({ transactionalId, state: 'Empty', timeoutMs: 45_000, producerId: init.producerId, partitions: [] })
    expect(await admin.listTransactions()).toContainEqual(expect.objectContaining({ transactionalId, producerId: init.producerId, state: 'Empty' }))

    const added = await coordinator.request(AddPartitionsToTxn, {
      transactionalId,
      producerId: init.producerId,
      producerEpoch: init.producerEpoch,
      topics: [{ name: topic, partitions: [0] }],
    })
    expect(added.results[0].resultsByPartition[0].partitionErrorCode).toBe(0)
    const [ongoing] = await admin.describeTransactions([transactionalId])
    expect(ongoing.state).toBe('Ongoing')
    expect(ongoing.partitions).toEqual([{ topic, partition: 0 }])
    expect(ongoing.startTimeMs).toBeGreaterThan(0)
    const listed = await admin.listTransactions({ states: ['Ongoing'], producerIds: [init.producerId] })
    expect(listed.map((t) => t.transactionalId)).toEqual([transactionalId])

    const end = await coordinator.request(EndTxn, { transactionalId, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: false })
    expect(end.errorCode).toBe(0)
    await waitFor(async () => (await admin.describeTransactions([transactionalId]))[0].state === 'CompleteAbort')
    await client.deleteTopic(topic)
  })

  it('errors are typed: unknown topic configs, bad arguments', async () => {
    const err = await admin.describeConfigs([{ type: 'topic', name: uniqueTopic('missing') }]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaProtocolError)
    expect((err as KafkaProtocolError).type).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    await expect(admin.describeConfigs([{ type: 'broker', name: 'one' }])).rejects.toThrow(/node id/)
    await expect(admin.alterGroupOffsets('g', [])).rejects.toThrow(/non-empty/)
  })
})
