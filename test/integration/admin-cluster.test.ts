// Admin calls that need no authorizer, against the shared broker: log directories, client
// quotas, SCRAM credentials (stored; authenticating with them is admin-security.test.ts),
// features, KIP-848 consumer group descriptions. Every assertion reads back what the broker
// reports; changes to cluster metadata reach the answering broker asynchronously, hence waitFor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, InvalidArgumentError, KafkaProtocolError, type Admin } from '../../src/index.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { bootstrap, hasConsumerGroupProtocol, kafkaVersion, uniqueTopic } from './helpers.js'

let client: Client
let admin: Admin
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
  admin = client.admin()
})
afterAll(async () => {
  await client?.close()
})

async function waitFor<T>(read: () => Promise<T>, ok: (t: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`condition not met in time; last value ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function rejection(p: Promise<unknown>): Promise<KafkaProtocolError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KafkaProtocolError)
  return err as KafkaProtocolError
}

describe('describeLogDirs', () => {
  it("lists the broker's log dir with the replicas of a topic, their sizes and the volume's space", async () => {
    const topic = uniqueTopic('logdirs')
    await client.createTopic(topic, { partitions: 2 })
    const pc = await client.partitionClient(topic, 0)
    await pc.produce(Array.from({ length: 20 }, (_, i) => ({ key: null, value: Buffer.alloc(100, i) })))

    const { brokers } = await admin.describeCluster()
    const dirs = await admin.describeLogDirs({ partitions: [{ topic, partition: 0 }, { topic, partition: 1 }] })
    expect(new Set(dirs.map((d) => d.broker))).toEqual(new Set(brokers.map((b) => b.nodeId)))
    const replicas = dirs.flatMap((d) => d.replicas.map((r) => ({ ...r, dir: d })))
    const p0 = replicas.find((r) => r.topic === topic && r.partition === 0)!
    const p1 = replicas.find((r) => r.topic === topic && r.partition === 1)!
    expect(p0.size).toBeGreaterThan(20 * 100)
    expect(p1.size).toBe(0)
    expect(p0.isFuture).toBe(false)
    expect(p0.dir.error).toBeNull()
    expect(p0.dir.path).toMatch(/^\//)
    expect(p0.dir.totalBytes).toBeGreaterThan(0)
    expect(p0.dir.usableBytes).toBeGreaterThan(0)
    expect(p0.dir.usableBytes!).toBeLessThanOrEqual(p0.dir.totalBytes!)

    // Without a partition filter every replica is listed, this topic's among them.
    const all = await admin.describeLogDirs()
    expect(all.flatMap((d) => d.replicas).filter((r) => r.topic === topic).map((r) => r.partition).sort()).toEqual([0, 1])
  })

  it('a broker id that is not in the cluster fails naming it', async () => {
    await expect(admin.describeLogDirs({ brokers: [987_654] })).rejects.toThrow(InvalidArgumentError)
    await expect(admin.describeLogDirs({ brokers: [987_654] })).rejects.toThrow(/987654/)
  })
})

describe('client quotas', () => {
  it('set, read back, remove one key, remove all: describeClientQuotas follows', async () => {
    const user = uniqueTopic('quota-user')
    const describe = () => admin.describeClientQuotas([{ entityType: 'user', name: user }])
    await admin.alterClientQuotas([{ entity: { user }, ops: { producer_byte_rate: 1_048_576, consumer_byte_rate: 2_097_152 } }])
    const set = await waitFor(describe, (e) => e.length === 1 && Object.keys(e[0].values).length === 2)
    expect(set).toEqual([{ entity: { user }, values: { producer_byte_rate: 1_048_576, consumer_byte_rate: 2_097_152 } }])

    await admin.alterClientQuotas([{ entity: { user }, ops: { consumer_byte_rate: null } }])
    await waitFor(describe, (e) => e.length === 1 && e[0].values.consumer_byte_rate === undefined && e[0].values.producer_byte_rate === 1_048_576)

    await admin.alterClientQuotas([{ entity: { user }, ops: { producer_byte_rate: null } }])
    await waitFor(describe, (e) => e.length === 0)
  })

  it("a user's default client id, matched with name null; strict leaves out wider entities", async () => {
    const user = uniqueTopic('quota-user-default')
    await admin.alterClientQuotas([
      { entity: { user, 'client-id': null }, ops: { request_percentage: 50 } },
      { entity: { user }, ops: { producer_byte_rate: 4096 } },
    ])
    const both = await waitFor(
      () => admin.describeClientQuotas([{ entityType: 'user', name: user }]),
      (e) => e.length === 2,
    )
    expect(both).toContainEqual({ entity: { user, 'client-id': null }, values: { request_percentage: 50 } })
    expect(both).toContainEqual({ entity: { user }, values: { producer_byte_rate: 4096 } })
    const strict = await admin.describeClientQuotas([{ entityType: 'user', name: user }], { strict: true })
    expect(strict).toEqual([{ entity: { user }, values: { producer_byte_rate: 4096 } }])
    const defaults = await admin.describeClientQuotas([{ entityType: 'user', name: user }, { entityType: 'client-id', name: null }])
    expect(defaults).toEqual([{ entity: { user, 'client-id': null }, values: { request_percentage: 50 } }])
    await admin.alterClientQuotas([
      { entity: { user, 'client-id': null }, ops: { request_percentage: null } },
      { entity: { user }, ops: { producer_byte_rate: null } },
    ])
  })

  it('validateOnly changes nothing; an unknown quota key is refused naming the entity', async () => {
    const user = uniqueTopic('quota-validate')
    await admin.alterClientQuotas([{ entity: { user }, ops: { producer_byte_rate: 1024 } }], { validateOnly: true })
    // Give a real change the time it takes to show, then check nothing did.
    await admin.alterClientQuotas([{ entity: { user: `${user}-marker` }, ops: { producer_byte_rate: 1 } }])
    await waitFor(() => admin.describeClientQuotas([{ entityType: 'user', name: `${user}-marker` }]), (e) => e.length === 1)
    expect(await admin.describeClientQuotas([{ entityType: 'user', name: user }])).toEqual([])
    await admin.alterClientQuotas([{ entity: { user: `${user}-marker` }, ops: { producer_byte_rate: null } }])

    const err = await rejection(admin.alterClientQuotas([{ entity: { user }, ops: { no_such_quota: 1 } }]))
    expect(err.code).toBe(ErrorCode.INVALID_REQUEST)
    expect(err.message).toContain(user)
  })
})

describe('SCRAM credentials', () => {
  it('upsert two mechanisms, describe them, delete one, delete the rest', async () => {
    const user = uniqueTopic('scram-user')
    await admin.alterUserScramCredentials([
      { user, mechanism: 'SCRAM-SHA-256', password: 'secret-256', iterations: 8192 },
      { user, mechanism: 'SCRAM-SHA-512', password: 'secret-512' },
    ])
    const described = await waitFor(
      () => admin.describeUserScramCredentials([user]).catch(() => []),
      (d) => d.length === 1 && d[0].credentials.length === 2,
    )
    expect(described).toEqual([
      {
        user,
        credentials: [
          { mechanism: 'SCRAM-SHA-256', iterations: 8192 },
          { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
        ],
      },
    ])
    expect((await admin.describeUserScramCredentials()).map((d) => d.user)).toContain(user)

    await admin.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-256', delete: true }])
    await waitFor(
      () => admin.describeUserScramCredentials([user]),
      (d) => d[0].credentials.length === 1 && d[0].credentials[0].mechanism === 'SCRAM-SHA-512',
    )
    await admin.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-512', delete: true }])
    const gone = await waitFor(
      () => admin.describeUserScramCredentials([user]).then(() => null, (e: unknown) => e),
      (e) => e !== null,
    )
    expect(gone).toBeInstanceOf(KafkaProtocolError)
    expect((gone as KafkaProtocolError).code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
    expect((gone as KafkaProtocolError).message).toContain(user)
  })

  it('deleting a credential that does not exist fails with RESOURCE_NOT_FOUND naming the user', async () => {
    const user = uniqueTopic('scram-nobody')
    const err = await rejection(admin.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-512', delete: true }]))
    expect(err.code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
    expect(err.message).toContain(user)
  })

  it('bad iterations and mechanisms fail before anything is sent', async () => {
    await expect(admin.alterUserScramCredentials([{ user: 'u', mechanism: 'SCRAM-SHA-256', password: 'p', iterations: 100 }])).rejects.toThrow(InvalidArgumentError)
    await expect(admin.alterUserScramCredentials([{ user: 'u', mechanism: 'SCRAM-SHA-1' as 'SCRAM-SHA-256', password: 'p' }])).rejects.toThrow(/SCRAM-SHA-256/)
  })
})

describe('features', () => {
  it('describeFeatures: metadata.version finalized within what the broker supports', async () => {
    const f = await admin.describeFeatures()
    expect(f.finalizedEpoch).not.toBeNull()
    const mv = f.finalized['metadata.version']
    expect(mv.maxVersionLevel).toBeGreaterThanOrEqual(1)
    expect(mv.maxVersionLevel).toBeLessThanOrEqual(f.supported['metadata.version'].maxVersion)
    expect(mv.maxVersionLevel).toBeGreaterThanOrEqual(f.supported['metadata.version'].minVersion)
  })

  it('updateFeatures (validate only): a level beyond what the broker supports is refused; nothing changes', async () => {
    const before = await admin.describeFeatures()
    const beyond = before.supported['metadata.version'].maxVersion + 100
    const err = await rejection(admin.updateFeatures({ 'metadata.version': { maxVersionLevel: beyond } }, { validateOnly: true }))
    expect(err.code).toBe(ErrorCode.INVALID_UPDATE_VERSION)
    // A downgrade asked as an upgrade is refused too.
    const current = before.finalized['metadata.version'].maxVersionLevel
    await expect(admin.updateFeatures({ 'metadata.version': { maxVersionLevel: current - 1 } }, { validateOnly: true })).rejects.toThrow(KafkaProtocolError)
    expect((await admin.describeFeatures()).finalized).toEqual(before.finalized)
  })
})

describe('describeConsumerGroups (KIP-848)', () => {
  it('a consumer-protocol group: its member, subscription and assignment, as the coordinator sees them', async (ctx) => {
    if (!hasConsumerGroupProtocol()) ctx.skip()
    const topic = uniqueTopic('cgd')
    const groupId = uniqueTopic('cgd-group')
    await client.createTopic(topic, { partitions: 3 })
    await (await client.partitionClient(topic, 0)).produce([{ key: null, value: Buffer.from('x') }])
    const consumer = client.groupConsumer({ groupId, topics: [topic], groupProtocol: 'consumer', autoOffsetReset: 'earliest' })
    try {
      for await (const batch of consumer) if (batch.records.length > 0) break
      const [g] = await waitFor(
        () => admin.describeConsumerGroups([groupId]),
        ([d]) => d.state === 'Stable' && d.members.length === 1 && d.members[0].assignment.length === 3,
      )
      expect(g.groupId).toBe(groupId)
      expect(g.assignor).toMatch(/^(uniform|range)$/)
      expect(g.groupEpoch).toBeGreaterThanOrEqual(1)
      const [m] = g.members
      expect(m.subscribedTopics).toEqual([topic])
      expect(m.assignment).toEqual([0, 1, 2].map((partition) => ({ topic, partition })))
      expect(m.targetAssignment).toEqual(m.assignment)
      expect(m.memberEpoch).toBeGreaterThanOrEqual(1)
      expect(m.memberType).toBe(kafkaVersion().startsWith('3.') ? 'unknown' : 'consumer')
      expect(g.coordinator).toBeGreaterThanOrEqual(0)
      // describeGroups describes it too (DescribeGroups alone reports it as Dead).
      const [d] = await admin.describeGroups([groupId])
      expect({ state: d.state, protocolType: d.protocolType, protocol: d.protocol, coordinator: d.coordinator }).toEqual({ state: 'Stable', protocolType: 'consumer', protocol: g.assignor, coordinator: g.coordinator })
      expect(d.members.map((x) => ({ memberId: x.memberId, topics: x.subscription?.topics, assignment: x.assignment }))).toEqual([{ memberId: m.memberId, topics: [topic], assignment: m.assignment }])
      // A group that exists nowhere stays Dead.
      const [none] = await admin.describeGroups([uniqueTopic('no-such-group')])
      expect({ state: none.state, members: none.members }).toEqual({ state: 'Dead', members: [] })
    } finally {
      await consumer.close()
    }
  })

  it('a group that does not exist fails with GROUP_ID_NOT_FOUND', async (ctx) => {
    if (!hasConsumerGroupProtocol()) ctx.skip()
    const err = await rejection(admin.describeConsumerGroups([uniqueTopic('no-such-group')]))
    expect(err.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
  })
})

describe('ACLs without an authorizer', () => {
  it('describeAcls fails with SECURITY_DISABLED', async () => {
    const err = await rejection(admin.describeAcls())
    expect(err.code).toBe(ErrorCode.SECURITY_DISABLED)
  })
})
