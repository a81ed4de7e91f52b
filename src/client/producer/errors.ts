/**
 * Errors of the idempotent and transactional producer.
 */
import { InvalidArgumentError, PeridotError } from '../../protocol/errors.js'

/**
 * Another producer with the same transactional id (a newer epoch) has taken over: this
 * producer is fenced and refuses every further call. Close it; a new producer must call init().
 */
export class ProducerFencedError extends PeridotError {
  override name = 'ProducerFencedError'
}

/** A transactional call in the wrong state: send() before begin(), commit() twice, begin() before init(), ... */
export class TransactionStateError extends InvalidArgumentError {
  override name = 'TransactionStateError'
}

/**
 * The transaction failed in a way that allows recovery: it cannot commit, call abort() and
 * start again (a produce or offset commit in it failed, or the broker asked for an abort).
 */
export class TransactionAbortableError extends PeridotError {
  override name = 'TransactionAbortableError'
}

/**
 * EndTxn (commit or abort) was sent but no answer came: the transaction may or may not have
 * completed. Never reported as success. The producer then needs abort() or init(), which
 * re-initialises its id with the coordinator (completing or aborting whatever was pending).
 */
export class TransactionOutcomeUnknownError extends PeridotError {
  override name = 'TransactionOutcomeUnknownError'
}

/**
 * A send waited longer than `maxBlockMs` (Java's max.block.ms) for space in the producer's
 * buffer (`maxBufferedBytes`): the broker does not take records as fast as they are sent.
 * Nothing of the record was sent.
 */
export class BufferExhaustedError extends PeridotError {
  override name = 'BufferExhaustedError'
}

/**
 * A record larger than the producer accepts (`maxRequestSize`, Java's max.request.size, or its
 * whole buffer), or one the broker refused as too large (MESSAGE_TOO_LARGE,
 * RECORD_LIST_TOO_LARGE). The record cannot be written as it is: it is not retried.
 */
export class RecordTooLargeError extends PeridotError {
  override name = 'RecordTooLargeError'
}
