/*
 * CreatePartitions (API key 37), versions 0..3, flexible from 2.
 *
 * Request  => [topics] timeout_ms validate_only
 *   topics      => name count [assignments](nullable)
 *   assignments => [broker_ids]
 * Response => throttle_time_ms [results]
 *   results => name error_code error_message(nullable)
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
  writeInt32Array,
  writeString,
  writeTags,
} from './flexible.js'

/** Placement of one new partition. */
export interface CreatePartitionsAssignment {
  /** Brokers holding the replicas; the first is the preferred leader. */
  brokerIds: number[]
}

/** One topic to grow. */
export interface CreatePartitionsTopic {
  name: string
  /** The new total partition count (not the number added). */
  count: number
  /** One entry per added partition, or null (the default) for automatic placement. */
  assignments?: CreatePartitionsAssignment[] | null
}

/** CreatePartitions request body. */
export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[]
  /** How long the controller may take to create the partitions. */
  timeoutMs: number
  /** Check the request without changing anything (defaults to false). */
  validateOnly?: boolean
}

/** Outcome for one topic of a CreatePartitions request. */
export interface CreatePartitionsTopicResult {
  name: string
  errorCode: number
  errorMessage: string | null
}

/** CreatePartitions response body. */
export interface CreatePartitionsResponse {
  throttleTimeMs: number
  results: CreatePartitionsTopicResult[]
}

/** CreatePartitions codec. */
export const CreatePartitions: ApiDefinition<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: CreatePartitionsRequest): void {
    checkVersion(CreatePartitions, version)
    const flex = version >= 2
    writeArray(w, flex, req.topics, (t) => {
      writeString(w, flex, t.name)
      w.int32(t.count)
      writeArray(w, flex, t.assignments ?? null, (a) => {
        writeInt32Array(w, flex, a.brokerIds)
        writeTags(w, flex)
      })
      writeTags(w, flex)
    })
    w.int32(req.timeoutMs)
    w.boolean(req.validateOnly ?? false)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): CreatePartitionsResponse {
    checkVersion(CreatePartitions, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const results = readArray(r, flex, (): CreatePartitionsTopicResult => {
      const name = readString(r, flex)
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, flex)
      readTags(r, flex)
      return { name, errorCode, errorMessage }
    })
    readTags(r, flex)
    return { throttleTimeMs, results }
  },
}
