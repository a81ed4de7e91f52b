/**
 * Creating the internal topics of an application at start: repartition topics with the partition
 * count the topology needs, compacted changelogs with one partition per task. Existing topics
 * are checked rather than changed: a wrong partition count is an error naming the topic.
 */
import type { Logger } from 'pino'
import type { Client } from '../../client/client.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaProtocolError } from '../../protocol/errors.js'
import { StreamsConfigError } from './errors.js'
import type { InternalTopic, ResolvedTopics, Topology } from '../topology/topology.js'

/** Partition count of a topic, or undefined when it does not exist. */
export async function partitionCount(client: Client, topic: string): Promise<number | undefined> {
  try {
    return (await client.describeTopic(topic)).partitions.length
  } catch (err) {
    if (err instanceof KafkaProtocolError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return undefined
    throw err
  }
}

/**
 * Resolves the topology against the cluster (partition counts of the external source topics,
 * co-partitioning checked by the topology) and creates missing internal topics.
 */
export async function setUpInternalTopics(
  client: Client,
  topology: Topology,
  applicationId: string,
  options: { replicationFactor: number; logger: Logger },
): Promise<ResolvedTopics> {
  // Pattern sources read the topics that match when the application starts.
  if (topology.subtopologies().some((s) => s.sourcePatterns.length > 0)) {
    const unmatched = topology.resolvePatternSources(await client.listTopics())
    if (unmatched.length > 0) {
      throw new StreamsConfigError(`source pattern(s) ${unmatched.map(String).join(', ')} match no topic; create a matching topic before starting the application`)
    }
  }
  const external = new Set<string>()
  for (const s of topology.subtopologies()) {
    for (const t of s.sourceTopics) if (!topology.repartitionTopics.has(t)) external.add(t)
  }
  const counts = new Map<string, number>()
  await Promise.all(
    [...external].map(async (t) => {
      const n = await partitionCount(client, t)
      if (n !== undefined) counts.set(t, n)
    }),
  )
  const missing = [...external].filter((t) => !counts.has(t))
  if (missing.length > 0) throw new StreamsConfigError(`source topic(s) ${missing.map((t) => `'${t}'`).join(', ')} do not exist; create them before starting the application`)
  // Throws a TopologyError for co-partitioning violations.
  const resolved = topology.resolveInternalTopics(applicationId, (t) => counts.get(t))
  for (const topic of resolved.internalTopics) await ensureTopic(client, topic, options)
  return resolved
}

async function ensureTopic(client: Client, topic: InternalTopic, options: { replicationFactor: number; logger: Logger }): Promise<void> {
  const existing = await partitionCount(client, topic.name)
  if (existing === undefined) {
    try {
      await client.createTopic(topic.name, { partitions: topic.partitions, replicationFactor: options.replicationFactor, configs: { ...topic.config } })
      options.logger.info({ topic: topic.name, partitions: topic.partitions, kind: topic.kind }, 'created internal topic')
      return
    } catch (err) {
      // Another instance of the application created it meanwhile.
      if (!(err instanceof KafkaProtocolError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw err
    }
  }
  // Created by another instance a moment ago: metadata may not list it yet.
  let n = existing ?? (await partitionCount(client, topic.name))
  for (let waited = 0; n === undefined && waited < 30_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100))
    n = await partitionCount(client, topic.name)
  }
  if (n !== topic.partitions) {
    throw new StreamsConfigError(
      `internal ${topic.kind} topic '${topic.name}' has ${String(n)} partitions but the topology needs ${topic.partitions}; ` +
        'delete it (application reset) or restore the source topics\' partition counts',
    )
  }
}
