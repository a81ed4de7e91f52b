/**
 * The fetching side of a group member: one long-poll Fetch per leader broker
 * over the assigned partitions, buffered for the caller up to maxBufferedBytes.
 */
import { DecodeError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { Fetch } from '../../protocol/messages/fetch.js'
import type { Logger } from 'pino'
import type { Cluster } from '../cluster.js'
import { ZERO_UUID } from '../cluster.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import { fetchResultOf, type LazyFetchResult } from './fetch-result.js'
import { FetchSession, isSessionError, type SessionPartition } from './fetch-session.js'
import type { ResolvedGroupConsumerOptions } from './group-consumer-options.js'
import { tpKey, type PartitionState } from './partition-state.js'
import { channels, type ConsumerFetchEvent } from '../telemetry/channels.js'

/** A fetched batch waiting for the caller; `epoch` is the partition's at fetch time. */
export interface Buffered {
  state: PartitionState
  epoch: number
  result: LazyFetchResult
}

/** What the fetcher needs from its consumer. */
export interface FetchHost {
  readonly assigned: ReadonlyMap<string, PartitionState>
  /** True once the consumer closes or failed: the fetch loop ends. */
  readonly stopped: boolean
  /** True while fetching must wait (a rebalance is pending). */
  readonly held: boolean
  /** A fetch failed for good. */
  fail(err: Error): void
  /** A fetch failed and will be retried. */
  failing(kind: 'fetch' | 'corrupt-fetch', err: unknown): void
  /** A fetch succeeded. */
  recovered(): void
  /** New batches are buffered. */
  delivered(): void
}

/**
 * How long a preferred read replica is used before asking the leader again (Java uses
 * metadata.max.age.ms, 5 minutes): the leader's choice may change as replicas come and go.
 */
const READ_REPLICA_LEASE_MS = 5 * 60_000

export class GroupFetcher {
  private buffer: Buffered[] = []
  private bufferedBytes = 0
  private wakeFetch: (() => void) | undefined
  /** Incremental fetch sessions (KIP-227), one per broker fetched from. */
  private readonly sessions = new Map<number, FetchSession>()

  constructor(
    private readonly cluster: Cluster,
    private readonly opts: ResolvedGroupConsumerOptions,
    private readonly lane: string,
    private readonly host: FetchHost,
  ) {}

  /** Publishes `peridot:consumer:fetch` for one partition's answer. */
  private publishFetch(s: PartitionState, fetchOffset: bigint, nextOffset: bigint): void {
    const end = s.fetchedEnd ?? nextOffset
    const event: ConsumerFetchEvent = {
      clientId: this.cluster.options.clientId,
      groupId: this.opts.groupId,
      topic: s.topic,
      partition: s.partition,
      records: Number(nextOffset - fetchOffset),
      lag: end > nextOffset ? end - nextOffset : 0n,
    }
    channels.consumerFetch.publish(event)
  }

  private get log(): Logger {
    return this.cluster.logger
  }

  /** Wakes the fetch loop (positions, assignment or buffer space changed). */
  wake(): void {
    this.wakeFetch?.()
  }

  /** The oldest buffered batch, if any. */
  take(): Buffered | undefined {
    const b = this.buffer.shift()
    if (!b) return undefined
    this.bufferedBytes -= b.result.sizeInBytes
    this.wakeFetch?.()
    return b
  }

  /** Number of buffered batches of `s` (fetched, not yet taken). */
  bufferedOf(s: PartitionState): number {
    let n = 0
    for (const b of this.buffer) if (b.state === s) n++
    return n
  }

  /** Drops every buffered batch. */
  clear(): void {
    this.buffer = []
    this.bufferedBytes = 0
  }

  /** Drops the buffered batches of `s` and rewinds its fetch position to the first of them. */
  drop(s: PartitionState): void {
    const keep: Buffered[] = []
    let rewind: bigint | undefined
    for (const b of this.buffer) {
      if (b.state === s) {
        this.bufferedBytes -= b.result.sizeInBytes
        const from = b.result.fetchOffset
        if (!b.result.isEmpty && (rewind === undefined || from < rewind)) rewind = from
      } else keep.push(b)
    }
    this.buffer = keep
    s.epoch++
    if (rewind !== undefined) s.fetchPosition = rewind
    this.wakeFetch?.()
  }

  async run(): Promise<void> {
    let attempt = 0
    while (!this.host.stopped) {
      const fetchable = [...this.host.assigned.values()].filter((s) => !s.paused && !s.assigning && s.fetchPosition !== undefined)
      if (fetchable.length === 0 || this.bufferedBytes >= this.opts.maxBufferedBytes || this.host.held) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, 200)
          function done() {
            clearTimeout(t)
            resolve()
          }
          this.wakeFetch = done
        })
        continue
      }
      try {
        await this.fetchOnce(fetchable)
        attempt = 0
        this.host.recovered()
      } catch (err) {
        if (this.host.stopped) return
        // An answer that does not decode may be a damaged transfer: fetch it again, as the Java client does.
        const corrupt = err instanceof DecodeError
        if (!corrupt && !isRetriable(err)) {
          this.host.fail(err as Error)
          return
        }
        this.host.failing(corrupt ? 'corrupt-fetch' : 'fetch', err)
        await sleep(backoffDelay(Math.min(attempt++, 6), this.cluster.options.retry))
      }
    }
  }

  /**
   * One Fetch per broker covering its assigned partitions: the leader's, or the read replica the
   * leader named for the client's rack (KIP-392) while that lease lasts. The leaders come from
   * the cluster's metadata cache, which nothing else may refresh (a consumer of a topic no one
   * produces to): a lookup or a fetch that fails with a retriable error forgets the topics'
   * cached metadata, so that the retry asks the cluster where their leaders are now (as the Java
   * client requests a metadata update on a disconnect or an unknown leader).
   */
  private async fetchOnce(states: PartitionState[]): Promise<void> {
    const byNode = new Map<number, PartitionState[]>()
    const now = Date.now()
    for (const s of states) {
      let nodeId: number
      if (s.readReplica !== undefined && now < s.readReplica.until) nodeId = s.readReplica.nodeId
      else {
        s.readReplica = undefined
        try {
          nodeId = (await this.cluster.leader(s.topic, s.partition)).leader
        } catch (err) {
          // A cached answer without a leader (an election was under way) would otherwise stay.
          if (isRetriable(err)) this.cluster.invalidate(s.topic)
          throw err
        }
      }
      byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), s])
    }
    await Promise.all(
      [...byNode].map(([nodeId, group]) =>
        this.fetchFrom(nodeId, group).catch((err: unknown) => {
          // A read replica that cannot be reached: back to the leader for these partitions.
          for (const s of group) if (s.readReplica?.nodeId === nodeId) s.readReplica = undefined
          // The broker is gone or not answering: the partitions may have a new leader already.
          if (isRetriable(err)) for (const topic of new Set(group.map((s) => s.topic))) this.cluster.invalidate(topic)
          throw err
        }),
      ),
    )
  }

  private async fetchFrom(nodeId: number, states: PartitionState[]): Promise<void> {
    const conn = await this.cluster.broker(nodeId, this.lane)
    // Paused since run() picked them (the awaits above let pause() in): not fetched.
    const requested = states.filter((s) => !s.paused && !s.assigning).map((s) => ({ s, epoch: s.epoch, offset: s.fetchPosition! }))
    if (requested.length === 0) return
    const wanted: SessionPartition[] = []
    const idToName = new Map<string, string>()
    let useIds = true
    for (const r of requested) {
      const info = await this.cluster.topic(r.s.topic)
      if (info.topicId === ZERO_UUID) useIds = false
      idToName.set(info.topicId, r.s.topic)
      wanted.push({
        topic: r.s.topic,
        topicId: info.topicId,
        partition: r.s.partition,
        fetchOffset: r.offset,
        partitionMaxBytes: this.opts.maxBytesPerPartition,
        currentLeaderEpoch: -1,
      })
    }
    const v = conn.version(Fetch)
    const version = !useIds && v >= 13 ? 12 : v
    let session = this.sessions.get(nodeId)
    if (!session) this.sessions.set(nodeId, (session = new FetchSession({ enabled: this.opts.fetchSessions })))
    const req = session.build(wanted, version)
    let res
    try {
      res = await conn.send(
        Fetch,
        version,
        {
          replicaId: -1,
          maxWaitMs: this.opts.maxWaitMs,
          minBytes: 1,
          maxBytes: this.opts.maxBytes,
          isolationLevel: this.opts.isolationLevel === 'read_committed' ? 1 : 0,
          sessionId: req.sessionId,
          sessionEpoch: req.sessionEpoch,
          topics: req.topics,
          forgottenTopicsData: req.forgottenTopicsData,
          rackId: this.cluster.options.rack ?? '',
        },
        { timeoutMs: this.cluster.options.requestTimeoutMs + this.opts.maxWaitMs },
      )
    } catch (err) {
      session.onError()
      throw err
    }
    session.onResponse(res.errorCode, res.sessionId)
    if (isSessionError(res.errorCode) && !req.full) {
      // The broker lost or refused the session (evicted, restarted, epoch out of step): the
      // next round sends a full fetch at once, which opens a new one.
      this.log.debug({ broker: nodeId, sessionId: req.sessionId, epoch: req.sessionEpoch, errorCode: res.errorCode }, 'fetch session reset')
      return
    }
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, 'fetch')
    let added = false
    let corrupt: DecodeError | undefined
    for (const t of res.responses) {
      const topic = t.topic ?? idToName.get(t.topicId) ?? ''
      for (const p of t.partitions) {
        const r = requested.find((x) => x.s.topic === topic && x.s.partition === p.partitionIndex)
        if (!r) continue
        // Discard results for partitions that were revoked, sought or paused meanwhile.
        if (r.s.epoch !== r.epoch || r.s.paused || this.host.assigned.get(tpKey(topic, p.partitionIndex)) !== r.s || r.s.fetchPosition !== r.offset) continue
        const fromReplica = r.s.readReplica?.nodeId === nodeId
        if (p.errorCode !== 0 && fromReplica) {
          // Any error from a read replica (it fell behind, lost the partition, went away): the
          // leader serves the partition again and may name another replica.
          this.log.debug({ topic, partition: p.partitionIndex, replica: nodeId, errorCode: p.errorCode }, 'read replica failed: fetching from the leader')
          r.s.readReplica = undefined
          continue
        }
        if (p.preferredReadReplica >= 0 && p.preferredReadReplica !== nodeId) {
          // The leader names a replica closer to the client's rack: fetch from it from now on.
          r.s.readReplica = { nodeId: p.preferredReadReplica, until: Date.now() + READ_REPLICA_LEASE_MS }
          this.log.debug({ topic, partition: p.partitionIndex, replica: p.preferredReadReplica }, 'fetching from the preferred read replica')
          if (p.errorCode === 0 && (p.records === null || p.records.length === 0)) continue
        }
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          if (this.opts.autoOffsetReset === 'error') throw new KafkaProtocolError(p.errorCode, `fetch at ${r.offset} from ${topic}-${p.partitionIndex}`)
          const reset = await r.s.pc.getOffset(this.opts.autoOffsetReset)
          this.log.warn({ topic, partition: p.partitionIndex, offset: r.offset, reset }, 'offset out of range: reset')
          r.s.fetchPosition = reset
          continue
        }
        if (p.errorCode !== 0) {
          const err = new KafkaProtocolError(p.errorCode, `fetch from ${topic}-${p.partitionIndex}`)
          if (err.retriable) {
            this.cluster.invalidate(topic)
            continue
          }
          throw err
        }
        let result
        try {
          result = fetchResultOf(p, r.offset, this.opts.isolationLevel, this.opts.maxDecompressedBytes)
        } catch (err) {
          // A damaged answer for one partition: fetch it again; the others' records go on.
          if (!(err instanceof DecodeError)) throw err
          corrupt ??= err
          continue
        }
        r.s.fetchPosition = result.nextOffset
        // Empty answers count too: they tell the lag of partitions with nothing new.
        r.s.fetchedEnd = this.opts.isolationLevel === 'read_committed' && result.lastStableOffset >= 0n ? result.lastStableOffset : result.highWatermark
        if (channels.consumerFetch.hasSubscribers) this.publishFetch(r.s, result.fetchOffset, result.nextOffset)
        if (result.isEmpty) continue
        this.buffer.push({ state: r.s, epoch: r.s.epoch, result })
        this.bufferedBytes += result.sizeInBytes
        added = true
      }
    }
    if (added) this.host.delivered()
    if (corrupt) throw corrupt
  }
}
