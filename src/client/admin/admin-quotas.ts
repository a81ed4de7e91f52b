/**
 * Client quotas (DescribeClientQuotas, AlterClientQuotas, KIP-546), sent to any broker. A quota
 * entity is a combination of a user, a client id and an IP address, each named or the default
 * for its type: `{ user: 'alice' }`, `{ user: 'alice', 'client-id': null }` (alice's default
 * client id), `{ ip: '10.0.0.1' }`.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { AlterClientQuotas } from '../../protocol/messages/alter-client-quotas.js'
import { DescribeClientQuotas, QuotaMatchType, type QuotaEntityData } from '../../protocol/messages/describe-client-quotas.js'
import type { Cluster } from '../cluster.js'
import { anyBrokerRequest } from './any-broker.js'

/** The entity types quotas apply to. */
export type QuotaEntityType = 'user' | 'client-id' | 'ip'

/** A quota entity: a name per entity type, or null for the type's default entity. */
export type QuotaEntity = Partial<Record<QuotaEntityType, string | null>>

/**
 * Part of a quota filter on one entity type: `name: 'alice'` matches that entity, `name: null`
 * the default entity, and no `name` any named entity of the type.
 */
export interface QuotaFilterComponent {
  entityType: QuotaEntityType
  name?: string | null
}

/** Options of {@link Admin.describeClientQuotas}. */
export interface DescribeClientQuotasOptions {
  /** Only entities with exactly the filtered entity types (default false: others may add more). */
  strict?: boolean
}

/** The quotas of one entity, e.g. `{ producer_byte_rate: 1048576 }`. */
export interface ClientQuotaEntry {
  entity: QuotaEntity
  values: Record<string, number>
}

/** Quota changes for one entity: a number sets the key, null removes it. */
export interface ClientQuotaAlteration {
  entity: QuotaEntity
  ops: Record<string, number | null>
}

const ENTITY_TYPES: readonly QuotaEntityType[] = ['user', 'client-id', 'ip']

function checkEntityType(t: unknown): QuotaEntityType {
  if (!ENTITY_TYPES.includes(t as QuotaEntityType)) {
    throw new InvalidArgumentError(`quota entity type must be one of ${ENTITY_TYPES.map((e) => `'${e}'`).join(', ')}, got ${JSON.stringify(t)}`)
  }
  return t as QuotaEntityType
}

function entityData(entity: QuotaEntity): QuotaEntityData[] {
  if (!entity || typeof entity !== 'object') throw new InvalidArgumentError('a quota entity must be an object such as { user: "alice" }')
  const out: QuotaEntityData[] = []
  for (const [type, name] of Object.entries(entity)) {
    checkEntityType(type)
    if (name !== null && (typeof name !== 'string' || name === '')) {
      throw new InvalidArgumentError(`quota entity ${type} must be a non-empty name, or null for the default ${type}`)
    }
    out.push({ entityType: type, entityName: name })
  }
  if (out.length === 0) throw new InvalidArgumentError('a quota entity needs at least one of user, client-id, ip')
  return out
}

function entityOf(data: readonly QuotaEntityData[]): QuotaEntity {
  const out: Record<string, string | null> = {}
  for (const e of data) out[e.entityType] = e.entityName
  return out as QuotaEntity
}

function entityLabel(entity: QuotaEntity): string {
  return Object.entries(entity)
    .map(([t, n]) => `${t}=${n === null ? '<default>' : n}`)
    .join(',')
}

/** Quotas of the entities matching every component (none: every entity), sorted by entity. */
export async function describeClientQuotas(
  cluster: Cluster,
  components: readonly QuotaFilterComponent[],
  options: DescribeClientQuotasOptions = {},
): Promise<ClientQuotaEntry[]> {
  if (!Array.isArray(components)) throw new InvalidArgumentError('describeClientQuotas needs an array of filter components ([] for every entity)')
  const req = {
    components: components.map((c) => {
      if (!c || typeof c !== 'object') throw new InvalidArgumentError('a quota filter component must be { entityType, name? }')
      const entityType = checkEntityType(c.entityType)
      if (c.name === undefined) return { entityType, matchType: QuotaMatchType.ANY, match: null }
      if (c.name === null) return { entityType, matchType: QuotaMatchType.DEFAULT, match: null }
      if (typeof c.name !== 'string' || c.name === '') throw new InvalidArgumentError(`quota filter name for ${entityType} must be a non-empty string, null (default) or absent (any)`)
      return { entityType, matchType: QuotaMatchType.EXACT, match: c.name }
    }),
    strict: options.strict ?? false,
  }
  const res = await anyBrokerRequest(cluster, DescribeClientQuotas, req, '2.6', (r) => r)
  return (res.entries ?? [])
    .map((e) => ({ entity: entityOf(e.entity), values: Object.fromEntries(e.values.map((v) => [v.key, v.value])) }))
    .sort((a, b) => {
      const ka = entityLabel(a.entity)
      const kb = entityLabel(b.entity)
      return ka < kb ? -1 : ka > kb ? 1 : 0
    })
}

/**
 * Sets and removes quotas (AlterClientQuotas). Throws the first entity's refusal, e.g.
 * INVALID_REQUEST for an unknown quota key, naming the entity.
 */
export async function alterClientQuotas(cluster: Cluster, alterations: readonly ClientQuotaAlteration[], options: { validateOnly?: boolean } = {}): Promise<void> {
  if (!Array.isArray(alterations) || alterations.length === 0) throw new InvalidArgumentError('alterClientQuotas needs a non-empty array of { entity, ops }')
  const entries = alterations.map((a) => {
    const entity = entityData(a?.entity)
    if (!a.ops || typeof a.ops !== 'object' || Object.keys(a.ops).length === 0) throw new InvalidArgumentError(`no quota ops for ${entityLabel(a.entity)}`)
    const ops = Object.entries(a.ops).map(([key, value]) => {
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw new InvalidArgumentError(`quota ${key} for ${entityLabel(a.entity)} must be a finite number, or null to remove it`)
      }
      return { key, value: value ?? 0, remove: value === null }
    })
    return { entity, ops }
  })
  const res = await anyBrokerRequest(cluster, AlterClientQuotas, { entries, validateOnly: options.validateOnly ?? false }, '2.6')
  for (const e of res.entries) {
    if (e.errorCode !== 0) throw new KafkaProtocolError(e.errorCode, `quotas of ${entityLabel(entityOf(e.entity))}: ${e.errorMessage ?? 'refused'}`)
  }
}
