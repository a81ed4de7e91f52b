/*
 * DescribeProducers (API key 61), version 0, flexible.
 *
 * Request  => [topics]
 *   topics => name [partition_indexes]
 * Response => throttle_time_ms [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index error_code error_message(nullable) [active_producers]
 *   active_producers => producer_id producer_epoch(int32) last_sequence last_timestamp
 *                       coordinator_epoch current_txn_start_offset
 *
 * Sent to each partition leader; it reports the idempotent/transactional producer state
 * that hangs a partition's last stable offset (KIP-664).
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  readArray,
  readNullableString,
  readString,
  readTags,
  writeArray,
  writeString,
  writeTags,
} from './flexible.js'

/** Partitions of one topic to describe. */
export interface DescribeProducersTopicRequest {
  name: string
  partitionIndexes: number[]
}

/** DescribeProducers request body. */
export interface DescribeProducersRequest {
  topics: DescribeProducersTopicRequest[]
}

/** One producer with state on a partition. */
export interface ProducerState {
  producerId: bigint
  /** Epoch (an int32 on this API's wire, unlike elsewhere). */
  producerEpoch: number
  lastSequence: number
  /** Timestamp of the last append, ms since the epoch, -1 when unknown. */
  lastTimestamp: bigint
  coordinatorEpoch: number
  /** First offset of its open transaction, -1 when none. */
  currentTxnStartOffset: bigint
}

/** Producer state of one partition. */
export interface DescribeProducersPartitionResponse {
  partitionIndex: number
  errorCode: number
  errorMessage: string | null
  activeProducers: ProducerState[]
}

/** Producer state of one topic's partitions. */
export interface DescribeProducersTopicResponse {
  name: string
  partitions: DescribeProducersPartitionResponse[]
}

/** DescribeProducers response body. */
export interface DescribeProducersResponse {
  throttleTimeMs: number
  topics: DescribeProducersTopicResponse[]
}

/** DescribeProducers codec. */
export const DescribeProducers: ApiDefinition<DescribeProducersRequest, DescribeProducersResponse> = {
  apiKey: 61,
  name: 'DescribeProducers',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: DescribeProducersRequest): void {
    checkVersion(DescribeProducers, version)
    writeArray(w, true, req.topics, (t) => {
      writeString(w, true, t.name)
      writeArray(w, true, t.partitionIndexes, (p) => w.int32(p))
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): DescribeProducersResponse {
    checkVersion(DescribeProducers, version)
    const throttleTimeMs = r.int32()
    const topics = readArray(r, true, (): DescribeProducersTopicResponse => {
      const name = readString(r, true)
      const partitions = readArray(r, true, (): DescribeProducersPartitionResponse => {
        const partitionIndex = r.int32()
        const errorCode = r.int16()
        const errorMessage = readNullableString(r, true)
        const activeProducers = readArray(r, true, (): ProducerState => {
          const p = {
            producerId: r.int64(),
            producerEpoch: r.int32(),
            lastSequence: r.int32(),
            lastTimestamp: r.int64(),
            coordinatorEpoch: r.int32(),
            currentTxnStartOffset: r.int64(),
          }
          readTags(r, true)
          return p
        })
        readTags(r, true)
        return { partitionIndex, errorCode, errorMessage, activeProducers }
      })
      readTags(r, true)
      return { name, partitions }
    })
    readTags(r, true)
    return { throttleTimeMs, topics }
  },
}
