/**
 * Fetcher: reads many partitions at once, one Fetch request per partition
 * leader (all of a broker's partitions in one round trip), on a connection
 * lane of its own so its long polls never queue behind other requests.
 * Results are per partition: one partition's error does not fail the others.
 */
import { InvalidArgumentError, KafkaProtocolError, PeridotError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { Fetch, type FetchPartitionResponse, type FetchResponse } from '../../protocol/messages/fetch.js'
import type { KafkaRecord } from '../../protocol/records/index.js'
import { ZERO_UUID, type Cluster } from '../cluster.js'
import { ClientClosedError } from '../errors.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import { FetchSession, type SessionPartition } from './fetch-session.js'
import { FetcherSession } from './fetcher-session.js'
import { fetchResultOf, type FetchResult, type IsolationLevel, type LazyFetchResult } from './fetch-result.js'

/** One partition to read with {@link Fetcher.fetch} / `Client.fetchMany`. */
export interface FetchManyPartition {
  topic: string
  partition: number
  /** Offset of the first record wanted. */
  offset: bigint
  /** Upper bound of this partition's share of the response (default 1 MiB); at least one batch comes. */
  maxBytes?: number
}

/** Options of {@link Fetcher.fetch} / `Client.fetchMany`. */
export interface FetchManyOptions {
  /** Upper bound of each broker's response (default 50 MiB); at least one batch comes. */
  maxBytes?: number
  /** The broker waits until at least this many bytes are available (default 1). */
  minBytes?: number
  /** How long the broker may wait for minBytes (default 500 ms). */
  maxWaitMs?: number
  /** 'read_uncommitted' (default) or 'read_committed'. */
  isolationLevel?: IsolationLevel
  /**
   * Decompressed bytes allowed for the batches of one fetched partition, together (default:
   * 256 MiB, or 64 times the partition's fetched bytes when that is larger). A batch that would
   * take them past it fails with a DecodeError while it is being decompressed, so a compression
   * bomb cannot exhaust memory; each batch's output is released once its records are read.
   */
  maxDecompressedBytes?: number
}

/** Records of one partition: the fields of `PartitionClient.fetchRecords`, records decoded on first access. */
export interface PartitionFetchResult extends FetchResult {
  topic: string
  partition: number
  error?: undefined
}

/** A partition that could not be read (unknown topic or partition, offset out of range, no leader, connection lost, ...). */
export interface PartitionFetchError {
  topic: string
  partition: number
  error: PeridotError
}

/** Outcome of one requested partition; tell them apart by `error`. */
export type PartitionFetch = PartitionFetchResult | PartitionFetchError

/** Errors that mean the cached leader is stale: the next fetch refreshes metadata. */
const LEADER_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_ID,
])

class TopicPartitionFetchResult implements PartitionFetchResult {
  readonly error = undefined
  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly result: LazyFetchResult,
  ) {}
  get records(): KafkaRecord[] {
    return this.result.records
  }
  get highWatermark(): bigint {
    return this.result.highWatermark
  }
  get lastStableOffset(): bigint {
    return this.result.lastStableOffset
  }
  get logStartOffset(): bigint {
    return this.result.logStartOffset
  }
  get nextOffset(): bigint {
    return this.result.nextOffset
  }
  /** True when no record at or after the requested offset is visible. */
  get isEmpty(): boolean {
    return this.result.isEmpty
  }
  toJSON(): PartitionFetchResult {
    return { topic: this.topic, partition: this.partition, ...this.result.toJSON() }
  }
}

interface Wanted {
  index: number
  req: FetchManyPartition
  leaderEpoch: number
  topicId: string
}

/** How one round fetches. */
interface RoundOptions {
  minBytes: number
  maxBytes: number
  maxWaitMs: number
  isolation: IsolationLevel
  maxDecompressedBytes?: number
  /** Whether the round uses the brokers' fetch sessions. */
  sessions: boolean
}

/** Requests with a session per broker and call before falling back to a sessionless one. */
const SESSION_ATTEMPTS = 3

/** Rounds of re-fetching partitions that failed with a retriable error. */
const FETCH_RETRIES = 5
/** Answers that another round would not change (the metadata lookup behind them is fresh). */
const NOT_RETRIED = new Set<number>([ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION])

/** Options of `client.fetcher()`. */
export interface FetcherOptions {
  /**
   * Incremental fetch sessions (KIP-227), default true: one per broker, opened by the first
   * call; later calls list only the partitions whose offset (or size limit) changed, and the
   * broker answers only those with news (the others get empty results, as before). False sends
   * every partition every time.
   */
  fetchSessions?: boolean
}

/**
 * Multi-partition fetches on a lane of their own. Consecutive calls reuse its
 * connections and fetch sessions; use one Fetcher per concurrent caller (calls on
 * one Fetcher to the same broker are served one after another, all but one of
 * them without the session). `close()` releases the lane.
 */
