// Peridot against a Redpanda-shaped broker: the fault proxy answers ApiVersions with the ranges
// Redpanda advertises (redpanda-profile.ts) and closes the connection on any request outside
// them, as Redpanda does. Version negotiation, the fallbacks (no topic ids, transaction version 1,
// Metadata for describeCluster) and clear UnsupportedVersionErrors for what Redpanda lacks are
// exercised here; `PERIDOT_BROKER_PROFILE=redpanda` runs whole integration files the same way.
import { afterEach, describe, expect, it } from 'vitest'
import { type Client, UnsupportedVersionError } from '../../src/index.js'
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  ApiVersions,
  DescribeCluster,
  Fetch,
  FindCoordinator,
  ListOffsets,
  Metadata,
  OffsetFetch,
  Produce,
  TxnOffsetCommit,
} from '../../src/protocol/index.js'
import { REDPANDA_APIS } from './fault-proxy/redpanda-profile.js'
import { mentions, proxiedClient, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy({ advertisedApis: REDPANDA_APIS })

afterEach(() => {
  expect(proxy().violations, 'requests Redpanda would refuse').toEqual([])
})

async function withClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = await proxiedClient(proxy())
  try {
    return await run(client)
  } finally {
    await client.close()
  }
}

const maxOf = (apiKey: number) => REDPANDA_APIS.find((a) => a.apiKey === apiKey)!.maxVersion
const versionsSeen = (apiKey: number, match?: Parameters<ReturnType<typeof proxy>['count']>[1]) =>
  [...new Set(proxy().requests.filter((r) => r.apiKey === apiKey && (!match || match(r))).map((r) => r.version))]

