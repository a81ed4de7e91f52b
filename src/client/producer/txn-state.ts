/**
 * Pure logic of the idempotent/transactional producer, kept free of I/O so it can be unit
 * tested: sequence arithmetic (as the Java client's DefaultRecordBatch.incrementSequence), the
 * transaction state machine (as the Java client's TransactionManager.State) and the request
 * versions a transaction of version 1 or 2 may use.
 */
import type { ApiDefinition } from '../../protocol/messages/api.js'
import type { Connection } from '../connection.js'
import { UnsupportedVersionError } from '../errors.js'
import { TransactionStateError } from './errors.js'

/** Largest sequence number; the next one after it is 0 (sequences wrap, epochs do not). */
export const MAX_SEQUENCE = 0x7fffffff

/** `sequence + increment`, wrapping past int32 max to 0 like the Java client. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > MAX_SEQUENCE - increment) return increment - (MAX_SEQUENCE - sequence) - 1
  return sequence + increment
}

/** Sequence of the last record of a batch of `count` records starting at `baseSequence`. */
export function lastSequence(baseSequence: number, count: number): number {
  return incrementSequence(baseSequence, count - 1)
}

/** Largest producer epoch; an idempotent producer at this epoch asks for a new producer id instead of bumping. */
export const MAX_EPOCH = 0x7fff

/** States of a transactional producer (the Java client's names, lower-cased). */
export type TransactionState =
  | 'uninitialized'
  | 'initializing'
  | 'ready'
  | 'in_transaction'
  | 'committing'
  | 'aborting'
  /** A failure inside the transaction: only abort() may follow. */
  | 'abortable_error'
  /** EndTxn was sent without an answer: abort() or init() re-initialises. */
  | 'outcome_unknown'
  /** Fenced or otherwise unusable: every call throws. */
  | 'fatal_error'

const TRANSITIONS: Record<TransactionState, readonly TransactionState[]> = {
  uninitialized: ['initializing'],
  initializing: ['ready', 'uninitialized', 'outcome_unknown'],
  ready: ['in_transaction', 'initializing'],
  in_transaction: ['committing', 'aborting', 'abortable_error'],
  committing: ['ready', 'abortable_error', 'outcome_unknown'],
  aborting: ['ready', 'initializing', 'outcome_unknown'],
  abortable_error: ['aborting', 'abortable_error'],
  outcome_unknown: ['initializing'],
  fatal_error: [],
}

/** True when the state machine allows `from -> to` (fatal_error is reachable from anywhere). */
export function canTransition(from: TransactionState, to: TransactionState): boolean {
  return to === 'fatal_error' || TRANSITIONS[from].includes(to)
}

/** The state machine of one transactional producer. */
export class TransactionStateMachine {
  private current: TransactionState = 'uninitialized'

  get state(): TransactionState {
    return this.current
  }

  /** Moves to `to`, or throws TransactionStateError naming the operation that was refused. */
  transition(to: TransactionState, operation: string): void {
    if (!canTransition(this.current, to)) {
      throw new TransactionStateError(`${operation} is not allowed in transaction state '${this.current}'${hint(this.current)}`)
    }
    this.current = to
  }

  /** Throws TransactionStateError unless the state is one of `allowed`. */
  require(allowed: readonly TransactionState[], operation: string): void {
    if (!allowed.includes(this.current)) {
      throw new TransactionStateError(`${operation} is not allowed in transaction state '${this.current}'${hint(this.current)}`)
    }
  }
}

function hint(state: TransactionState): string {
  switch (state) {
    case 'uninitialized':
      return ': call init() first'
    case 'ready':
      return ': call begin() first'
    case 'abortable_error':
      return ': the transaction failed, call abort()'
    case 'outcome_unknown':
      return ': the last commit/abort has an unknown outcome, call abort() or init()'
    default:
      return ''
  }
}

/**
 * The version to send `api` at inside a transaction. From `v2From` on (Produce v12,
 * TxnOffsetCommit v5, EndTxn v5) a request belongs to transaction version 2 (KIP-890 part 2),
 * so a version 1 transaction must stay below it and a version 2 one needs it.
 */
export function transactionalVersion(conn: Connection, api: ApiDefinition<never, unknown>, v2: boolean, v2From: number): number {
  const version = conn.version(api as ApiDefinition<unknown, unknown>, v2 ? api.maxVersion : v2From - 1)
  if (v2 && version < v2From) {
    throw new UnsupportedVersionError(`${conn.address} offers ${api.name} v${version}; transaction version 2 needs v${v2From}`)
  }
  return version
}
