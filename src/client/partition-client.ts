/**
 * PartitionClient: produce to and fetch from one partition, RSKafka-style, for
 * write-ahead-log workloads. Leader changes are followed transparently; a
 * produce is retried only when the broker guarantees nothing was written.
 */
import { DecodeError, InvalidArgumentError, KafkaProtocolError } from '../protocol/errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { DeleteRecords } from '../protocol/messages/delete-records.js'
import { Fetch, type FetchResponse } from '../protocol/messages/fetch.js'
import { ListOffsets } from '../protocol/messages/list-offsets.js'
import { Produce } from '../protocol/messages/produce.js'
import { EXTERNAL_MIN_BYTES } from '../protocol/primitives/writer.js'
import type { CompressionCodec } from '../protocol/records/compression/index.js'
import { encodeRecordBatchToBuffer, type ProduceRecord } from '../protocol/records/index.js'
import type { Cluster } from './cluster.js'
import { ZERO_UUID } from './cluster.js'
import type { Connection } from './connection.js'
import { AbortError, ClientClosedError, closedWithUnknownOutcome, ConnectionError, ProduceOutcomeUnknownError, TimeoutError } from './errors.js'
import { isRetriable, withRetry } from './retry.js'
import { validateProduceRecords } from './validate.js'
import { untilAborted } from './owned-resources.js'
import { fetchResultOf, type FetchResult, type IsolationLevel, type LazyFetchResult } from './consumer/fetch-result.js'

export type { FetchResult, IsolationLevel }

/** Options of {@link PartitionClient.produce}. */
export interface ProduceOptions {
  /** Compression of the record batch (default 'none'). */
  compression?: CompressionCodec
  /** -1 (all in-sync replicas, default) or 1 (leader only). */
  acks?: -1 | 1
  /** How long the broker may wait for replication, in ms (default 30000). */
  timeoutMs?: number
}

/** Options of {@link PartitionClient.fetchRecords}. */
export interface FetchOptions {
  /** The broker waits until at least this many bytes are available (default 1). */
  minBytes?: number
  /** Upper bound of the response size (default 1 MiB); at least one batch is always returned. */
  maxBytes?: number
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

/** Options of {@link PartitionClient.consume}. */
export interface ConsumeOptions extends FetchOptions {
  /** Where to start (default 'earliest'). */
  from?: 'earliest' | 'latest' | bigint
  /** Stops the iteration. */
  signal?: AbortSignal
  /** What to do when the position falls outside the log (default 'error'). */
  onOffsetOutOfRange?: 'earliest' | 'latest' | 'error'
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? untilAborted(p, signal, () => new AbortError('consume aborted')) : p
}

/** Where {@link PartitionClient.getOffset} looks. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number }

/**
 * Errors after which a produce is known not to have been appended, so a retry cannot duplicate.
 * NOT_LEADER_OR_FOLLOWER only with acks=1: see `produceErrorOf`.
 */
const PRODUCE_SAFE_TO_RETRY = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.NOT_CONTROLLER,
])

/**
 * The error to report for a produce the broker refused with `err`. NOT_LEADER_OR_FOLLOWER does not prove
 * that nothing was appended when acks=all: Kafka appends first and then waits for the in-sync
 * replicas, and if the partition's leadership moves meanwhile it completes the waiting produce
 * with NOT_LEADER_OR_FOLLOWER (Partition.checkEnoughReplicasReachOffset). Without idempotence
 * such an answer is an unknown outcome, never a safe retry.
 */
export function produceErrorOf(err: KafkaProtocolError, acks: -1 | 1): KafkaProtocolError | ProduceOutcomeUnknownError {
  if (err.code !== ErrorCode.NOT_LEADER_OR_FOLLOWER || acks !== -1) return err
  return new ProduceOutcomeUnknownError(`produce has an unknown outcome: ${err.message} (an acks=all produce the leader may have appended before losing leadership)`, { cause: err })
}

/**
 * A Produce answer that came but does not decode (truncated, garbled) says nothing of what the
 * broker did: it received and handled the request, so the records are as good as in flight when
 * a connection drops. Turns that DecodeError into such a ConnectionError (the connection is
 * failed anyway), so it is retried with sequence numbers or reported as an unknown outcome, never
 * as a refusal; any other error is returned as it is.
 */
export function undecodableProduceAnswer(err: unknown): unknown {
  if (!(err instanceof DecodeError)) return err
  return new ConnectionError(`the produce answer could not be read: ${err.message}`, { cause: err, requestMayHaveBeenSent: true })
}

