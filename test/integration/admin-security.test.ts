// ACLs and SCRAM users administered through the Admin API, proven by their effect: a private
// broker (its own data dir and ports) runs Kafka's StandardAuthorizer with ANONYMOUS (the
// PLAINTEXT listener, used by the admin and the broker itself) as the super user, and a
// SASL_PLAINTEXT listener with SCRAM. A user created by alterUserScramCredentials logs in over
// SCRAM (so the client-side salted password is what the broker expects), and the ACLs the admin
// creates and deletes decide what that user may do. The broker also has two log directories,
// so alterReplicaLogDirs can move a replica from one disk to the other.
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthenticationError, Client, InvalidArgumentError, KafkaProtocolError, type Admin, type AclBinding } from '../../src/index.js'
import { DEFAULT_KAFKA_VERSION, findFreePort, startLocalBroker, stopLocalBroker } from '../../src/dev/index.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'

const h = '127.0.0.1'
let dir: string
let dataDir: string
let plaintext: string
let saslPlaintext: string
let client: Client
let admin: Admin

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peridot-acl-'))
  dataDir = join(dir, 'kafka')
  // log.dirs is overridden below, so the launcher does not create the data dir by itself.
  await mkdir(dataDir, { recursive: true })
  const ports: number[] = []
  while (ports.length < 3) {
    const p = await findFreePort()
    if (!ports.includes(p)) ports.push(p)
  }
  const [plain, controller, sasl] = ports
  plaintext = `${h}:${plain}`
  saslPlaintext = `${h}:${sasl}`
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  await startLocalBroker({
    kafkaVersion: process.env.PERIDOT_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION,
    port: plain,
    controllerPort: controller,
    dataDir,
    heapMb: 512,
    serverProperties: {
      listeners: `PLAINTEXT://${plaintext},SASL_PLAINTEXT://${saslPlaintext},CONTROLLER://${h}:${controller}`,
      'advertised.listeners': `PLAINTEXT://${plaintext},SASL_PLAINTEXT://${saslPlaintext}`,
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': scramJaas,
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': scramJaas,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // The PLAINTEXT and CONTROLLER listeners authenticate nobody: ANONYMOUS is the broker itself and the admin.
      'super.users': 'User:ANONYMOUS',
      // Two disks (JBOD) for alterReplicaLogDirs.
      'log.dirs': `${join(dir, 'disk-a')},${join(dir, 'disk-b')}`,
    },
  })
  client = await Client.connect({ brokers: [plaintext] })
  admin = client.admin()
}, 180_000)

afterAll(async () => {
  await client?.close()
  if (dataDir) await stopLocalBroker({ dataDir })
  if (dir) await rm(dir, { recursive: true, force: true })
}, 60_000)

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

