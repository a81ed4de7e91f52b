/**
 * Log directories (DescribeLogDirs, AlterReplicaLogDirs): each broker answers for its own disks,
 * so a request goes to every broker concerned (for describing, by default all of them).
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import type { ApiDefinition } from '../../protocol/messages/api.js'
import { AlterReplicaLogDirs } from '../../protocol/messages/alter-replica-log-dirs.js'
import { DescribeLogDirs } from '../../protocol/messages/describe-log-dirs.js'
import type { Cluster } from '../cluster.js'
import type { TopicPartition } from '../consumer/assignor.js'
import { UnsupportedVersionError } from '../errors.js'
import { withRetry } from '../retry.js'

/** A partition replica stored in a log directory. */
export interface ReplicaLogInfo extends TopicPartition {
  /** Bytes of its log segments on this disk. */
  size: number
  /** How far its log end is behind the high watermark (or, for a future replica, the current one). */
  offsetLag: bigint
  /** True for a replica being moved here (AlterReplicaLogDirs) that will replace the current one. */
  isFuture: boolean
}

/** One log directory of one broker. */
export interface LogDirDescription {
  broker: number
  /** The absolute path on the broker. */
  path: string
  /** Null, or why the directory is unusable (e.g. KAFKA_STORAGE_ERROR for an offline disk). */
  error: KafkaProtocolError | null
  replicas: ReplicaLogInfo[]
  /** Size of the volume, or null when the broker does not report it (before Kafka 3.3). */
  totalBytes: number | null
  /** Space left on the volume, or null when not reported. */
  usableBytes: number | null
}

/** Options of {@link Admin.describeLogDirs}. */
export interface DescribeLogDirsOptions {
  /** Brokers to ask; default every broker of the cluster. */
  brokers?: number[]
  /** Only these partitions' replicas; default every replica. */
  partitions?: TopicPartition[]
}

/** Every log directory of the chosen brokers, sorted by broker and path; replicas sorted by topic and partition. */
export async function describeLogDirs(cluster: Cluster, options: DescribeLogDirsOptions = {}): Promise<LogDirDescription[]> {
  let topics: Array<{ topic: string; partitions: number[] }> | null = null
  if (options.partitions !== undefined) {
    if (!Array.isArray(options.partitions)) throw new InvalidArgumentError('describeLogDirs partitions must be an array of { topic, partition }')
    const byTopic = new Map<string, number[]>()
    for (const tp of options.partitions) {
      if (!tp || typeof tp.topic !== 'string' || tp.topic === '' || !Number.isInteger(tp.partition) || tp.partition < 0) {
        throw new InvalidArgumentError('describeLogDirs partitions: each entry must be { topic, partition } with a non-negative integer partition')
      }
      byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    }
    topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
  }
  let brokers = options.brokers
  if (brokers !== undefined && (!Array.isArray(brokers) || brokers.some((id) => !Number.isInteger(id) || id < 0))) {
    throw new InvalidArgumentError('describeLogDirs brokers must be an array of broker ids')
  }
  await cluster.refreshMetadata([])
  const known = cluster.knownBrokers().map((b) => b.nodeId)
  // An id the cluster does not know would only be retried until the retries run out.
  const unknown = brokers?.find((id) => !known.includes(id))
  if (unknown !== undefined) throw new InvalidArgumentError(`describeLogDirs: broker ${unknown} is not in the cluster (brokers: ${known.join(', ')})`)
  brokers ??= known
  const perBroker = await Promise.all(
    [...new Set(brokers)].map(async (broker) => {
      const res = await withRetry(async () => {
        const conn = await cluster.broker(broker)
        if (!conn.supports(DescribeLogDirs as ApiDefinition<unknown, unknown>)) {
          throw new UnsupportedVersionError(`describeLogDirs needs DescribeLogDirs v1+, which broker ${conn.address} does not support (Kafka 2.0+)`)
        }
        const r = await conn.request(DescribeLogDirs, { topics })
        if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `describing log dirs of broker ${broker}`)
        return r
      }, cluster.options.retry)
      return res.results.map(
        (d): LogDirDescription => ({
          broker,
          path: d.logDir,
          error: d.errorCode === 0 ? null : new KafkaProtocolError(d.errorCode, `log dir ${d.logDir} of broker ${broker}`),
          replicas: d.topics
            .flatMap((t) =>
              t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, size: Number(p.partitionSize), offsetLag: p.offsetLag, isFuture: p.isFutureKey })),
            )
            .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || Number(a.isFuture) - Number(b.isFuture))),
          totalBytes: d.totalBytes < 0n ? null : Number(d.totalBytes),
          usableBytes: d.usableBytes < 0n ? null : Number(d.usableBytes),
        }),
      )
    }),
  )
  return perBroker.flat().sort((a, b) => a.broker - b.broker || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** Where a replica should live, for {@link Admin.alterReplicaLogDirs}. */
export interface ReplicaLogDirMove extends TopicPartition {
  /** The broker holding the replica. */
  broker: number
  /** Absolute path of the destination log directory on that broker. */
  path: string
}

/**
 * Moves replicas between the log directories of their brokers (AlterReplicaLogDirs, sent to
 * each replica's broker). Resolves once the brokers accepted the moves: the data is copied into
 * a future replica that takes over when it caught up (watch `isFuture` in describeLogDirs).
 * Throws the first refusal naming the replica, e.g. LOG_DIR_NOT_FOUND or REPLICA_NOT_AVAILABLE.
 */
export async function alterReplicaLogDirs(cluster: Cluster, moves: readonly ReplicaLogDirMove[]): Promise<void> {
  if (!Array.isArray(moves) || moves.length === 0) throw new InvalidArgumentError('alterReplicaLogDirs needs a non-empty array of { topic, partition, broker, path }')
  const byBroker = new Map<number, Map<string, Map<string, number[]>>>()
  for (const m of moves) {
    if (!m || typeof m.topic !== 'string' || m.topic === '' || !Number.isInteger(m.partition) || m.partition < 0) {
      throw new InvalidArgumentError('alterReplicaLogDirs: each move needs a topic and a non-negative integer partition')
    }
    if (!Number.isInteger(m.broker) || m.broker < 0) throw new InvalidArgumentError(`alterReplicaLogDirs: broker of ${m.topic}-${m.partition} must be a broker id`)
    if (typeof m.path !== 'string' || m.path === '') throw new InvalidArgumentError(`alterReplicaLogDirs: path of ${m.topic}-${m.partition} must be an absolute directory path`)
    const paths = byBroker.get(m.broker) ?? new Map<string, Map<string, number[]>>()
    byBroker.set(m.broker, paths)
    const topics = paths.get(m.path) ?? new Map<string, number[]>()
    paths.set(m.path, topics)
    topics.set(m.topic, [...(topics.get(m.topic) ?? []), m.partition])
  }
  await Promise.all(
    [...byBroker].map(async ([broker, paths]) => {
      const res = await withRetry(async () => {
        const conn = await cluster.broker(broker)
        if (!conn.supports(AlterReplicaLogDirs as ApiDefinition<unknown, unknown>)) {
          throw new UnsupportedVersionError(`alterReplicaLogDirs needs AlterReplicaLogDirs v1+, which broker ${conn.address} does not support (Kafka 2.0+)`)
        }
        return conn.request(AlterReplicaLogDirs, {
          dirs: [...paths].map(([path, topics]) => ({ path, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) })),
        })
      }, cluster.options.retry)
      for (const t of res.results) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw new KafkaProtocolError(p.errorCode, `moving ${t.topicName}-${p.partitionIndex} on broker ${broker}`)
        }
      }
    }),
  )
}