/** True when a failed produce certainly appended nothing, so it may be sent again. */
export function isSafeProduceRetry(err: unknown): boolean {
  return (err instanceof ConnectionError && !err.requestMayHaveBeenSent) || (err instanceof KafkaProtocolError && PRODUCE_SAFE_TO_RETRY.has(err.code))
}

/** Errors that mean our view of the leader is stale. */
export const LEADER_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
])

export class PartitionClient {
  /** Fetches long-poll on the broker, so each partition client fetches on a connection of its own. */
  private readonly fetchLane: string

  /** @internal Use `client.partitionClient(topic, partition)`. */
  constructor(
    private readonly cluster: Cluster,
    readonly topic: string,
    readonly partition: number,
  ) {
    this.fetchLane = cluster.newLane('fetch')
  }

  private async leaderConnection(refresh: boolean, lane?: string): Promise<{ conn: Connection; leaderEpoch: number; topicId: string }> {
    const p = await this.cluster.leader(this.topic, this.partition, { refresh })
    const t = await this.cluster.topic(this.topic)
    return { conn: await this.cluster.broker(p.leader, lane), leaderEpoch: p.leaderEpoch, topicId: t.topicId }
  }

  /** Runs `fn` against the leader, refreshing metadata and retrying on leader changes. */
  private async onLeader<T>(
    fn: (conn: Connection, leaderEpoch: number, topicId: string) => Promise<T>,
    retriable = isRetriable,
    lane?: string,
  ): Promise<T> {
    let refresh = false
    // Finding the leader (metadata, connecting) sends nothing of `fn`'s request: its failures are
    // retried as any request's, even where `retriable` refuses to retry `fn`'s own (a produce whose
    // metadata refresh lost its connection has written nothing).
    let locating = false
    return withRetry(
      async () => {
        locating = true
        const { conn, leaderEpoch, topicId } = await this.leaderConnection(refresh, lane)
        locating = false
        return fn(conn, leaderEpoch, topicId)
      },
      this.cluster.options.retry,
      (err) => (locating ? isRetriable(err) : retriable(err)),
      (err) => {
        refresh = true
        this.cluster.logger.debug({ topic: this.topic, partition: this.partition, err }, 'retrying after error')
      },
    )
  }

  private partitionError(code: number, what: string): KafkaProtocolError {
    if (LEADER_ERRORS.has(code)) this.cluster.invalidate(this.topic)
    return new KafkaProtocolError(code, `${what} ${this.topic}-${this.partition}`)
  }

  /**
   * Appends `records` as one record batch and returns their offsets.
   *
   * Throws {@link ProduceOutcomeUnknownError} when the request may have been
   * written but no answer came (timeout, connection lost), or when the leader answered
   * NOT_LEADER_OR_FOLLOWER to an acks=all produce (see `produceErrorOf`): never a
   * false success, and never a retry that could write the records twice.
   */
  async produce(records: readonly ProduceRecord[], options: ProduceOptions = {}): Promise<bigint[]> {
    validateProduceRecords(records)
    const acks = options.acks ?? -1
    if (acks !== -1 && acks !== 1) throw new InvalidArgumentError(`acks must be -1 or 1, got ${String(acks)}`)
    const timeoutMs = options.timeoutMs ?? 30_000
    if (records.length === 0) return []
    const batch = encodeRecordBatchToBuffer(records, { compression: options.compression ?? 'none' })
    const baseOffset = await this.produceEncoded(batch, { acks, timeoutMs })
    const offsets = new Array<bigint>(records.length)
    for (let i = 0; i < records.length; i++) offsets[i] = baseOffset + BigInt(i)
    return offsets
  }