export class Fetcher implements AsyncDisposable {
  private readonly lane: string
  private closed = false
  private readonly sessionsEnabled: boolean
  /** Fetch sessions by broker id. */
  private readonly sessions = new Map<number, FetcherSession>()

  /** @internal Use `client.fetcher()`. */
  constructor(
    private readonly cluster: Cluster,
    options: FetcherOptions = {},
  ) {
    if (options.fetchSessions !== undefined && typeof options.fetchSessions !== 'boolean') {
      throw new InvalidArgumentError(`fetchSessions must be a boolean (got ${typeof options.fetchSessions})`)
    }
    this.sessionsEnabled = options.fetchSessions ?? true
    this.lane = cluster.newLane('fetcher')
  }

  /**
   * Fetches every partition in `partitions`, grouped by leader into one Fetch
   * request per broker; results come in the order asked. Per-partition
   * failures are results with `error` set; invalid arguments throw.
   */
  async fetch(partitions: readonly FetchManyPartition[], options: FetchManyOptions = {}): Promise<PartitionFetch[]> {
    if (this.closed) throw new ClientClosedError('fetcher is closed')
    if (!Array.isArray(partitions)) throw new InvalidArgumentError('fetchMany needs an array of { topic, partition, offset }')
    const minBytes = options.minBytes ?? 1
    const maxBytes = options.maxBytes ?? 50 << 20
    const maxWaitMs = options.maxWaitMs ?? 500
    checkInt('minBytes', minBytes)
    checkInt('maxBytes', maxBytes)
    checkInt('maxWaitMs', maxWaitMs)
    if (options.maxDecompressedBytes !== undefined) checkInt('maxDecompressedBytes', options.maxDecompressedBytes)
    const isolation = options.isolationLevel ?? 'read_uncommitted'
    if (isolation !== 'read_uncommitted' && isolation !== 'read_committed') {
      throw new InvalidArgumentError(`isolationLevel must be 'read_uncommitted' or 'read_committed', got ${String(isolation)}`)
    }
    const seen = new Set<string>()
    partitions.forEach((p, i) => {
      if (!p || typeof p.topic !== 'string' || p.topic.length === 0) throw new InvalidArgumentError(`partition ${i}: topic must be a non-empty string`)
      if (!Number.isInteger(p.partition) || p.partition < 0) throw new InvalidArgumentError(`partition ${i}: partition must be a non-negative integer`)
      if (typeof p.offset !== 'bigint' || p.offset < 0n) throw new InvalidArgumentError(`partition ${i}: offset must be a non-negative bigint`)
      if (p.maxBytes !== undefined) checkInt('maxBytes', p.maxBytes)
      const key = `${p.topic}\u0000${p.partition}`
      if (seen.has(key)) throw new InvalidArgumentError(`partition ${i}: ${p.topic}-${p.partition} is listed twice`)
      seen.add(key)
    })

    const out = new Array<PartitionFetch>(partitions.length)
    const opts = { minBytes, maxBytes, maxWaitMs, isolation, maxDecompressedBytes: options.maxDecompressedBytes, sessions: false }
    let todo = partitions.map((_, i) => i)
    // Fetching is read-only, so partitions that failed with a retriable error (stale leader,
    // lost connection) are fetched again after a metadata refresh; the rest report their error.
    for (let attempt = 0; ; attempt++) {
      // Retries (a few partitions, rarely) go without the sessions rather than reshape them.
      await this.fetchRound(partitions, todo, { ...opts, sessions: attempt === 0 && this.sessionsEnabled }, out)
      const again = todo.filter((i) => {
        const e = out[i].error
        return e !== undefined && isRetriable(e) && !(e instanceof KafkaProtocolError && NOT_RETRIED.has(e.code))
      })
      if (again.length === 0 || attempt >= FETCH_RETRIES) break
      await sleep(backoffDelay(attempt, this.cluster.options.retry))
      todo = again
    }
    return out
  }

  /** One Fetch per leader broker for the partitions at `indices`, results written into `out`. */
  private async fetchRound(partitions: readonly FetchManyPartition[], indices: readonly number[], opts: RoundOptions, out: PartitionFetch[]): Promise<void> {
    // Group by leader from the metadata cache (refreshed when a topic is unknown to it).
    const byLeader = new Map<number, Wanted[]>()
    for (const i of indices) {
      const req = partitions[i]
      try {
        const leader = await this.cluster.leader(req.topic, req.partition)
        const topicId = (await this.cluster.topic(req.topic)).topicId
        let list = byLeader.get(leader.leader)
        if (!list) byLeader.set(leader.leader, (list = []))
        list.push({ index: i, req, leaderEpoch: leader.leaderEpoch, topicId })
      } catch (err) {
        // A cached answer without a leader must not be what the retry reads again.
        if (isRetriable(err)) this.cluster.invalidate(req.topic)
        out[i] = { topic: req.topic, partition: req.partition, error: asPeridotError(err) }
      }
    }
    await Promise.all(
      [...byLeader].map(([nodeId, wanted]) =>
        this.fetchFrom(nodeId, wanted, opts, out).catch((err: unknown) => {
          // The leader is gone or not answering: the retry looks the partitions' leaders up again.
          if (isRetriable(err)) for (const w of wanted) this.cluster.invalidate(w.req.topic)
          const error = asPeridotError(err)
          for (const w of wanted) out[w.index] = { topic: w.req.topic, partition: w.req.partition, error }
        }),
      ),
    )
  }

