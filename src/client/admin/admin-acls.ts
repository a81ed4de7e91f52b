/**
 * ACL administration (DescribeAcls, CreateAcls, DeleteAcls), sent to any broker: with KRaft the
 * broker forwards creations and deletions to the controller. Needs an authorizer on the cluster
 * (`authorizer.class.name`); without one the broker answers SECURITY_DISABLED.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { CreateAcls } from '../../protocol/messages/create-acls.js'
import { DeleteAcls } from '../../protocol/messages/delete-acls.js'
import { AclOperationCode, AclPatternType, AclPermissionCode, AclResourceType, type AclFilterData, DescribeAcls } from '../../protocol/messages/describe-acls.js'
import type { Cluster } from '../cluster.js'
import { anyBrokerRequest } from './any-broker.js'

/** What an ACL protects. `cluster` has the one resource name `kafka-cluster`. */
export type AclResourceType = 'topic' | 'group' | 'cluster' | 'transactionalId' | 'delegationToken' | 'user'

/** How an ACL's resource name matches: the exact name, or every name starting with it. */
export type AclPatternType = 'literal' | 'prefixed'

/** An operation an ACL allows or denies (`all` covers every one). */
export type AclOperation =
  | 'all'
  | 'read'
  | 'write'
  | 'create'
  | 'delete'
  | 'alter'
  | 'describe'
  | 'clusterAction'
  | 'describeConfigs'
  | 'alterConfigs'
  | 'idempotentWrite'
  | 'createTokens'
  | 'describeTokens'
  | 'twoPhaseCommit'

/** Whether an ACL allows or denies; a matching deny wins over any allow. */
export type AclPermission = 'allow' | 'deny'

/** One ACL: `principal` may (or may not) perform `operation` on the resource from `host`. */
export interface AclBinding {
  resourceType: AclResourceType
  /** The resource name, the name prefix for `prefixed`, or `*` for every resource of the type. */
  resourceName: string
  /** Default `literal`. */
  patternType?: AclPatternType
  /** `Type:name`, e.g. `User:alice`, or `User:*` for every user. */
  principal: string
  /** A client IP address, or `*` (the default) for every host. */
  host?: string
  operation: AclOperation
  permission: AclPermission
}

/** An ACL as the broker reports it: every field present. */
export interface AclDescription extends AclBinding {
  patternType: AclPatternType
  host: string
}

/**
 * Selects ACLs; an omitted (or null) field matches anything. `patternType: 'match'` selects the
 * ACLs that apply to `resourceName`: literal ones on it or on `*`, and prefixed ones on its
 * prefixes; `any` (the default) selects by the name as given in any pattern type.
 */
export interface AclFilter {
  resourceType?: AclResourceType | 'any'
  resourceName?: string | null
  patternType?: AclPatternType | 'any' | 'match'
  principal?: string | null
  host?: string | null
  operation?: AclOperation | 'any'
  permission?: AclPermission | 'any'
}

const RESOURCE_TYPES: Record<AclResourceType | 'any', number> = {
  any: AclResourceType.ANY,
  topic: AclResourceType.TOPIC,
  group: AclResourceType.GROUP,
  cluster: AclResourceType.CLUSTER,
  transactionalId: AclResourceType.TRANSACTIONAL_ID,
  delegationToken: AclResourceType.DELEGATION_TOKEN,
  user: AclResourceType.USER,
}
const PATTERN_TYPES: Record<AclPatternType | 'any' | 'match', number> = {
  any: AclPatternType.ANY,
  match: AclPatternType.MATCH,
  literal: AclPatternType.LITERAL,
  prefixed: AclPatternType.PREFIXED,
}
const OPERATIONS: Record<AclOperation | 'any', number> = {
  any: AclOperationCode.ANY,
  all: AclOperationCode.ALL,
  read: AclOperationCode.READ,
  write: AclOperationCode.WRITE,
  create: AclOperationCode.CREATE,
  delete: AclOperationCode.DELETE,
  alter: AclOperationCode.ALTER,
  describe: AclOperationCode.DESCRIBE,
  clusterAction: AclOperationCode.CLUSTER_ACTION,
  describeConfigs: AclOperationCode.DESCRIBE_CONFIGS,
  alterConfigs: AclOperationCode.ALTER_CONFIGS,
  idempotentWrite: AclOperationCode.IDEMPOTENT_WRITE,
  createTokens: AclOperationCode.CREATE_TOKENS,
  describeTokens: AclOperationCode.DESCRIBE_TOKENS,
  twoPhaseCommit: AclOperationCode.TWO_PHASE_COMMIT,
}
const PERMISSIONS: Record<AclPermission | 'any', number> = { any: AclPermissionCode.ANY, allow: AclPermissionCode.ALLOW, deny: AclPermissionCode.DENY }

