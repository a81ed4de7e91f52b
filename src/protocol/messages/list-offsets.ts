/*
 * ListOffsets (API key 2), versions 1..10, flexible from 6.
 *
 * Request  => replica_id isolation_level(v2+) [topics] timeout_ms(v10+)
 *   topics     => name [partitions]
 *   partitions => partition_index current_leader_epoch(v4+) timestamp
 * Response => throttle_time_ms(v2+) [topics]
 *   topics     => name [partitions]
 *   partitions => partition_index error_code timestamp offset leader_epoch(v4+)
 *
 * v0 (old_style_offsets, removed in Kafka 4.0) is not supported: every broker that
 * Kafka 3.x, 4.x or Redpanda ships answers v1.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** Special `timestamp` values of a ListOffsets partition request. */
export const ListOffsetsTimestamp = {
  /** The next offset to be written (high watermark, or LSO under read_committed). */
  LATEST: -1n,
  /** The log start offset. */
  EARLIEST: -2n,
  /** The offset of the record with the largest timestamp (v7+, KIP-734). */
  MAX_TIMESTAMP: -3n,
  /** The first offset still in local storage under tiered storage (v8+, KIP-405). */
  EARLIEST_LOCAL: -4n,
  /** The highest offset uploaded to tiered storage (v9+, KIP-1005). */
  LATEST_TIERED: -5n,
} as const

/** Transaction visibility of a ListOffsets request: 0 read_uncommitted, 1 read_committed. */
export type IsolationLevel = 0 | 1

/** One partition whose offset is requested. */
export interface ListOffsetsRequestPartition {
  partitionIndex: number
  /** Leader epoch the client knows, for fencing (v4+); -1 (the default) skips the check. */
  currentLeaderEpoch?: number
  /** A timestamp in ms, or one of {@link ListOffsetsTimestamp}. */
  timestamp: bigint
}

/** One topic of a ListOffsets request. */
export interface ListOffsetsRequestTopic {
  name: string
  partitions: ListOffsetsRequestPartition[]
}

/** ListOffsets request body. */
export interface ListOffsetsRequest {
  /** Broker id of a follower; -1 (the default) for a client. */
  replicaId?: number
  /** Defaults to read_uncommitted (0); read_committed (1) needs v2+. */
  isolationLevel?: IsolationLevel
  topics: ListOffsetsRequestTopic[]
  /** How long the broker may wait on tiered storage (v10+); defaults to 30000 ms. */
  timeoutMs?: number
}

/** One partition of a ListOffsets response. */
export interface ListOffsetsResponsePartition {
  partitionIndex: number
  errorCode: number
  /** Timestamp of the returned offset's record, -1 when not applicable. */
  timestamp: bigint
  /** The offset found, -1 when none. */
  offset: bigint
  /** Leader epoch of the returned offset (v4+), -1 when unknown. */
  leaderEpoch: number
}

/** One topic of a ListOffsets response. */
export interface ListOffsetsResponseTopic {
  name: string
  partitions: ListOffsetsResponsePartition[]
}

/** ListOffsets response body. */
export interface ListOffsetsResponse {
  /** 0 before v2, which had no throttling field. */
  throttleTimeMs: number
  topics: ListOffsetsResponseTopic[]
}

// The lowest version that understands each special timestamp: an older broker would
// treat it as a plain (negative) timestamp and answer something else than asked for.
const SPECIAL_TIMESTAMP_MIN_VERSION = new Map<bigint, number>([
  [ListOffsetsTimestamp.MAX_TIMESTAMP, 7],
  [ListOffsetsTimestamp.EARLIEST_LOCAL, 8],
  [ListOffsetsTimestamp.LATEST_TIERED, 9],
])

/** ListOffsets codec. */
export const ListOffsets: ApiDefinition<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 10,
  firstFlexibleVersion: 6,

  encodeRequest(w: Writer, version: number, req: ListOffsetsRequest): void {
    checkVersion(ListOffsets, version)
    const flex = version >= 6
    const isolationLevel = req.isolationLevel ?? 0
    // v1 cannot express read_committed; silently sending read_uncommitted would expose
    // offsets of uncommitted transactions.
    if (isolationLevel !== 0 && version < 2) {
      throw new InvalidArgumentError(`ListOffsets v${version} cannot express isolation level ${isolationLevel} (needs v2+)`)
    }
    w.int32(req.replicaId ?? -1)
    if (version >= 2) w.int8(isolationLevel)
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      writeArray(w, flex, t.partitions, (p) => {
        const needs = SPECIAL_TIMESTAMP_MIN_VERSION.get(p.timestamp)
        if (needs !== undefined && version < needs) {
          throw new InvalidArgumentError(`ListOffsets timestamp ${p.timestamp} needs v${needs}+, got v${version}`)
        }
        w.int32(p.partitionIndex)
        if (version >= 4) w.int32(p.currentLeaderEpoch ?? -1)
        w.int64(p.timestamp)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    if (version >= 10) w.int32(req.timeoutMs ?? 30_000)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): ListOffsetsResponse {
    checkVersion(ListOffsets, version)
    const flex = version >= 6
    const throttleTimeMs = version >= 2 ? r.int32() : 0
    const topics = readArray(r, flex, (): ListOffsetsResponseTopic => {
      const name = readString(r, flex)
      const partitions = readArray(r, flex, (): ListOffsetsResponsePartition => {
        const partitionIndex = r.int32()
        const errorCode = r.int16()
        const timestamp = r.int64()
        const offset = r.int64()
        const leaderEpoch = version >= 4 ? r.int32() : -1
        readTags(r, flex)
        return { partitionIndex, errorCode, timestamp, offset, leaderEpoch }
      })
      readTags(r, flex)
      return { name, partitions }
    })
    readTags(r, flex)
    return { throttleTimeMs, topics }
  },
}
