/**
 * One share session (KIP-932) between a member and one broker: which partitions it fetches there
 * and the epoch of the next request. ShareFetch and ShareAcknowledge of a session carry
 * consecutive epochs (0 opens it, -1 closes it), so the session sends one request at a time.
 * A session the broker lost (SHARE_SESSION_NOT_FOUND, INVALID_SHARE_SESSION_EPOCH, a broken
 * connection) is opened anew with the full partition list; what it had acquired the broker
 * releases.
 */
import { KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ShareAcknowledge, type ShareAcknowledgeResponse } from '../../protocol/messages/share-acknowledge.js'
import { ShareFetch, ShareSessionEpoch, type ShareFetchResponse } from '../../protocol/messages/share-fetch.js'
import type { AcknowledgementBatch } from '../../protocol/messages/share-acknowledgements.js'
import type { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import { UnsupportedVersionError } from '../errors.js'

/** A partition in a session request, with its topic id. */
export interface SessionPartition {
  topic: string
  topicId: string
  partition: number
}

/** Acknowledgements of one partition for a session request. */
export interface SessionAcks extends SessionPartition {
  batches: AcknowledgementBatch[]
  renew: boolean
}

/** Fetch limits of a ShareFetch. */
export interface ShareFetchLimits {
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  maxRecords: number
}

const key = (p: { topicId: string; partition: number }): string => `${p.topicId}:${p.partition}`

/** Errors after which the broker no longer has this session. */
const SESSION_LOST = new Set<number>([ErrorCode.SHARE_SESSION_NOT_FOUND, ErrorCode.INVALID_SHARE_SESSION_EPOCH])

function groupByTopic<T extends { topicId: string; partition: number }, P>(items: readonly T[], part: (item: T) => P): Array<{ topicId: string; partitions: P[] }> {
  const out = new Map<string, P[]>()
  for (const i of items) {
    let list = out.get(i.topicId)
    if (!list) out.set(i.topicId, (list = []))
    list.push(part(i))
  }
  return [...out].map(([topicId, partitions]) => ({ topicId, partitions }))
}

/** A member's share session with one broker; its requests run one at a time. */
export class ShareSession {
  private epoch: number = ShareSessionEpoch.OPEN
  private readonly inSession = new Map<string, SessionPartition>()
  private tail: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly cluster: Cluster,
    readonly nodeId: number,
    private readonly lane: string,
    private readonly groupId: string,
    private readonly memberId: string,
  ) {}

  /** True once a request opened the session on the broker (and it was not closed or lost since). */
  get isOpen(): boolean {
    return this.epoch !== ShareSessionEpoch.OPEN
  }

  /** Runs requests of this session one after the other. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }

  private async connection(): Promise<Connection> {
    const conn = await this.cluster.broker(this.nodeId, this.lane)
    if (!conn.supports(ShareFetch)) throw new UnsupportedVersionError(`broker ${conn.address} does not support share groups (KIP-932: Kafka 4.1+ with the share.version feature)`)
    return conn
  }

  private advance(): void {
    this.epoch = this.epoch >= 0x7fffffff ? 1 : this.epoch + 1
  }

  private lose(): void {
    this.epoch = ShareSessionEpoch.OPEN
    this.inSession.clear()
  }

  /** Throws the request-level error; a lost session is reset first. */
  private check(errorCode: number, errorMessage: string | null, what: string): void {
    if (errorCode === 0) return
    if (SESSION_LOST.has(errorCode)) this.lose()
    throw new KafkaProtocolError(errorCode, errorMessage ?? `${what} of share group '${this.groupId}' on broker ${this.nodeId}`)
  }

  /**
   * Fetches `wanted` (the partitions this member reads from this broker) and acknowledges `acks`
   * (of wanted partitions; RENEW acknowledgements go through {@link acknowledge}).
   */
  fetch(wanted: readonly SessionPartition[], acks: readonly SessionAcks[], limits: ShareFetchLimits): Promise<ShareFetchResponse> {
    return this.serial(async () => {
      const conn = await this.connection()
      const wantedKeys = new Set(wanted.map(key))
      const opening = !this.isOpen
      const ackOf = new Map(acks.map((a) => [key(a), a]))
      // New partitions and those with acknowledgements go in the request; the session keeps the rest.
      const send = wanted.filter((p) => opening || !this.inSession.has(key(p)) || ackOf.has(key(p)))
      for (const a of acks) if (!wantedKeys.has(key(a))) send.push(a)
      const forgotten = opening ? [] : [...this.inSession.values()].filter((p) => !wantedKeys.has(key(p)))
      let res: ShareFetchResponse
      try {
        res = await conn.request(ShareFetch, {
          groupId: this.groupId,
          memberId: this.memberId,
          shareSessionEpoch: this.epoch,
          maxWaitMs: limits.maxWaitMs,
          minBytes: limits.minBytes,
          maxBytes: limits.maxBytes,
          maxRecords: limits.maxRecords,
          batchSize: limits.maxRecords,
          topics: groupByTopic(send, (p) => ({ partitionIndex: p.partition, acknowledgementBatches: ackOf.get(key(p))?.batches ?? [] })),
          forgottenTopicsData: groupByTopic(forgotten, (p) => p.partition),
        }, { timeoutMs: conn.options.requestTimeoutMs + limits.maxWaitMs })
      } catch (err) {
        this.lose() // the broker may or may not have seen this epoch
        throw err
      }
      this.check(res.errorCode, res.errorMessage, 'ShareFetch')
      if (opening) this.inSession.clear()
      for (const p of send) if (wantedKeys.has(key(p))) this.inSession.set(key(p), p)
      for (const p of forgotten) this.inSession.delete(key(p))
      this.advance()
      return res
    })
  }

  /** Acknowledges without fetching; `close` ends the session (the broker releases what is still acquired). */
  acknowledge(acks: readonly SessionAcks[], close = false): Promise<ShareAcknowledgeResponse | undefined> {
    return this.serial(async () => {
      // Without a session there is nothing acquired to acknowledge or release.
      if (!this.isOpen) {
        if (acks.length > 0) throw new KafkaProtocolError(ErrorCode.SHARE_SESSION_NOT_FOUND, `no share session with broker ${this.nodeId}: the acknowledged records were released`)
        return undefined
      }
      const conn = await this.connection()
      const renew = acks.some((a) => a.renew)
      if (renew && conn.version(ShareAcknowledge) < 2) {
        throw new UnsupportedVersionError(`broker ${conn.address} cannot renew acquisition locks (KIP-1222 needs ShareAcknowledge v2, Kafka 4.2+)`)
      }
      let res: ShareAcknowledgeResponse
      try {
        res = await conn.request(ShareAcknowledge, {
          groupId: this.groupId,
          memberId: this.memberId,
          shareSessionEpoch: close ? ShareSessionEpoch.CLOSE : this.epoch,
          isRenewAck: renew,
          topics: groupByTopic(acks, (a) => ({ partitionIndex: a.partition, acknowledgementBatches: a.batches })),
        })
      } catch (err) {
        this.lose()
        throw err
      }
      if (close) this.lose()
      this.check(res.errorCode, res.errorMessage, 'ShareAcknowledge')
      if (!close) this.advance()
      return res
    })
  }
}