describe('Redpanda profile', () => {
  it("negotiates Redpanda's versions: ApiVersions asked again after UNSUPPORTED_VERSION, then each API at Redpanda's highest", async () => {
    const topic = uniqueTopic('rp-versions')
    await withClient(async (client) => {
      await client.createTopic(topic)
      const producer = client.producer()
      await producer.send({ topic, value: 'a' })
      await producer.close()
      const pc = await client.partitionClient(topic, 0)
      expect((await pc.fetchRecords(0n)).records.map((r) => r.value?.toString())).toEqual(['a'])
      expect(await pc.getOffset('latest')).toBe(1n)
      // Redpanda's ApiVersions carries no KIP-584 feature levels.
      expect((await client.cluster.anyBroker()).featureLevel('transaction.version')).toBe(0)
    })
    // Peridot's first ApiVersions (v4) is newer than Redpanda's v3: refused with the list of what
    // Redpanda speaks, then asked again at v3 (as the Java client does), on every connection.
    const apiVersions = proxy().requests.filter((r) => r.apiKey === ApiVersions.apiKey).map((r) => r.version)
    expect(apiVersions.length).toBeGreaterThan(0)
    expect(new Set(apiVersions)).toEqual(new Set([ApiVersions.maxVersion, maxOf(ApiVersions.apiKey)]))
    expect(apiVersions.filter((v) => v === ApiVersions.maxVersion).length).toBe(apiVersions.filter((v) => v === maxOf(ApiVersions.apiKey)).length)
    expect(versionsSeen(Produce.apiKey, mentions(topic))).toEqual([maxOf(Produce.apiKey)])
    expect(versionsSeen(Fetch.apiKey, mentions(topic)), 'topic names, not ids: Fetch v11').toEqual([maxOf(Fetch.apiKey)])
    expect(versionsSeen(ListOffsets.apiKey, mentions(topic))).toEqual([maxOf(ListOffsets.apiKey)])
    expect(versionsSeen(Metadata.apiKey)).toEqual([maxOf(Metadata.apiKey)])
  })

  it('a classic group consumer joins, reads and commits (FindCoordinator v3, OffsetFetch v7)', async () => {
    const topic = uniqueTopic('rp-group')
    await direct().createTopic(topic, { partitions: 2 })
    await direct().producer().sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })))
    const groupId = uniqueTopic('rp-group-id')
    await withClient(async (client) => {
      const consumer = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
      let seen = 0
      try {
        while (seen < 20) {
          const batch = await consumer.next()
          if (!batch) break
          seen += batch.records.length
        }
        await consumer.commit()
      } finally {
        await consumer.close()
      }
      expect(seen).toBe(20)
      const offsets = await client.admin().listGroupOffsets(groupId)
      expect(offsets.reduce((n, o) => n + Number(o.offset), 0)).toBe(20)
    })
    expect(versionsSeen(FindCoordinator.apiKey, mentions(groupId))).toEqual([maxOf(FindCoordinator.apiKey)])
    expect(versionsSeen(OffsetFetch.apiKey, mentions(groupId))).toEqual([maxOf(OffsetFetch.apiKey)])
  })

  it('transactions fall back to transaction version 1: AddPartitionsToTxn and AddOffsetsToTxn, and the records and offsets commit', async () => {
    const topic = uniqueTopic('rp-txn')
    await direct().createTopic(topic)
    const txId = uniqueTopic('rp-txn-id')
    const groupId = uniqueTopic('rp-txn-group')
    await withClient(async (client) => {
      const tx = client.transactionalProducer({ transactionalId: txId })
      await tx.init()
      tx.begin()
      expect(tx.transactionVersion).toBe(1)
      void tx.send({ topic, value: 'a' })
      await tx.sendOffsets([{ topic, partition: 0, offset: 3n }], { groupId, generationId: -1, memberId: '', groupInstanceId: null })
      await tx.commit()
      await tx.close()
    })
    expect(proxy().count(AddPartitionsToTxn.apiKey, mentions(txId))).toBeGreaterThan(0)
    expect(proxy().count(AddOffsetsToTxn.apiKey, mentions(txId))).toBeGreaterThan(0)
    expect(versionsSeen(TxnOffsetCommit.apiKey, mentions(groupId))).toEqual([maxOf(TxnOffsetCommit.apiKey)])
    const pc = await direct().partitionClient(topic, 0)
    for (;;) {
      const values = (await pc.fetchRecords(0n, { isolationLevel: 'read_committed', maxWaitMs: 100 })).records.map((r) => r.value?.toString())
      if (values.length > 0) {
        expect(values).toEqual(['a'])
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    expect((await direct().admin().listGroupOffsets(groupId)).map((o) => o.offset)).toEqual([3n])
  })

  it('admin without DescribeCluster: describeCluster answers from Metadata; the other admin calls work', async () => {
    const topic = uniqueTopic('rp-admin')
    await withClient(async (client) => {
      const admin = client.admin()
      const cluster = await admin.describeCluster()
      expect(cluster.brokers.length).toBeGreaterThan(0)
      expect(proxy().count(DescribeCluster.apiKey), 'never sent: Redpanda lacks it').toBe(0)
      await client.createTopic(topic)
      await admin.createPartitions(topic, 2)
      expect((await client.describeTopic(topic)).partitions).toHaveLength(2)
      const [configs] = await admin.describeConfigs([{ type: 'topic', name: topic }])
      expect(configs.configs.length).toBeGreaterThan(0)
      await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ op: 'set', name: 'retention.ms', value: '600000' }] }])
      expect(Array.isArray(await admin.listGroups({ states: ['Stable'] }))).toBe(true)
      expect(Array.isArray(await admin.listTransactions())).toBe(true)
      await client.deleteTopic(topic)
    })
  })

  it("what Redpanda lacks is a clear UnsupportedVersionError: KIP-848 consumers, listGroups by type, listTransactions by duration", async () => {
    const topic = uniqueTopic('rp-missing')
    await direct().createTopic(topic)
    await withClient(async (client) => {
      const consumer = client.groupConsumer({ groupId: uniqueTopic('rp-848'), topics: [topic], groupProtocol: 'consumer' })
      try {
        const err = await consumer.next().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(UnsupportedVersionError)
        expect((err as Error).message).toMatch(/consumer group protocol/)
      } finally {
        await consumer.close()
      }
      const admin = client.admin()
      await expect(admin.listGroups({ types: ['classic'] })).rejects.toThrow(UnsupportedVersionError)
      await expect(admin.listGroups({ types: ['classic'] })).rejects.toThrow(/ListGroups v5/)
      await expect(admin.listTransactions({ minDurationMs: 1000 })).rejects.toThrow(UnsupportedVersionError)
    })
  })
})
