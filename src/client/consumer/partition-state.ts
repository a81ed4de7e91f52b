/**
 * What a group member knows about one assigned partition, shared by the
 * membership protocols, the fetcher and the offset store.
 */
import type { Cluster } from '../cluster.js'
import { PartitionClient } from '../partition-client.js'
import type { TopicPartition } from './assignor.js'

export interface PartitionState {
  topic: string
  partition: number
  /** Where the next fetch starts. */
  fetchPosition: bigint | undefined
  /** Position after the last batch the caller finished. */
  consumed: bigint | undefined
  /**
   * End of what can be fetched as of the last fetch response (high watermark; last stable offset
   * under read_committed); undefined until a fetch answered. With {@link fetchPosition}: the lag.
   */
  fetchedEnd: bigint | undefined
  committed: bigint | undefined
  /** Metadata string of the committed offset read when the partition was assigned (null: none). */
  committedMetadata: string | null
  paused: boolean
  /**
   * Assigned, and `onAssigned` has not returned yet: not fetched (as the Java consumer returns no
   * record of a partition before onPartitionsAssigned completes, so that a seek or pause there
   * applies to every record; and a caller that learns of the partition there never sees its
   * records first).
   */
  assigning: boolean
  /** Bumped on seek/revoke so that fetches in flight are discarded. */
  epoch: number
  /** The replica the leader asked to fetch from (KIP-392), until `until` (ms) or its first error. */
  readReplica?: { nodeId: number; until: number }
  pc: PartitionClient
}

/** Map key of a partition. */
export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

export function newPartitionState(cluster: Cluster, tp: TopicPartition): PartitionState {
  return {
    topic: tp.topic,
    partition: tp.partition,
    fetchPosition: undefined,
    consumed: undefined,
    fetchedEnd: undefined,
    committed: undefined,
    committedMetadata: null,
    paused: false,
    assigning: true,
    epoch: 0,
    pc: new PartitionClient(cluster, tp.topic, tp.partition),
  }
}

/** Groups items by their topic, keeping their order. */
export function byTopic<T extends { topic: string }, U>(items: Iterable<T>, map: (item: T) => U): Map<string, U[]> {
  const out = new Map<string, U[]>()
  for (const item of items) {
    let list = out.get(item.topic)
    if (!list) out.set(item.topic, (list = []))
    list.push(map(item))
  }
  return out
}

export const toTopicPartition = (s: { topic: string; partition: number }): TopicPartition => ({ topic: s.topic, partition: s.partition })
