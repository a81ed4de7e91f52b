/**
 * The error SASL mechanisms throw. Messages never contain credentials: they name the
 * step and what was wrong, never the password, proofs or raw auth bytes.
 */
import { PeridotError } from '../errors.js'

/** A SASL exchange that cannot proceed: bad input, a malformed or failing server message. */
export class SaslError extends PeridotError {
  override name = 'SaslError'
}
