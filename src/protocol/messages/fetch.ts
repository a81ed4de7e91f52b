/*
 * Fetch (API key 1), versions 4-17, flexible from 12.
 *
 * Request  => replica_id(v4-14) max_wait_ms min_bytes max_bytes isolation_level:int8
 *             session_id(v7+) session_epoch(v7+) [topics] [forgotten_topics_data](v7+)
 *             rack_id(v11+) TAG_BUFFER(v12+)
 *   tagged: 0 cluster_id:nullable (v12+), 1 replica_state => replica_id replica_epoch:int64 (v15+)
 *   topics     => topic(v4-12) | topic_id:uuid(v13+), [partitions] TAG_BUFFER(v12+)
 *   partitions => partition current_leader_epoch(v9+) fetch_offset:int64 last_fetched_epoch(v12+)
 *                 log_start_offset:int64(v5+) partition_max_bytes TAG_BUFFER(v12+)
 *     tagged: 0 replica_directory_id:uuid (v17+)
 *   forgotten_topics_data => topic(v7-12) | topic_id:uuid(v13+), [partitions:int32] TAG_BUFFER(v12+)
 * Response => throttle_time_ms error_code(v7+) session_id(v7+) [responses] TAG_BUFFER(v12+)
 *   tagged: 0 node_endpoints [node_id host port rack:nullable] (v16+)
 *   responses  => topic(v4-12) | topic_id:uuid(v13+), [partitions] TAG_BUFFER(v12+)
 *   partitions => partition_index error_code high_watermark:int64 last_stable_offset:int64
 *                 log_start_offset:int64(v5+) [aborted_transactions](nullable)
 *                 preferred_read_replica(v11+) records:RECORDS(nullable) TAG_BUFFER(v12+)
 *     tagged: 0 diverging_epoch => epoch end_offset:int64, 1 current_leader => leader_id leader_epoch,
 *             2 snapshot_id => end_offset:int64 epoch  (each + TAG_BUFFER)
 *   aborted_transactions => producer_id:int64 first_offset:int64 TAG_BUFFER(v12+)
 *
 * v4 is the first version with isolation levels and record batches (magic 2). From v13 on topics
 * are named by id only; requests carry both name and id, and each version writes the one it has.
 * Records are handed over as zero-copy views of the response buffer, undecoded.
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
  readNullableArray,
  readNullableBytes,
  readString,
  readTags,
  type TaggedFieldWrite,
  writeArray,
  writeInt32Array,
  writeString,
  writeTaggedFields,
  writeTags,
  ZERO_UUID,
} from './flexible.js'

/** One partition to fetch. */
export interface FetchRequestPartition {
  partition: number
  /** Leader epoch known to the client, for fencing (v9+); -1 (default) skips the check. */
  currentLeaderEpoch?: number
  fetchOffset: bigint
  /** Epoch of the last fetched record, for divergence detection (v12+); default -1. */
  lastFetchedEpoch?: number
  /** Follower's log start offset (v5+); consumers leave the default -1. */
  logStartOffset?: bigint
  partitionMaxBytes: number
  /** Follower's log directory id (tagged, v17+); consumers leave it out. */
  replicaDirectoryId?: string
}

/** One topic to fetch: by name up to v12, by id from v13 on (give both to serve either). */
export interface FetchRequestTopic {
  topic?: string
  topicId?: string
  partitions: FetchRequestPartition[]
}

/** Partitions to drop from an incremental fetch session (v7+). */
export interface FetchForgottenTopic {
  topic?: string
  topicId?: string
  partitions: number[]
}

