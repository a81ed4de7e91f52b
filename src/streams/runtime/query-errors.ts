/**
 * Errors of remote interactive queries ({@link KafkaStreams.query} and its query server).
 */
import { PeridotError } from '../../protocol/errors.js'

/** The topology has no store of that name, or the store cannot be queried remotely (a session or versioned store). */
export class UnknownStoreError extends PeridotError {
  override name = 'UnknownStoreError'
}

/**
 * No instance can answer for the key or partition now: the assignment names no host (the group
 * is rebalancing, or no instance has an `applicationServer`), or every host that has the data
 * refused or could not be reached. Retrying after the rebalance usually succeeds.
 */
export class NoQueryHostError extends PeridotError {
  override name = 'NoQueryHostError'
}

/** A query server did not answer within the query's `timeoutMs`. */
export class QueryTimeoutError extends PeridotError {
  override name = 'QueryTimeoutError'
}

/** A query request is malformed (HTTP 400 from a query server, or bad query options). */
export class QueryRequestError extends PeridotError {
  override name = 'QueryRequestError'
}
