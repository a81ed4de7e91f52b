/*
 * OffsetFetch (API key 9), versions 1..9, flexible from 6.
 *
 * Request v1-7 => group_id [topics](nullable v2+) require_stable(v7+)
 *   topics => name [partition_indexes]
 * Request v8+  => [groups] require_stable
 *   groups => group_id member_id(v9+, nullable) member_epoch(v9+) [topics](nullable)
 *   topics => name [partition_indexes]
 * Response v1-7 => throttle_time_ms(v3+) [topics] error_code(v2+)
 *   topics     => name [partitions]
 *   partitions => partition_index committed_offset committed_leader_epoch(v5+)
 *                 metadata(nullable) error_code
 * Response v8+  => throttle_time_ms [groups]
 *   groups => group_id [topics] error_code   (topics and partitions as above)
 *
 * v0 (offsets from ZooKeeper) was removed in Kafka 4.0. v8 (KIP-709) batches groups; v9 adds
 * the KIP-848 member id and epoch.
 */
import { InvalidArgumentError } from '../errors.js'
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
  writeNullableString,
  writeString,
  writeTags,
} from './flexible.js'

/** Partitions of one topic whose offsets are requested. */
export interface OffsetFetchRequestTopic {
  name: string
  partitionIndexes: number[]
}

/** One group whose offsets are requested. */
export interface OffsetFetchRequestGroup {
  groupId: string
  /** KIP-848 member id (v9+; dropped before); null (the default) outside the consumer protocol. */
  memberId?: string | null
  /** KIP-848 member epoch (v9+; dropped before); -1 (the default) outside the consumer protocol. */
  memberEpoch?: number
  /** Topics to fetch, or null for all committed offsets of the group (v2+). */
  topics: OffsetFetchRequestTopic[] | null
}

/** OffsetFetch request body, one shape for every version. */
export interface OffsetFetchRequest {
  /** v1-7 take exactly one group; v8+ any number. */
  groups: OffsetFetchRequestGroup[]
  /** Fail partitions with pending transactional offsets with a retriable error instead of returning stale ones (v7+). */
  requireStable?: boolean
}

/** Committed offset of one partition. */
export interface OffsetFetchResponsePartition {
  partitionIndex: number
  /** -1 when the group has no committed offset for the partition. */
  committedOffset: bigint
  /** Leader epoch stored with the offset (v5+); -1 when unknown. */
  committedLeaderEpoch: number
  metadata: string | null
  errorCode: number
}

/** Committed offsets of one topic. */
export interface OffsetFetchResponseTopic {
  name: string
  partitions: OffsetFetchResponsePartition[]
}

/** Committed offsets of one group. */
export interface OffsetFetchResponseGroup {
  /** The group id; '' in v1-7, whose response does not repeat it (it is the one group asked for). */
  groupId: string
  topics: OffsetFetchResponseTopic[]
  /** Group-level error (v2+); 0 in v1, which reported it per partition. */
  errorCode: number
}

/** OffsetFetch response body. */
export interface OffsetFetchResponse {
  /** 0 before v3, which had no throttling field. */
  throttleTimeMs: number
  /** One entry per group in every version (v1-7: the single group of the request). */
  groups: OffsetFetchResponseGroup[]
  /** Single-group fields as on the wire in v1-7 (same values as groups[0]); [] and 0 in v8+. */
  topics: OffsetFetchResponseTopic[]
  errorCode: number
}

/** OffsetFetch codec. */
export const OffsetFetch: ApiDefinition<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 9,
  firstFlexibleVersion: 6,

  encodeRequest(w: Writer, version: number, req: OffsetFetchRequest): void {
    checkVersion(OffsetFetch, version)
    const flex = version >= 6
    const requireStable = req.requireStable ?? false
    // Without it the broker may return offsets of uncommitted transactions.
    if (requireStable && version < 7) {
      throw new InvalidArgumentError(`OffsetFetch v${version} cannot require stable offsets (needs v7+)`)
    }
    const writeTopics = (topics: OffsetFetchRequestTopic[] | null): void =>
      writeArray(w, flex, topics, (t) => {
        writeString(w, flex, t.name)
        writeArray(w, flex, t.partitionIndexes, (p) => w.int32(p))
        writeTags(w, flex)
      })
    if (version < 8) {
      if (req.groups.length !== 1) {
        throw new InvalidArgumentError(`OffsetFetch v${version} takes exactly one group, got ${req.groups.length} (batching needs v8+)`)
      }
      const g = req.groups[0]
      if (g.topics === null && version < 2) {
        throw new InvalidArgumentError('OffsetFetch v1 cannot fetch all topics (null topics needs v2+)')
      }
      writeString(w, flex, g.groupId)
      writeTopics(g.topics)
    } else {
      writeArray(w, flex, req.groups, (g) => {
        writeString(w, flex, g.groupId)
        if (version >= 9) {
          writeNullableString(w, flex, g.memberId ?? null)
          w.int32(g.memberEpoch ?? -1)
        }
        writeTopics(g.topics)
        writeTags(w, flex)
      })
    }
    if (version >= 7) w.boolean(requireStable)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): OffsetFetchResponse {
    checkVersion(OffsetFetch, version)
    const flex = version >= 6
    const throttleTimeMs = version >= 3 ? r.int32() : 0
    const readTopics = (): OffsetFetchResponseTopic[] =>
      readArray(r, flex, (): OffsetFetchResponseTopic => {
        const name = readString(r, flex)
        const partitions = readArray(r, flex, (): OffsetFetchResponsePartition => {
          const partitionIndex = r.int32()
          const committedOffset = r.int64()
          const committedLeaderEpoch = version >= 5 ? r.int32() : -1
          const metadata = readNullableString(r, flex)
          const errorCode = r.int16()
          readTags(r, flex)
          return { partitionIndex, committedOffset, committedLeaderEpoch, metadata, errorCode }
        })
        readTags(r, flex)
        return { name, partitions }
      })
    if (version < 8) {
      const topics = readTopics()
      const errorCode = version >= 2 ? r.int16() : 0
      readTags(r, flex)
      return { throttleTimeMs, groups: [{ groupId: '', topics, errorCode }], topics, errorCode }
    }
    const groups = readArray(r, flex, (): OffsetFetchResponseGroup => {
      const groupId = readString(r, flex)
      const topics = readTopics()
      const errorCode = r.int16()
      readTags(r, flex)
      return { groupId, topics, errorCode }
    })
    readTags(r, flex)
    return { throttleTimeMs, groups, topics: [], errorCode: 0 }
  },
}
