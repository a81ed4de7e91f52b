// Admin error paths, injected by the fault proxy in front of the real broker: NOT_CONTROLLER and
// coordinator moves are retried (after finding the controller or coordinator again), leader
// errors of partition-level admin calls refresh metadata and retry, and refusals come back as
// the named KafkaProtocolError without a retry, as Kafka's Java AdminClient does.
import { describe, expect, it } from 'vitest'
import { type Client, KafkaProtocolError } from '../../src/index.js'
import {
  CreatePartitions,
  CreateTopics,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeConfigs,
  DescribeGroups,
  ListOffsets,
  Metadata,
  OffsetFetch,
} from '../../src/protocol/index.js'
import { mentions, proxiedClient, sharedFaultProxy } from './fault-proxy/shared.js'
import { sharedClient, uniqueTopic } from './helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()

async function withClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = await proxiedClient(proxy())
  try {
    return await run(client)
  } finally {
    await client.close()
  }
}

async function partitionsOf(topic: string): Promise<number> {
  return (await direct().describeTopic(topic)).partitions.length
}

describe('admin faults', () => {
  it('CreateTopics answers NOT_CONTROLLER: the controller is looked up again, the request retried, the topic created', async () => {
    const topic = uniqueTopic('faults-admin')
    await withClient(async (client) => {
      const metadataBefore = proxy().count(Metadata.apiKey)
      const rule = proxy().addRule({ apiKey: CreateTopics.apiKey, match: mentions(topic), action: { kind: 'error', code: 'NOT_CONTROLLER' } })
      await client.createTopic(topic, { partitions: 2 })
      expect(rule.applied).toBe(1)
      expect(proxy().count(CreateTopics.apiKey, mentions(topic))).toBe(2)
      expect(proxy().count(Metadata.apiKey), 'metadata asked again for the controller').toBeGreaterThan(metadataBefore)
    })
    expect(await partitionsOf(topic)).toBe(2)
  })

  it('CreateTopics never reaches the broker (connection cut): retried, the topic created', async () => {
    const topic = uniqueTopic('faults-admin')
    await withClient(async (client) => {
      const rule = proxy().addRule({ apiKey: CreateTopics.apiKey, match: mentions(topic), action: { kind: 'disconnect' } })
      await client.createTopic(topic)
      expect(rule.applied).toBe(1)
    })
    expect(await partitionsOf(topic)).toBe(1)
  })

  it('CreateTopics answers TOPIC_ALREADY_EXISTS: thrown as that error, not retried', async () => {
    const topic = uniqueTopic('faults-admin')
    await withClient(async (client) => {
      proxy().addRule({ apiKey: CreateTopics.apiKey, match: mentions(topic), times: Infinity, action: { kind: 'error', code: 'TOPIC_ALREADY_EXISTS' } })
      const err = await client.createTopic(topic).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafkaProtocolError)
      expect((err as KafkaProtocolError).type).toBe('TOPIC_ALREADY_EXISTS')
      expect(proxy().count(CreateTopics.apiKey, mentions(topic))).toBe(1)
    })
  })

  it('DeleteTopics answers NOT_CONTROLLER: retried, the topic deleted', async () => {
    const topic = uniqueTopic('faults-admin')
    await direct().createTopic(topic)
    await withClient(async (client) => {
      const rule = proxy().addRule({ apiKey: DeleteTopics.apiKey, match: mentions(topic), action: { kind: 'error', code: 'NOT_CONTROLLER' } })
      await client.deleteTopic(topic)
      expect(rule.applied).toBe(1)
    })
    expect((await direct().listTopics()).includes(topic)).toBe(false)
  })

  it('CreatePartitions answers NOT_CONTROLLER: retried, the partitions added', async () => {
    const topic = uniqueTopic('faults-admin')
    await direct().createTopic(topic)
    await withClient(async (client) => {
      const rule = proxy().addRule({ apiKey: CreatePartitions.apiKey, match: mentions(topic), action: { kind: 'error', code: 'NOT_CONTROLLER' } })
      await client.createPartitions(topic, 3)
      expect(rule.applied).toBe(1)
    })
    expect(await partitionsOf(topic)).toBe(3)
  })

  it('DescribeConfigs answers UNKNOWN_TOPIC_OR_PARTITION for the topic: thrown as that error', async () => {
    const topic = uniqueTopic('faults-admin')
    await direct().createTopic(topic)
    await withClient(async (client) => {
      proxy().addRule({ apiKey: DescribeConfigs.apiKey, match: mentions(topic), action: { kind: 'error', code: 'UNKNOWN_TOPIC_OR_PARTITION' } })
      const err = await client
        .admin()
        .describeConfigs([{ type: 'topic', name: topic }])
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafkaProtocolError)
      expect((err as KafkaProtocolError).type).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    })
  })

  it.each([
    ['DescribeGroups', 'NOT_COORDINATOR', DescribeGroups.apiKey],
    ['DescribeGroups', 'COORDINATOR_LOAD_IN_PROGRESS', DescribeGroups.apiKey],
    ['OffsetFetch (listGroupOffsets)', 'NOT_COORDINATOR', OffsetFetch.apiKey],
    ['DeleteGroups', 'COORDINATOR_NOT_AVAILABLE', DeleteGroups.apiKey],
  ] as const)('%s answers %s: the coordinator looked up again, retried, answered', async (_name, code, apiKey) => {
    const topic = uniqueTopic('faults-admin')
    await direct().createTopic(topic)
    const groupId = uniqueTopic('faults-admin-group')
    await direct().admin().alterGroupOffsets(groupId, [{ topic, partition: 0, offset: 0n }])
    await withClient(async (client) => {
      const rule = proxy().addRule({ apiKey, match: mentions(groupId), action: { kind: 'error', code } })
      const admin = client.admin()
      if (apiKey === DescribeGroups.apiKey) expect((await admin.describeGroups([groupId]))[0].groupId).toBe(groupId)
      else if (apiKey === OffsetFetch.apiKey) expect((await admin.listGroupOffsets(groupId)).map((o) => o.offset)).toEqual([0n])
      else await admin.deleteGroups([groupId])
      expect(rule.applied).toBe(1)
    })
    if (apiKey === DeleteGroups.apiKey) expect(await direct().admin().listGroupOffsets(groupId)).toEqual([])
  })

  it.each(['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE'])('ListOffsets and DeleteRecords answer %s: metadata refreshed, retried, answered', async (code) => {
    const topic = uniqueTopic('faults-admin')
    await direct().createTopic(topic)
    await (await direct().partitionClient(topic, 0)).produce([{ value: Buffer.from('a') }, { value: Buffer.from('b') }])
    await withClient(async (client) => {
      const pc = await client.partitionClient(topic, 0)
      const lo = proxy().addRule({ apiKey: ListOffsets.apiKey, topic, action: { kind: 'error', code } })
      expect(await pc.getOffset('latest')).toBe(2n)
      expect(lo.applied).toBe(1)
      const dr = proxy().addRule({ apiKey: DeleteRecords.apiKey, topic, action: { kind: 'error', code } })
      await pc.deleteRecords(1n)
      expect(dr.applied).toBe(1)
    })
    expect(await (await direct().partitionClient(topic, 0)).getOffset('earliest')).toBe(1n)
  })
})