async function waitFor<T>(read: () => Promise<T>, ok: (t: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`condition not met in time; last value ${String(value instanceof Error ? value.message : JSON.stringify(value))}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A SCRAM user created through the admin, visible to the broker's authenticator. */
async function createUser(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', iterations?: number): Promise<{ username: string; password: string }> {
  const username = unique('user')
  const password = `pw-${randomUUID()}`
  await admin.alterUserScramCredentials([{ user: username, mechanism, password, iterations }])
  await waitFor(
    () => admin.describeUserScramCredentials([username]).catch(() => []),
    (d) => d.length === 1,
  )
  return { username, password }
}

/** Connects as a SCRAM user; the error when the broker refuses. */
async function connectAs(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string): Promise<Client | Error> {
  return Client.connect({ brokers: [saslPlaintext], sasl: { mechanism, username, password }, retry: { retries: 0 }, connectTimeoutMs: 10_000 }).catch((e: unknown) => e as Error)
}

/** Produces one record as `c`; the error (e.g. TOPIC_AUTHORIZATION_FAILED) when refused. */
async function tryProduce(c: Client, topic: string): Promise<Error | null> {
  try {
    const pc = await c.partitionClient(topic, 0)
    await pc.produce([{ key: null, value: Buffer.from('x') }])
    return null
  } catch (e) {
    return e as Error
  }
}

describe('SCRAM users created by the admin', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism}: the user logs in with its password; a wrong password and the other mechanism are refused`, async () => {
      const { username, password } = await createUser(mechanism, 8192)
      const ok = await connectAs(mechanism, username, password)
      expect(ok).toBeInstanceOf(Client)
      await (ok as Client).close()

      expect(await connectAs(mechanism, username, `${password}-wrong`)).toBeInstanceOf(AuthenticationError)
      const other = mechanism === 'SCRAM-SHA-256' ? 'SCRAM-SHA-512' : 'SCRAM-SHA-256'
      expect(await connectAs(other, username, password)).toBeInstanceOf(AuthenticationError)
    })
  }

  it('a replaced password takes over from the old one; a deleted credential logs in no more', async () => {
    const { username, password } = await createUser('SCRAM-SHA-512')
    const replaced = `${password}-new`
    await admin.alterUserScramCredentials([{ user: username, mechanism: 'SCRAM-SHA-512', password: replaced, iterations: 4096 * 2 }])
    await waitFor(() => admin.describeUserScramCredentials([username]), (d) => d[0].credentials[0].iterations === 8192)
    const withNew = await connectAs('SCRAM-SHA-512', username, replaced)
    expect(withNew).toBeInstanceOf(Client)
    await (withNew as Client).close()
    expect(await connectAs('SCRAM-SHA-512', username, password)).toBeInstanceOf(AuthenticationError)

    await admin.alterUserScramCredentials([{ user: username, mechanism: 'SCRAM-SHA-512', delete: true }])
    await waitFor(() => admin.describeUserScramCredentials([username]).then(() => false, () => true), (gone) => gone)
    expect(await connectAs('SCRAM-SHA-512', username, replaced)).toBeInstanceOf(AuthenticationError)
  })
})

describe('replica log dirs (a broker with two disks)', () => {
  it('alterReplicaLogDirs moves a replica to the other disk; its records stay readable', async () => {
    const topic = unique('move')
    await client.createTopic(topic, { partitions: 1 })
    const pc = await client.partitionClient(topic, 0)
    await pc.produce(Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`) })))
    const dirs = await admin.describeLogDirs()
    expect(dirs.map((d) => d.path).sort()).toEqual([join(dir, 'disk-a'), join(dir, 'disk-b')])
    const from = dirs.find((d) => d.replicas.some((r) => r.topic === topic))!
    const to = dirs.find((d) => d !== from)!
    await admin.alterReplicaLogDirs([{ topic, partition: 0, broker: to.broker, path: to.path }])
    await waitFor(
      () => admin.describeLogDirs({ partitions: [{ topic, partition: 0 }] }),
      (now) => {
        const holders = now.filter((d) => d.replicas.some((r) => r.topic === topic))
        return holders.length === 1 && holders[0].path === to.path && !holders[0].replicas[0].isFuture
      },
      60_000,
    )
    const { records } = await (await client.partitionClient(topic, 0)).fetchRecords(0n, { maxWaitMs: 100 })
    expect(records.map((r) => r.value?.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`))
  })

  it('a directory the broker does not have is refused with LOG_DIR_NOT_FOUND naming the replica', async () => {
    const topic = unique('move-nowhere')
    await client.createTopic(topic, { partitions: 1 })
    const [{ broker }] = await admin.describeLogDirs()
    const err = await admin.alterReplicaLogDirs([{ topic, partition: 0, broker, path: join(dir, 'no-such-disk') }]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaProtocolError)
    expect((err as KafkaProtocolError).code).toBe(ErrorCode.LOG_DIR_NOT_FOUND)
    expect((err as KafkaProtocolError).message).toContain(`${topic}-0`)
  })
})

