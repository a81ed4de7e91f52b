/*
 * Metadata (API key 3), versions 1-12, flexible from 9.
 *
 * Request  => [topics](null = all topics) allow_auto_topic_creation(v4+)
 *             include_cluster_authorized_operations(v8-10) include_topic_authorized_operations(v8+)
 *             TAG_BUFFER(v9+)
 *   topics   => topic_id:uuid(v10+) name(nullable v10+) TAG_BUFFER(v9+)
 * Response => throttle_time_ms(v3+) [brokers] cluster_id:nullable(v2+) controller_id(v1+)
 *             [topics] cluster_authorized_operations(v8-10) TAG_BUFFER(v9+)
 *   brokers    => node_id host port rack:nullable TAG_BUFFER(v9+)
 *   topics     => error_code name(nullable v12+) topic_id:uuid(v10+) is_internal [partitions]
 *                 topic_authorized_operations(v8+) TAG_BUFFER(v9+)
 *   partitions => error_code partition_index leader_id leader_epoch(v7+) [replica_nodes]
 *                 [isr_nodes] [offline_replicas](v5+) TAG_BUFFER(v9+)
 *
 * v0 is left out: it has no rack, controller or null-means-all topics, and Kafka 4 dropped it.
 * Topic ids in requests are honoured by brokers from v12 on (v10-11 must send names).
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  readArray,
  readInt32Array,
  readNullableString,
  readString,
  readTags,
  writeArray,
  writeNullableString,
  writeString,
  writeTags,
  ZERO_UUID,
} from './flexible.js'

/** A topic to describe: by name, or (v12+) by id with a null name. */
export interface MetadataRequestTopic {
  name: string | null
  /** Topic id (v10+); the zero UUID when omitted. */
  topicId?: string
}

/** Metadata request. */
export interface MetadataRequest {
  /** Topics to describe; null for all topics, [] for none (brokers and cluster only). */
  topics: MetadataRequestTopic[] | null
  /** Whether the broker may auto-create the requested topics (v4+; default true). */
  allowAutoTopicCreation?: boolean
  /** Ask for cluster authorized operations (v8-10 only; later moved to DescribeCluster). */
  includeClusterAuthorizedOperations?: boolean
  /** Ask for per-topic authorized operations (v8+). */
  includeTopicAuthorizedOperations?: boolean
}

/** A broker of the cluster. */
export interface MetadataBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** One partition's leadership and replicas. */
export interface MetadataPartition {
  errorCode: number
  partitionIndex: number
  leaderId: number
  /** -1 before v7. */
  leaderEpoch: number
  replicaNodes: number[]
  isrNodes: number[]
  /** Empty before v5. */
  offlineReplicas: number[]
}

/** One topic's metadata. */
export interface MetadataTopic {
  errorCode: number
  /** Null only for a non-existent topic asked for by id (v12+). */
  name: string | null
  /** The zero UUID before v10, or for a non-existent topic asked for by name. */
  topicId: string
  isInternal: boolean
  partitions: MetadataPartition[]
  /** Bit field of authorized operations (v8+); -2147483648 when not requested or absent. */
  topicAuthorizedOperations: number
}

/** Metadata response. */
export interface MetadataResponse {
  /** 0 before v3. */
  throttleTimeMs: number
  brokers: MetadataBroker[]
  /** Null before v2. */
  clusterId: string | null
  /** -1 when unknown. */
  controllerId: number
  topics: MetadataTopic[]
  /** v8-10 only; -2147483648 otherwise. */
  clusterAuthorizedOperations: number
}

const FIRST_FLEXIBLE = 9
const NO_AUTHORIZED_OPERATIONS = -2147483648

/** Metadata codec. */
export const Metadata: ApiDefinition<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 1,
  maxVersion: 12,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, version: number, req: MetadataRequest): void {
    checkVersion(Metadata, version)
    const flex = version >= FIRST_FLEXIBLE
    writeArray(w, flex, req.topics, (t) => {
      if (version >= 10) w.uuid(t.topicId ?? ZERO_UUID)
      else if (t.name === null) throw new InvalidArgumentError(`Metadata v${version} needs topic names (ids need v12)`)
      writeNullableString(w, flex, t.name)
      writeTags(w, flex)
    })
    const allowAuto = req.allowAutoTopicCreation ?? true
    if (version >= 4) w.boolean(allowAuto)
    else if (!allowAuto) throw new InvalidArgumentError(`Metadata v${version} cannot disable topic auto-creation (needs v4)`)
    if (version >= 8 && version <= 10) w.boolean(req.includeClusterAuthorizedOperations ?? false)
    if (version >= 8) w.boolean(req.includeTopicAuthorizedOperations ?? false)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): MetadataResponse {
    checkVersion(Metadata, version)
    const flex = version >= FIRST_FLEXIBLE
    const throttleTimeMs = version >= 3 ? r.int32() : 0
    const brokers = readArray(r, flex, (): MetadataBroker => {
      const nodeId = r.int32()
      const host = readString(r, flex)
      const port = r.int32()
      const rack = readNullableString(r, flex)
      readTags(r, flex)
      return { nodeId, host, port, rack }
    })
    const clusterId = version >= 2 ? readNullableString(r, flex) : null
    const controllerId = r.int32()
    const topics = readArray(r, flex, (): MetadataTopic => {
      const errorCode = r.int16()
      const name = version >= 12 ? readNullableString(r, flex) : readString(r, flex)
      const topicId = version >= 10 ? r.uuid() : ZERO_UUID
      const isInternal = r.boolean()
      const partitions = readArray(r, flex, (): MetadataPartition => {
        const errorCode = r.int16()
        const partitionIndex = r.int32()
        const leaderId = r.int32()
        const leaderEpoch = version >= 7 ? r.int32() : -1
        const replicaNodes = readInt32Array(r, flex)
        const isrNodes = readInt32Array(r, flex)
        const offlineReplicas = version >= 5 ? readInt32Array(r, flex) : []
        readTags(r, flex)
        return { errorCode, partitionIndex, leaderId, leaderEpoch, replicaNodes, isrNodes, offlineReplicas }
      })
      const topicAuthorizedOperations = version >= 8 ? r.int32() : NO_AUTHORIZED_OPERATIONS
      readTags(r, flex)
      return { errorCode, name, topicId, isInternal, partitions, topicAuthorizedOperations }
    })
    const clusterAuthorizedOperations = version >= 8 && version <= 10 ? r.int32() : NO_AUTHORIZED_OPERATIONS
    readTags(r, flex)
    return { throttleTimeMs, brokers, clusterId, controllerId, topics, clusterAuthorizedOperations }
  },
}
