/**
 * What the Admin lends to the calls sent to a group's coordinator (admin-consumer-groups.ts,
 * admin-group-offsets.ts, share-groups.ts): its coordinator routing with retries, the node id of
 * a coordinator connection, and the shared checks of those calls.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import type { Connection } from '../connection.js'
import { COORDINATOR_ERRORS } from '../coordinator.js'

/** Errors after which a coordinator request is retried (after looking the coordinator up again). */
export const COORDINATOR_RETRY: ReadonlySet<number> = new Set<number>([...COORDINATOR_ERRORS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS])

/** The Admin's routing to a group's coordinator. */
export interface GroupCoordinatorHost {
  /** Runs `fn` on the group's coordinator, retrying when one of the error codes `fn` returns says it moved or is loading. */
  onCoordinator<T>(groupId: string, fn: (conn: Connection) => Promise<{ value: T; errors: number[] }>): Promise<T>
  /** Node id of a connection's broker. */
  nodeIdOf(conn: Connection): number
}

/** Refuses anything but a non-empty group id. */
export function checkGroupId(groupId: unknown): asserts groupId is string {
  if (typeof groupId !== 'string' || groupId.length === 0) throw new InvalidArgumentError('groupId must be a non-empty string')
}
