// Helpers of the share-group tests (KIP-932): which brokers have share groups, group configs
// that keep the tests short, and producing records one batch each.
import { Client, KafkaProtocolError } from '../../src/index.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { kafkaVersion } from './helpers.js'

/** Kafka 3.9 has no share groups (early access, off); every 4.x broker the project starts has them. */
export function shareGroupsExpected(): boolean {
  return !kafkaVersion().startsWith('3.')
}

/** Options of {@link configureShareGroup}. */
export interface ShareGroupConfig {
  /** share.record.lock.duration.ms wanted; a broker refusing it (its minimum, 15 s by default) gets the minimum it names. */
  lockMs?: number
  /** share.delivery.count.limit. */
  deliveryCountLimit?: number
}

/**
 * Makes a share group read from the earliest offset, with the given lock duration and delivery
 * limit; returns the lock duration in force (ms).
 */
export async function configureShareGroup(client: Client, groupId: string, cfg: ShareGroupConfig = {}): Promise<number> {
  const set = (name: string, value: string) => ({ op: 'set' as const, name, value })
  const ops = [set('share.auto.offset.reset', 'earliest')]
  if (cfg.deliveryCountLimit !== undefined) ops.push(set('share.delivery.count.limit', String(cfg.deliveryCountLimit)))
  let lockMs = 30_000
  if (cfg.lockMs !== undefined) {
    try {
      await client.admin().incrementalAlterConfigs([{ type: 'group', name: groupId, ops: [...ops, set('share.record.lock.duration.ms', String(cfg.lockMs))] }])
      return cfg.lockMs
    } catch (err) {
      // A broker not started by this project (e.g. KAFKA_CONNECT) keeps the 15 s minimum.
      if (!(err instanceof KafkaProtocolError && err.code === ErrorCode.INVALID_CONFIG)) throw err
      lockMs = 15_000
      ops.push(set('share.record.lock.duration.ms', String(lockMs)))
    }
  }
  await client.admin().incrementalAlterConfigs([{ type: 'group', name: groupId, ops }])
  return lockMs
}

/** Produces each value as a batch of its own (a share fetch acquires whole batches), in order. */
export async function produceEach(client: Client, topic: string, values: string[], partition = 0): Promise<void> {
  const producer = client.producer()
  for (const value of values) await producer.send({ topic, partition, value })
  await producer.close()
}

/** Produces the values as one record batch (delivered together by one share fetch). */
export async function produceBatch(client: Client, topic: string, values: string[], partition = 0): Promise<void> {
  const pc = await client.partitionClient(topic, partition)
  await pc.produce(values.map((value) => ({ value })))
}
