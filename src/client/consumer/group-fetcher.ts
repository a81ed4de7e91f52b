/**
 * The fetching side of a group member: one long-poll Fetch per leader broker
 * over the assigned partitions, buffered for the caller up to maxBufferedBytes.
 */
import { DecodeError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { Fetch, type FetchRequestTopic } from '../../protocol/messages/fetch.js'
import type { Logger } from 'pino'
import type { Cluster } from '../cluster.js'
import { ZERO_UUID } from '../cluster.js'
import { backoffDelay, isRetriable, sleep } from '../retry.js'
import { fetchResultOf, type LazyFetchResult } from './fetch-result.js'
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

export class GroupFetcher {
  private buffer: Buffered[] = []
  private bufferedBytes = 0
  private wakeFetch: (() => void) | undefined

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
      const fetchable = [...this.host.assigned.values()].filter((s) => !s.paused && s.fetchPosition !== undefined)
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
   * One Fetch per leader broker covering its assigned partitions. The leaders come from the
   * cluster's metadata cache, which nothing else may refresh (a consumer of a topic no one
   * produces to): a lookup or a fetch that fails with a retriable error forgets the topics' cached
   * metadata, so that the retry asks the cluster where their leaders are now (as the Java client
   * requests a metadata update on a disconnect or an unknown leader).
   */
  private async fetchOnce(states: PartitionState[]): Promise<void> {
    const byLeader = new Map<number, PartitionState[]>()
    for (const s of states) {
      let leader
      try {
        leader = await this.cluster.leader(s.topic, s.partition)
      } catch (err) {
        // A cached answer without a leader (an election was under way) would otherwise stay.
        if (isRetriable(err)) this.cluster.invalidate(s.topic)
        throw err
      }
      byLeader.set(leader.leader, [...(byLeader.get(leader.leader) ?? []), s])
    }
    await Promise.all(
      [...byLeader].map(([nodeId, group]) =>
        this.fetchFromLeader(nodeId, group).catch((err: unknown) => {
          // The broker is gone or not answering: the partitions may have a new leader already.
          if (isRetriable(err)) for (const topic of new Set(group.map((s) => s.topic))) this.cluster.invalidate(topic)
          throw err
        }),
      ),
    )
  }

  private async fetchFromLeader(nodeId: number, states: PartitionState[]): Promise<void> {
    const conn = await this.cluster.broker(nodeId, this.lane)
    // Paused since run() picked them (the awaits above let pause() in): not fetched.
    const requested = states.filter((s) => !s.paused).map((s) => ({ s, epoch: s.epoch, offset: s.fetchPosition! }))
    if (requested.length === 0) return
    const byTopic = new Map<string, typeof requested>()
    for (const r of requested) byTopic.set(r.s.topic, [...(byTopic.get(r.s.topic) ?? []), r])
    const topics: FetchRequestTopic[] = []
    const idToName = new Map<string, string>()
    let useIds = true
    for (const [topic, rs] of byTopic) {
      const info = await this.cluster.topic(topic)
      if (info.topicId === ZERO_UUID) useIds = false
      idToName.set(info.topicId, topic)
      topics.push({
        topic,
        topicId: info.topicId,
        partitions: rs.map((r) => ({
          partition: r.s.partition,
          currentLeaderEpoch: -1,
          fetchOffset: r.offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: this.opts.maxBytesPerPartition,
        })),
      })
    }
    const v = conn.version(Fetch)
    const res = await conn.send(
      Fetch,
      !useIds && v >= 13 ? 12 : v,
      {
        replicaId: -1,
        maxWaitMs: this.opts.maxWaitMs,
        minBytes: 1,
        maxBytes: this.opts.maxBytes,
        isolationLevel: this.opts.isolationLevel === 'read_committed' ? 1 : 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics,
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: this.cluster.options.requestTimeoutMs + this.opts.maxWaitMs },
    )
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
