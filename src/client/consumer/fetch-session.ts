/**
 * The client side of one incremental fetch session with one broker (KIP-227).
 *
 * The first request is a full fetch with session id 0 and epoch 0, asking the broker for a
 * session; its answer carries the session id. Later requests carry that id and the next epoch
 * (1, 2, ..., wrapping to 1) and list only the partitions that are new or changed since the
 * last request (fetch offset, partition bytes, leader epoch), plus the "forgotten" ones to drop;
 * the broker remembers the rest and answers only for partitions with something to say. Any
 * trouble (a session error, a failed request, a change of request version) makes the next
 * request full again: with the old id and epoch 0 it also closes the old session, after
 * FETCH_SESSION_ID_NOT_FOUND with id 0. A broker that grants no session (id 0 in a full answer,
 * or an old version) gets full requests every time. One request at a time per session.
 */
import { ErrorCode } from '../../protocol/error-codes.js'
import type { FetchForgottenTopic, FetchRequestTopic } from '../../protocol/messages/fetch.js'

/** A partition as the next request wants it. */
export interface SessionPartition {
  topic: string
  topicId: string
  partition: number
  fetchOffset: bigint
  partitionMaxBytes: number
  /** -1 when not known. */
  currentLeaderEpoch: number
}

/** What a request built by {@link FetchSession.build} carries. */
export interface FetchSessionRequest {
  sessionId: number
  sessionEpoch: number
  topics: FetchRequestTopic[]
  forgottenTopicsData: FetchForgottenTopic[]
  /** True for a full request (every partition listed). */
  full: boolean
}

/** Fetch versions before 7 have no sessions. */
const FIRST_SESSION_VERSION = 7
const INITIAL_EPOCH = 0
/** Sessionless fetch (session id 0). */
const FINAL_EPOCH = -1

const key = (p: { topic: string; partition: number }): string => `${p.topic}\u0000${p.partition}`

/** One broker's fetch session; see the module comment. */
export class FetchSession {
  private sessionId = 0
  private nextEpoch = INITIAL_EPOCH
  /** The partitions of the session as the broker has them (from the requests it answered). */
  private partitions = new Map<string, SessionPartition>()
  /** Sent and not yet answered: what the session becomes when the answer is fine. */
  private pending: { partitions: Map<string, SessionPartition>; full: boolean; version: number } | undefined
  private version = -1

  /** `enabled: false` makes every request sessionless and full (session id 0, epoch -1). */
  constructor(private readonly options: { enabled?: boolean } = {}) {}

  /** The session id the broker granted; 0 when none. */
  get id(): number {
    return this.sessionId
  }

  /** The epoch the next request carries. */
  get epoch(): number {
    return this.nextEpoch
  }

  /**
   * The request for fetching exactly `wanted` at request version `version`. Call
   * {@link onResponse} or {@link onError} with its outcome before building the next.
   */
  build(wanted: readonly SessionPartition[], version: number): FetchSessionRequest {
    const next = new Map(wanted.map((p) => [key(p), p]))
    if (version < FIRST_SESSION_VERSION || this.options.enabled === false) {
      this.pending = { partitions: next, full: true, version }
      return { sessionId: 0, sessionEpoch: FINAL_EPOCH, topics: group(wanted), forgottenTopicsData: [], full: true }
    }
    // Topic names (v12-) and ids (v13+) do not mix within a session.
    if (this.nextEpoch !== INITIAL_EPOCH && (version >= 13) !== (this.version >= 13)) this.nextEpoch = INITIAL_EPOCH
    if (this.nextEpoch === INITIAL_EPOCH) {
      this.pending = { partitions: next, full: true, version }
      return { sessionId: this.sessionId, sessionEpoch: INITIAL_EPOCH, topics: group(wanted), forgottenTopicsData: [], full: true }
    }
    const changed: SessionPartition[] = []
    const forgotten: SessionPartition[] = []
    for (const [k, prev] of this.partitions) {
      const now = next.get(k)
      if (!now) forgotten.push(prev)
      else if (now.fetchOffset !== prev.fetchOffset || now.partitionMaxBytes !== prev.partitionMaxBytes || now.currentLeaderEpoch !== prev.currentLeaderEpoch || now.topicId !== prev.topicId) {
        changed.push(now)
      }
    }
    for (const [k, p] of next) if (!this.partitions.has(k)) changed.push(p)
    this.pending = { partitions: next, full: false, version }
    return {
      sessionId: this.sessionId,
      sessionEpoch: this.nextEpoch,
      topics: group(changed),
      forgottenTopicsData: [...groupForgotten(forgotten).values()],
      full: false,
    }
  }

  /**
   * Notes the broker's answer to the last built request: its top-level error code and session
   * id. After an error (a session error or any other) the next request is full; its partition
   * answers are only meaningful when `errorCode` is 0.
   */
  onResponse(errorCode: number, sessionId: number): void {
    const sent = this.pending
    this.pending = undefined
    if (!sent) return
    if (errorCode !== 0) {
      // The session is gone (or never was): start a new one. Any other error: close and restart.
      if (errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND) this.sessionId = 0
      this.nextEpoch = INITIAL_EPOCH
      this.partitions.clear()
      return
    }
    this.partitions = sent.partitions
    this.version = sent.version
    if (sent.version < FIRST_SESSION_VERSION || sessionId === 0) {
      // Sessionless (old broker, session cache full, or the broker closed the session).
      this.sessionId = 0
      this.nextEpoch = INITIAL_EPOCH
      return
    }
    if (sent.full) this.sessionId = sessionId
    this.nextEpoch = this.nextEpoch >= 0x7fffffff ? 1 : this.nextEpoch + 1
  }

  /** The last request failed without an answer (connection lost, timeout): the next one is full. */
  onError(): void {
    this.pending = undefined
    this.nextEpoch = INITIAL_EPOCH
    this.partitions.clear()
  }
}

/** FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH or FETCH_SESSION_TOPIC_ID_ERROR. */
export function isSessionError(errorCode: number): boolean {
  return (
    errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH || errorCode === ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR
  )
}

function group(parts: readonly SessionPartition[]): FetchRequestTopic[] {
  const topics = new Map<string, FetchRequestTopic>()
  for (const p of parts) {
    let t = topics.get(p.topic)
    if (!t) topics.set(p.topic, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }))
    t.partitions.push({
      partition: p.partition,
      currentLeaderEpoch: p.currentLeaderEpoch,
      fetchOffset: p.fetchOffset,
      lastFetchedEpoch: -1,
      logStartOffset: -1n,
      partitionMaxBytes: p.partitionMaxBytes,
    })
  }
  return [...topics.values()]
}

function groupForgotten(parts: readonly SessionPartition[]): Map<string, FetchForgottenTopic> {
  const topics = new Map<string, FetchForgottenTopic>()
  for (const p of parts) {
    let t = topics.get(p.topic)
    if (!t) topics.set(p.topic, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }))
    t.partitions.push(p.partition)
  }
  return topics
}
