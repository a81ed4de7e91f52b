/**
 * Topic, broker and group configs: DescribeConfigs and IncrementalAlterConfigs. A broker's own
 * configs go to that broker (only it knows its per-broker overrides), the rest to any broker;
 * each call sends one request per destination. Reached through the Admin methods of the same names.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ConfigResourceType, ConfigSource, ConfigType, DescribeConfigs } from '../../protocol/messages/describe-configs.js'
import { AlterConfigOp, IncrementalAlterConfigs } from '../../protocol/messages/incremental-alter-configs.js'
import type { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import { withRetry } from '../retry.js'
import { groupBy } from './request-grouping.js'
import type { ConfigAlteration, ConfigEntry, ConfigResource, ConfigResourceDescription, ConfigSourceName, DescribeConfigsOptions } from './types.js'

const SOURCE_NAMES = Object.fromEntries(Object.entries(ConfigSource).map(([k, v]) => [v, k])) as Record<number, ConfigSourceName>
const TYPE_NAMES = Object.fromEntries(Object.entries(ConfigType).map(([k, v]) => [v, k])) as Record<number, string>
const RESOURCE_NAMES: Record<number, string> = { [ConfigResourceType.TOPIC]: 'topic', [ConfigResourceType.BROKER]: 'broker', [ConfigResourceType.GROUP]: 'group' }
const OPS = { set: AlterConfigOp.SET, delete: AlterConfigOp.DELETE, append: AlterConfigOp.APPEND, subtract: AlterConfigOp.SUBTRACT }

function resourceType(r: ConfigResource): number {
  if (r.type === 'topic') return ConfigResourceType.TOPIC
  if (r.type === 'broker') return ConfigResourceType.BROKER
  if (r.type === 'group') return ConfigResourceType.GROUP
  throw new InvalidArgumentError(`config resource type must be 'topic', 'broker' or 'group', got ${JSON.stringify(String((r as { type: unknown }).type))}`)
}

function checkResource(r: ConfigResource): void {
  if (!r || typeof r.name !== 'string') throw new InvalidArgumentError('a config resource needs { type, name }')
  resourceType(r)
  if (r.type === 'topic' && r.name === '') throw new InvalidArgumentError('a topic config resource needs a topic name')
  if (r.type === 'group' && r.name === '') throw new InvalidArgumentError('a group config resource needs a group id')
  if (r.type === 'broker' && r.name !== '' && !/^\d+$/.test(r.name)) throw new InvalidArgumentError(`broker config resource name must be a node id or '', got ${JSON.stringify(r.name)}`)
}

/** Where a request about a resource goes: a broker's own configs to that broker, the rest anywhere. */
function connectionFor(cluster: Cluster, r: ConfigResource): Promise<Connection> {
  return r.type === 'broker' && r.name !== '' ? cluster.broker(Number(r.name)) : cluster.anyBroker()
}

/**
 * Sends one request per destination broker of `resources` (built by `request` from that
 * broker's share of them), retrying retriable failures, and hands each answer to `handle`.
 */
async function perDestination<R extends ConfigResource, Res>(
  cluster: Cluster,
  resources: readonly R[],
  request: (conn: Connection, list: R[]) => Promise<Res>,
  handle: (res: Res, list: R[]) => void,
): Promise<void> {
  const groups = groupBy(resources, (r) => (r.type === 'broker' && r.name !== '' ? r.name : ''))
  await Promise.all(
    [...groups.values()].map(async (list) => {
      const res = await withRetry(async () => request(await connectionFor(cluster, list[0]), list), cluster.options.retry)
      handle(res, list)
    }),
  )
}

/** Configs of topics, brokers and groups, in the order asked; throws the first resource error. See {@link Admin.describeConfigs}. */
export async function describeConfigs(cluster: Cluster, resources: ConfigResource[], options: DescribeConfigsOptions = {}): Promise<ConfigResourceDescription[]> {
  if (!Array.isArray(resources)) throw new InvalidArgumentError('resources must be an array')
  resources.forEach(checkResource)
  const out = new Map<ConfigResource, ConfigResourceDescription>()
  await perDestination(
    cluster,
    resources,
    (conn, list) =>
      conn.request(DescribeConfigs, {
        resources: list.map((r) => ({ resourceType: resourceType(r), resourceName: r.name, configurationKeys: options.keys ?? null })),
        includeSynonyms: options.includeSynonyms ?? false,
        includeDocumentation: options.includeDocumentation ?? false,
      }),
    (res, list) => {
      for (const r of list) {
        const result = res.results.find((x) => x.resourceType === resourceType(r) && x.resourceName === r.name)
        if (!result) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe configs response without ${r.type} '${r.name}'`)
        if (result.errorCode !== 0) throw new KafkaProtocolError(result.errorCode, result.errorMessage ?? `${r.type} '${r.name}'`)
        out.set(r, {
          type: r.type,
          name: r.name,
          configs: result.configs
            .map(
              (c): ConfigEntry => ({
                name: c.name,
                value: c.value,
                source: SOURCE_NAMES[c.configSource] ?? 'UNKNOWN',
                isDefault: c.configSource === ConfigSource.DEFAULT_CONFIG,
                readOnly: c.readOnly,
                isSensitive: c.isSensitive,
                synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: SOURCE_NAMES[s.source] ?? 'UNKNOWN' })),
                type: TYPE_NAMES[c.configType] ?? 'UNKNOWN',
                documentation: c.documentation,
              }),
            )
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
        })
      }
    },
  )
  return resources.map((r) => out.get(r)!)
}

/** Changes only the listed config keys; throws the first resource error. See {@link Admin.incrementalAlterConfigs}. */
export async function incrementalAlterConfigs(cluster: Cluster, alterations: ConfigAlteration[], options: { validateOnly?: boolean } = {}): Promise<void> {
  if (!Array.isArray(alterations)) throw new InvalidArgumentError('alterations must be an array')
  for (const a of alterations) {
    checkResource(a)
    if (!Array.isArray(a.ops) || a.ops.length === 0) throw new InvalidArgumentError(`no config operations for ${a.type} '${a.name}'`)
    for (const op of a.ops) {
      if (!(op.op in OPS)) throw new InvalidArgumentError(`config operation must be set, delete, append or subtract, got ${JSON.stringify(String(op.op))}`)
      if (op.op !== 'delete' && typeof op.value !== 'string') throw new InvalidArgumentError(`config '${op.name}': ${op.op} needs a string value`)
    }
  }
  await perDestination(
    cluster,
    alterations,
    (conn, list) =>
      conn.request(IncrementalAlterConfigs, {
        resources: list.map((a) => ({
          resourceType: resourceType(a),
          resourceName: a.name,
          configs: a.ops.map((op) => ({ name: op.name, configOperation: OPS[op.op], value: op.op === 'delete' ? null : op.value })),
        })),
        validateOnly: options.validateOnly ?? false,
      }),
    (res) => {
      for (const r of res.responses) {
        if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, r.errorMessage ?? `${RESOURCE_NAMES[r.resourceType] ?? 'resource'} '${r.resourceName}'`)
      }
    },
  )
}