/** Fetch request. Defaults give a sessionless consumer fetch. */
export interface FetchRequest {
  /** Cluster id, for brokers validating fetches before registration (tagged, v12+). */
  clusterId?: string | null
  /** -1 (default) for consumers; a broker id for followers. */
  replicaId?: number
  /** Follower epoch (v15+, with replicaId in the tagged replica state); default -1. */
  replicaEpoch?: bigint
  maxWaitMs: number
  minBytes: number
  /** Default 0x7fffffff. */
  maxBytes?: number
  /** 0 read_uncommitted (default), 1 read_committed. */
  isolationLevel?: 0 | 1
  /** Fetch session id (v7+); default 0. */
  sessionId?: number
  /** Fetch session epoch (v7+); default -1, which with session id 0 means no session. */
  sessionEpoch?: number
  topics: FetchRequestTopic[]
  /** Partitions to remove from the session (v7+, Kafka's `ForgottenTopicsData`); default none. */
  forgottenTopicsData?: FetchForgottenTopic[]
  /** Consumer rack, for follower fetching (v11+); default ''. */
  rackId?: string
}

/** A transaction aborted within the returned records (read_committed). */
export interface FetchAbortedTransaction {
  producerId: bigint
  firstOffset: bigint
}

/** Largest epoch and its end offset where the log diverges from the request (v12+). */
export interface FetchEpochEndOffset {
  epoch: number
  endOffset: bigint
}

/** Snapshot to load when fetching below the log start (KRaft, v12+). */
export interface FetchSnapshotId {
  endOffset: bigint
  epoch: number
}

/** Fetch result of one partition. */
export interface FetchPartitionResponse {
  partitionIndex: number
  errorCode: number
  highWatermark: bigint
  lastStableOffset: bigint
  /** -1 before v5. */
  logStartOffset: bigint
  /** Tagged (v12+). */
  divergingEpoch?: FetchEpochEndOffset
  /** Tagged (v12+): the new leader on NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH. */
  currentLeader?: LeaderIdAndEpoch
  /** Tagged (v12+). */
  snapshotId?: FetchSnapshotId
  /** Null unless read_committed and aborted transactions overlap the records. */
  abortedTransactions: FetchAbortedTransaction[] | null
  /** Replica to fetch from next (v11+); -1 for none. */
  preferredReadReplica: number
  /** Raw record batches: a zero-copy view of the response buffer; the last batch may be partial. */
  records: Buffer | null
}

/** Fetch result of one topic. */
export interface FetchTopicResponse {
  /** Topic name up to v12; null from v13 on. */
  topic: string | null
  /** Topic id from v13 on; the zero UUID before. */
  topicId: string
  partitions: FetchPartitionResponse[]
}

/** Fetch response. */
export interface FetchResponse {
  throttleTimeMs: number
  /** Top-level error (v7+), e.g. fetch session errors; 0 otherwise. */
  errorCode: number
  /** Fetch session id (v7+); 0 when sessionless. */
  sessionId: number
  responses: FetchTopicResponse[]
  /** Tagged (v16+): endpoints of the leaders named in `currentLeader`; empty when absent. */
  nodeEndpoints: NodeEndpoint[]
}

const FIRST_FLEXIBLE = 12

/** Writes the topic name (v4-12) or topic id (v13+) of a request topic. */
function writeTopicRef(w: Writer, version: number, flex: boolean, t: { topic?: string; topicId?: string }): void {
  if (version >= 13) {
    if (t.topicId === undefined) throw new InvalidArgumentError(`Fetch v${version} needs topic ids`)
    w.uuid(t.topicId)
  } else {
    if (t.topic === undefined) throw new InvalidArgumentError(`Fetch v${version} needs topic names`)
    writeString(w, flex, t.topic)
  }
}

