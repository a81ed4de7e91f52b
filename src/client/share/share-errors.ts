/** Errors of share-group consumers. */
import { PeridotError } from '../../protocol/errors.js'

/**
 * A share consumer was used in a way its state does not allow (as Java's IllegalStateException):
 * acknowledging in implicit mode, acknowledging a record twice or after the next batch was asked
 * for, or asking for the next batch in explicit mode with records of the last one unacknowledged.
 */
export class ShareAcknowledgementError extends PeridotError {
  override name = 'ShareAcknowledgementError'
}
