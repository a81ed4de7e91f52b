/*
 * CreateTopics (API key 19), versions 2..7, flexible from 5.
 *
 * Request  => [topics] timeout_ms validate_only
 *   topics      => name num_partitions replication_factor [assignments] [configs]
 *   assignments => partition_index [broker_ids]
 *   configs     => name value(nullable)
 * Response => throttle_time_ms [topics]
 *   topics  => name topic_id(v7+) error_code error_message(nullable)
 *              num_partitions(v5+) replication_factor(v5+) [configs](v5+, nullable)
 *              <tag 0: topic_config_error_code(v5+)>
 *   configs => name value(nullable) read_only config_source is_sensitive
 *
 * v0-1 were removed in Kafka 4.0 and v2 is understood by every Kafka 3.x and Redpanda.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import {
  checkVersion,
  readArray,
  readNullableArray,
  readNullableString,
  readString,
  readTags,
  writeArray,
  writeInt32Array,
  writeNullableString,
  writeString,
  writeTags,
  ZERO_UUID,
} from './flexible.js'

/** Manual placement of one partition of a new topic. */
export interface CreatableReplicaAssignment {
  partitionIndex: number
  /** Brokers holding the replicas; the first is the preferred leader. */
  brokerIds: number[]
}

/** One topic config override, `value` null to keep the default. */
export interface CreatableTopicConfig {
  name: string
  value: string | null
}

/** One topic to create. */
export interface CreatableTopic {
  name: string
  /** Partition count, or -1 (the default) for the broker default or manual assignments. */
  numPartitions?: number
  /** Replica count, or -1 (the default) for the broker default or manual assignments. */
  replicationFactor?: number
  /** Manual assignment; empty (the default) for automatic placement. */
  assignments?: CreatableReplicaAssignment[]
  configs?: CreatableTopicConfig[]
}

/** CreateTopics request body. */
export interface CreateTopicsRequest {
  topics: CreatableTopic[]
  /** How long the controller may take to create the topics. */
  timeoutMs: number
  /** Check the request without creating anything (defaults to false). */
  validateOnly?: boolean
}

/** One config of a created topic, as reported by v5+. */
export interface CreatableTopicConfigResult {
  name: string
  value: string | null
  readOnly: boolean
  /** A config source code (see DescribeConfigs' ConfigSource), -1 when unknown. */
  configSource: number
  isSensitive: boolean
}

/** Outcome for one topic of a CreateTopics request. */
export interface CreatableTopicResult {
  name: string
  /** Id of the new topic (v7+); the all-zero UUID before v7 or on error. */
  topicId: string
  errorCode: number
  errorMessage: string | null
  /** Why `configs` is null although the topic was created (tagged, v5+); 0 otherwise. */
  topicConfigErrorCode: number
  /** Partition count of the topic (v5+), -1 when unknown. */
  numPartitions: number
  /** Replication factor of the topic (v5+), -1 when unknown. */
  replicationFactor: number
  /** Effective configs of the topic (v5+); null before v5 or when not returned. */
  configs: CreatableTopicConfigResult[] | null
}

/** CreateTopics response body. */
export interface CreateTopicsResponse {
  throttleTimeMs: number
  topics: CreatableTopicResult[]
}

/** CreateTopics codec. */
export const CreateTopics: ApiDefinition<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 2,
  maxVersion: 7,
  firstFlexibleVersion: 5,

  encodeRequest(w: Writer, version: number, req: CreateTopicsRequest): void {
    checkVersion(CreateTopics, version)
    const flex = version >= 5
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      w.int32(t.numPartitions ?? -1)
      w.int16(t.replicationFactor ?? -1)
      writeArray(w, flex, t.assignments ?? [], (a) => {
        w.int32(a.partitionIndex)
        writeInt32Array(w, flex, a.brokerIds)
        writeTags(w, flex)
      })
      writeArray(w, flex, t.configs ?? [], (c) => {
        writeString(w, flex, c.name)
        writeNullableString(w, flex, c.value)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    w.int32(req.timeoutMs)
    w.boolean(req.validateOnly ?? false)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): CreateTopicsResponse {
    checkVersion(CreateTopics, version)
    const flex = version >= 5
    const throttleTimeMs = r.int32()
    const topics = readArray(r, flex, (): CreatableTopicResult => {
      const name = readString(r, flex)
      const topicId = version >= 7 ? r.uuid() : ZERO_UUID
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      let numPartitions = -1
      let replicationFactor = -1
      let configs: CreatableTopicConfigResult[] | null = null
      if (version >= 5) {
        numPartitions = r.int32()
        replicationFactor = r.int16()
        configs = readNullableArray(r, flex, (): CreatableTopicConfigResult => {
          const c = {
            name: readString(r, flex),
            value: readNullableString(r, flex),
            readOnly: r.boolean(),
            configSource: r.int8(),
            isSensitive: r.boolean(),
          }
          readTags(r, flex)
          return c
        })
      }
      let topicConfigErrorCode = 0
      readTags(r, flex, (tag, tr, size) => {
        if (tag !== 0 || size !== 2) return false
        topicConfigErrorCode = tr.int16()
        return true
      })
      return { name, topicId, errorCode, errorMessage, topicConfigErrorCode, numPartitions, replicationFactor, configs }
    })
    readTags(r, flex)
    return { throttleTimeMs, topics }
  },
}
