/**
 * What the group has committed for an instance's input partitions, read from the group
 * coordinator. Needed after a transaction commit of unknown outcome: re-initializing the producer
 * completes the transaction on the coordinator if its EndTxn arrived, so the positions to go back
 * to are the group's, not the ones the instance committed last.
 */
import type { Client } from '../../client/client.js'
import type { TopicPartition } from '../../client/consumer/assignor.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaProtocolError } from '../../protocol/errors.js'
import type { CommittedPosition } from './task-manager.js'

/** Attempts while a transaction's offsets are not stable yet (UNSTABLE_OFFSET_COMMIT), 100 ms apart. */
const UNSTABLE_ATTEMPTS = 100

/** Committed offset and metadata per `topic\u0000partition` of `partitions` that have one. */
export async function fetchCommittedPositions(client: Client, groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, CommittedPosition>> {
  const out = new Map<string, CommittedPosition>()
  if (partitions.length === 0) return out
  const admin = client.admin()
  for (let attempt = 1; ; attempt++) {
    try {
      for (const o of await admin.listGroupOffsets(groupId, { partitions: [...partitions] })) {
        out.set(`${o.topic}\u0000${o.partition}`, { offset: o.offset, metadata: o.metadata })
      }
      return out
    } catch (err) {
      const unstable = err instanceof KafkaProtocolError && err.code === ErrorCode.UNSTABLE_OFFSET_COMMIT
      if (!unstable || attempt >= UNSTABLE_ATTEMPTS) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
