/**
 * Kafka Streams' TaskMigratedException, as a test on errors: the instance's transactional
 * producer was fenced (another producer took its transactional id over, e.g. while this
 * instance was cut off from the cluster), so it no longer owns its tasks' output. Kafka Streams
 * does not hand this to the uncaught-error handler: it closes every task dirty (their open
 * transaction is aborted by the fencing), creates a new producer (whose initialization fences
 * the other one in turn) and rejoins the group. Records are then processed again from the
 * committed offsets, exactly once.
 */
import { ProducerFencedError } from '../../client/producer/errors.js'

/** Whether `err` (or an error it was caused by) means this instance's producer was fenced. */
export function isTaskMigrated(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof ProducerFencedError) return true
  }
  return false
}
