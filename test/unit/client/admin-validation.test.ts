// Bad input to the admin calls added for ACLs, quotas, SCRAM users, log dirs and features fails
// with an InvalidArgumentError naming the field, before the cluster is touched.
import { describe, expect, it } from 'vitest'
import { createAcls, deleteAcls, describeAcls, type AclBinding } from '../../../src/client/admin/admin-acls.js'
import { updateFeatures } from '../../../src/client/admin/admin-features.js'
import { alterReplicaLogDirs, describeLogDirs } from '../../../src/client/admin/admin-log-dirs.js'
import { alterClientQuotas, describeClientQuotas, type QuotaEntity } from '../../../src/client/admin/admin-quotas.js'
import { alterUserScramCredentials, describeUserScramCredentials, type ScramCredentialAlteration } from '../../../src/client/admin/admin-scram.js'
import type { Cluster } from '../../../src/client/cluster.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'

/** A cluster that fails the test if anything reaches it. */
const untouched = new Proxy({}, {
  get(_t, prop) {
    throw new Error(`the cluster was used (${String(prop)}) although the input is invalid`)
  },
}) as Cluster

async function invalid(p: Promise<unknown>, mentions: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(InvalidArgumentError)
  expect((err as Error).message).toMatch(mentions)
}

const binding: AclBinding = { resourceType: 'topic', resourceName: 't', principal: 'User:alice', operation: 'read', permission: 'allow' }

describe('ACL input', () => {
  it.each([
    [{ principal: 'alice' }, /Type:name/],
    [{ principal: '' }, /principal/],
    [{ resourceName: '' }, /resourceName/],
    [{ resourceType: 'cluster', resourceName: 'other' }, /kafka-cluster/],
    [{ resourceType: 'any' }, /resourceType/],
    [{ patternType: 'match' }, /patternType/],
    [{ operation: 'any' }, /operation/],
    [{ operation: 'READ' }, /operation/],
    [{ permission: 'any' }, /permission/],
    [{ host: '' }, /host/],
  ])('createAcls refuses %j', async (change, mentions) => {
    await invalid(createAcls(untouched, [{ ...binding, ...change } as AclBinding]), mentions)
  })

  it('createAcls and deleteAcls need a non-empty array; filters are checked too', async () => {
    await invalid(createAcls(untouched, []), /non-empty/)
    await invalid(deleteAcls(untouched, []), /non-empty/)
    await invalid(describeAcls(untouched, { operation: 'fly' as 'read' }), /operation/)
    await invalid(describeAcls(untouched, { principal: 'nobody' }), /Type:name/)
    await invalid(deleteAcls(untouched, [{ resourceName: 5 as unknown as string }]), /resourceName/)
  })
})

describe('quota input', () => {
  it.each([
    [{}, /at least one/],
    [{ group: 'g' }, /entity type/],
    [{ user: '' }, /non-empty name/],
  ])('alterClientQuotas refuses the entity %j', async (entity, mentions) => {
    await invalid(alterClientQuotas(untouched, [{ entity: entity as QuotaEntity, ops: { producer_byte_rate: 1 } }]), mentions)
  })

  it('values must be finite numbers or null; there must be ops; filters name known entity types', async () => {
    await invalid(alterClientQuotas(untouched, [{ entity: { user: 'u' }, ops: { producer_byte_rate: Number.NaN } }]), /finite number/)
    await invalid(alterClientQuotas(untouched, [{ entity: { user: 'u' }, ops: { producer_byte_rate: '5' as unknown as number } }]), /finite number/)
    await invalid(alterClientQuotas(untouched, [{ entity: { user: 'u' }, ops: {} }]), /no quota ops/)
    await invalid(alterClientQuotas(untouched, []), /non-empty/)
    await invalid(describeClientQuotas(untouched, [{ entityType: 'users' as 'user' }]), /entity type/)
    await invalid(describeClientQuotas(untouched, [{ entityType: 'user', name: '' }]), /non-empty/)
  })
})

describe('SCRAM input', () => {
  const upsert = { user: 'u', mechanism: 'SCRAM-SHA-256', password: 'p' } as const
  it.each([
    [{ ...upsert, iterations: 4095 }, /4096 to 16384/],
    [{ ...upsert, iterations: 16385 }, /4096 to 16384/],
    [{ ...upsert, iterations: 5000.5 }, /integer/],
    [{ ...upsert, password: '' }, /password/],
    [{ ...upsert, user: '' }, /user name/],
    [{ ...upsert, mechanism: 'PLAIN' }, /SCRAM-SHA-512/],
    [{ user: 'u', mechanism: 'SCRAM-SHA-256', delete: false }, /delete: true/],
  ])('alterUserScramCredentials refuses %j', async (a, mentions) => {
    await invalid(alterUserScramCredentials(untouched, [a as ScramCredentialAlteration]), mentions)
  })

  it('the same credential twice in one call is ambiguous; users must be names', async () => {
    await invalid(alterUserScramCredentials(untouched, [upsert, { ...upsert, password: 'q' }]), /altered twice/)
    await invalid(describeUserScramCredentials(untouched, ['']), /user name/)
  })
})

describe('log dir and feature input', () => {
  it('describeLogDirs checks brokers and partitions', async () => {
    await invalid(describeLogDirs(untouched, { brokers: [-1] }), /broker ids/)
    await invalid(describeLogDirs(untouched, { partitions: [{ topic: 't', partition: -1 }] }), /non-negative/)
  })

  it('alterReplicaLogDirs checks each move', async () => {
    await invalid(alterReplicaLogDirs(untouched, []), /non-empty/)
    await invalid(alterReplicaLogDirs(untouched, [{ topic: 't', partition: 0, broker: 1, path: '' }]), /path of t-0/)
    await invalid(alterReplicaLogDirs(untouched, [{ topic: 't', partition: 0, broker: -1, path: '/d' }]), /broker of t-0/)
    await invalid(alterReplicaLogDirs(untouched, [{ topic: '', partition: 0, broker: 1, path: '/d' }]), /topic/)
  })

  it('updateFeatures checks levels, upgrade types and the timeout', async () => {
    await invalid(updateFeatures(untouched, {}), /at least one feature/)
    await invalid(updateFeatures(untouched, { 'group.version': { maxVersionLevel: 1.5 } }), /int16/)
    await invalid(updateFeatures(untouched, { 'group.version': { maxVersionLevel: 1, upgradeType: 'sideways' as 'upgrade' } }), /upgradeType/)
    await invalid(updateFeatures(untouched, { 'group.version': { maxVersionLevel: 1 } }, { timeoutMs: -1 }), /timeoutMs/)
  })
})