  private async fetchFrom(nodeId: number, wanted: Wanted[], o: RoundOptions, out: PartitionFetch[]): Promise<void> {
    const conn = await this.cluster.broker(nodeId, this.lane)
    // v13+ names topics by id: stay at v12 when any topic has none (old metadata).
    let version = conn.version(Fetch)
    if (version >= 13 && wanted.some((w) => w.topicId === ZERO_UUID)) version = 12
    const asked: SessionPartition[] = wanted.map((w) => ({
      topic: w.req.topic,
      topicId: w.topicId,
      partition: w.req.partition,
      fetchOffset: w.req.offset,
      partitionMaxBytes: w.req.maxBytes ?? 1 << 20,
      currentLeaderEpoch: w.leaderEpoch,
    }))
    // Answers are keyed by topic name (v12-) or id (v13+), then partition.
    const keyOf = (w: Wanted): string => `${version >= 13 ? w.topicId : w.req.topic}\u0000${w.req.partition}`
    const keys = wanted.map(keyOf)
    let parts: ReadonlyMap<string, FetchPartitionResponse> | undefined
    // A session error (or an answer the session cannot complete) is followed by a full request.
    for (let attempt = 0; parts === undefined; attempt++) {
      // Past a few attempts, or while a concurrent call has the session's request in flight: none.
      const candidate = o.sessions && attempt < SESSION_ATTEMPTS ? this.sessionOf(nodeId) : undefined
      const claimed = candidate?.start(asked, version)
      const session = claimed ? candidate : undefined
      const req = claimed ?? new FetchSession({ enabled: false }).build(asked, version)
      let res: FetchResponse
      try {
        res = await conn.send(
          Fetch,
          version,
          {
            replicaId: -1,
            maxWaitMs: o.maxWaitMs,
            minBytes: o.minBytes,
            maxBytes: o.maxBytes,
            isolationLevel: o.isolation === 'read_committed' ? 1 : 0,
            sessionId: req.sessionId,
            sessionEpoch: req.sessionEpoch,
            topics: req.topics,
            forgottenTopicsData: req.forgottenTopicsData,
            rackId: '',
          },
          { timeoutMs: this.cluster.options.requestTimeoutMs + o.maxWaitMs },
        )
      } catch (err) {
        session?.fail()
        throw err
      }
      const got = new Map<string, FetchPartitionResponse>()
      if (res.errorCode === 0) {
        for (const t of res.responses) {
          const name = version >= 13 ? t.topicId : t.topic
          for (const p of t.partitions) got.set(`${name}\u0000${p.partitionIndex}`, p)
        }
      }
      if (!session) {
        if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `fetch from broker ${nodeId}`)
        parts = got
        continue
      }
      const outcome = session.complete(res.errorCode, res.sessionId, got, keys)
      if (outcome.kind === 'error') throw new KafkaProtocolError(outcome.errorCode, `fetch from broker ${nodeId}`)
      if (outcome.kind === 'answers') parts = outcome.answers
    }
    for (let i = 0; i < wanted.length; i++) {
      const w = wanted[i]
      const { topic, partition, offset } = w.req
      const p = parts.get(keys[i])
      if (!p) {
        out[w.index] = { topic, partition, error: new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `fetch response without ${topic}-${partition}`) }
      } else if (p.errorCode !== 0) {
        if (LEADER_ERRORS.has(p.errorCode)) this.cluster.invalidate(topic)
        out[w.index] = { topic, partition, error: new KafkaProtocolError(p.errorCode, `fetch at offset ${offset} from ${topic}-${partition}`) }
      } else {
        try {
          out[w.index] = new TopicPartitionFetchResult(topic, partition, fetchResultOf(p, offset, o.isolation, o.maxDecompressedBytes))
        } catch (err) {
          out[w.index] = { topic, partition, error: asPeridotError(err) }
        }
      }
    }
  }

  private sessionOf(nodeId: number): FetcherSession {
    let s = this.sessions.get(nodeId)
    if (!s) this.sessions.set(nodeId, (s = new FetcherSession()))
    return s
  }

  /** Closes this fetcher's connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // The brokers evict the sessions left behind (they expire, or make room for new ones).
    this.sessions.clear()
    await this.cluster.releaseLane(this.lane)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function asPeridotError(err: unknown): PeridotError {
  if (err instanceof PeridotError) return err
  return new PeridotError(err instanceof Error ? err.message : String(err), { cause: err })
}

function checkInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new InvalidArgumentError(`${name} must be an integer in 0..2^31-1, got ${String(v)}`)
}
