/*
 * What ShareFetch (78) and ShareAcknowledge (79) share: acknowledgement batches in requests,
 * and the current-leader / node-endpoint hints in responses.
 *
 *   acknowledgement_batches => first_offset:int64 last_offset:int64 [acknowledge_types:int8]
 *
 * acknowledge_types holds one type for the whole range, or one per offset of the range.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Writer } from '../primitives/writer.js'
import { writeArray, writeTags } from './flexible.js'

/** Acknowledge types on the wire (KIP-932; RENEW is KIP-1222, ShareFetch/ShareAcknowledge v2+). */
export const AcknowledgeType = {
  /** An offset with no record (a compacted or control record), acknowledged so the range is complete. */
  GAP: 0,
  /** Processed: never delivered again. */
  ACCEPT: 1,
  /** Not processed: delivered again (to any member) with a higher delivery count. */
  RELEASE: 2,
  /** Unprocessable: never delivered again (archived). */
  REJECT: 3,
  /** Still processing: the acquisition lock is extended, the record stays with this member. */
  RENEW: 4,
} as const

/** A range of offsets with its acknowledge types. */
export interface AcknowledgementBatch {
  firstOffset: bigint
  /** Inclusive. */
  lastOffset: bigint
  /** One {@link AcknowledgeType} for the whole range, or one per offset. */
  acknowledgeTypes: number[]
}

/** Writes an []AcknowledgementBatch (flexible). */
export function writeAcknowledgementBatches(w: Writer, batches: readonly AcknowledgementBatch[]): void {
  writeArray(w, true, batches, (b) => {
    w.int64(b.firstOffset)
    w.int64(b.lastOffset)
    writeArray(w, true, b.acknowledgeTypes, (t) => w.int8(t))
    writeTags(w, true)
  })
}

/** Partitions of one topic with the acknowledgements sent for them. */
export interface AcknowledgeTopic {
  topicId: string
  partitions: Array<{ partitionIndex: number; acknowledgementBatches?: AcknowledgementBatch[] }>
}

/** Writes the []topic => topic_id [partition_index [acknowledgement_batches]] of both requests. */
export function writeAcknowledgeTopics(w: Writer, topics: readonly AcknowledgeTopic[]): void {
  writeArray(w, true, topics, (t) => {
    w.uuid(t.topicId)
    writeArray(w, true, t.partitions, (p) => {
      w.int32(p.partitionIndex)
      writeAcknowledgementBatches(w, p.acknowledgementBatches ?? [])
      writeTags(w, true)
    })
    writeTags(w, true)
  })
}

/**
 * The is_renew_ack flag of a request: as given, else whether a batch carries RENEW; RENEW
 * below v2 (KIP-1222) is refused.
 */
export function renewFlag(apiName: string, version: number, given: boolean | undefined, topics: readonly AcknowledgeTopic[]): boolean {
  const renew = given ?? topics.some((t) => t.partitions.some((p) => p.acknowledgementBatches?.some((b) => b.acknowledgeTypes.includes(AcknowledgeType.RENEW))))
  if (renew && version < 2) throw new InvalidArgumentError(`${apiName} v${version} cannot renew acquisition locks (needs v2+, Kafka 4.2+)`)
  return renew
}
