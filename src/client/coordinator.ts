/**
 * Coordinator lookup (FindCoordinator) for consumer groups and transactional
 * ids, cached per key and forgotten on NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE.
 */
import { KafkaProtocolError } from '../protocol/errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { CoordinatorKeyType, FindCoordinator } from '../protocol/messages/find-coordinator.js'
import type { Cluster } from './cluster.js'
import type { Connection } from './connection.js'
import { withRetry } from './retry.js'

export type CoordinatorKind = 'group' | 'transaction'

/** Errors after which the coordinator must be looked up again. */
export const COORDINATOR_ERRORS = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE])

export class Coordinators {
  private readonly cache = new Map<string, Promise<Connection>>()

  /** `lane`: connection lane for coordinator requests (a group member's JoinGroup parks on the broker). */
  constructor(
    private readonly cluster: Cluster,
    private readonly lane?: string,
  ) {}

  /** Connection to the coordinator of `key`. */
  get(kind: CoordinatorKind, key: string): Promise<Connection> {
    const k = `${kind}\u0000${key}`
    let p = this.cache.get(k)
    if (!p) {
      p = this.lookup(kind, key)
      this.cache.set(k, p)
      p.catch(() => {
        if (this.cache.get(k) === p) this.cache.delete(k)
      })
    } else {
      // A cached connection that died is replaced by a fresh lookup.
      p = p.then((c) => (c.isOpen ? c : this.refresh(kind, key)))
    }
    return p
  }

  /** Forgets the cached coordinator and looks it up again. */
  refresh(kind: CoordinatorKind, key: string): Promise<Connection> {
    this.invalidate(kind, key)
    return this.get(kind, key)
  }

  invalidate(kind: CoordinatorKind, key: string): void {
    this.cache.delete(`${kind}\u0000${key}`)
  }

  private lookup(kind: CoordinatorKind, key: string): Promise<Connection> {
    const keyType = kind === 'group' ? CoordinatorKeyType.GROUP : CoordinatorKeyType.TRANSACTION
    return withRetry(async () => {
      const conn = await this.cluster.anyBroker()
      const res = await conn.request(FindCoordinator, { keyType, keys: [key] })
      const c = res.coordinators[0]
      if (!c) throw new KafkaProtocolError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `no coordinator for ${kind} '${key}'`)
      if (c.errorCode !== 0) throw new KafkaProtocolError(c.errorCode, c.errorMessage ?? `${kind} '${key}'`)
      return this.cluster.broker(c.nodeId, this.lane)
    }, this.cluster.options.retry)
  }
}
