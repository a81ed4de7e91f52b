/**
 * Group membership, shared by the two group protocols: the member id and
 * generation (or KIP-848 member epoch), the rejoin flag and the wake-up of the
 * membership loop. Each protocol runs its own loop over a MembershipHost.
 */
import type { Logger } from 'pino'
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
}

export abstract class Membership {
  memberId = ''
  generationId = -1
  /** A classic-protocol notion: the member must (re)join before fetching on. */
  rejoinNeeded = true
  private wakeGroup: (() => void) | undefined

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

  requestRejoin(): void {
    this.rejoinNeeded = true
    this.wakeGroup?.()
  }

  /** Ends a wait of the membership loop early. */
  wake(): void {
    this.wakeGroup?.()
  }

  /** On close: ends the loop's wait, and abandons a request parked on the broker (a join). */
  interrupt(): void {
    this.wakeGroup?.()
  }

  protected waitGroup(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.wakeGroup = done
    })
  }
}