  /**
   * Sends one already-encoded record batch and returns its base offset.
   * Retries only errors after which the broker guarantees nothing was appended
   * (and none at all with `retry: false`, for callers that order retries themselves).
   */
  async produceEncoded(batch: Buffer, options: { acks?: -1 | 1; timeoutMs?: number; retry?: boolean } = {}): Promise<bigint> {
    const acks = options.acks ?? -1
    const timeoutMs = options.timeoutMs ?? 30_000
    const send = async (conn: Connection): Promise<bigint> => {
      let res
      try {
        res = await conn.request(
          Produce,
          {
            transactionalId: null,
            acks,
            timeoutMs,
            topics: [{ name: this.topic, partitions: [{ index: this.partition, records: batch }] }],
          },
          // Large batches are sent by reference (Writer.external): only small ones are copied.
          { timeoutMs: this.cluster.options.requestTimeoutMs + timeoutMs, sizeHint: 256 + this.topic.length * 3 + (batch.length < EXTERNAL_MIN_BYTES ? batch.length : 0) },
        )
      } catch (e) {
        const err = undecodableProduceAnswer(e)
        if (err instanceof ClientClosedError && err.requestMayHaveBeenSent) throw closedWithUnknownOutcome(`produce to ${this.topic}-${this.partition}`, err)
        if (err instanceof TimeoutError || (err instanceof ConnectionError && err.requestMayHaveBeenSent)) {
          throw new ProduceOutcomeUnknownError(`produce to ${this.topic}-${this.partition} has an unknown outcome: ${(err as Error).message}`, {
            cause: err,
          })
        }
        throw err
      }
      const pr = res.responses[0]?.partitionResponses[0]
      if (!pr) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'produce response without the partition')
      if (pr.errorCode !== 0) throw produceErrorOf(this.partitionError(pr.errorCode, pr.errorMessage ?? 'produce to'), acks)
      return pr.baseOffset
    }
    if (options.retry === false) {
      const { conn } = await this.leaderConnection(false)
      return send(conn)
    }
    return this.onLeader(send, isSafeProduceRetry)
  }

  /**
   * Fetches records starting at `offset`. Returns after `maxWaitMs` with no
   * records when none arrive. OFFSET_OUT_OF_RANGE is thrown as a KafkaProtocolError.
   */
  async fetchRecords(offset: bigint, options: FetchOptions = {}): Promise<FetchResult> {
    return (await this.fetchRaw(offset, options)).toJSON()
  }

  /** One Fetch round trip; records are decoded lazily on first access of `records`. */
  private async fetchRaw(offset: bigint, options: FetchOptions): Promise<LazyFetchResult> {
    if (typeof offset !== 'bigint' || offset < 0n) throw new InvalidArgumentError(`offset must be a non-negative bigint, got ${String(offset)}`)
    const minBytes = options.minBytes ?? 1
    const maxBytes = options.maxBytes ?? 1 << 20
    const maxWaitMs = options.maxWaitMs ?? 500
    checkNonNegativeInt('minBytes', minBytes)
    checkNonNegativeInt('maxBytes', maxBytes)
    checkNonNegativeInt('maxWaitMs', maxWaitMs)
    if (options.maxDecompressedBytes !== undefined) checkNonNegativeInt('maxDecompressedBytes', options.maxDecompressedBytes)
    const isolation = options.isolationLevel ?? 'read_uncommitted'

    const p = await this.onLeader(async (conn, leaderEpoch, topicId) => {
      const r: FetchResponse = await conn.send(
        Fetch,
        fetchVersion(conn, topicId),
        {
          replicaId: -1,
          maxWaitMs,
          minBytes,
          maxBytes,
          isolationLevel: isolation === 'read_committed' ? 1 : 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic: this.topic,
              topicId,
              partitions: [
                {
                  partition: this.partition,
                  currentLeaderEpoch: leaderEpoch,
                  fetchOffset: offset,
                  lastFetchedEpoch: -1,
                  logStartOffset: -1n,
                  partitionMaxBytes: maxBytes,
                },
              ],
            },
          ],
          forgottenTopicsData: [],
          rackId: '',
        },
        { timeoutMs: this.cluster.options.requestTimeoutMs + maxWaitMs },
      )
      if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `fetch from ${this.topic}-${this.partition}`)
      const part = r.responses[0]?.partitions[0]
      if (!part) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'fetch response without the partition')
      if (part.errorCode !== 0) throw this.partitionError(part.errorCode, `fetch at offset ${offset} from`)
      return part
    }, isRetriable, this.fetchLane)
    return fetchResultOf(p, offset, isolation, options.maxDecompressedBytes)
  }

  /**
   * Reads the partition as an endless stream of non-empty fetch results. The
   * next fetch is in flight while the caller processes the current one; at
   * most one result waits, so memory stays within about 2 x maxBytes and a
   * slow caller slows the fetching (backpressure). Ends when `signal` aborts.
   */
  async *consume(options: ConsumeOptions = {}): AsyncGenerator<FetchResult, void, undefined> {
    const policy = options.onOffsetOutOfRange ?? 'error'
    if (policy !== 'earliest' && policy !== 'latest' && policy !== 'error') {
      throw new InvalidArgumentError(`onOffsetOutOfRange must be 'earliest', 'latest' or 'error', got ${String(policy)}`)
    }
    const from = options.from ?? 'earliest'
    let offset: bigint
    if (from === 'earliest' || from === 'latest') offset = await this.getOffset(from)
    else if (typeof from === 'bigint' && from >= 0n) offset = from
    else throw new InvalidArgumentError(`from must be 'earliest', 'latest' or an offset >= 0n, got ${String(from)}`)

    const signal = options.signal
    const fetchFrom = async (at: bigint): Promise<LazyFetchResult> => {
      for (;;) {
        try {
          return await this.fetchRaw(at, options)
        } catch (err) {
          if (!(err instanceof KafkaProtocolError) || err.code !== ErrorCode.OFFSET_OUT_OF_RANGE || policy === 'error') throw err
          const reset = await this.getOffset(policy)
          this.cluster.logger.warn({ topic: this.topic, partition: this.partition, offset: at, reset }, 'offset out of range: reset')
          at = reset
        }
      }
    }
    let next: Promise<LazyFetchResult> | undefined = fetchFrom(offset)
    try {
      while (!signal?.aborted) {
        let res: LazyFetchResult
        try {
          res = await abortable(next, signal)
        } catch (err) {
          if (signal?.aborted) return
          throw err
        }
        next = fetchFrom(res.nextOffset)
        if (res.isEmpty) continue
        yield res
      }
    } finally {
      // A prefetch still in flight is abandoned; its outcome no longer matters.
      next?.catch(() => undefined)
    }
  }
  /** Closes this partition client's fetch connection (the Client's shared connections stay open). */
  async close(): Promise<void> {
    await this.cluster.releaseLane(this.fetchLane)
  }

  /**
   * Offset lookup: 'earliest' (log start), 'latest' (high watermark), or the
   * first offset whose timestamp is >= `timestamp` (the high watermark when no
   * such record exists, so that reading from it yields only newer records).
   */
  async getOffset(at: OffsetSpec): Promise<bigint> {
    let ts: bigint
    if (at === 'earliest') ts = -2n
    else if (at === 'latest') ts = -1n
    else if (typeof at === 'object' && at !== null && Number.isSafeInteger(at.timestamp) && at.timestamp >= 0) ts = BigInt(at.timestamp)
    else throw new InvalidArgumentError(`getOffset expects 'earliest', 'latest' or { timestamp: ms >= 0 }, got ${JSON.stringify(at)}`)

    const offset = await this.onLeader(async (conn, leaderEpoch) => {
      const res = await conn.request(ListOffsets, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: this.topic, partitions: [{ partitionIndex: this.partition, currentLeaderEpoch: leaderEpoch, timestamp: ts }] }],
        timeoutMs: this.cluster.options.requestTimeoutMs,
      })
      const p = res.topics[0]?.partitions[0]
      if (!p) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'list offsets response without the partition')
      if (p.errorCode !== 0) throw this.partitionError(p.errorCode, 'list offsets of')
      return p.offset
    })
    if (offset < 0n && ts >= 0n) return this.getOffset('latest')
    return offset
  }

  /** Deletes all records before `offset`; returns the new low watermark. */
  async deleteRecords(offset: bigint, options: { timeoutMs?: number } = {}): Promise<bigint> {
    if (typeof offset !== 'bigint' || offset < -1n) throw new InvalidArgumentError(`offset must be a bigint >= 0 (or -1n for the high watermark), got ${String(offset)}`)
    const timeoutMs = options.timeoutMs ?? 30_000
    return this.onLeader(async (conn) => {
      const res = await conn.request(
        DeleteRecords,
        { topics: [{ name: this.topic, partitions: [{ partitionIndex: this.partition, offset }] }], timeoutMs },
        { timeoutMs: this.cluster.options.requestTimeoutMs + timeoutMs },
      )
      const p = res.topics[0]?.partitions[0]
      if (!p) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'delete records response without the partition')
      if (p.errorCode !== 0) throw this.partitionError(p.errorCode, `delete records before ${offset} of`)
      return p.lowWatermark
    })
  }
}

/** Fetch v13+ addresses topics by id; without an id (old metadata) stay at v12. */
function fetchVersion(conn: Connection, topicId: string): number {
  const v = conn.version(Fetch)
  return topicId === ZERO_UUID && v >= 13 ? 12 : v
}

function checkNonNegativeInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new InvalidArgumentError(`${name} must be an integer in 0..2^31-1, got ${String(v)}`)
}
