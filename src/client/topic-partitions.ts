/** Checks of `{ topic, partition }` lists passed in by callers (admin and consumer APIs). */
import { InvalidArgumentError } from '../protocol/errors.js'
import type { TopicPartition } from './consumer/assignor.js'

/**
 * Refuses anything but an array of `{ topic, partition }` with a topic name and a non-negative
 * integer partition (InvalidArgumentError naming `what`); returns the partitions by topic.
 */
export function checkTopicPartitions(tps: readonly TopicPartition[], what: string): Map<string, number[]> {
  if (!Array.isArray(tps)) throw new InvalidArgumentError(`${what} must be an array of { topic, partition }`)
  const out = new Map<string, number[]>()
  for (const tp of tps) {
    if (!tp || typeof tp.topic !== 'string' || tp.topic === '' || !Number.isInteger(tp.partition) || tp.partition < 0) {
      throw new InvalidArgumentError(`${what}: each entry must be { topic, partition } with a topic name and a non-negative integer partition`)
    }
    const list = out.get(tp.topic) ?? []
    list.push(tp.partition)
    out.set(tp.topic, list)
  }
  return out
}
