// `peridot metadata [topic]` (kcat -L): brokers, controller, and topics with their partitions'
// leaders, replicas and ISR, in kcat's layout or as JSON.
import type { TopicInfo } from '../../index.js'
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs } from '../args.js'
import { connectClient } from '../connect.js'
import { UsageError } from '../errors.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot metadata [topic] [options]

Prints the cluster id, the brokers (the controller marked) and every topic (or one) with its
partitions' leader, replicas and in-sync replicas, in kcat -L's layout.

Options:
  --internal           include internal topics (__consumer_offsets, ...)
  --format F           text (default) or json (one object: clusterId, controllerId, brokers,
                       topics with partitions)

${COMMON_HELP}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  internal: { type: 'boolean', default: false },
  format: { type: 'string' },
} as const

/** The `metadata` command. */
export const metadataCommand: Command = {
  name: 'metadata',
  summary: 'brokers, controller, topics, partitions, leaders, replicas and ISR (kcat -L)',
  async run(args) {
    const { values, positionals } = parseCommandArgs('metadata', args, OPTIONS)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`)
    const format = values.format ?? 'text'
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`)
    const client = await connectClient(values)
    try {
      const cluster = await client.admin().describeCluster()
      const names = positionals.length === 1 ? [positionals[0]] : await client.listTopics({ includeInternal: values.internal })
      const topics: TopicInfo[] = await Promise.all(names.map((n) => client.describeTopic(n)))
      const brokers = [...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId)
      if (format === 'json') {
        console.log(JSON.stringify({ clusterId: cluster.clusterId, controllerId: cluster.controllerId, brokers, topics }))
        return 0
      }
      const out = [`Metadata for ${positionals.length === 1 ? `topic "${names[0]}"` : 'all topics'} (cluster ${cluster.clusterId ?? 'unknown'}):`]
      out.push(` ${brokers.length} brokers:`)
      for (const b of brokers) {
        out.push(`  broker ${b.nodeId} at ${b.host}:${b.port}${b.rack === null ? '' : ` rack ${b.rack}`}${b.nodeId === cluster.controllerId ? ' (controller)' : ''}`)
      }
      out.push(` ${topics.length} topics:`)
      for (const t of topics) {
        out.push(`  topic "${t.name}" with ${t.partitions.length} partitions:`)
        for (const p of t.partitions) {
          out.push(`    partition ${p.partition}, leader ${p.leader}, replicas: ${p.replicas.join(',')}, isrs: ${p.isr.join(',')}`)
        }
      }
      console.log(out.join('\n'))
      return 0
    } finally {
      await client.close()
    }
  },
}
