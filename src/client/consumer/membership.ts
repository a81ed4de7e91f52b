/**
 * Group membership, shared by the two group protocols: the member id and
 * generation (or KIP-848 member epoch), the rejoin flag and the wake-up of the
 * membership loop. Each protocol runs its own loop over a MembershipHost.
 */
import type { Logger } from 'pino'
import { KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { COORDINATOR_ERRORS } from '../coordinator.js'
import { isRetriable } from '../retry.js'
import type { Cluster } from '../cluster.js'
import type { Coordinators } from '../coordinator.js'
import type { TopicPartition } from './assignor.js'
import type { ResolvedGroupConsumerOptions } from './group-consumer-options.js'
import type { PartitionState } from './partition-state.js'

/** What a membership protocol needs from its consumer. */
export interface MembershipHost {
  readonly cluster: Cluster
  readonly opts: ResolvedGroupConsumerOptions
  readonly coordinators: Coordinators
  readonly groupInstanceId: string | null
  /** True once close() began: the loop ends. */
  readonly closing: boolean
  readonly assigned: ReadonlyMap<string, PartitionState>
  /** Commits (with autoCommit), calls onRevoked and forgets `partitions`, once the caller is idle. */
  revoke(partitions: PartitionState[]): Promise<void>
  /** Forgets every partition without committing and calls onLost. */
  lose(): Promise<void>
  /** Adds `tps`, sets their positions and calls onAssigned; returns the states added. */
  assign(tps: TopicPartition[]): Promise<PartitionState[]>
  /** An assignment is in place: the first start() resolves and fetching resumes. */
  ready(): void
  /** The membership failed for good. */
  fail(err: Error): void
  /** The coordinator could not be reached (see isCoordinatorUnavailable); the request will be retried. */
  failing(err: unknown): void
  /** A request to the coordinator succeeded. */
  recovered(): void
}

/**
 * True when `err` means the coordinator cannot be reached or is not ready (network failure,
 * timeout, NOT_COORDINATOR, ...), which is worth reporting; ordinary group events (a rebalance,
 * a new generation) are not.
 */
export function isCoordinatorUnavailable(err: unknown): boolean {
  if (err instanceof KafkaProtocolError) return COORDINATOR_ERRORS.has(err.code) || err.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
  return isRetriable(err)
}

export abstract class Membership {
  memberId = ''
  generationId = -1
  /** A classic-protocol notion: the member must (re)join before fetching on. */
  rejoinNeeded = true
  /** Left the group because the caller exceeded maxPollIntervalMs: no heartbeat or join until resume(). */
  protected suspended = false
  /** Waits of the membership loop that wake() ends. */
  private readonly wakeable = new Set<() => void>()
  /** Every wait, ended by interrupt() (close). */
  private readonly waits = new Set<() => void>()

  constructor(protected readonly host: MembershipHost) {}

  protected get log(): Logger {
    return this.host.cluster.logger
  }

  protected get groupId(): string {
    return this.host.opts.groupId
  }

  /** Runs until the consumer closes or the membership fails. */
  abstract run(): Promise<void>

  /** Tells the group this member leaves (after its partitions were revoked); never throws. */
  abstract leave(): Promise<void>

  /** Forgets the member's place after leaving, so that the next join starts afresh. */
  protected abstract forgetMembership(): void

  /**
   * Resolves when no join is in flight. A commit waits for it: sent behind a parked JoinGroup on
   * the coordinator connection, it would reach the broker after the new generation began and be
   * refused as stale (ILLEGAL_GENERATION).
   */
  settled(): Promise<void> {
    return Promise.resolve()
  }

  requestRejoin(): void {
    this.rejoinNeeded = true
    this.wake()
  }

  /** Ends a wait of the membership loop early. */
  wake(): void {
    for (const w of [...this.wakeable]) w()
  }

  /** On close: ends every wait, and abandons a request parked on the broker (a join). */
  interrupt(): void {
    for (const w of [...this.waits]) w()
  }

  /**
   * The caller held a batch longer than maxPollIntervalMs: leave the group proactively (as the
   * Java client's heartbeat thread does), lose the partitions (onLost: they may be processed
   * elsewhere now), and stay out until resume().
   */
  async expirePoll(): Promise<void> {
    if (this.suspended || this.host.closing) return
    this.suspended = true
    this.interrupt()
    await this.leave()
    this.forgetMembership()
    await this.host.lose()
  }

  /** Joins again after expirePoll() (the caller asked for records again). */
  resume(): void {
    if (!this.suspended) return
    this.suspended = false
    this.requestRejoin()
  }

  /** Waits `ms`; wake() (a rejoin is needed) or interrupt() ends it early. */
  protected waitGroup(ms: number): Promise<void> {
    return this.wait(ms, true)
  }

  /** Waits `ms`; only interrupt() (close) ends it early. */
  protected pause(ms: number): Promise<void> {
    return this.wait(ms, false)
  }

  private wait(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t)
        this.wakeable.delete(done)
        this.waits.delete(done)
        resolve()
      }
      const t = setTimeout(done, ms)
      if (wakeable) this.wakeable.add(done)
      this.waits.add(done)
    })
  }
}