function invert<K extends string>(m: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(m).map(([k, v]) => [v as number, k as K]))
}
const RESOURCE_NAMES = invert(RESOURCE_TYPES)
const PATTERN_NAMES = invert(PATTERN_TYPES)
const OPERATION_NAMES = invert(OPERATIONS)
const PERMISSION_NAMES = invert(PERMISSIONS)

/** The code of `value` in `table`, or an InvalidArgumentError naming the field and the choices. */
function code<K extends string>(table: Record<K, number>, value: unknown, field: string, allowed: readonly K[]): number {
  if (typeof value !== 'string' || !allowed.includes(value as K)) {
    throw new InvalidArgumentError(`ACL ${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`)
  }
  return table[value as K]
}

const keys = <K extends string>(m: Record<K, number>, without: readonly string[] = []): K[] => (Object.keys(m) as K[]).filter((k) => !without.includes(k))

function checkPrincipal(principal: unknown, field: string): void {
  if (typeof principal !== 'string' || !/^[^:]+:.+$/.test(principal)) {
    throw new InvalidArgumentError(`ACL ${field} must be 'Type:name' (e.g. 'User:alice' or 'User:*'), got ${JSON.stringify(principal)}`)
  }
}

function checkBinding(b: AclBinding): void {
  if (!b || typeof b !== 'object') throw new InvalidArgumentError('an ACL binding must be an object')
  if (typeof b.resourceName !== 'string' || b.resourceName === '') throw new InvalidArgumentError('ACL resourceName must be a non-empty string')
  if (b.resourceType === 'cluster' && b.resourceName !== 'kafka-cluster') {
    throw new InvalidArgumentError(`a cluster ACL's resourceName must be 'kafka-cluster', got ${JSON.stringify(b.resourceName)}`)
  }
  checkPrincipal(b.principal, 'principal')
  if (b.host !== undefined && (typeof b.host !== 'string' || b.host === '')) throw new InvalidArgumentError('ACL host must be an IP address or *')
}

function creation(b: AclBinding) {
  checkBinding(b)
  return {
    resourceType: code(RESOURCE_TYPES, b.resourceType, 'resourceType', keys(RESOURCE_TYPES, ['any'])),
    resourceName: b.resourceName,
    resourcePatternType: code(PATTERN_TYPES, b.patternType ?? 'literal', 'patternType', ['literal', 'prefixed']),
    principal: b.principal,
    host: b.host ?? '*',
    operation: code(OPERATIONS, b.operation, 'operation', keys(OPERATIONS, ['any'])),
    permissionType: code(PERMISSIONS, b.permission, 'permission', ['allow', 'deny']),
  }
}

function filterData(f: AclFilter): AclFilterData {
  if (!f || typeof f !== 'object') throw new InvalidArgumentError('an ACL filter must be an object ({} matches every ACL)')
  const nullableString = (v: unknown, field: string): string | null => {
    if (v === undefined || v === null) return null
    if (typeof v !== 'string') throw new InvalidArgumentError(`ACL filter ${field} must be a string or null`)
    return v
  }
  if (f.principal !== undefined && f.principal !== null) checkPrincipal(f.principal, 'filter principal')
  return {
    resourceTypeFilter: code(RESOURCE_TYPES, f.resourceType ?? 'any', 'filter resourceType', keys(RESOURCE_TYPES)),
    resourceNameFilter: nullableString(f.resourceName, 'resourceName'),
    patternTypeFilter: code(PATTERN_TYPES, f.patternType ?? 'any', 'filter patternType', keys(PATTERN_TYPES)),
    principalFilter: nullableString(f.principal, 'principal'),
    hostFilter: nullableString(f.host, 'host'),
    operation: code(OPERATIONS, f.operation ?? 'any', 'filter operation', keys(OPERATIONS)),
    permissionType: code(PERMISSIONS, f.permission ?? 'any', 'filter permission', keys(PERMISSIONS)),
  }
}

