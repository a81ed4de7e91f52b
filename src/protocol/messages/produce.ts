/*
 * Produce (API key 0), versions 3-12, flexible from 9.
 *
 * Request  => transactional_id:nullable acks:int16 timeout_ms:int32 [topic_data] TAG_BUFFER(v9+)
 *   topic_data     => name [partition_data] TAG_BUFFER(v9+)
 *   partition_data => index:int32 records:RECORDS(nullable) TAG_BUFFER(v9+)
 * Response => [responses] throttle_time_ms(v1+) TAG_BUFFER(v9+)
 *   responses           => name [partition_responses] TAG_BUFFER(v9+)
 *   partition_responses => index error_code base_offset:int64 log_append_time_ms:int64(v2+)
 *                          log_start_offset:int64(v5+) [record_errors](v8+)
 *                          error_message:nullable(v8+) TAG_BUFFER(v9+)
 *     tagged (v10+): 0 current_leader => leader_id leader_epoch TAG_BUFFER
 *   record_errors       => batch_index:int32 batch_index_error_message:nullable TAG_BUFFER(v9+)
 *   tagged (v10+): 0 node_endpoints [node_id host port rack:nullable TAG_BUFFER]
 *
 * v3 is the first version with record batches (magic 2), which is all Peridot writes.
 * v12 has v11's layout; a transactional Produce at v12 also adds its partitions to the
 * transaction (transaction version 2, KIP-890 part 2, Kafka 4.0+), so a producer of
 * transaction version 1 must stay at v11 (see the Sender). The reference specs stop at v11;
 * v12 is from Kafka 4.x's message definitions. v13 (topic ids instead of names) is not used.
 * With acks = 0 the broker sends no response at all: the connection must not wait for one.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  type LeaderIdAndEpoch,
  type NodeEndpoint,
  readArray,
  readLeaderIdAndEpoch,
  readNodeEndpoints,
  readNullableString,
  readString,
  readTags,
  writeArray,
  writeBytes,
  writeNullableString,
  writeString,
  writeTags,
} from './flexible.js'

/** Records for one partition. */
export interface ProducePartitionData {
  index: number
  /**
   * An already-encoded record batch (or several, back to back); large ones are sent by
   * reference (not copied) and must not change until the request is written.
   */
  records: Uint8Array | null
}

/** Records for one topic. */
export interface ProduceTopicData {
  name: string
  partitions: ProducePartitionData[]
}

/** Produce request. */
export interface ProduceRequest {
  /** Transactional id, or null (the default) for non-transactional producers. */
  transactionalId?: string | null
  /** 0: no response, 1: leader only, -1: all in-sync replicas. */
  acks: -1 | 0 | 1
  timeoutMs: number
  topics: ProduceTopicData[]
}

/** A record that made the broker drop its batch (v8+, KIP-467). */
export interface ProduceRecordError {
  batchIndex: number
  batchIndexErrorMessage: string | null
}

/** Result of producing to one partition. */
export interface ProducePartitionResponse {
  index: number
  errorCode: number
  /** Offset of the first record written. */
  baseOffset: bigint
  /** Broker append time for LogAppendTime topics, -1 for CreateTime topics. */
  logAppendTimeMs: bigint
  /** -1 before v5. */
  logStartOffset: bigint
  /** Empty before v8. */
  recordErrors: ProduceRecordError[]
  /** Null before v8. */
  errorMessage: string | null
  /** Tagged (v10+): the new leader when this broker no longer leads the partition. */
  currentLeader?: LeaderIdAndEpoch
}

/** Results for one topic. */
export interface ProduceTopicResponse {
  name: string
  partitionResponses: ProducePartitionResponse[]
}

/** Produce response. */
export interface ProduceResponse {
  /** Named as in Kafka's spec (`Responses`), one entry per topic. */
  responses: ProduceTopicResponse[]
  throttleTimeMs: number
  /** Tagged (v10+): endpoints of the leaders named in `currentLeader`; empty when absent. */
  nodeEndpoints: NodeEndpoint[]
}

const FIRST_FLEXIBLE = 9

/** Produce codec. */
export const Produce: ApiDefinition<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 12,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, version: number, req: ProduceRequest): void {
    checkVersion(Produce, version)
    if (req.acks !== -1 && req.acks !== 0 && req.acks !== 1) throw new InvalidArgumentError(`invalid acks ${String(req.acks)}`)
    const flex = version >= FIRST_FLEXIBLE
    writeNullableString(w, flex, req.transactionalId ?? null)
    w.int16(req.acks).int32(req.timeoutMs)
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      writeArray(w, flex, t.partitions, (p) => {
        w.int32(p.index)
        // The batch is passed by reference when the connection sends pieces (no copy).
        if (p.records === null) writeBytes(w, flex, null)
        else if (flex) w.unsignedVarint(p.records.length + 1).external(p.records)
        else w.int32(p.records.length).external(p.records)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): ProduceResponse {
    checkVersion(Produce, version)
    const flex = version >= FIRST_FLEXIBLE
    const responses = readArray(r, flex, (): ProduceTopicResponse => {
      const name = readString(r, flex)
      const partitionResponses = readArray(r, flex, (): ProducePartitionResponse => {
        const p: ProducePartitionResponse = {
          index: r.int32(),
          errorCode: r.int16(),
          baseOffset: r.int64(),
          logAppendTimeMs: r.int64(),
          logStartOffset: version >= 5 ? r.int64() : -1n,
          recordErrors: [],
          errorMessage: null,
        }
        if (version >= 8) {
          p.recordErrors = readArray(r, flex, () => {
            const batchIndex = r.int32()
            const batchIndexErrorMessage = readNullableString(r, flex)
            readTags(r, flex)
            return { batchIndex, batchIndexErrorMessage }
          })
          p.errorMessage = readNullableString(r, flex)
        }
        readTags(r, flex, (tag, r) => {
          if (tag !== 0 || version < 10) return false
          p.currentLeader = readLeaderIdAndEpoch(r)
          return true
        })
        return p
      })
      readTags(r, flex)
      return { name, partitionResponses }
    })
    const throttleTimeMs = r.int32()
    let nodeEndpoints: NodeEndpoint[] = []
    readTags(r, flex, (tag, r) => {
      if (tag !== 0 || version < 10) return false
      nodeEndpoints = readNodeEndpoints(r)
      return true
    })
    return { responses, throttleTimeMs, nodeEndpoints }
  },
}
