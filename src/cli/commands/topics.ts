// `peridot topics list|create|delete|describe`: topic administration.
import type { Client, CreateTopicOptions } from '../../index.js'
import { ConfigResourceType, ConfigSource, DescribeConfigs } from '../../protocol/messages/describe-configs.js'
import { KafkaProtocolError } from '../../protocol/errors.js'
import { COMMON_HELP, COMMON_OPTIONS, expectPositionals, parseCommandArgs, parseIntFlag, parseKeyValues, type ParsedCommandArgs } from '../args.js'
import { connectClient } from '../connect.js'
import { UsageError } from '../errors.js'
import { formatTable } from '../format.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot topics <list|create|delete|describe> [options]

Commands:
  list                     topic names, one per line
  create <topic>           create a topic
  delete <topic>           delete a topic
  describe <topic>         partitions (leader, replicas, isr) and the topic's configs

Options:
  --internal               list: include internal topics (__consumer_offsets, ...)
  --partitions N           create: number of partitions (default 1)
  --replication-factor N   create: replicas per partition (default 1; -1 for the broker default)
  --config K=V             create: a topic config, repeatable (e.g. --config retention.ms=60000)
  --if-not-exists          create: succeed when the topic exists already
  --if-exists              delete: succeed when the topic does not exist
  --all-configs            describe: every config, not only those set on the topic

${COMMON_HELP}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  internal: { type: 'boolean', default: false },
  partitions: { type: 'string' },
  'replication-factor': { type: 'string' },
  config: { type: 'string', multiple: true },
  'if-not-exists': { type: 'boolean', default: false },
  'if-exists': { type: 'boolean', default: false },
  'all-configs': { type: 'boolean', default: false },
} as const

/** Which subcommand accepts which of the subcommand-specific options. */
const ALLOWED: Record<string, readonly string[]> = {
  list: ['internal'],
  create: ['partitions', 'replication-factor', 'config', 'if-not-exists'],
  delete: ['if-exists'],
  describe: ['all-configs'],
}

type Values = ParsedCommandArgs<typeof OPTIONS>['values']

function checkApplicable(sub: string, values: Values): void {
  for (const [name, value] of Object.entries(values)) {
    if (name in COMMON_OPTIONS || value === undefined || value === false) continue
    if (!ALLOWED[sub].includes(name)) throw new UsageError(`--${name} does not apply to "topics ${sub}"`)
  }
}

/** The options of `topics create`, checked before connecting. */
function createOptions(values: Values): Required<Pick<CreateTopicOptions, 'partitions' | 'replicationFactor' | 'configs'>> {
  const partitions = parseIntFlag('partitions', values.partitions, 1, 0x7fffffff) ?? 1
  const replicationFactor = parseIntFlag('replication-factor', values['replication-factor'], -1, 0x7fff) ?? 1
  if (replicationFactor === 0) throw new UsageError('--replication-factor must be >= 1 or -1')
  return { partitions, replicationFactor, configs: Object.fromEntries(parseKeyValues('config', values.config)) }
}

async function create(client: Client, topic: string, values: Values): Promise<number> {
  const { partitions, replicationFactor, configs } = createOptions(values)
  try {
    await client.createTopic(topic, { partitions, replicationFactor, configs })
  } catch (err) {
    if (values['if-not-exists'] && err instanceof KafkaProtocolError && err.type === 'TOPIC_ALREADY_EXISTS') return 0
    throw err
  }
  console.log(`created topic ${topic} (${partitions} partition${partitions === 1 ? '' : 's'}, replication factor ${replicationFactor})`)
  return 0
}

async function remove(client: Client, topic: string, values: Values): Promise<number> {
  try {
    await client.deleteTopic(topic)
  } catch (err) {
    if (values['if-exists'] && err instanceof KafkaProtocolError && err.type === 'UNKNOWN_TOPIC_OR_PARTITION') return 0
    throw err
  }
  console.log(`deleted topic ${topic}`)
  return 0
}

/** A topic config with where its value comes from. */
interface TopicConfig {
  name: string
  value: string | null
  /** Set on the topic itself (rather than a broker or built-in default). */
  isTopicOverride: boolean
  isSensitive: boolean
}

/**
 * Configs with their source. Client.describeTopicConfigs() returns values only, so this asks the
 * broker directly to tell topic overrides from defaults.
 */
async function topicConfigs(client: Client, topic: string): Promise<TopicConfig[]> {
  const res = await (await client.cluster.anyBroker()).request(DescribeConfigs, {
    resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: topic, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  })
  const r = res.results[0]
  if (!r) throw new Error('describe configs response without the topic')
  if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, r.errorMessage ?? `topic '${topic}'`)
  return r.configs
    .map((c) => ({ name: c.name, value: c.value, isTopicOverride: c.configSource === ConfigSource.DYNAMIC_TOPIC_CONFIG, isSensitive: c.isSensitive }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

async function describe(client: Client, topic: string, values: Values): Promise<number> {
  const info = await client.describeTopic(topic)
  const configs = await topicConfigs(client, topic)
  const out: string[] = [`topic ${info.name}  id ${info.topicId}  partitions ${info.partitions.length}${info.isInternal ? '  internal' : ''}`, '']
  const rows = [['partition', 'leader', 'epoch', 'replicas', 'isr']]
  for (const p of info.partitions) {
    rows.push([String(p.partition), String(p.leader), String(p.leaderEpoch), p.replicas.join(','), p.isr.join(',')])
  }
  out.push(formatTable(rows), '')
  const all = values['all-configs'] === true
  const shown = all ? configs : configs.filter((c) => c.isTopicOverride)
  out.push(all ? 'configs:' : shown.length > 0 ? 'configs set on the topic:' : 'configs set on the topic: none (--all-configs shows the defaults)')
  for (const c of shown) {
    const value = c.isSensitive ? '(sensitive)' : (c.value ?? '(null)')
    out.push(`  ${c.name}=${value}${all && c.isTopicOverride ? '  (topic)' : ''}`)
  }
  console.log(out.join('\n'))
  return 0
}

/** The `topics` command group. */
export const topicsCommand: Command = {
  name: 'topics',
  summary: 'list, create, delete or describe topics',
  async run(args) {
    const { values, positionals } = parseCommandArgs('topics', args, OPTIONS)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    const [sub, ...rest] = positionals
    if (sub === undefined) throw new UsageError('missing topics command: list, create, delete or describe')
    if (!(sub in ALLOWED)) throw new UsageError(`unknown topics command "${sub}" (expected list, create, delete or describe)`)
    checkApplicable(sub, values)
    expectPositionals(rest, sub === 'list' ? 0 : 1, 'topic name')
    if (sub === 'create') createOptions(values)
    const client = await connectClient(values)
    try {
      switch (sub) {
        case 'list':
          for (const name of await client.listTopics({ includeInternal: values.internal })) console.log(name)
          return 0
        case 'create':
          return await create(client, rest[0], values)
        case 'delete':
          return await remove(client, rest[0], values)
        default:
          return await describe(client, rest[0], values)
      }
    } finally {
      await client.close()
    }
  },
}
