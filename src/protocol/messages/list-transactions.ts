/*
 * ListTransactions (API key 66), versions 0..1, flexible in all versions.
 *
 * Request  => [state_filters] [producer_id_filters] duration_filter(v1+)
 * Response => throttle_time_ms error_code [unknown_state_filters] [transaction_states]
 *   transaction_states => transactional_id producer_id transaction_state
 *
 * Sent to every broker (each coordinates some ids). v1 adds the duration filter (KIP-994).
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** ListTransactions request body; empty filters match everything. */
export interface ListTransactionsRequest {
  /** Only transactions in these states (defaults to all). */
  stateFilters?: string[]
  /** Only transactions of these producer ids (defaults to all). */
  producerIdFilters?: bigint[]
  /** Only transactions running longer than this many ms (v1+); -1 (the default) for all. */
  durationFilter?: bigint
}

/** One listed transaction. */
export interface ListTransactionsState {
  transactionalId: string
  producerId: bigint
  transactionState: string
}

/** ListTransactions response body. */
export interface ListTransactionsResponse {
  throttleTimeMs: number
  errorCode: number
  /** State filters the broker does not know; they matched nothing. */
  unknownStateFilters: string[]
  transactionStates: ListTransactionsState[]
}

/** ListTransactions codec. */
export const ListTransactions: ApiDefinition<ListTransactionsRequest, ListTransactionsResponse> = {
  apiKey: 66,
  name: 'ListTransactions',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: ListTransactionsRequest): void {
    checkVersion(ListTransactions, version)
    const durationFilter = req.durationFilter ?? -1n
    // Dropping the filter would return every transaction as if all were long-running.
    if (version < 1 && durationFilter !== -1n) {
      throw new InvalidArgumentError(`ListTransactions v${version} has no duration filter (needs v1+)`)
    }
    writeArray(w, true, req.stateFilters ?? [], (s) => writeString(w, true, s))
    writeArray(w, true, req.producerIdFilters ?? [], (id) => w.int64(id))
    if (version >= 1) w.int64(durationFilter)
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): ListTransactionsResponse {
    checkVersion(ListTransactions, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const unknownStateFilters = readArray(r, true, () => readString(r, true))
    const transactionStates = readArray(r, true, (): ListTransactionsState => {
      const t = { transactionalId: readString(r, true), producerId: r.int64(), transactionState: readString(r, true) }
      readTags(r, true)
      return t
    })
    readTags(r, true)
    return { throttleTimeMs, errorCode, unknownStateFilters, transactionStates }
  },
}
