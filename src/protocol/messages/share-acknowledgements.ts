/*
 * What ShareFetch (78) and ShareAcknowledge (79) share: acknowledgement batches in requests,
 * and the current-leader / node-endpoint hints in responses.
 *
 *   acknowledgement_batches => first_offset:int64 last_offset:int64 [acknowledge_types:int8]
 *
 * acknowledge_types holds one type for the whole range, or one per offset of the range.
 */
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
