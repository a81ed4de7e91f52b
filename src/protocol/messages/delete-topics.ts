/*
 * DeleteTopics (API key 20), versions 1..6, flexible from 4.
 *
 * Request v1-5 => [topic_names] timeout_ms
 * Request v6+  => [topics] timeout_ms
 *   topics => name(nullable) topic_id
 * Response => throttle_time_ms [responses]
 *   responses => name(nullable v6+) topic_id(v6+) error_code error_message(v5+, nullable)
 *
 * The request names topics (and, from v6, optionally ids); the encoder writes whichever
 * shape the version needs, so callers need not know about the v6 change. v0 (no
 * throttle time) was removed in Kafka 4.0.
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
  writeStringArray,
  writeTags,
  ZERO_UUID,
} from './flexible.js'

/** DeleteTopics request body. */
export interface DeleteTopicsRequest {
  /** Topics to delete, by name (every version). */
  topicNames: string[]
  /** Topics to delete, by id (v6+ only). */
  topicIds?: string[]
  /** How long the controller may take to delete the topics. */
  timeoutMs: number
}

/** Outcome for one topic of a DeleteTopics request. */
export interface DeletableTopicResult {
  /** Topic name; may be null from v6 when the topic was named by id and is unknown. */
  name: string | null
  /** Topic id (v6+); the all-zero UUID before v6. */
  topicId: string
  errorCode: number
  /** Error detail (v5+), null when none. */
  errorMessage: string | null
}

/** DeleteTopics response body. */
export interface DeleteTopicsResponse {
  throttleTimeMs: number
  responses: DeletableTopicResult[]
}

interface TopicState {
  name: string | null
  topicId: string
}

/** DeleteTopics codec. */
export const DeleteTopics: ApiDefinition<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 1,
  maxVersion: 6,
  firstFlexibleVersion: 4,

  encodeRequest(w: Writer, version: number, req: DeleteTopicsRequest): void {
    checkVersion(DeleteTopics, version)
    const flex = version >= 4
    const ids = req.topicIds ?? []
    if (version >= 6) {
      const topics: TopicState[] = [
        ...req.topicNames.map((name) => ({ name, topicId: ZERO_UUID })),
        ...ids.map((topicId) => ({ name: null, topicId })),
      ]
      writeArray(w, flex, topics, (t) => {
        writeNullableString(w, flex, t.name)
        w.uuid(t.topicId)
        writeTags(w, flex)
      })
    } else {
      if (ids.length > 0) throw new InvalidArgumentError(`DeleteTopics v${version} cannot delete by topic id (needs v6+)`)
      writeStringArray(w, flex, req.topicNames)
    }
    w.int32(req.timeoutMs)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): DeleteTopicsResponse {
    checkVersion(DeleteTopics, version)
    const flex = version >= 4
    const throttleTimeMs = r.int32()
    const responses = readArray(r, flex, (): DeletableTopicResult => {
      const name = version >= 6 ? readNullableString(r, flex) : readString(r, flex)
      const topicId = version >= 6 ? r.uuid() : ZERO_UUID
      const errorCode = r.int16()
      const errorMessage = version >= 5 ? readNullableString(r, flex) : null
      readTags(r, flex)
      return { name, topicId, errorCode, errorMessage }
    })
    readTags(r, flex)
    return { throttleTimeMs, responses }
  },
}
