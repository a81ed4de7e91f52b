/**
 * A {@link FetchSession} as the multi-partition Fetcher uses it: one per broker, at most one
 * request in flight (a concurrent call fetches without a session meanwhile), and answers made
 * whole again. An incremental answer leaves out the partitions with nothing new (no records, same
 * high watermark and log start offset); the Fetcher still owes its caller a result for each, so
 * this remembers the offsets of each session partition's last answer and rebuilds the left-out
 * ones from them as empty answers, exactly what a full fetch would have said.
 */
import type { FetchPartitionResponse } from '../../protocol/messages/fetch.js'
import { FetchSession, isSessionError, type FetchSessionRequest, type SessionPartition } from './fetch-session.js'

/** The offsets of a partition's last answer in the session. */
interface LastAnswer {
  highWatermark: bigint
  lastStableOffset: bigint
  logStartOffset: bigint
}

/** What {@link FetcherSession.complete} makes of an answer. */
export type SessionOutcome =
  /** Every asked partition's answer (left-out ones rebuilt), by the key the caller gave. */
  | { kind: 'answers'; answers: Map<string, FetchPartitionResponse> }
  /** The session failed or lost track: request again (the next request is full). */
  | { kind: 'retry' }
  /** A top-level error other than a session error: the session restarts with the next request. */
  | { kind: 'error'; errorCode: number }

/** One broker's fetch session of a Fetcher; see the module comment. */
export class FetcherSession {
  private readonly session = new FetchSession()
  private inFlight: { full: boolean } | undefined
  /** Keyed like the caller's answers (topic name or id, then partition). */
  private last = new Map<string, LastAnswer>()

  /**
   * Claims the session for one request fetching exactly `wanted`; undefined while another is in
   * flight (fetch without a session then). End it with {@link complete} or {@link fail}.
   */
  start(wanted: readonly SessionPartition[], version: number): FetchSessionRequest | undefined {
    if (this.inFlight) return undefined
    const req = this.session.build(wanted, version)
    this.inFlight = { full: req.full }
    return req
  }

  /** The request from {@link start} got no answer (connection lost, timeout): the next one is full. */
  fail(): void {
    if (!this.inFlight) return
    this.inFlight = undefined
    this.session.onError()
    this.last.clear()
  }

  /**
   * Ends the request from {@link start} with its answer: the top-level error code and session id,
   * `parts` the partition answers by key, `keys` the key of each partition asked.
   */
  complete(errorCode: number, sessionId: number, parts: ReadonlyMap<string, FetchPartitionResponse>, keys: readonly string[]): SessionOutcome {
    const sent = this.inFlight
    if (!sent) throw new Error('FetcherSession.complete without a request in flight')
    this.inFlight = undefined
    this.session.onResponse(errorCode, sessionId)
    if (errorCode !== 0) {
      this.last.clear()
      return isSessionError(errorCode) ? { kind: 'retry' } : { kind: 'error', errorCode }
    }
    // A full answer names every partition; an incremental one only those with news.
    if (sent.full) this.last.clear()
    const asked = new Set(keys)
    for (const k of this.last.keys()) if (!asked.has(k)) this.last.delete(k) // forgotten
    for (const [k, p] of parts) {
      // The broker answers an errored partition again next time (its cached watermark is reset).
      if (p.errorCode !== 0) this.last.delete(k)
      else this.last.set(k, { highWatermark: p.highWatermark, lastStableOffset: p.lastStableOffset, logStartOffset: p.logStartOffset })
    }
    const answers = new Map<string, FetchPartitionResponse>()
    for (const k of keys) {
      const p = parts.get(k)
      if (p) {
        answers.set(k, p)
        continue
      }
      const prev = this.last.get(k)
      if (!prev) {
        // Left out with nothing to rebuild it from: start over with a full request.
        this.session.onError()
        this.last.clear()
        return { kind: 'retry' }
      }
      answers.set(k, { partitionIndex: partitionOf(k), errorCode: 0, ...prev, abortedTransactions: null, preferredReadReplica: -1, records: null })
    }
    return { kind: 'answers', answers }
  }
}

/** The partition number at the end of a `name\u0000partition` key. */
function partitionOf(key: string): number {
  return Number(key.slice(key.lastIndexOf('\u0000') + 1))
}