/** An ACL from the broker's codes; codes this client does not know are kept out (never guessed). */
function description(a: { resourceType: number; resourceName: string; patternType: number; principal: string; host: string; operation: number; permissionType: number }): AclDescription | null {
  const resourceType = RESOURCE_NAMES.get(a.resourceType)
  const patternType = PATTERN_NAMES.get(a.patternType)
  const operation = OPERATION_NAMES.get(a.operation)
  const permission = PERMISSION_NAMES.get(a.permissionType)
  if (!resourceType || resourceType === 'any' || (patternType !== 'literal' && patternType !== 'prefixed') || !operation || operation === 'any' || !permission || permission === 'any') return null
  return { resourceType, resourceName: a.resourceName, patternType, principal: a.principal, host: a.host, operation, permission }
}

/** Orders ACLs by resource, principal, host, operation and permission (stable output for callers and tests). */
function compareAcls(a: AclDescription, b: AclDescription): number {
  const ka = [a.resourceType, a.patternType, a.resourceName, a.principal, a.host, a.operation, a.permission].join('\u0000')
  const kb = [b.resourceType, b.patternType, b.resourceName, b.principal, b.host, b.operation, b.permission].join('\u0000')
  return ka < kb ? -1 : ka > kb ? 1 : 0
}

function label(b: AclBinding): string {
  return `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} '${b.resourceName}'`
}

/** Creates ACLs; existing identical ones are kept. Throws the first refusal, naming the ACL. */
export async function createAcls(cluster: Cluster, bindings: readonly AclBinding[]): Promise<void> {
  if (!Array.isArray(bindings) || bindings.length === 0) throw new InvalidArgumentError('createAcls needs a non-empty array of ACL bindings')
  const creations = bindings.map(creation)
  const res = await anyBrokerRequest(cluster, CreateAcls, { creations }, '2.0')
  bindings.forEach((b, i) => {
    const r = res.results[i]
    if (!r) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `create ACLs response without a result for ${label(b)}`)
    if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `${label(b)}: ${r.errorMessage ?? 'refused'}`)
  })
}

/** The ACLs matching `filter` ({} for all), sorted. */
export async function describeAcls(cluster: Cluster, filter: AclFilter = {}): Promise<AclDescription[]> {
  const res = await anyBrokerRequest(cluster, DescribeAcls, filterData(filter), '2.0', (r) => r)
  return res.resources
    .flatMap((r) => r.acls.map((a) => description({ ...a, resourceType: r.resourceType, resourceName: r.resourceName, patternType: r.patternType })))
    .filter((a): a is AclDescription => a !== null)
    .sort(compareAcls)
}

/** Deletes the ACLs matching any of `filters` and returns them, sorted. Throws the first refusal. */
export async function deleteAcls(cluster: Cluster, filters: readonly AclFilter[]): Promise<AclDescription[]> {
  if (!Array.isArray(filters) || filters.length === 0) throw new InvalidArgumentError('deleteAcls needs a non-empty array of ACL filters')
  const res = await anyBrokerRequest(cluster, DeleteAcls, { filters: filters.map(filterData) }, '2.0')
  const deleted: AclDescription[] = []
  for (const r of res.filterResults) {
    if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, r.errorMessage ?? 'ACL filter refused')
    for (const m of r.matchingAcls) {
      if (m.errorCode !== 0) throw new KafkaProtocolError(m.errorCode, `deleting an ACL on '${m.resourceName}': ${m.errorMessage ?? 'refused'}`)
      const d = description(m)
      if (d) deleted.push(d)
    }
  }
  return deleted.sort(compareAcls)
}
