/** Grouping an admin call's items into requests: per destination broker, per topic. */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { TopicPartition } from '../consumer/assignor.js'

/** Groups `items` by `key`, keeping first-seen order. */
export function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>()
  for (const t of items) {
    const k = key(t)
    const list = out.get(k)
    if (list) list.push(t)
    else out.set(k, [t])
  }
  return out
}

/** The partition numbers of `tps` by topic; refuses an entry that is not `{ topic, partition }` with a non-negative integer partition. */
export function partitionsByTopic(tps: readonly TopicPartition[]): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const tp of tps) {
    if (!tp || typeof tp.topic !== 'string' || !Number.isInteger(tp.partition) || tp.partition < 0) {
      throw new InvalidArgumentError('partitions must be { topic, partition } with a non-negative integer partition')
    }
    const list = out.get(tp.topic) ?? []
    list.push(tp.partition)
    out.set(tp.topic, list)
  }
  return out
}