/** Fetch codec. */
export const Fetch: ApiDefinition<FetchRequest, FetchResponse> = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 17,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, version: number, req: FetchRequest): void {
    checkVersion(Fetch, version)
    const flex = version >= FIRST_FLEXIBLE
    const replicaId = req.replicaId ?? -1
    const replicaEpoch = req.replicaEpoch ?? -1n
    if (version <= 14) w.int32(replicaId)
    w.int32(req.maxWaitMs).int32(req.minBytes).int32(req.maxBytes ?? 0x7fffffff).int8(req.isolationLevel ?? 0)
    if (version >= 7) w.int32(req.sessionId ?? 0).int32(req.sessionEpoch ?? -1)
    writeArray(w, flex, req.topics, (t) => {
      writeTopicRef(w, version, flex, t)
      writeArray(w, flex, t.partitions, (p) => {
        w.int32(p.partition)
        if (version >= 9) w.int32(p.currentLeaderEpoch ?? -1)
        w.int64(p.fetchOffset)
        if (version >= 12) w.int32(p.lastFetchedEpoch ?? -1)
        if (version >= 5) w.int64(p.logStartOffset ?? -1n)
        w.int32(p.partitionMaxBytes)
        const dirId = p.replicaDirectoryId
        writeTaggedFields(w, flex, version >= 17 && dirId !== undefined && dirId !== ZERO_UUID ? [[0, (w) => w.uuid(dirId)]] : [])
      })
      writeTags(w, flex)
    })
    if (version >= 7) {
      writeArray(w, flex, req.forgottenTopicsData ?? [], (t) => {
        writeTopicRef(w, version, flex, t)
        writeInt32Array(w, flex, t.partitions)
        writeTags(w, flex)
      })
    }
    if (version >= 11) writeString(w, flex, req.rackId ?? '')
    // Tagged fields are written only when they differ from their defaults, as Kafka does.
    const tags: TaggedFieldWrite[] = []
    const clusterId = req.clusterId ?? null
    if (clusterId !== null) tags.push([0, (w) => w.compactString(clusterId)])
    if (version >= 15 && (replicaId !== -1 || replicaEpoch !== -1n)) {
      tags.push([1, (w) => w.int32(replicaId).int64(replicaEpoch).uint8(0)])
    }
    writeTaggedFields(w, flex, tags)
  },

  decodeResponse(r: Reader, version: number): FetchResponse {
    checkVersion(Fetch, version)
    const flex = version >= FIRST_FLEXIBLE
    const throttleTimeMs = r.int32()
    const errorCode = version >= 7 ? r.int16() : 0
    const sessionId = version >= 7 ? r.int32() : 0
    const responses = readArray(r, flex, (): FetchTopicResponse => {
      const topic = version >= 13 ? null : readString(r, flex)
      const topicId = version >= 13 ? r.uuid() : ZERO_UUID
      const partitions = readArray(r, flex, (): FetchPartitionResponse => {
        const p: FetchPartitionResponse = {
          partitionIndex: r.int32(),
          errorCode: r.int16(),
          highWatermark: r.int64(),
          lastStableOffset: r.int64(),
          logStartOffset: version >= 5 ? r.int64() : -1n,
          abortedTransactions: readNullableArray(r, flex, () => {
            const producerId = r.int64()
            const firstOffset = r.int64()
            readTags(r, flex)
            return { producerId, firstOffset }
          }),
          preferredReadReplica: version >= 11 ? r.int32() : -1,
          records: readNullableBytes(r, flex),
        }
        readTags(r, flex, (tag, r) => {
          switch (tag) {
            case 0: {
              const epoch = r.int32()
              const endOffset = r.int64()
              r.taggedFields()
              p.divergingEpoch = { epoch, endOffset }
              return true
            }
            case 1:
              p.currentLeader = readLeaderIdAndEpoch(r)
              return true
            case 2: {
              const endOffset = r.int64()
              const epoch = r.int32()
              r.taggedFields()
              p.snapshotId = { endOffset, epoch }
              return true
            }
            default:
              return false
          }
        })
        return p
      })
      readTags(r, flex)
      return { topic, topicId, partitions }
    })
    let nodeEndpoints: NodeEndpoint[] = []
    readTags(r, flex, (tag, r) => {
      if (tag !== 0 || version < 16) return false
      nodeEndpoints = readNodeEndpoints(r)
      return true
    })
    return { throttleTimeMs, errorCode, sessionId, responses, nodeEndpoints }
  },
}
