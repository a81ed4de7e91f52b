/*
 * DescribeTransactions (API key 65), version 0, flexible.
 *
 * Request  => [transactional_ids]
 * Response => throttle_time_ms [transaction_states]
 *   transaction_states => error_code transactional_id transaction_state
 *                         transaction_timeout_ms transaction_start_time_ms producer_id
 *                         producer_epoch [topics]
 *   topics => topic [partitions]
 *
 * Sent to each id's transaction coordinator (KIP-664).
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readInt32Array, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** DescribeTransactions request body. */
export interface DescribeTransactionsRequest {
  transactionalIds: string[]
}

/** Partitions of one topic in a transaction. */
export interface DescribeTransactionsTopicData {
  topic: string
  partitions: number[]
}

/** State of one transactional id. */
export interface DescribeTransactionsState {
  errorCode: number
  transactionalId: string
  /** e.g. `Empty`, `Ongoing`, `PrepareCommit`, `CompleteAbort`. */
  transactionState: string
  transactionTimeoutMs: number
  /** Start of the current transaction, ms since the epoch, -1 when none. */
  transactionStartTimeMs: bigint
  producerId: bigint
  producerEpoch: number
  /** Partitions in the current transaction. */
  topics: DescribeTransactionsTopicData[]
}

/** DescribeTransactions response body. */
export interface DescribeTransactionsResponse {
  throttleTimeMs: number
  transactionStates: DescribeTransactionsState[]
}

/** DescribeTransactions codec. */
export const DescribeTransactions: ApiDefinition<DescribeTransactionsRequest, DescribeTransactionsResponse> = {
  apiKey: 65,
  name: 'DescribeTransactions',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: DescribeTransactionsRequest): void {
    checkVersion(DescribeTransactions, version)
    writeArray(w, true, req.transactionalIds, (id) => writeString(w, true, id))
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): DescribeTransactionsResponse {
    checkVersion(DescribeTransactions, version)
    const throttleTimeMs = r.int32()
    const transactionStates = readArray(r, true, (): DescribeTransactionsState => {
      const errorCode = r.int16()
      const transactionalId = readString(r, true)
      const transactionState = readString(r, true)
      const transactionTimeoutMs = r.int32()
      const transactionStartTimeMs = r.int64()
      const producerId = r.int64()
      const producerEpoch = r.int16()
      const topics = readArray(r, true, (): DescribeTransactionsTopicData => {
        const t = { topic: readString(r, true), partitions: readInt32Array(r, true) }
        readTags(r, true)
        return t
      })
      readTags(r, true)
      return {
        errorCode,
        transactionalId,
        transactionState,
        transactionTimeoutMs,
        transactionStartTimeMs,
        producerId,
        producerEpoch,
        topics,
      }
    })
    readTags(r, true)
    return { throttleTimeMs, transactionStates }
  },
}
