/*
 * Wire pieces the KIP-848 consumer-group and KIP-932 share-group APIs have in common (all
 * flexible):
 *
 *   heartbeat response => throttle_time_ms error_code error_message(nullable) member_id(nullable)
 *                         member_epoch heartbeat_interval_ms assignment
 *   heartbeat assignment (nullable struct) => [topic_partitions]
 *     topic_partitions => topic_id(uuid) [partitions]
 *   describe request   => [group_ids] include_authorized_operations
 *   describe response  => throttle_time_ms [groups]
 *     groups => error_code error_message(nullable) group_id group_state group_epoch
 *               assignment_epoch assignor_name [members](per API) authorized_operations
 *   described assignment (struct)          => [topic_partitions]
 *     topic_partitions => topic_id(uuid) topic_name [partitions]
 *   share-group offsets response            => throttle_time_ms error_code error_message(nullable) [responses]
 *     responses => topic_name topic_id(uuid) ...(per API)
 *   offset commit outcomes (OffsetCommit, TxnOffsetCommit responses; flexible or not)
 *                                           => [topics]
 *     topics     => name [partitions]
 *     partitions => partition_index error_code
 *
 * A nullable struct is an int8 marker on the wire: -1 for null, 1 followed by the struct.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import { readArray, readInt32Array, readNullableString, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** Partitions of one topic, by topic id. */
export interface TopicIdPartitions {
  /** Topic id in its 36-char text form. */
  topicId: string
  partitions: number[]
}

/** Partitions of one topic, by id and name (as group descriptions list them). */
export interface NamedTopicIdPartitions extends TopicIdPartitions {
  topicName: string
}

/** Writes a nullable array of topic-id partitions (a heartbeat's owned partitions). */
export function writeTopicIdPartitions(w: Writer, items: readonly TopicIdPartitions[] | null): void {
  writeArray(w, true, items, (tp) => {
    w.uuid(tp.topicId)
    writeArray(w, true, tp.partitions, (p) => w.int32(p))
    writeTags(w, true)
  })
}

/** Reads a heartbeat response's assignment: a nullable struct of topic-id partitions. */
export function readHeartbeatAssignment(r: Reader): { topicPartitions: TopicIdPartitions[] } | null {
  // As in Kafka's generated readers, any non-negative marker means present (1 is written).
  if (r.int8() < 0) return null
  const topicPartitions = readArray(r, true, (): TopicIdPartitions => {
    const tp = { topicId: r.uuid(), partitions: readInt32Array(r, true) }
    readTags(r, true)
    return tp
  })
  readTags(r, true)
  return { topicPartitions }
}

/** The response of ConsumerGroupHeartbeat and ShareGroupHeartbeat (the same fields). */
export interface GroupHeartbeatResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  memberId: string | null
  memberEpoch: number
  heartbeatIntervalMs: number
  assignment: { topicPartitions: TopicIdPartitions[] } | null
}

/** Reads a {@link GroupHeartbeatResponse}. */
export function readHeartbeatResponse(r: Reader): GroupHeartbeatResponse {
  const throttleTimeMs = r.int32()
  const errorCode = r.int16()
  const errorMessage = readNullableString(r, true)
  const memberId = readNullableString(r, true)
  const memberEpoch = r.int32()
  const heartbeatIntervalMs = r.int32()
  const assignment = readHeartbeatAssignment(r)
  readTags(r, true)
  return { throttleTimeMs, errorCode, errorMessage, memberId, memberEpoch, heartbeatIntervalMs, assignment }
}

/** Writes a ConsumerGroupDescribe or ShareGroupDescribe request. */
export function writeDescribeRequest(w: Writer, groupIds: readonly string[], includeAuthorizedOperations = false): void {
  writeArray(w, true, groupIds, (g) => writeString(w, true, g))
  w.boolean(includeAuthorizedOperations)
  writeTags(w, true)
}

/** A group of a ConsumerGroupDescribe or ShareGroupDescribe response, with its members of type `M`. */
export interface DescribedMemberGroup<M> {
  errorCode: number
  errorMessage: string | null
  groupId: string
  groupState: string
  groupEpoch: number
  assignmentEpoch: number
  assignorName: string
  members: M[]
  /** Bit field of ACL operations; -2147483648 (AUTHORIZED_OPERATIONS_OMITTED) when not asked for. */
  authorizedOperations: number
}

/** Reads a ConsumerGroupDescribe or ShareGroupDescribe response; `readMember` reads one member (its tags included). */
export function readDescribeResponse<M>(r: Reader, readMember: () => M): { throttleTimeMs: number; groups: Array<DescribedMemberGroup<M>> } {
  const throttleTimeMs = r.int32()
  const groups = readArray(r, true, (): DescribedMemberGroup<M> => {
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const groupId = readString(r, true)
    const groupState = readString(r, true)
    const groupEpoch = r.int32()
    const assignmentEpoch = r.int32()
    const assignorName = readString(r, true)
    const members = readArray(r, true, readMember)
    const authorizedOperations = r.int32()
    readTags(r, true)
    return { errorCode, errorMessage, groupId, groupState, groupEpoch, assignmentEpoch, assignorName, members, authorizedOperations }
  })
  readTags(r, true)
  return { throttleTimeMs, groups }
}

/** Reads a described member's assignment: a struct of named topic-id partitions. */
export function readDescribedAssignment(r: Reader): { topicPartitions: NamedTopicIdPartitions[] } {
  const topicPartitions = readArray(r, true, (): NamedTopicIdPartitions => {
    const tp = { topicId: r.uuid(), topicName: readString(r, true), partitions: readInt32Array(r, true) }
    readTags(r, true)
    return tp
  })
  readTags(r, true)
  return { topicPartitions }
}

/** One partition's outcome in an OffsetCommit or TxnOffsetCommit response. */
export interface PartitionErrorCode {
  partitionIndex: number
  errorCode: number
}

/** Reads the per-topic, per-partition error codes of an OffsetCommit or TxnOffsetCommit response. */
export function readTopicPartitionErrors(r: Reader, flex: boolean): Array<{ name: string; partitions: PartitionErrorCode[] }> {
  return readArray(r, flex, () => {
    const name = readString(r, flex)
    const partitions = readArray(r, flex, (): PartitionErrorCode => {
      const p = { partitionIndex: r.int32(), errorCode: r.int16() }
      readTags(r, flex)
      return p
    })
    readTags(r, flex)
    return { name, partitions }
  })
}

/** The response of AlterShareGroupOffsets and DeleteShareGroupOffsets, with their per-topic part `T`. */
export interface ShareGroupOffsetsResponse<T> {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  responses: Array<{ topicName: string; topicId: string } & T>
}

/** Reads a {@link ShareGroupOffsetsResponse}; `readTopic` reads what follows each topic's name and id. */
export function readShareGroupOffsetsResponse<T>(r: Reader, readTopic: () => T): ShareGroupOffsetsResponse<T> {
  const throttleTimeMs = r.int32()
  const errorCode = r.int16()
  const errorMessage = readNullableString(r, true)
  const responses = readArray(r, true, () => {
    const topicName = readString(r, true)
    const topicId = r.uuid()
    const t = { topicName, topicId, ...readTopic() }
    readTags(r, true)
    return t
  })
  readTags(r, true)
  return { throttleTimeMs, errorCode, errorMessage, responses }
}
