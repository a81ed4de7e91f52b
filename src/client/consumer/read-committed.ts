/**
 * read_committed filtering of fetched batches, as the Java consumer does it:
 * the broker already stops at the last stable offset and lists the aborted
 * transactions overlapping the response; batches of an aborted transaction
 * are dropped until that producer's ABORT marker, and control batches never
 * reach the caller.
 */
import type { FetchAbortedTransaction } from '../../protocol/messages/fetch.js'
import { decodeControlRecord, type RecordBatch } from '../../protocol/records/index.js'

/** Keeps the data batches a read_committed consumer may see, in order. */
export function committedBatches(batches: readonly RecordBatch[], aborted: readonly FetchAbortedTransaction[] | null): RecordBatch[] {
  const pending = aborted ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : []
  let next = 0
  const abortedProducers = new Set<bigint>()
  const out: RecordBatch[] = []
  for (const batch of batches) {
    // Transactions that started at or before this batch are now open aborted ones.
    while (next < pending.length && pending[next].firstOffset <= batch.lastOffset) abortedProducers.add(pending[next++].producerId)
    if (batch.isControl) {
      if (batch.isTransactional && isAbortMarker(batch)) abortedProducers.delete(batch.producerId)
      continue
    }
    if (batch.isTransactional && abortedProducers.has(batch.producerId)) continue
    out.push(batch)
  }
  return out
}

function isAbortMarker(batch: RecordBatch): boolean {
  const first = batch.records()[0]
  return first !== undefined && decodeControlRecord(first.key).type === 'abort'
}
