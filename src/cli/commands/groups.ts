// `peridot groups list|describe|reset|delete`: consumer group administration (the subset of
// kafka-consumer-groups.sh that daily use needs), through the Admin API.
import type { Admin, Client, GroupOffset, OffsetSpec } from '../../index.js'
import { COMMON_HELP, COMMON_OPTIONS, expectPositionals, parseCommandArgs, parseIntFlag, parseTimestamp, type ParsedCommandArgs } from '../args.js'
import { connectClient } from '../connect.js'
import { UsageError } from '../errors.js'
import { formatTable } from '../format.js'
import { partitionOffsets } from './offsets.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot groups <list|describe|reset|delete> [options]

Commands:
  list                     groups with type, state and protocol type
  describe <group>         state, members with their partitions, and per partition the committed
                           offset, the log end and the lag (classic and KIP-848 consumer groups)
  reset <group>            set the group's committed offsets (the group must have no members)
  delete <group>           delete the group (it must have no members)

Options:
  --topic T                reset: the topic to reset, repeatable (default: every topic the
                           group has committed offsets for)
  --partition N            reset: only partition N (with one --topic)
  --to-earliest            reset: to the log start
  --to-latest              reset: to the log end
  --to-offset N            reset: to offset N (clamped to the log start and end, as Kafka's tool)
  --to-datetime @T         reset: to the first record at or after a time (ms or ISO-8601)
  --dry-run                reset: print the new offsets without committing them

${COMMON_HELP}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  topic: { type: 'string', multiple: true },
  partition: { type: 'string' },
  'to-earliest': { type: 'boolean', default: false },
  'to-latest': { type: 'boolean', default: false },
  'to-offset': { type: 'string' },
  'to-datetime': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const

type Values = ParsedCommandArgs<typeof OPTIONS>['values']

const SUBCOMMANDS = ['list', 'describe', 'reset', 'delete'] as const

/** Where `groups reset` moves the offsets. */
export type ResetTarget = { kind: 'spec'; spec: OffsetSpec } | { kind: 'offset'; offset: bigint }

/** The reset target from --to-*: exactly one must be given. */
export function parseResetTarget(values: Pick<Values, 'to-earliest' | 'to-latest' | 'to-offset' | 'to-datetime'>): ResetTarget {
  const given: ResetTarget[] = []
  if (values['to-earliest']) given.push({ kind: 'spec', spec: 'earliest' })
  if (values['to-latest']) given.push({ kind: 'spec', spec: 'latest' })
  const offset = values['to-offset']
  if (offset !== undefined) {
    if (!/^\d+$/.test(offset)) throw new UsageError(`--to-offset must be an offset >= 0, got "${offset}"`)
    given.push({ kind: 'offset', offset: BigInt(offset) })
  }
  const datetime = values['to-datetime']
  if (datetime !== undefined) {
    const timestamp = parseTimestamp(datetime.startsWith('@') ? datetime : `@${datetime}`)
    if (timestamp === undefined) throw new UsageError(`--to-datetime must be @TIMESTAMP (ms or ISO date), got "${datetime}"`)
    given.push({ kind: 'spec', spec: { timestamp } })
  }
  if (given.length !== 1) throw new UsageError('groups reset needs exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime')
  return given[0]
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`

async function list(admin: Admin): Promise<number> {
  const rows = [['group', 'type', 'state', 'protocol-type', 'coordinator']]
  for (const g of await admin.listGroups()) rows.push([g.groupId, g.type || '-', g.state || '-', g.protocolType || '-', String(g.coordinator)])
  console.log(formatTable(rows))
  return 0
}

async function describe(client: Client, admin: Admin, groupId: string): Promise<number> {
  const [[group], committed] = await Promise.all([admin.describeGroups([groupId]), admin.listGroupOffsets(groupId)])
  const owner = new Map<string, string>()
  for (const m of group.members) for (const tp of m.assignment) owner.set(key(tp.topic, tp.partition), m.clientId || m.memberId)
  const out = [`group ${groupId}  state ${group.state}  protocol ${group.protocolType || '-'}/${group.protocol || '-'}  members ${group.members.length}  coordinator ${group.coordinator}`]
  if (group.members.length > 0) {
    out.push('', formatTable([['member', 'client-id', 'host', 'partitions'], ...group.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || '-'])]))
  }
  const topics = [...new Set([...committed.map((o) => o.topic), ...group.members.flatMap((m) => m.assignment.map((tp) => tp.topic))])].sort()
  const rows = [['topic', 'partition', 'committed', 'log-end', 'lag', 'owner']]
  let total = 0n
  for (const topic of topics) {
    const ends = await partitionOffsets(client, topic, 'latest')
    const byPartition = new Map(committed.filter((o) => o.topic === topic).map((o) => [o.partition, o]))
    const partitions = [...new Set([...byPartition.keys(), ...[...owner.keys()].filter((k) => k.startsWith(`${topic}\u0000`)).map((k) => Number(k.split('\u0000')[1]))])].sort((a, b) => a - b)
    for (const p of partitions) {
      const c = byPartition.get(p)
      const end = ends.get(p)
      const lag = c !== undefined && end !== undefined && end > c.offset ? end - c.offset : c !== undefined ? 0n : undefined
      if (lag !== undefined) total += lag
      rows.push([topic, String(p), c?.offset.toString() ?? '-', end?.toString() ?? '-', lag?.toString() ?? '-', owner.get(key(topic, p)) ?? '-'])
    }
  }
  out.push('', rows.length > 1 ? formatTable(rows) : 'no committed offsets', '', `total lag ${total}`)
  console.log(out.join('\n'))
  return 0
}

async function reset(client: Client, admin: Admin, groupId: string, values: Values): Promise<number> {
  const target = parseResetTarget(values)
  const only = parseIntFlag('partition', values.partition, 0, 0x7fffffff)
  const committed: GroupOffset[] = await admin.listGroupOffsets(groupId)
  const topics = values.topic ?? [...new Set(committed.map((o) => o.topic))].sort()
  if (topics.length === 0) throw new UsageError(`group ${groupId} has no committed offsets: name the topics with --topic`)
  if (only !== undefined && topics.length !== 1) throw new UsageError('--partition needs exactly one --topic')
  const current = new Map(committed.map((o) => [key(o.topic, o.partition), o.offset]))
  const plan: Array<{ topic: string; partition: number; offset: bigint }> = []
  for (const topic of topics) {
    const partitions = only === undefined ? undefined : [only]
    const [earliest, latest] = await Promise.all([partitionOffsets(client, topic, 'earliest', partitions), partitionOffsets(client, topic, 'latest', partitions)])
    if (only !== undefined && !earliest.has(only)) throw new UsageError(`topic ${topic} has no partition ${only}`)
    const wanted = target.kind === 'spec' ? await partitionOffsets(client, topic, target.spec, partitions) : undefined
    for (const [partition, lo] of earliest) {
      const hi = latest.get(partition) ?? lo
      let offset = wanted?.get(partition) ?? (target.kind === 'offset' ? target.offset : hi)
      if (offset < lo) offset = lo
      if (offset > hi) offset = hi
      plan.push({ topic, partition, offset })
    }
  }
  if (!values['dry-run']) await admin.alterGroupOffsets(groupId, plan)
  const rows = [['topic', 'partition', 'current', 'new']]
  for (const p of plan) rows.push([p.topic, String(p.partition), current.get(key(p.topic, p.partition))?.toString() ?? '-', p.offset.toString()])
  console.log(`${formatTable(rows)}\n${values['dry-run'] ? 'dry run: nothing committed' : `committed ${plan.length} offsets for group ${groupId}`}`)
  return 0
}

/** The `groups` command group. */
export const groupsCommand: Command = {
  name: 'groups',
  summary: 'list, describe (with lag), reset offsets of, or delete consumer groups',
  async run(args) {
    const { values, positionals } = parseCommandArgs('groups', args, OPTIONS)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    const [sub, ...rest] = positionals
    if (sub === undefined) throw new UsageError(`missing groups command: ${SUBCOMMANDS.join(', ')}`)
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`unknown groups command "${sub}" (expected ${SUBCOMMANDS.join(', ')})`)
    expectPositionals(rest, sub === 'list' ? 0 : 1, 'group id')
    const resetOnly = ['topic', 'partition', 'to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'dry-run'] as const
    if (sub !== 'reset') {
      for (const name of resetOnly) if (values[name] !== undefined && values[name] !== false) throw new UsageError(`--${name} does not apply to "groups ${sub}"`)
    } else parseResetTarget(values)
    const client = await connectClient(values)
    const admin = client.admin()
    try {
      switch (sub) {
        case 'list':
          return await list(admin)
        case 'describe':
          return await describe(client, admin, rest[0])
        case 'reset':
          return await reset(client, admin, rest[0], values)
        default:
          await admin.deleteGroups([rest[0]])
          console.log(`deleted group ${rest[0]}`)
          return 0
      }
    } finally {
      await client.close()
    }
  },
}
