/**
 * A group's committed offsets: OffsetCommit for a member's generation and
 * OffsetFetch (with the reset policy where nothing is committed).
 */
import { KafkaProtocolError, PeridotError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { OffsetCommit } from '../../protocol/messages/offset-commit.js'
import { OffsetFetch } from '../../protocol/messages/offset-fetch.js'
import type { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import { COORDINATOR_ERRORS, type Coordinators } from '../coordinator.js'
import { ConnectionError, TimeoutError } from '../errors.js'
import { backoffDelay, sleep } from '../retry.js'
import type { TopicPartition } from './assignor.js'
import type { ResolvedGroupConsumerOptions } from './group-consumer-options.js'
import { byTopic, tpKey, type PartitionState } from './partition-state.js'

/** An offset to commit: the next offset to read, as in Kafka. */
export interface OffsetToCommit {
  topic: string
  partition: number
  offset: bigint
  metadata?: string | null
}

/** A committed offset of a group: the next offset to read, and the metadata string committed with it. */
export interface CommittedOffset {
  topic: string
  partition: number
  offset: bigint
  metadata: string | null
}

/** A commit was refused because the group moved on (rebalanced or this member was removed). */
export class CommitFailedError extends PeridotError {
  override name = 'CommitFailedError'
}

/**
 * A commit was refused because the group is rebalancing right now (REBALANCE_IN_PROGRESS; Java's
 * RebalanceInProgressException): the member takes part in the rebalance, and a commit after it,
 * of the partitions it still owns, can succeed. A {@link CommitFailedError}, so code that handles
 * that handles this too.
 */
export class RebalanceInProgressError extends CommitFailedError {
  override name = 'RebalanceInProgressError'
}

/** Who commits: the member and the generation (or KIP-848 member epoch) it belongs to. */
export interface CommitIdentity {
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

/**
 * The coordinator could not be reached or did not answer (its broker died, say): the Java
 * consumer marks the coordinator unknown and retries, and so do commits and offset fetches here.
 */
function isCoordinatorUnreachable(err: unknown): boolean {
  return err instanceof ConnectionError || err instanceof TimeoutError || (err instanceof KafkaProtocolError && err.retriable)
}

export class GroupOffsets {
  constructor(
    private readonly cluster: Cluster,
    private readonly coordinators: Coordinators,
    private readonly opts: ResolvedGroupConsumerOptions,
  ) {}

  /**
   * Sends a request to the group's coordinator; when the coordinator is unreachable, looks it up
   * again and retries (after a backoff), `retry.retries` times. The requests sent this way
   * (OffsetCommit, OffsetFetch) may be repeated safely.
   */
  private async toCoordinator<T>(send: (conn: Connection) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send(await this.coordinators.get('group', this.opts.groupId))
      } catch (err) {
        if (!isCoordinatorUnreachable(err) || attempt >= this.cluster.options.retry.retries) throw err
        this.coordinators.invalidate('group', this.opts.groupId)
        await sleep(backoffDelay(attempt, this.cluster.options.retry), this.cluster.options.retry.signal)
      }
    }
  }

  /**
   * Commits `offsets` for `member`. `onFenced` runs before a CommitFailedError (the member
   * must rejoin).
   */
  async commit(offsets: OffsetToCommit[], member: CommitIdentity, onFenced: () => void): Promise<void> {
    const topics = byTopic(offsets, (o) => o)
    for (let attempt = 0; ; attempt++) {
      const res = await this.toCoordinator((conn) =>
        conn.request(OffsetCommit, {
          groupId: this.opts.groupId,
          generationIdOrMemberEpoch: member.generationId,
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          topics: [...topics].map(([name, os]) => ({
            name,
            partitions: os.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: o.metadata ?? null })),
          })),
        }),
      )
      let retry: number | undefined
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === 0) continue
          if (COORDINATOR_ERRORS.has(p.errorCode) || p.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) retry = p.errorCode
          else if (p.errorCode === ErrorCode.ILLEGAL_GENERATION || p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || p.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
            onFenced()
            throw new CommitFailedError(
              `commit of ${t.name}-${p.partitionIndex} failed: ${new KafkaProtocolError(p.errorCode).message}; the group has rebalanced and the partitions may now belong to another member`,
            )
          } else if (p.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
            onFenced()
            throw new RebalanceInProgressError(`commit of ${t.name}-${p.partitionIndex} failed: the group is rebalancing; commit again after the rebalance`)
          } else throw new KafkaProtocolError(p.errorCode, `commit of ${t.name}-${p.partitionIndex} for group '${this.opts.groupId}'`)
        }
      }
      if (retry === undefined) return
      if (attempt >= this.cluster.options.retry.retries) throw new KafkaProtocolError(retry, `commit for group '${this.opts.groupId}'`)
      this.coordinators.invalidate('group', this.opts.groupId)
      await sleep(backoffDelay(attempt, this.cluster.options.retry))
    }
  }

  /**
   * What the group has committed for `partitions` (those without a committed offset are left
   * out), by `tpKey`. Offsets a transaction has sent but not ended yet (UNSTABLE_OFFSET_COMMIT:
   * KIP-447's requireStable) are waited for, as the Java consumer does, while `stopped()` is
   * false: their transaction commits or aborts (at the latest when its timeout passes), and the
   * offsets before it would have its input processed a second time.
   */
  async fetchCommitted(partitions: readonly TopicPartition[], stopped: () => boolean = () => false): Promise<Map<string, CommittedOffset>> {
    const committed = new Map<string, CommittedOffset>()
    if (partitions.length === 0) return committed
    const topics = byTopic(partitions, (s) => s.partition)
    for (let attempt = 0; ; attempt++) {
      const res = await this.toCoordinator((conn) =>
        conn.request(OffsetFetch, {
          groups: [{ groupId: this.opts.groupId, topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }],
          requireStable: true,
        }),
      )
      const group = res.groups[0]
      const code = group?.errorCode ?? res.errorCode
      let unstable: string | undefined
      if (code === ErrorCode.UNSTABLE_OFFSET_COMMIT) unstable = 'the group'
      else if ((COORDINATOR_ERRORS.has(code) || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) && attempt < this.cluster.options.retry.retries) {
        // Coordinator moves and loads are retried here, as the Java consumer does while it
        // fetches committed offsets: the assignment stands, only its positions are missing.
        if (COORDINATOR_ERRORS.has(code)) this.coordinators.invalidate('group', this.opts.groupId)
        await sleep(backoffDelay(attempt, this.cluster.options.retry))
        continue
      } else if (code !== 0) throw new KafkaProtocolError(code, `offset fetch of group '${this.opts.groupId}'`)
      for (const t of unstable === undefined ? (group?.topics ?? res.topics) : []) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT) {
            unstable ??= `${t.name}-${p.partitionIndex}`
            continue
          }
          if (p.errorCode !== 0) throw new KafkaProtocolError(p.errorCode, `offset fetch of ${t.name}-${p.partitionIndex}`)
          if (p.committedOffset >= 0n) committed.set(tpKey(t.name, p.partitionIndex), { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata })
        }
      }
      if (unstable === undefined) return committed
      if (stopped()) throw new KafkaProtocolError(ErrorCode.UNSTABLE_OFFSET_COMMIT, `offset fetch of ${unstable} for group '${this.opts.groupId}'`)
      if (attempt % 20 === 0) {
        this.cluster.logger.info({ groupId: this.opts.groupId, partition: unstable }, 'committed offsets wait for an open transaction to end (UNSTABLE_OFFSET_COMMIT); retrying')
      }
      committed.clear()
      await sleep(backoffDelay(Math.min(attempt, 4), this.cluster.options.retry))
    }
  }

  /**
   * Sets the positions of `states`: committed offsets ({@link fetchCommitted}: stable ones), or
   * the reset policy where none exists.
   */
  async initPositions(states: PartitionState[], stopped: () => boolean = () => false): Promise<void> {
    if (states.length === 0) return
    const committed = await this.fetchCommitted(states, stopped)
    await Promise.all(
      states.map(async (s) => {
        const c = committed.get(tpKey(s.topic, s.partition))
        let pos = c?.offset
        if (pos === undefined) {
          if (this.opts.autoOffsetReset === 'error') {
            throw new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `no committed offset for ${s.topic}-${s.partition} and autoOffsetReset is 'error'`)
          }
          pos = await s.pc.getOffset(this.opts.autoOffsetReset)
        }
        s.fetchPosition = pos
        s.consumed = pos
        s.committed = c?.offset
        s.committedMetadata = c?.metadata ?? null
      }),
    )
  }
}