describe('ACLs', () => {
  it('create, describe with filters, take effect (allow, then a deny that wins), delete', async () => {
    const { username, password } = await createUser('SCRAM-SHA-256')
    const principal = `User:${username}`
    const topic = unique('acl-topic')
    await client.createTopic(topic, { partitions: 1 })
    const user = (await connectAs('SCRAM-SHA-256', username, password)) as Client
    expect(user).toBeInstanceOf(Client)
    try {
      // No ACL: the authorizer denies the user (StandardAuthorizer default).
      const denied = await tryProduce(user, topic)
      expect(denied).toBeInstanceOf(KafkaProtocolError)
      expect((denied as KafkaProtocolError).code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED)

      const allow: AclBinding[] = [
        { resourceType: 'topic', resourceName: topic, principal, operation: 'write', permission: 'allow' },
        { resourceType: 'topic', resourceName: topic, principal, operation: 'describe', permission: 'allow' },
      ]
      await admin.createAcls(allow)
      const listed = await waitFor(() => admin.describeAcls({ principal }), (a) => a.length === 2)
      expect(listed).toEqual([
        { resourceType: 'topic', resourceName: topic, patternType: 'literal', principal, host: '*', operation: 'describe', permission: 'allow' },
        { resourceType: 'topic', resourceName: topic, patternType: 'literal', principal, host: '*', operation: 'write', permission: 'allow' },
      ])
      await waitFor(() => tryProduce(user, topic), (e) => e === null)

      // A prefixed deny on the topic's prefix: 'match' finds it for the topic's name, and deny wins.
      const prefix = topic.slice(0, topic.length - 3)
      await admin.createAcls([{ resourceType: 'topic', resourceName: prefix, patternType: 'prefixed', principal, operation: 'write', permission: 'deny' }])
      const matching = await waitFor(
        () => admin.describeAcls({ resourceType: 'topic', resourceName: topic, patternType: 'match' }),
        (a) => a.length === 3,
      )
      expect(matching.filter((a) => a.patternType === 'prefixed')).toEqual([
        { resourceType: 'topic', resourceName: prefix, patternType: 'prefixed', principal, host: '*', operation: 'write', permission: 'deny' },
      ])
      expect(await admin.describeAcls({ resourceType: 'topic', resourceName: topic, patternType: 'literal', operation: 'write' })).toHaveLength(1)
      expect(await admin.describeAcls({ principal, permission: 'deny' })).toHaveLength(1)
      const deniedAgain = await waitFor(() => tryProduce(user, topic), (e) => e !== null)
      expect((deniedAgain as KafkaProtocolError).code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED)

      // Deleting the deny (by filter) lets the allow rule again.
      const deletedDeny = await admin.deleteAcls([{ principal, permission: 'deny' }])
      expect(deletedDeny.map((a) => a.resourceName)).toEqual([prefix])
      await waitFor(() => tryProduce(user, topic), (e) => e === null)

      // Deleting everything of the principal returns what was deleted and leaves nothing.
      const deleted = await admin.deleteAcls([{ principal }])
      expect(deleted).toEqual(listed)
      await waitFor(() => admin.describeAcls({ principal }), (a) => a.length === 0)
      expect(await admin.deleteAcls([{ principal }])).toEqual([])
    } finally {
      await user.close()
    }
  })

  it('a group and a cluster ACL round-trip; bad bindings fail before anything is sent', async () => {
    const principal = `User:${unique('grp')}`
    const group = unique('acl-group')
    await admin.createAcls([
      { resourceType: 'group', resourceName: group, principal, host: '127.0.0.1', operation: 'read', permission: 'allow' },
      { resourceType: 'cluster', resourceName: 'kafka-cluster', principal, operation: 'idempotentWrite', permission: 'allow' },
    ])
    const acls = await waitFor(() => admin.describeAcls({ principal }), (a) => a.length === 2)
    expect(acls).toEqual([
      { resourceType: 'cluster', resourceName: 'kafka-cluster', patternType: 'literal', principal, host: '*', operation: 'idempotentWrite', permission: 'allow' },
      { resourceType: 'group', resourceName: group, patternType: 'literal', principal, host: '127.0.0.1', operation: 'read', permission: 'allow' },
    ])
    expect(await admin.deleteAcls([{ principal, resourceType: 'group' }, { principal, resourceType: 'cluster' }])).toEqual(acls)

    const bad = (b: Partial<AclBinding>) => admin.createAcls([{ resourceType: 'topic', resourceName: 't', principal: 'User:x', operation: 'read', permission: 'allow', ...b } as AclBinding])
    await expect(bad({ principal: 'alice' })).rejects.toThrow(InvalidArgumentError)
    await expect(bad({ resourceType: 'cluster', resourceName: 'c' })).rejects.toThrow(/kafka-cluster/)
    await expect(bad({ operation: 'any' as 'read' })).rejects.toThrow(/operation/)
    await expect(bad({ permission: 'maybe' as 'allow' })).rejects.toThrow(/permission/)
  })
})
